-- Follow-ups after a survivor returns home (issue 16): the day she went home, visits or calls
-- scheduled (by default 1, 3, 6 and 12 months after) and recorded with her reintegration status.
-- The note is about her and sealed; a follow-up is recorded once and never edited.
ALTER TABLE survivor_case ADD COLUMN returned_on TEXT;

CREATE TABLE case_followup (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES survivor_case (id),
    due_on      TEXT NOT NULL,
    done_on     TEXT,
    contact     TEXT CHECK (contact IN ('visit', 'phone')),
    statuses    TEXT,                -- reintegration statuses found, comma-separated codes
    note        TEXT,                -- sealed
    recorded_by TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX case_followup_case ON case_followup (case_id, due_on);
CREATE INDEX case_followup_due ON case_followup (done_on, due_on);
