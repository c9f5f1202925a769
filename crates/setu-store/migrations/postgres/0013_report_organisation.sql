-- A missing-person report may be taken by an organisation (a police unit, an NGO) rather than
-- the ward: that organisation's people see it through their own scope.

ALTER TABLE missing_report ADD COLUMN organisation_id BIGINT REFERENCES organisation (id);
CREATE INDEX missing_report_organisation ON missing_report (organisation_id);
