-- Youth ambassadors (names sealed) and their engagement events.

CREATE TABLE youth_ambassador (
    id             TEXT PRIMARY KEY,
    ward_code      TEXT NOT NULL REFERENCES place (code),
    name           TEXT NOT NULL,      -- sealed
    sex            TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other')),
    joined_on      TEXT NOT NULL,
    inactive_since TEXT,
    left_on        TEXT,
    trainings      BIGINT NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE INDEX youth_ambassador_ward ON youth_ambassador (ward_code text_pattern_ops);

CREATE TABLE youth_event (
    id          TEXT PRIMARY KEY,
    ward_code   TEXT NOT NULL REFERENCES place (code),
    held_on     TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    female_u18  BIGINT NOT NULL DEFAULT 0,
    male_u18    BIGINT NOT NULL DEFAULT 0,
    other_u18   BIGINT NOT NULL DEFAULT 0,
    female_18   BIGINT NOT NULL DEFAULT 0,
    male_18     BIGINT NOT NULL DEFAULT 0,
    other_18    BIGINT NOT NULL DEFAULT 0,
    outcome     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX youth_event_ward ON youth_event (ward_code text_pattern_ops);
CREATE INDEX youth_event_date ON youth_event (held_on);
