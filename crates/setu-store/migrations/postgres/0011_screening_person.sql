-- A confirmed match links a booth screening to a person too.

ALTER TABLE screening ADD COLUMN person_id TEXT;
