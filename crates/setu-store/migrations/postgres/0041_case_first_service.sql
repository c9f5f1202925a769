-- The day each survivor's support began, kept by the writes (issue 17, point 9). Survivors
-- supported over every year are the cases whose first service started by the period's last day,
-- no longer a count of distinct cases over every service joined to its case (700 ms for a
-- national reader on the national data set). A case's support is counted for each kind of
-- service too, so the two tables answer "supported" and "supported by service" with one index
-- each and no join: they carry the case's place, organisation, sex and birth year, and hold no
-- row for a withdrawn case. A service's dates are Bikram Sambat dates, never before the
-- calendar's first day, so a period that starts on that day holds every service (the store
-- uses these tables only for such a period).
CREATE TABLE case_first_service (
    case_id         TEXT PRIMARY KEY,
    first_on        TEXT NOT NULL,
    home_ward       TEXT,
    organisation_id BIGINT NOT NULL,
    sex             TEXT NOT NULL,
    birth_year      BIGINT
);
CREATE INDEX case_first_service_group ON case_first_service (sex, birth_year, first_on);
CREATE INDEX case_first_service_home ON case_first_service (home_ward, first_on, sex, birth_year);
CREATE INDEX case_first_service_org ON case_first_service (organisation_id);

CREATE TABLE case_first_kind (
    case_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    first_on        TEXT NOT NULL,
    home_ward       TEXT,
    organisation_id BIGINT NOT NULL,
    PRIMARY KEY (case_id, kind)
);
CREATE INDEX case_first_kind_period ON case_first_kind (kind, first_on);
CREATE INDEX case_first_kind_home ON case_first_kind (home_ward, kind, first_on);
CREATE INDEX case_first_kind_org ON case_first_kind (organisation_id);

-- Writes a case's rows afresh from its services; every trigger below calls it.
CREATE FUNCTION case_support_refresh(one TEXT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM case_first_service WHERE case_id = one;
    DELETE FROM case_first_kind WHERE case_id = one;
    INSERT INTO case_first_service (case_id, first_on, home_ward, organisation_id, sex, birth_year)
    SELECT c.id, MIN(s.started_on), c.home_ward, c.organisation_id, c.sex, c.birth_year
    FROM survivor_case c JOIN case_service s ON s.case_id = c.id
    WHERE c.id = one AND c.withdrawn_at IS NULL
    GROUP BY c.id, c.home_ward, c.organisation_id, c.sex, c.birth_year;
    INSERT INTO case_first_kind (case_id, kind, first_on, home_ward, organisation_id)
    SELECT c.id, s.kind, MIN(s.started_on), c.home_ward, c.organisation_id
    FROM survivor_case c JOIN case_service s ON s.case_id = c.id
    WHERE c.id = one AND c.withdrawn_at IS NULL
    GROUP BY c.id, s.kind, c.home_ward, c.organisation_id;
$$;

CREATE FUNCTION case_service_support_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM case_support_refresh(OLD.case_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.case_id IS DISTINCT FROM OLD.case_id) THEN
        PERFORM case_support_refresh(NEW.case_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_service_started AFTER INSERT OR DELETE ON case_service
FOR EACH ROW EXECUTE FUNCTION case_service_support_change();
CREATE TRIGGER case_service_redated AFTER UPDATE ON case_service FOR EACH ROW
WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.kind IS DISTINCT FROM NEW.kind
  OR OLD.started_on IS DISTINCT FROM NEW.started_on)
EXECUTE FUNCTION case_service_support_change();

CREATE FUNCTION survivor_case_support_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM case_support_refresh(NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER survivor_case_support_moved AFTER UPDATE ON survivor_case FOR EACH ROW
WHEN (OLD.home_ward IS DISTINCT FROM NEW.home_ward
  OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id
  OR OLD.sex IS DISTINCT FROM NEW.sex OR OLD.birth_year IS DISTINCT FROM NEW.birth_year
  OR (OLD.withdrawn_at IS NULL) <> (NEW.withdrawn_at IS NULL))
EXECUTE FUNCTION survivor_case_support_change();

-- The cases already supported, through the same procedure.
SELECT case_support_refresh(case_id) FROM (SELECT DISTINCT case_id FROM case_service) served;
