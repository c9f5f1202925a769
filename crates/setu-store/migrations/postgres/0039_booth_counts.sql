-- Counts of the booths' screenings and tallies, so that figures over years read a few thousand
-- rows instead of millions (issue 17, point 9). A write only appends to `count_change` (a
-- trigger, so no write path can forget it, and no row that two writers share); the job worker
-- folds those changes into `booth_count` and `home_stop_count` every few seconds, and a read
-- adds the changes not yet folded, so figures are exact at every moment.

CREATE TABLE count_change (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sign            BIGINT NOT NULL,           -- +1 a record counts, -1 it no longer does
    site_id         BIGINT NOT NULL,
    place_code      TEXT NOT NULL,
    organisation_id BIGINT NOT NULL,           -- 0: none
    day             TEXT NOT NULL,
    home_code       TEXT,
    outcome         TEXT,                       -- NULL for a tally
    sex             TEXT,
    age             BIGINT,
    female_u18      BIGINT NOT NULL DEFAULT 0,
    male_u18        BIGINT NOT NULL DEFAULT 0,
    other_u18       BIGINT NOT NULL DEFAULT 0,
    female_18       BIGINT NOT NULL DEFAULT 0,
    male_18         BIGINT NOT NULL DEFAULT 0,
    other_18        BIGINT NOT NULL DEFAULT 0,
    materials       BIGINT NOT NULL DEFAULT 0
);

-- Per booth: one row per BS month (day = '') and one per day, so a period reads its whole
-- months and the days of the months it cuts.
CREATE TABLE booth_count (
    site_id         BIGINT NOT NULL,
    place_code      TEXT NOT NULL,
    organisation_id BIGINT NOT NULL,
    month           BIGINT NOT NULL,           -- BS year * 100 + month
    day             TEXT NOT NULL,
    screened        BIGINT NOT NULL,
    minors          BIGINT NOT NULL,
    female          BIGINT NOT NULL,
    continued       BIGINT NOT NULL,
    intercepted     BIGINT NOT NULL,
    to_police       BIGINT NOT NULL,
    to_family       BIGINT NOT NULL,
    to_shelter      BIGINT NOT NULL,
    female_u18      BIGINT NOT NULL,
    male_u18        BIGINT NOT NULL,
    other_u18       BIGINT NOT NULL,
    female_18       BIGINT NOT NULL,
    male_18         BIGINT NOT NULL,
    other_18        BIGINT NOT NULL,
    materials       BIGINT NOT NULL,
    PRIMARY KEY (site_id, place_code, organisation_id, month, day)
);
CREATE INDEX booth_count_period ON booth_count (day, month);
CREATE INDEX booth_count_place ON booth_count (place_code);

-- People stopped at a booth, by home ward, the same way.
CREATE TABLE home_stop_count (
    home_code TEXT NOT NULL,
    month     BIGINT NOT NULL,
    day       TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (home_code, month, day)
);
CREATE INDEX home_stop_count_period ON home_stop_count (day, month);

-- One function per table appends what a write changed: the record as it was (-1) and as it is
-- (+1), each only while it counts (not withdrawn).
CREATE FUNCTION screening_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.withdrawn_at IS NULL THEN
            INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, home_code, outcome, sex, age)
            VALUES (-1, OLD.site_id, OLD.place_code, COALESCE(OLD.organisation_id, 0), OLD.day, OLD.home_code, OLD.outcome, OLD.sex, OLD.age);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.withdrawn_at IS NULL THEN
            INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, home_code, outcome, sex, age)
            VALUES (1, NEW.site_id, NEW.place_code, COALESCE(NEW.organisation_id, 0), NEW.day, NEW.home_code, NEW.outcome, NEW.sex, NEW.age);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER screening_counted AFTER INSERT OR DELETE ON screening
FOR EACH ROW EXECUTE FUNCTION screening_count_change();
CREATE TRIGGER screening_recounted AFTER UPDATE ON screening FOR EACH ROW
WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.place_code IS DISTINCT FROM NEW.place_code
  OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id OR OLD.day IS DISTINCT FROM NEW.day
  OR OLD.home_code IS DISTINCT FROM NEW.home_code OR OLD.outcome IS DISTINCT FROM NEW.outcome
  OR OLD.sex IS DISTINCT FROM NEW.sex OR OLD.age IS DISTINCT FROM NEW.age
  OR (OLD.withdrawn_at IS NULL) <> (NEW.withdrawn_at IS NULL))
EXECUTE FUNCTION screening_count_change();

CREATE FUNCTION tally_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials)
            VALUES (-1, OLD.site_id, OLD.place_code, COALESCE(OLD.organisation_id, 0), OLD.day, OLD.female_u18, OLD.male_u18, OLD.other_u18, OLD.female_18, OLD.male_18, OLD.other_18, OLD.materials);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials)
            VALUES (1, NEW.site_id, NEW.place_code, COALESCE(NEW.organisation_id, 0), NEW.day, NEW.female_u18, NEW.male_u18, NEW.other_u18, NEW.female_18, NEW.male_18, NEW.other_18, NEW.materials);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tally_counted AFTER INSERT OR DELETE ON booth_tally
FOR EACH ROW EXECUTE FUNCTION tally_count_change();
CREATE TRIGGER tally_recounted AFTER UPDATE ON booth_tally FOR EACH ROW
WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.place_code IS DISTINCT FROM NEW.place_code
  OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id OR OLD.day IS DISTINCT FROM NEW.day
  OR OLD.female_u18 IS DISTINCT FROM NEW.female_u18 OR OLD.male_u18 IS DISTINCT FROM NEW.male_u18
  OR OLD.other_u18 IS DISTINCT FROM NEW.other_u18 OR OLD.female_18 IS DISTINCT FROM NEW.female_18
  OR OLD.male_18 IS DISTINCT FROM NEW.male_18 OR OLD.other_18 IS DISTINCT FROM NEW.other_18
  OR OLD.materials IS DISTINCT FROM NEW.materials)
EXECUTE FUNCTION tally_count_change();

-- What was recorded before the counts existed, as changes the worker folds in.
INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, home_code, outcome, sex, age)
SELECT 1, site_id, place_code, COALESCE(organisation_id, 0), day, home_code, outcome, sex, age
FROM screening WHERE withdrawn_at IS NULL;
INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials)
SELECT 1, site_id, place_code, COALESCE(organisation_id, 0), day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials
FROM booth_tally;
