-- What each confirmed match changed, so that a merge of encounters can be undone: every
-- record whose person it changed, with the person it had before (ids only, nothing personal).

CREATE TABLE person_merge (
    proposal_id   TEXT NOT NULL REFERENCES match_proposal (id),
    kind          TEXT NOT NULL,             -- report | encounter | screening
    record_id     TEXT NOT NULL,
    person_before TEXT,                      -- NULL: it was linked to nobody
    person_after  TEXT NOT NULL,
    seq           INTEGER NOT NULL,              -- order of merges: a later one is undone first
    PRIMARY KEY (proposal_id, kind, record_id)
) STRICT;
CREATE INDEX person_merge_record ON person_merge (kind, record_id);
