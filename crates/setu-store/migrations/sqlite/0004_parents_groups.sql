-- Parents' groups per ward, their members (names sealed), SBCC sessions and attendance.

CREATE TABLE parents_group (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ward_code  TEXT NOT NULL REFERENCES place (code),
    name       TEXT NOT NULL,
    formed_on  TEXT,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX parents_group_ward ON parents_group (ward_code);

CREATE TABLE group_member (
    id         TEXT PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES parents_group (id),
    name       TEXT NOT NULL,      -- sealed
    sex        TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other')),
    joined_on  TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX group_member_group ON group_member (group_id);

CREATE TABLE sbcc_session (
    id          TEXT PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES parents_group (id),
    held_on     TEXT NOT NULL,
    topic       TEXT NOT NULL,
    material    TEXT NOT NULL,
    episode     INTEGER,
    facilitator TEXT NOT NULL,     -- sealed
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX sbcc_session_group ON sbcc_session (group_id, held_on);

CREATE TABLE session_attendance (
    session_id TEXT NOT NULL REFERENCES sbcc_session (id),
    member_id  TEXT NOT NULL REFERENCES group_member (id),
    PRIMARY KEY (session_id, member_id)
) STRICT;
CREATE INDEX session_attendance_member ON session_attendance (member_id);
