-- Two-person rule and narrow tokens (issue 13).
--
-- An API token may be narrowed to some of its user's capabilities (a booth phone's token syncs
-- and does nothing else) and carries a label its owner chose. Audit entries name the session
-- or token a request came through. A role that reads personal data is granted only when a
-- second administrator approves the request of the first.

ALTER TABLE api_token ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE api_token ADD COLUMN capabilities TEXT;   -- comma-separated; NULL: all of the role's

ALTER TABLE audit_entry ADD COLUMN via TEXT;          -- session:<hash prefix> | token:<id>

CREATE TABLE role_request (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES app_user (id),
    role         TEXT NOT NULL,
    scope        TEXT NOT NULL,
    new_account  INTEGER NOT NULL DEFAULT 0,          -- 1: the account waits, disabled, for it
    requested_by TEXT NOT NULL REFERENCES app_user (id),
    requested_at TEXT NOT NULL,
    decided_by   TEXT REFERENCES app_user (id),
    decided_at   TEXT,
    outcome      TEXT CHECK (outcome IN ('approved', 'refused', 'replaced'))
) STRICT;
CREATE INDEX role_request_user ON role_request (user_id);
