-- Assessments of a survivor's situation by domain, repeated over her case (issue 16): each
-- domain scored 1 (in crisis) to 4 (thriving), with a note about her (sealed). An assessment is
-- never changed: a new one is made, and the series shows the change.
CREATE TABLE case_assessment (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES survivor_case (id),
    assessed_on TEXT NOT NULL,
    assessed_by TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX case_assessment_case ON case_assessment (case_id, assessed_on);

CREATE TABLE case_assessment_score (
    id            TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES case_assessment (id),
    domain        TEXT NOT NULL,
    score         BIGINT NOT NULL CHECK (score BETWEEN 1 AND 4),
    note          TEXT,              -- sealed
    UNIQUE (assessment_id, domain)
);
