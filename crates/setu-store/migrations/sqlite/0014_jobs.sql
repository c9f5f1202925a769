-- Work that need not hold up a request (keying and matching a saved record, re-learning the
-- matching model) is a durable job: written in the same transaction as the record, picked up
-- by a worker inside `setu serve`, safe to run twice. Nothing personal is stored here: a job
-- names its subject by kind and id.

CREATE TABLE job (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,                    -- match | relearn
    subject_kind TEXT NOT NULL,                    -- report | encounter | screening | register
    subject_id   TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    run_after    TEXT NOT NULL,
    claimed_by   TEXT,                             -- the worker that holds it
    lease_until  TEXT,                             -- after this, another worker may take it over
    requested_by TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    finished_at  TEXT,
    error        TEXT                              -- log-safe: an error code, never a value
) STRICT;
CREATE INDEX job_ready ON job (state, run_after, id);
CREATE UNIQUE INDEX job_queued_once ON job (kind, subject_kind, subject_id) WHERE state = 'queued';

-- Alerts: a notification may name the local level whose committee to contact, and carries a key
-- so that a job that runs twice tells each person once.
ALTER TABLE notification ADD COLUMN place_code TEXT;
ALTER TABLE notification ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX notification_once ON notification (username, dedup_key);

-- The committee's office telephone, which an alert at a booth gives to call.
ALTER TABLE committee ADD COLUMN phone TEXT;
