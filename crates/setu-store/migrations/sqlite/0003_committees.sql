-- Coordination committees (LCCHT, DCCHT): members, meetings, attendance, decisions, action
-- plans and budgets per Nepali fiscal year. Names, agendas and decisions are sealed.

CREATE TABLE committee (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('lccht', 'dccht')),
    place_code      TEXT NOT NULL REFERENCES place (code),
    organisation_id INTEGER REFERENCES organisation (id),
    formed_on       TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (kind, place_code)
) STRICT;
CREATE INDEX committee_place ON committee (place_code);

CREATE TABLE committee_member (
    id           TEXT PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    name         TEXT NOT NULL,      -- sealed
    seat         TEXT NOT NULL,
    term_start   TEXT NOT NULL,
    term_end     TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX committee_member_committee ON committee_member (committee_id);

CREATE TABLE committee_meeting (
    id           TEXT PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    held_on      TEXT NOT NULL,
    agenda       TEXT NOT NULL,      -- sealed
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX committee_meeting_committee ON committee_meeting (committee_id, held_on);

CREATE TABLE meeting_attendance (
    meeting_id TEXT NOT NULL REFERENCES committee_meeting (id),
    member_id  TEXT NOT NULL REFERENCES committee_member (id),
    present    INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
) STRICT;

CREATE TABLE meeting_decision (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL REFERENCES committee_meeting (id),
    text        TEXT NOT NULL,       -- sealed
    responsible TEXT NOT NULL,       -- sealed
    due_on      TEXT,
    status      TEXT NOT NULL DEFAULT 'open',
    status_on   TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX meeting_decision_meeting ON meeting_decision (meeting_id);

CREATE TABLE plan_activity (
    id            TEXT PRIMARY KEY,
    committee_id  INTEGER NOT NULL REFERENCES committee (id),
    fiscal_year   INTEGER NOT NULL,
    title         TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    ward_code     TEXT REFERENCES place (code),
    planned_on    TEXT,
    done_on       TEXT,
    responsible   TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX plan_activity_committee ON plan_activity (committee_id, fiscal_year);

CREATE TABLE budget_line (
    id           TEXT PRIMARY KEY,
    committee_id INTEGER NOT NULL REFERENCES committee (id),
    fiscal_year  INTEGER NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('own', 'province', 'federal', 'donor', 'ngo')),
    purpose      TEXT NOT NULL,
    allocated    INTEGER NOT NULL CHECK (allocated >= 0),
    spent        INTEGER NOT NULL CHECK (spent >= 0),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX budget_line_committee ON budget_line (committee_id, fiscal_year);
