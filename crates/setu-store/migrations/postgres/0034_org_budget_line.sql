-- An NGO's own budget for survivors (issue 16, point 5: seed funding is paid from a
-- municipality's or an NGO's budget line, which then shows it spent). A tranche is paid from
-- exactly one of a committee's line or its organisation's line.
CREATE TABLE org_budget_line (
    id              TEXT PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisation (id),
    fiscal_year     BIGINT NOT NULL,
    purpose         TEXT NOT NULL,
    allocated       BIGINT NOT NULL CHECK (allocated >= 0),
    spent           BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX org_budget_line_org ON org_budget_line (organisation_id, fiscal_year);

ALTER TABLE seed_tranche ALTER COLUMN budget_line_id DROP NOT NULL;
ALTER TABLE seed_tranche ADD COLUMN org_line_id TEXT REFERENCES org_budget_line (id);
ALTER TABLE seed_tranche ADD CONSTRAINT seed_tranche_one_line
    CHECK ((budget_line_id IS NULL) <> (org_line_id IS NULL));
CREATE INDEX seed_tranche_org_line ON seed_tranche (org_line_id);
