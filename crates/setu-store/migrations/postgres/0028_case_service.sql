-- Services delivered to a survivor (issue 16), each dated and attributed to the organisation that
-- gave it; seed funding is paid in tranches, each from a committee's budget line, whose spent
-- amount grows by the tranche in the same transaction.
CREATE TABLE case_service (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES survivor_case (id),
    kind        TEXT NOT NULL,
    provider_id BIGINT NOT NULL REFERENCES organisation (id),
    started_on  TEXT NOT NULL,
    ended_on    TEXT,
    detail      TEXT,                -- the course, purpose, scheme or document
    hours       BIGINT,
    amount      BIGINT CHECK (amount > 0),
    outcome     TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX case_service_case ON case_service (case_id);
CREATE INDEX case_service_kind ON case_service (kind, started_on);

CREATE TABLE seed_tranche (
    id             TEXT PRIMARY KEY,
    service_id     TEXT NOT NULL REFERENCES case_service (id),
    case_id        TEXT NOT NULL REFERENCES survivor_case (id),
    paid_on        TEXT NOT NULL,
    amount         BIGINT NOT NULL CHECK (amount > 0),
    receipt        TEXT NOT NULL,
    budget_line_id TEXT NOT NULL REFERENCES budget_line (id),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX seed_tranche_service ON seed_tranche (service_id);
CREATE INDEX seed_tranche_line ON seed_tranche (budget_line_id);
