-- Justice for a survivor (issue 16, point 8): the criminal case her case records, one per case,
-- corrected at the version read; the FIR and court case numbers sealed (they find her in public
-- records); the charges as sections of the Human Trafficking and Transportation (Control) Act,
-- comma-separated; and the hearings with the support given or planned for her testimony.
CREATE TABLE case_justice (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL UNIQUE REFERENCES survivor_case (id),
    police_office TEXT NOT NULL,
    fir_number    TEXT NOT NULL,     -- sealed
    reported_on   TEXT NOT NULL,
    court         TEXT,
    court_case    TEXT,              -- sealed
    charges       TEXT NOT NULL,
    outcome       TEXT NOT NULL DEFAULT 'pending',
    decided_on    TEXT,
    compensation  INTEGER,
    version       INTEGER NOT NULL DEFAULT 1,
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE case_hearing (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES case_justice (case_id),
    held_on    TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    support    TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX case_hearing_case ON case_hearing (case_id, held_on);
