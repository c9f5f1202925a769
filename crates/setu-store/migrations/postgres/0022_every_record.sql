-- Every kind of record can be corrected and withdrawn (issue 14). Rows that had no version
-- start at 0, the version their sealed values were bound to, so they open as before; each
-- correction moves a row to its next version and re-seals it for that version.
ALTER TABLE group_member ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sbcc_session ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE youth_ambassador ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE youth_group ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE youth_event ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE forum_entry ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE shared_alert ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE handover ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

ALTER TABLE meeting_decision ADD COLUMN withdrawn_at TEXT;
ALTER TABLE group_member ADD COLUMN withdrawn_at TEXT;
ALTER TABLE sbcc_session ADD COLUMN withdrawn_at TEXT;
ALTER TABLE youth_ambassador ADD COLUMN withdrawn_at TEXT;
ALTER TABLE youth_group ADD COLUMN withdrawn_at TEXT;
ALTER TABLE youth_event ADD COLUMN withdrawn_at TEXT;
ALTER TABLE forum_entry ADD COLUMN withdrawn_at TEXT;
ALTER TABLE shared_alert ADD COLUMN withdrawn_at TEXT;
ALTER TABLE contact ADD COLUMN withdrawn_at TEXT;
ALTER TABLE tracing_encounter ADD COLUMN withdrawn_at TEXT;
ALTER TABLE screening ADD COLUMN withdrawn_at TEXT;
ALTER TABLE handover ADD COLUMN withdrawn_at TEXT;
-- Directory entries and committees are corrected through the same path; they are not
-- withdrawn (other records name them), so this stays empty.
ALTER TABLE organisation ADD COLUMN withdrawn_at TEXT;
ALTER TABLE committee ADD COLUMN withdrawn_at TEXT;
ALTER TABLE site ADD COLUMN withdrawn_at TEXT;
