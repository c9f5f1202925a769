-- Ward profiles (issue 17): the population and households of each ward, imported by its
-- municipality from its ward profile; the denominators of ward rates. One row a ward, replaced
-- by a newer import (each import audited with what it changed).
CREATE TABLE ward_profile (
    ward_code  TEXT PRIMARY KEY REFERENCES place (code),
    population BIGINT NOT NULL CHECK (population > 0),
    households BIGINT CHECK (households > 0),
    source     TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX survivor_case_home ON survivor_case (home_ward);
CREATE INDEX screening_home ON screening (home_code);
CREATE INDEX plan_activity_ward ON plan_activity (ward_code, fiscal_year);
