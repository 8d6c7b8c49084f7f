-- Aman schema v1 (SQLite). Paired with ../postgres/0001_init.sql: same tables, same columns.
-- Times are unix seconds (INTEGER) except the audit log's `at`, which is the canonical
-- text that the entry hash covers.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE sources (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    organisation TEXT NOT NULL,
    kind         TEXT NOT NULL,
    reliability  TEXT NOT NULL,
    synthetic    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    file_sha256 TEXT NOT NULL UNIQUE,
    file_name   TEXT NOT NULL,
    row_count   INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at INTEGER NOT NULL
);

CREATE TABLE incidents (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    status       TEXT NOT NULL,
    confidence   REAL NOT NULL,
    event_mask   INTEGER NOT NULL,
    event_start  INTEGER NOT NULL,
    event_end    INTEGER NOT NULL,
    latitude     REAL,
    longitude    REAL,
    admin1_code  TEXT,
    admin1_name  TEXT,
    admin2_code  TEXT,
    admin2_name  TEXT,
    place_name   TEXT,
    killed_min   INTEGER,
    killed_max   INTEGER,
    report_count INTEGER NOT NULL,
    source_count INTEGER NOT NULL,
    synthetic    INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX incidents_start ON incidents(event_start);
CREATE INDEX incidents_status ON incidents(status);

CREATE TABLE incident_status_history (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  INTEGER NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX status_history_incident ON incident_status_history(incident_id);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    source_id      INTEGER NOT NULL REFERENCES sources(id),
    import_id      INTEGER REFERENCES imports(id),
    external_ref   TEXT,
    kind           TEXT NOT NULL,
    refers_to      INTEGER REFERENCES reports(id),
    event_start    INTEGER NOT NULL,
    event_end      INTEGER NOT NULL,
    event_mask     INTEGER NOT NULL,
    place_text     TEXT NOT NULL,
    place_status   TEXT NOT NULL,
    place_json     TEXT,
    latitude       REAL,
    longitude      REAL,
    admin1_code    TEXT,
    admin2_code    TEXT,
    credibility    INTEGER NOT NULL,
    narrative      TEXT NOT NULL,
    input_json     TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    incident_id    INTEGER REFERENCES incidents(id),
    synthetic      INTEGER NOT NULL
);
CREATE INDEX reports_start ON reports(event_start);
CREATE INDEX reports_incident ON reports(incident_id);
CREATE INDEX reports_admin1 ON reports(admin1_code);
CREATE INDEX reports_admin2 ON reports(admin2_code);
CREATE INDEX reports_lat_lon ON reports(latitude, longitude);
CREATE UNIQUE INDEX reports_source_ref ON reports(source_id, external_ref) WHERE external_ref IS NOT NULL;

-- Full-text index over the place text and narrative, kept by the store in the same
-- transaction as the report row.
CREATE VIRTUAL TABLE reports_fts USING fts5(
    place_text, narrative,
    content = 'reports', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE persons (
    id         TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    synthetic  INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Hash-chained: entry_hash = SHA-256 over aman_core::audit::canonical_bytes, which
-- includes prev_hash. A later Merkle log takes the same canonical bytes as leaves.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
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
