-- Counts of the booths' screenings and tallies, so that figures over years read a few thousand
-- rows instead of millions (issue 17, point 9). A write only appends to `count_change` (a
-- trigger, so no write path can forget it, and no row that two writers share); the job worker
-- folds those changes into `booth_count` and `home_stop_count` every few seconds, and a read
-- adds the changes not yet folded, so figures are exact at every moment.

CREATE TABLE count_change (
    id              INTEGER PRIMARY KEY,
    sign            INTEGER NOT NULL,           -- +1 a record counts, -1 it no longer does
    site_id         INTEGER NOT NULL,
    place_code      TEXT NOT NULL,
    organisation_id INTEGER NOT NULL,           -- 0: none
    day             TEXT NOT NULL,
    home_code       TEXT,
    outcome         TEXT,                       -- NULL for a tally
    sex             TEXT,
    age             INTEGER,
    female_u18      INTEGER NOT NULL DEFAULT 0,
    male_u18        INTEGER NOT NULL DEFAULT 0,
    other_u18       INTEGER NOT NULL DEFAULT 0,
    female_18       INTEGER NOT NULL DEFAULT 0,
    male_18         INTEGER NOT NULL DEFAULT 0,
    other_18        INTEGER NOT NULL DEFAULT 0,
    materials       INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Per booth: one row per BS month (day = '') and one per day, so a period reads its whole
-- months and the days of the months it cuts.
CREATE TABLE booth_count (
    site_id         INTEGER NOT NULL,
    place_code      TEXT NOT NULL,
    organisation_id INTEGER NOT NULL,
    month           INTEGER NOT NULL,           -- BS year * 100 + month
    day             TEXT NOT NULL,
    screened        INTEGER NOT NULL,
    minors          INTEGER NOT NULL,
    female          INTEGER NOT NULL,
    continued       INTEGER NOT NULL,
    intercepted     INTEGER NOT NULL,
    to_police       INTEGER NOT NULL,
    to_family       INTEGER NOT NULL,
    to_shelter      INTEGER NOT NULL,
    female_u18      INTEGER NOT NULL,
    male_u18        INTEGER NOT NULL,
    other_u18       INTEGER NOT NULL,
    female_18       INTEGER NOT NULL,
    male_18         INTEGER NOT NULL,
    other_18        INTEGER NOT NULL,
    materials       INTEGER NOT NULL,
    PRIMARY KEY (site_id, place_code, organisation_id, month, day)
) STRICT;
CREATE INDEX booth_count_period ON booth_count (day, month);
CREATE INDEX booth_count_place ON booth_count (place_code);

-- People stopped at a booth, by home ward, the same way.
CREATE TABLE home_stop_count (
    home_code TEXT NOT NULL,
    month     INTEGER NOT NULL,
    day       TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (home_code, month, day)
) STRICT;
CREATE INDEX home_stop_count_period ON home_stop_count (day, month);

CREATE TRIGGER screening_counted AFTER INSERT ON screening WHEN NEW.withdrawn_at IS NULL
BEGIN
    INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, home_code, outcome, sex, age)
    VALUES (1, NEW.site_id, NEW.place_code, COALESCE(NEW.organisation_id, 0), NEW.day, NEW.home_code, NEW.outcome, NEW.sex, NEW.age);
END;

CREATE TRIGGER screening_uncounted AFTER DELETE ON screening WHEN OLD.withdrawn_at IS NULL
BEGIN
    INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, home_code, outcome, sex, age)
    VALUES (-1, OLD.site_id, OLD.place_code, COALESCE(OLD.organisation_id, 0), OLD.day, OLD.home_code, OLD.outcome, OLD.sex, OLD.age);
END;

CREATE TRIGGER screening_recounted
AFTER UPDATE OF site_id, place_code, organisation_id, day, home_code, outcome, sex, age, withdrawn_at ON screening
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.place_code IS NOT NEW.place_code
  OR OLD.organisation_id IS NOT NEW.organisation_id OR OLD.day IS NOT NEW.day
  OR OLD.home_code IS NOT NEW.home_code OR OLD.outcome IS NOT NEW.outcome
  OR OLD.sex IS NOT NEW.sex OR OLD.age IS NOT NEW.age
  OR (OLD.withdrawn_at IS NULL) <> (NEW.withdrawn_at IS NULL)
BEGIN
    INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, home_code, outcome, sex, age)
    SELECT -1, OLD.site_id, OLD.place_code, COALESCE(OLD.organisation_id, 0), OLD.day, OLD.home_code, OLD.outcome, OLD.sex, OLD.age
    WHERE OLD.withdrawn_at IS NULL;
    INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, home_code, outcome, sex, age)
    SELECT 1, NEW.site_id, NEW.place_code, COALESCE(NEW.organisation_id, 0), NEW.day, NEW.home_code, NEW.outcome, NEW.sex, NEW.age
    WHERE NEW.withdrawn_at IS NULL;
END;

CREATE TRIGGER tally_counted AFTER INSERT ON booth_tally
BEGIN
    INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials)
    VALUES (1, NEW.site_id, NEW.place_code, COALESCE(NEW.organisation_id, 0), NEW.day, NEW.female_u18, NEW.male_u18, NEW.other_u18, NEW.female_18, NEW.male_18, NEW.other_18, NEW.materials);
END;

CREATE TRIGGER tally_uncounted AFTER DELETE ON booth_tally
BEGIN
    INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials)
    VALUES (-1, OLD.site_id, OLD.place_code, COALESCE(OLD.organisation_id, 0), OLD.day, OLD.female_u18, OLD.male_u18, OLD.other_u18, OLD.female_18, OLD.male_18, OLD.other_18, OLD.materials);
END;

CREATE TRIGGER tally_recounted
AFTER UPDATE OF site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials ON booth_tally
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.place_code IS NOT NEW.place_code
  OR OLD.organisation_id IS NOT NEW.organisation_id OR OLD.day IS NOT NEW.day
  OR OLD.female_u18 IS NOT NEW.female_u18 OR OLD.male_u18 IS NOT NEW.male_u18
  OR OLD.other_u18 IS NOT NEW.other_u18 OR OLD.female_18 IS NOT NEW.female_18
  OR OLD.male_18 IS NOT NEW.male_18 OR OLD.other_18 IS NOT NEW.other_18
  OR OLD.materials IS NOT NEW.materials
BEGIN
    INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials)
    VALUES (-1, OLD.site_id, OLD.place_code, COALESCE(OLD.organisation_id, 0), OLD.day, OLD.female_u18, OLD.male_u18, OLD.other_u18, OLD.female_18, OLD.male_18, OLD.other_18, OLD.materials);
    INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials)
    VALUES (1, NEW.site_id, NEW.place_code, COALESCE(NEW.organisation_id, 0), NEW.day, NEW.female_u18, NEW.male_u18, NEW.other_u18, NEW.female_18, NEW.male_18, NEW.other_18, NEW.materials);
END;

-- What was recorded before the counts existed, as changes the worker folds in.
INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, home_code, outcome, sex, age)
SELECT 1, site_id, place_code, COALESCE(organisation_id, 0), day, home_code, outcome, sex, age
FROM screening WHERE withdrawn_at IS NULL;
INSERT INTO count_change (sign, site_id, place_code, organisation_id, day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials)
SELECT 1, site_id, place_code, COALESCE(organisation_id, 0), day, female_u18, male_u18, other_u18, female_18, male_18, other_18, materials
FROM booth_tally;
