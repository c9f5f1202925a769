-- Her trafficking experience in the terms of the international case data standard (HTCDS 2.0,
-- issue 16): status, types of exploitation, means of recruitment and of control (the
-- standard's value names, comma-separated), destination, age and months; and perpetrators as
-- the standard needs them only (relation and role), sealed.
CREATE TABLE case_experience (
    case_id        TEXT PRIMARY KEY REFERENCES survivor_case (id),
    status         TEXT,
    exploitation   TEXT NOT NULL DEFAULT '',
    recruitment    TEXT NOT NULL DEFAULT '',
    control        TEXT NOT NULL DEFAULT '',
    destination    TEXT,
    age_trafficked BIGINT,
    months         BIGINT,
    version        BIGINT NOT NULL DEFAULT 1,
    updated_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE case_perpetrator (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES survivor_case (id),
    relation   TEXT NOT NULL,        -- sealed
    roles      TEXT NOT NULL,        -- sealed
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_perpetrator_case ON case_perpetrator (case_id);
