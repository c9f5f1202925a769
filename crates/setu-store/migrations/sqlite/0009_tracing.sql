-- Missing persons and family tracing: reports (identifying fields sealed) with their status
-- history, police rescues and shelter intakes (booth screenings are encounters too), and the
-- blocking keys of every report and encounter as keyed hashes, for matching.

CREATE TABLE missing_report (
    id                TEXT PRIMARY KEY,
    place_code        TEXT NOT NULL REFERENCES place (code),   -- home ward
    reported_on       TEXT NOT NULL,
    last_seen_on      TEXT,
    last_seen_place   TEXT,                 -- sealed
    reporter_name     TEXT NOT NULL,        -- sealed
    reporter_relation TEXT NOT NULL,
    reporter_phone    TEXT,                 -- sealed
    given_name        TEXT,                 -- sealed
    middle_name       TEXT,                 -- sealed
    family_name       TEXT,                 -- sealed
    sex               TEXT,
    birth_year        INTEGER,
    age               INTEGER,
    father_name       TEXT,                 -- sealed
    mother_name       TEXT,                 -- sealed
    phone             TEXT,                 -- sealed
    description       TEXT,                 -- sealed
    police_ref        TEXT,
    hotline_ref       TEXT,
    status            TEXT NOT NULL,
    status_on         TEXT NOT NULL,
    person_id         TEXT,                 -- set when a match is confirmed
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    version           INTEGER NOT NULL
) STRICT;
CREATE INDEX missing_report_place ON missing_report (place_code);
CREATE INDEX missing_report_status ON missing_report (status);

CREATE TABLE report_status_change (
    report_id  TEXT NOT NULL REFERENCES missing_report (id),
    status     TEXT NOT NULL,
    on_day     TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
) STRICT;
CREATE INDEX report_status_change_report ON report_status_change (report_id);

CREATE TABLE tracing_encounter (
    id              TEXT PRIMARY KEY,
    source          TEXT NOT NULL,          -- police | shelter
    organisation_id INTEGER NOT NULL REFERENCES organisation (id),
    place_code      TEXT NOT NULL REFERENCES place (code),
    met_on          TEXT NOT NULL,
    given_name      TEXT,                   -- sealed
    middle_name     TEXT,                   -- sealed
    family_name     TEXT,                   -- sealed
    sex             TEXT,
    age             INTEGER,
    father_name     TEXT,                   -- sealed
    mother_name     TEXT,                   -- sealed
    home_code       TEXT REFERENCES place (code),
    phone           TEXT,                   -- sealed
    note            TEXT,                   -- sealed
    person_id       TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    version         INTEGER NOT NULL
) STRICT;
CREATE INDEX tracing_encounter_place ON tracing_encounter (place_code);
CREATE INDEX tracing_encounter_org ON tracing_encounter (organisation_id);

-- kind: report | encounter | screening. key_hash: HMAC of a blocking key (never the key).
CREATE TABLE tracing_key (
    kind      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    key_hash  TEXT NOT NULL,
    PRIMARY KEY (kind, record_id, key_hash)
) STRICT;
CREATE INDEX tracing_key_hash ON tracing_key (key_hash);
