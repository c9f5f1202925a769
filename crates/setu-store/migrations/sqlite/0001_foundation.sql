-- Geography, organisations and sites (SQLite).
-- Place codes nest by prefix (5 ⊃ 511 ⊃ 51106 ⊃ 5110619), so "inside a scope" is
-- `code = s OR code LIKE s || '%'` on any table that carries a place_code.

CREATE TABLE place (
    code        TEXT PRIMARY KEY,
    level       TEXT NOT NULL CHECK (level IN ('country', 'province', 'district', 'local-level', 'ward')),
    parent_code TEXT REFERENCES place (code),
    name_en     TEXT,
    name_ne     TEXT,
    ll_type     TEXT CHECK (ll_type IN ('metropolitan', 'sub-metropolitan', 'municipality', 'rural-municipality')),
    ward_count  INTEGER,
    ward_number INTEGER,
    search_en   TEXT NOT NULL DEFAULT '',
    search_fold TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX place_parent ON place (parent_code, code);
CREATE INDEX place_level ON place (level, code);

CREATE TABLE reference_data (
    name     TEXT PRIMARY KEY,
    checksum TEXT NOT NULL
) STRICT;

CREATE TABLE organisation (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name_en    TEXT NOT NULL,
    name_ne    TEXT,
    kind       TEXT NOT NULL,
    place_code TEXT NOT NULL REFERENCES place (code),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX organisation_place ON organisation (place_code);

CREATE TABLE site (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name_en         TEXT NOT NULL,
    name_ne         TEXT,
    kind            TEXT NOT NULL,
    place_code      TEXT NOT NULL REFERENCES place (code),
    organisation_id INTEGER REFERENCES organisation (id),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX site_place ON site (place_code);
CREATE INDEX site_organisation ON site (organisation_id);
