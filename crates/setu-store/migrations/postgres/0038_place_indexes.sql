-- Scoped queries keep a place as a range of codes (code >= '511' AND code < '512'), which a
-- plain btree index serves under any collation; the text_pattern_ops indexes made for
-- LIKE 'prefix%' do not. Each is rebuilt as a plain one under its name (issue 17, point 9).
DROP INDEX place_code_prefix;
CREATE INDEX place_code_prefix ON place (code);
DROP INDEX organisation_place;
CREATE INDEX organisation_place ON organisation (place_code);
DROP INDEX site_place;
CREATE INDEX site_place ON site (place_code);
DROP INDEX glass_grant_place;
CREATE INDEX glass_grant_place ON glass_grant (place_code);
DROP INDEX contact_place;
CREATE INDEX contact_place ON contact (place_code);
DROP INDEX committee_place;
CREATE INDEX committee_place ON committee (place_code);
DROP INDEX parents_group_ward;
CREATE INDEX parents_group_ward ON parents_group (ward_code);
DROP INDEX youth_ambassador_ward;
CREATE INDEX youth_ambassador_ward ON youth_ambassador (ward_code);
DROP INDEX youth_event_ward;
CREATE INDEX youth_event_ward ON youth_event (ward_code);
DROP INDEX org_service_place;
CREATE INDEX org_service_place ON org_service (place_code);
DROP INDEX forum_entry_place;
CREATE INDEX forum_entry_place ON forum_entry (place_code);
DROP INDEX shared_alert_place;
CREATE INDEX shared_alert_place ON shared_alert (place_code);
DROP INDEX youth_group_place;
CREATE INDEX youth_group_place ON youth_group (place_code);
DROP INDEX booth_tally_place;
CREATE INDEX booth_tally_place ON booth_tally (place_code);
DROP INDEX screening_place;
CREATE INDEX screening_place ON screening (place_code);
DROP INDEX handover_place;
CREATE INDEX handover_place ON handover (place_code);
DROP INDEX police_referral_place;
CREATE INDEX police_referral_place ON police_referral (place_code);
DROP INDEX missing_report_place;
CREATE INDEX missing_report_place ON missing_report (place_code);
DROP INDEX tracing_encounter_place;
CREATE INDEX tracing_encounter_place ON tracing_encounter (place_code);
DROP INDEX match_proposal_place;
CREATE INDEX match_proposal_place ON match_proposal (place_code);

-- Survivor support figures read services by the day they started.
CREATE INDEX case_service_started ON case_service (started_on);
