-- A follow-up recorded on a phone without a connection (issue 16, point 7) carries the id the
-- phone gave the record: a resend finds it and changes nothing.
ALTER TABLE case_followup ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX case_followup_client ON case_followup (client_id) WHERE client_id IS NOT NULL;
