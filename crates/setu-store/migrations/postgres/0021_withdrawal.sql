-- Records are withdrawn with a reason, never deleted (issue 14). A withdrawn row keeps its
-- values and gains withdrawn_at: lists and figures leave it out, its page says it was withdrawn
-- and why, and the withdrawal table keeps, for auditors, what the record was (its values that
-- are not personal), who withdrew it, when and why.

ALTER TABLE budget_line ADD COLUMN withdrawn_at TEXT;
ALTER TABLE committee_member ADD COLUMN withdrawn_at TEXT;
ALTER TABLE committee_meeting ADD COLUMN withdrawn_at TEXT;
ALTER TABLE plan_activity ADD COLUMN withdrawn_at TEXT;
ALTER TABLE parents_group ADD COLUMN withdrawn_at TEXT;
ALTER TABLE missing_report ADD COLUMN withdrawn_at TEXT;

CREATE TABLE withdrawal (
    id           TEXT PRIMARY KEY,
    entity       TEXT NOT NULL,        -- as in the audit trail: budget-line, missing-report, …
    record_id    TEXT NOT NULL,
    place_code   TEXT,                 -- where auditors of a place find it
    reason       TEXT NOT NULL,        -- duplicate | mistake | test | other
    note         TEXT,                 -- sealed: free text may name people
    label        TEXT NOT NULL,        -- what the record was, without personal data
    facts        TEXT NOT NULL,        -- its values that are not sealed, as JSON
    record_version BIGINT NOT NULL,   -- the record's version the withdrawal made
    withdrawn_by TEXT NOT NULL,
    withdrawn_at TEXT NOT NULL,
    UNIQUE (entity, record_id)
);
CREATE INDEX withdrawal_place ON withdrawal (place_code);

-- The register's order (open reports first, newest first) as an index, so that a page of a
-- large register is read in order instead of sorted whole.
CREATE INDEX missing_report_register ON missing_report (
    (CASE WHEN status IN ('missing', 'still-missing', 'found') THEN 0 ELSE 1 END),
    reported_on DESC, id DESC);
