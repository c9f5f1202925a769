-- Photos and documents on a survivor's case or a missing-person report (issue 16, point 12).
-- The file, its thumbnail and its caption are sealed like any other personal field (the
-- sealed bytes as text); photos arrive cleaned of their metadata (setu-media). A file is never
-- changed; every view of one is audited.
CREATE TABLE attachment (
    id         TEXT PRIMARY KEY,
    entity     TEXT NOT NULL CHECK (entity IN ('survivor-case', 'missing-report')),
    entity_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    label      TEXT,               -- sealed
    mime       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    width      INTEGER NOT NULL DEFAULT 0,
    height     INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL,      -- sealed
    thumb      TEXT,               -- sealed
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX attachment_owner ON attachment (entity, entity_id, created_at);
