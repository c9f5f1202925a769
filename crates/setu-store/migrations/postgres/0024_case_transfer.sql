-- A case sent to another organisation waits for it to accept (issue 16): where it is going, who
-- sent it and when. Accepted, the case belongs to the receiving organisation; declined, it stays
-- where it was and the reason (a code, never free text about her) tells the sender why.
ALTER TABLE survivor_case ADD COLUMN transfer_to BIGINT REFERENCES organisation (id);
ALTER TABLE survivor_case ADD COLUMN transfer_asked_by TEXT;
ALTER TABLE survivor_case ADD COLUMN transfer_asked_on TEXT;
ALTER TABLE survivor_case ADD COLUMN transfer_declined TEXT;
CREATE INDEX survivor_case_transfer ON survivor_case (transfer_to);
