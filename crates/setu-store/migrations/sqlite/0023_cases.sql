-- Survivor support (issue 16): a case per survivor, held by an organisation, and the consents
-- that decide what may be done and shared. Names are sealed; a consent is withdrawn by dating
-- its withdrawal, never by deleting it, so that what was shared under it stays explained.
CREATE TABLE survivor_case (
    id                TEXT PRIMARY KEY,
    organisation_id   INTEGER NOT NULL REFERENCES organisation (id),
    caseworker_id     TEXT REFERENCES app_user (id),
    origin            TEXT NOT NULL,
    origin_id         TEXT,
    given_name        TEXT,              -- sealed
    family_name       TEXT,              -- sealed
    sex               TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other')),
    birth_year        INTEGER,
    home_ward         TEXT REFERENCES place (code),
    guardian_name     TEXT,              -- sealed
    guardian_relation TEXT,
    opened_on         TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open',
    close_reason      TEXT,
    close_note        TEXT,
    closure_asked_by  TEXT,
    closure_asked_on  TEXT,
    closed_by         TEXT,
    closed_on         TEXT,
    version           INTEGER NOT NULL DEFAULT 1,
    withdrawn_at      TEXT,
    created_at        TEXT NOT NULL
) STRICT;
CREATE INDEX survivor_case_org ON survivor_case (organisation_id, status);
CREATE INDEX survivor_case_origin ON survivor_case (origin, origin_id);

CREATE TABLE case_consent (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES survivor_case (id),
    kind         TEXT NOT NULL CHECK (kind IN ('services', 'sharing', 'follow-up')),
    with_org     INTEGER REFERENCES organisation (id),
    given_on     TEXT NOT NULL,
    taken_by     TEXT NOT NULL,
    guardian     INTEGER NOT NULL DEFAULT 0,
    withdrawn_on TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX case_consent_case ON case_consent (case_id);
