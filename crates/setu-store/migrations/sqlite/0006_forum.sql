-- The NGO forum: services organisations offer and where, the forum's log (meetings and joint
-- actions, text sealed), and shared alerts with a visibility area and an expiry.

CREATE TABLE org_service (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisation (id),
    service         TEXT NOT NULL,
    place_code      TEXT NOT NULL REFERENCES place (code),
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX org_service_place ON org_service (place_code);

CREATE TABLE forum_entry (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('meeting', 'joint-action')),
    place_code    TEXT NOT NULL REFERENCES place (code),
    happened_on   TEXT NOT NULL,
    text          TEXT NOT NULL,      -- sealed
    organisations TEXT NOT NULL,      -- ids of the organisations involved, comma-separated
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX forum_entry_place ON forum_entry (place_code);

CREATE TABLE shared_alert (
    id         TEXT PRIMARY KEY,
    place_code TEXT NOT NULL REFERENCES place (code),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,         -- sealed
    posted_by  TEXT NOT NULL,
    posted_on  TEXT NOT NULL,
    expires_on TEXT NOT NULL
) STRICT;
CREATE INDEX shared_alert_place ON shared_alert (place_code);
