-- Youth groups and their resource centres (a room the municipality gives them), and the
-- budget line an action-plan activity is paid from.

CREATE TABLE youth_group (
    id              TEXT PRIMARY KEY,
    place_code      TEXT NOT NULL REFERENCES place (code),
    name            TEXT NOT NULL,
    formed_on       TEXT,
    resource_centre TEXT,
    room_given_on   TEXT,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX youth_group_place ON youth_group (place_code);

ALTER TABLE plan_activity ADD COLUMN budget_line_id TEXT REFERENCES budget_line (id);
