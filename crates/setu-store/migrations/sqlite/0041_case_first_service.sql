-- The day each survivor's support began, kept by the writes (issue 17, point 9). Survivors
-- supported over every year are the cases whose first service started by the period's last day,
-- no longer a count of distinct cases over every service joined to its case (440 ms for a
-- national reader on the national data set; 10 ms from these tables). A case's support is
-- counted for each kind of service too, so the two tables answer "supported" and "supported
-- by service" with one index each and no join: they carry the case's place, organisation, sex
-- and birth year, and hold no row for a withdrawn case. A service's dates are Bikram Sambat
-- dates, never before the calendar's first day, so a period that starts on that day holds
-- every service (the store uses these tables only for such a period).
CREATE TABLE case_first_service (
    case_id         TEXT PRIMARY KEY,
    first_on        TEXT NOT NULL,
    home_ward       TEXT,
    organisation_id INTEGER NOT NULL,
    sex             TEXT NOT NULL,
    birth_year      INTEGER
) STRICT;
-- Grouped by sex and birth year as they are read: a national reader's count streams the index.
CREATE INDEX case_first_service_group ON case_first_service (sex, birth_year, first_on);
CREATE INDEX case_first_service_home ON case_first_service (home_ward, first_on, sex, birth_year);
CREATE INDEX case_first_service_org ON case_first_service (organisation_id);

CREATE TABLE case_first_kind (
    case_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    first_on        TEXT NOT NULL,
    home_ward       TEXT,
    organisation_id INTEGER NOT NULL,
    PRIMARY KEY (case_id, kind)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_first_kind_period ON case_first_kind (kind, first_on);
CREATE INDEX case_first_kind_home ON case_first_kind (home_ward, kind, first_on);
CREATE INDEX case_first_kind_org ON case_first_kind (organisation_id);

-- One procedure writes a case's rows afresh from its services (SQLite has no functions in
-- SQL: a view's INSTEAD OF trigger serves as one); every trigger below calls it.
CREATE VIEW case_support_refresh (case_id) AS SELECT NULL;
CREATE TRIGGER case_support_refreshed INSTEAD OF INSERT ON case_support_refresh
BEGIN
    DELETE FROM case_first_service WHERE case_id = NEW.case_id;
    DELETE FROM case_first_kind WHERE case_id = NEW.case_id;
    INSERT INTO case_first_service (case_id, first_on, home_ward, organisation_id, sex, birth_year)
    SELECT c.id, MIN(s.started_on), c.home_ward, c.organisation_id, c.sex, c.birth_year
    FROM survivor_case c JOIN case_service s ON s.case_id = c.id
    WHERE c.id = NEW.case_id AND c.withdrawn_at IS NULL
    GROUP BY c.id, c.home_ward, c.organisation_id, c.sex, c.birth_year;
    INSERT INTO case_first_kind (case_id, kind, first_on, home_ward, organisation_id)
    SELECT c.id, s.kind, MIN(s.started_on), c.home_ward, c.organisation_id
    FROM survivor_case c JOIN case_service s ON s.case_id = c.id
    WHERE c.id = NEW.case_id AND c.withdrawn_at IS NULL
    GROUP BY c.id, s.kind, c.home_ward, c.organisation_id;
END;

CREATE TRIGGER case_service_started AFTER INSERT ON case_service
BEGIN
    INSERT INTO case_support_refresh (case_id) VALUES (NEW.case_id);
END;

CREATE TRIGGER case_service_removed AFTER DELETE ON case_service
BEGIN
    INSERT INTO case_support_refresh (case_id) VALUES (OLD.case_id);
END;

CREATE TRIGGER case_service_redated AFTER UPDATE OF case_id, kind, started_on ON case_service
WHEN OLD.case_id IS NOT NEW.case_id OR OLD.kind IS NOT NEW.kind OR OLD.started_on IS NOT NEW.started_on
BEGIN
    INSERT INTO case_support_refresh (case_id) VALUES (OLD.case_id);
    INSERT INTO case_support_refresh (case_id) SELECT NEW.case_id WHERE NEW.case_id IS NOT OLD.case_id;
END;

CREATE TRIGGER survivor_case_support_moved
AFTER UPDATE OF home_ward, organisation_id, sex, birth_year, withdrawn_at ON survivor_case
WHEN OLD.home_ward IS NOT NEW.home_ward OR OLD.organisation_id IS NOT NEW.organisation_id
  OR OLD.sex IS NOT NEW.sex OR OLD.birth_year IS NOT NEW.birth_year
  OR (OLD.withdrawn_at IS NULL) <> (NEW.withdrawn_at IS NULL)
BEGIN
    INSERT INTO case_support_refresh (case_id) VALUES (NEW.id);
END;

-- The cases already supported, through the same procedure.
INSERT INTO case_support_refresh (case_id) SELECT DISTINCT case_id FROM case_service;
