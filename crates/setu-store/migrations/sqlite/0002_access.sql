-- Accounts, sessions, API tokens, login throttling, break-the-glass grants, the audit chain,
-- and the first record type with personal data: organisations' contact persons (SQLite).
-- Columns marked "sealed" hold XChaCha20-Poly1305 ciphertext (see crypto.rs), never plaintext.

CREATE TABLE app_user (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    full_name     TEXT,              -- sealed
    disabled      INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE user_session (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES app_user (id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX user_session_user ON user_session (user_id);

CREATE TABLE api_token (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES app_user (id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

CREATE TABLE login_failure (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    client   TEXT NOT NULL,
    at       TEXT NOT NULL
) STRICT;
CREATE INDEX login_failure_username ON login_failure (username, at);
CREATE INDEX login_failure_client ON login_failure (client, at);

CREATE TABLE setup_token (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;

CREATE TABLE glass_grant (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES app_user (id),
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    place_code  TEXT NOT NULL,
    reason      TEXT NOT NULL,       -- sealed
    granted_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;
CREATE INDEX glass_grant_user ON glass_grant (user_id, entity, entity_id);
CREATE INDEX glass_grant_place ON glass_grant (place_code);

CREATE TABLE audit_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    seq      INTEGER NOT NULL,
    last_hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, 'genesis');

CREATE TABLE audit_entry (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_id   TEXT,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    place_code TEXT,
    fields     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
) STRICT;
CREATE INDEX audit_entry_actor ON audit_entry (actor, seq);
CREATE INDEX audit_entry_entity ON audit_entry (entity, entity_id);
-- Append-only: the database itself refuses edits and deletions of the trail.
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

CREATE TABLE contact (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisation (id),
    place_code      TEXT NOT NULL REFERENCES place (code),
    title           TEXT NOT NULL,
    name            TEXT NOT NULL,   -- sealed
    phone           TEXT,            -- sealed
    phone_index     TEXT,            -- keyed hash of the normalised phone number
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX contact_organisation ON contact (organisation_id);
CREATE INDEX contact_place ON contact (place_code);
CREATE INDEX contact_phone ON contact (phone_index);
