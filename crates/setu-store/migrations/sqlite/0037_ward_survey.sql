-- The ward survey (issue 17): a surveyed person is a missing-person report carrying the id of
-- the submission it came from (ODK's instanceID, Kobo's _uuid, or a row's fingerprint), so an
-- import run twice adds nothing, and whether the survey found her trafficked.
ALTER TABLE missing_report ADD COLUMN submission_id TEXT;
ALTER TABLE missing_report ADD COLUMN trafficked INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX missing_report_submission ON missing_report (submission_id);
