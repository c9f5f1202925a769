-- Matching in the application: the learned model, proposed pairs for review (no personal
-- data: kinds, ids, probability and the per-field reasons), and in-app notifications.

CREATE TABLE link_model (
    task       TEXT PRIMARY KEY,             -- link | dedup
    model      TEXT NOT NULL,                -- setu_link::Model::to_text
    records    INTEGER NOT NULL,                -- how many records it learned from
    trained_at TEXT NOT NULL
) STRICT;

CREATE TABLE match_proposal (
    id          TEXT PRIMARY KEY,
    left_kind   TEXT NOT NULL,               -- report when one side is a report
    left_id     TEXT NOT NULL,
    right_kind  TEXT NOT NULL,
    right_id    TEXT NOT NULL,
    place_code  TEXT NOT NULL REFERENCES place (code),  -- the report's home ward, for scope
    probability REAL NOT NULL,
    reasons     TEXT NOT NULL,               -- field=level:bits;...
    status      TEXT NOT NULL,               -- proposed | confirmed | rejected
    decided_by  TEXT,
    decided_at  TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (left_kind, left_id, right_kind, right_id)
) STRICT;
CREATE INDEX match_proposal_place ON match_proposal (place_code);
CREATE INDEX match_proposal_status ON match_proposal (status);

CREATE TABLE notification (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    kind       TEXT NOT NULL,                -- e.g. match-confirmed
    subject    TEXT NOT NULL,                -- the record it is about (an id, never a name)
    created_at TEXT NOT NULL,
    read_at    TEXT
) STRICT;
CREATE INDEX notification_user ON notification (username, read_at);
