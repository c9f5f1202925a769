-- A survivor's support plan (issue 16): goals per assessment domain, tasks toward them with a
-- due date and who is responsible, and the plan's reviews. The words are about her and sealed;
-- they are never edited (a goal or task is achieved, done or dropped, and a new one written),
-- so they are sealed unversioned.
CREATE TABLE case_goal (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES survivor_case (id),
    domain      TEXT NOT NULL,
    goal        TEXT NOT NULL,       -- sealed
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'achieved', 'dropped')),
    settled_on  TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX case_goal_case ON case_goal (case_id);

CREATE TABLE case_task (
    id          TEXT PRIMARY KEY,
    goal_id     TEXT NOT NULL REFERENCES case_goal (id),
    case_id     TEXT NOT NULL REFERENCES survivor_case (id),
    task        TEXT NOT NULL,       -- sealed
    due_on      TEXT NOT NULL,
    responsible TEXT NOT NULL,       -- a person or an organisation, as written
    done_on     TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX case_task_case ON case_task (case_id);
CREATE INDEX case_task_due ON case_task (done_on, due_on);

CREATE TABLE case_plan_review (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES survivor_case (id),
    reviewed_on    TEXT NOT NULL,
    next_review_on TEXT,
    note           TEXT,             -- sealed
    reviewed_by    TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX case_plan_review_case ON case_plan_review (case_id, reviewed_on);
