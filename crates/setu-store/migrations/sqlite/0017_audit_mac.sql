-- A keyed audit trail (issue 13). Each entry from now on, and the head, carry a MAC keyed with a
-- key derived from the encryption key file (never in the database), so that someone who can
-- write to the database cannot rewrite, add or cut entries and recompute the chain. Entries
-- written before this step keep their SHA-256 chain; the head's MAC (written at the next start,
-- and with every change) covers it, and `keyed_from` says where the MACs begin.

ALTER TABLE audit_entry ADD COLUMN mac TEXT;
ALTER TABLE audit_head ADD COLUMN mac TEXT;
ALTER TABLE audit_head ADD COLUMN keyed_from INTEGER NOT NULL DEFAULT 1;
UPDATE audit_head SET keyed_from = seq + 1;
