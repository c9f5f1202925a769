-- Public statistics (issue 17): a release of one district's figures for one fiscal year, drafted
-- by a coordinator, approved by another, published under the next version number. The table
-- is stored as it is published (small counts already suppressed): a release never holds a
-- count that may not leave the system.
CREATE TABLE stat_release (
    id            TEXT PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES place (code),
    fiscal_year   INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'published', 'superseded', 'discarded')),
    version       INTEGER,
    tables        TEXT NOT NULL,
    note          TEXT NOT NULL,
    drafted_by    TEXT NOT NULL,
    drafted_at    TEXT NOT NULL,
    approved_by   TEXT,
    approved_at   TEXT,
    published_by  TEXT,
    published_at  TEXT,
    UNIQUE (district_code, fiscal_year, version)
) STRICT;
CREATE INDEX stat_release_status ON stat_release (status, district_code, fiscal_year);
