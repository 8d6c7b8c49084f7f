-- Consolidation and estimation (SQLite). Paired with ../postgres/0002_consolidation.sql.
--
-- review_candidates: pairs the linker was unsure about (between its two thresholds),
-- waiting for a person. `left_ref`/`right_ref` are report ids, incident ids or victim
-- record refs depending on `kind`; `explanation` is the per-field JSON the linker gave.
-- Decisions are appended, never overwritten: the latest one counts, earlier ones stay
-- as history and every decision is a training label for the next re-linking.
CREATE TABLE review_candidates (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    left_ref    TEXT NOT NULL,
    right_ref   TEXT NOT NULL,
    probability REAL NOT NULL,
    explanation TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    decision    TEXT,
    UNIQUE (kind, left_ref, right_ref)
);
CREATE INDEX review_candidates_pending ON review_candidates(kind, decision);

CREATE TABLE review_decisions (
    id           INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES review_candidates(id),
    decision     TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    decided_at   INTEGER NOT NULL,
    reason       TEXT NOT NULL
);
CREATE INDEX review_decisions_candidate ON review_decisions(candidate_id);

-- Which victim-list record belongs to which person. Names stay in the lists (and the
-- identity vault); here only the pseudonymous person, the list, the record's own
-- reference and the non-identifying fields estimation is stratified by.
CREATE TABLE person_list_records (
    id          INTEGER PRIMARY KEY,
    list_name   TEXT NOT NULL,
    record_ref  TEXT NOT NULL,
    person_id   TEXT NOT NULL REFERENCES persons(id),
    sex         TEXT,
    age         INTEGER,
    event_date  TEXT,
    area        TEXT,
    linked_by   TEXT NOT NULL,
    linked_at   INTEGER NOT NULL,
    UNIQUE (list_name, record_ref)
);
CREATE INDEX person_list_records_person ON person_list_records(person_id);

-- Every estimate Aman has produced, with what is needed to reproduce it: the capture
-- table, the options (methods, seed, priors), the software version, and the result.
CREATE TABLE estimate_runs (
    id               INTEGER PRIMARY KEY,
    stratum          TEXT NOT NULL,
    input_kind       TEXT NOT NULL,
    capture_table    TEXT NOT NULL,
    options          TEXT NOT NULL,
    seed             INTEGER NOT NULL,
    software_version TEXT NOT NULL,
    result           TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
