-- The reporter's consent to tracing (issue 13). A report without it is kept, and counted, but
-- never matched against the people met at booths and by the police, nor shared with them.
-- Reports made before the question was asked were made to find her: they keep taking part.

ALTER TABLE missing_report ADD COLUMN consent_tracing INTEGER NOT NULL DEFAULT 1;
