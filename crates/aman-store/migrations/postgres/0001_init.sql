-- Aman schema v1 (PostgreSQL). Paired with ../sqlite/0001_init.sql: same tables, same columns.
-- Times are unix seconds (BIGINT) except the audit log's `at`, which is the canonical
-- text that the entry hash covers. Integers are BIGINT so one Rust type (i64) binds everywhere.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE sources (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    organisation TEXT NOT NULL,
    kind         TEXT NOT NULL,
    reliability  TEXT NOT NULL,
    synthetic    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE imports (
    id          BIGSERIAL PRIMARY KEY,
    file_sha256 TEXT NOT NULL UNIQUE,
    file_name   TEXT NOT NULL,
    row_count   BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE TABLE incidents (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT NOT NULL,
    status       TEXT NOT NULL,
    confidence   DOUBLE PRECISION NOT NULL,
    event_mask   BIGINT NOT NULL,
    event_start  BIGINT NOT NULL,
    event_end    BIGINT NOT NULL,
    latitude     DOUBLE PRECISION,
    longitude    DOUBLE PRECISION,
    admin1_code  TEXT,
    admin1_name  TEXT,
    admin2_code  TEXT,
    admin2_name  TEXT,
    place_name   TEXT,
    killed_min   BIGINT,
    killed_max   BIGINT,
    report_count BIGINT NOT NULL,
    source_count BIGINT NOT NULL,
    synthetic    BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX incidents_start ON incidents(event_start);
CREATE INDEX incidents_status ON incidents(status);

CREATE TABLE incident_status_history (
    id          BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  BIGINT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX status_history_incident ON incident_status_history(incident_id);

CREATE TABLE reports (
    id             BIGSERIAL PRIMARY KEY,
    source_id      BIGINT NOT NULL REFERENCES sources(id),
    import_id      BIGINT REFERENCES imports(id),
    external_ref   TEXT,
    kind           TEXT NOT NULL,
    refers_to      BIGINT REFERENCES reports(id),
    event_start    BIGINT NOT NULL,
    event_end      BIGINT NOT NULL,
    event_mask     BIGINT NOT NULL,
    place_text     TEXT NOT NULL,
    place_status   TEXT NOT NULL,
    place_json     TEXT,
    latitude       DOUBLE PRECISION,
    longitude      DOUBLE PRECISION,
    admin1_code    TEXT,
    admin2_code    TEXT,
    credibility    BIGINT NOT NULL,
    narrative      TEXT NOT NULL,
    input_json     TEXT NOT NULL,
    received_at    BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    incident_id    BIGINT REFERENCES incidents(id),
    synthetic      BIGINT NOT NULL,
    -- PostgreSQL's counterpart of SQLite's reports_fts table.
    search         tsvector GENERATED ALWAYS AS (to_tsvector('simple', place_text || ' ' || narrative)) STORED
);
CREATE INDEX reports_start ON reports(event_start);
CREATE INDEX reports_incident ON reports(incident_id);
CREATE INDEX reports_admin1 ON reports(admin1_code);
CREATE INDEX reports_admin2 ON reports(admin2_code);
CREATE INDEX reports_lat_lon ON reports(latitude, longitude);
CREATE UNIQUE INDEX reports_source_ref ON reports(source_id, external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX reports_search ON reports USING GIN (search);

CREATE TABLE persons (
    id         TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    synthetic  BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Hash-chained: entry_hash = SHA-256 over aman_core::audit::canonical_bytes, which
-- includes prev_hash. A later Merkle log takes the same canonical bytes as leaves.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    reason     TEXT,
    details    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    entry_hash TEXT NOT NULL
);
