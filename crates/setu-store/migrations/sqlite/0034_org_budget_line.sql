-- An NGO's own budget for survivors (issue 16, point 5: seed funding is paid from a
-- municipality's or an NGO's budget line, which then shows it spent). A tranche is paid from
-- exactly one of a committee's line or its organisation's line; SQLite cannot drop NOT NULL,
-- so the tranche table is built again with its rows.
CREATE TABLE org_budget_line (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisation (id),
    fiscal_year     INTEGER NOT NULL,
    purpose         TEXT NOT NULL,
    allocated       INTEGER NOT NULL CHECK (allocated >= 0),
    spent           INTEGER NOT NULL DEFAULT 0 CHECK (spent >= 0),
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX org_budget_line_org ON org_budget_line (organisation_id, fiscal_year);

CREATE TABLE seed_tranche_v2 (
    id             TEXT PRIMARY KEY,
    service_id     TEXT NOT NULL REFERENCES case_service (id),
    case_id        TEXT NOT NULL REFERENCES survivor_case (id),
    paid_on        TEXT NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    receipt        TEXT NOT NULL,
    budget_line_id TEXT REFERENCES budget_line (id),
    org_line_id    TEXT REFERENCES org_budget_line (id),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    CHECK ((budget_line_id IS NULL) <> (org_line_id IS NULL))
) STRICT;
INSERT INTO seed_tranche_v2 (id, service_id, case_id, paid_on, amount, receipt, budget_line_id,
    created_by, created_at)
    SELECT id, service_id, case_id, paid_on, amount, receipt, budget_line_id, created_by,
    created_at FROM seed_tranche;
DROP TABLE seed_tranche;
ALTER TABLE seed_tranche_v2 RENAME TO seed_tranche;
CREATE INDEX seed_tranche_service ON seed_tranche (service_id);
CREATE INDEX seed_tranche_line ON seed_tranche (budget_line_id);
CREATE INDEX seed_tranche_org_line ON seed_tranche (org_line_id);
