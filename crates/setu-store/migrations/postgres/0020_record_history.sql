-- Records people can correct (issue 14). A correctable record carries a version (a stale form
-- is refused, never silently applied) and each correction leaves, per field, its earlier and
-- later value in record_change, sealed there too when the field is sealed. Rows that existed
-- before start at version 0, the version their sealed values were bound to.

ALTER TABLE budget_line ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE committee_member ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE committee_meeting ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plan_activity ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE parents_group ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE record_change (
    id         TEXT PRIMARY KEY,    -- sealed values are bound to it
    entity     TEXT NOT NULL,        -- as in the audit trail: budget-line, committee-member, …
    record_id  TEXT NOT NULL,
    version    BIGINT NOT NULL,     -- the version this change made
    field      TEXT NOT NULL,
    old_value  TEXT,                 -- sealed when the field is
    new_value  TEXT,                 -- sealed when the field is
    sealed     BIGINT NOT NULL DEFAULT 0,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    UNIQUE (entity, record_id, version, field)
);
