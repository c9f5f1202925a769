-- A second factor for sign-in (issue 13): a TOTP secret (sealed) and when it was confirmed,
-- single-use recovery codes (hashes only), and the short-lived challenge between a right
-- password and its code.

ALTER TABLE app_user ADD COLUMN totp_secret TEXT;       -- sealed; set while being set up too
ALTER TABLE app_user ADD COLUMN totp_enabled_at TEXT;   -- NULL: not in force

CREATE TABLE recovery_code (
    user_id   TEXT NOT NULL REFERENCES app_user (id),
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
) STRICT;

CREATE TABLE login_challenge (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES app_user (id),
    client     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
) STRICT;
