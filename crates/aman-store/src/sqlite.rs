//! SQLite driver: one file, WAL journal, a small connection pool; writers take the
//! write lock up front (`BEGIN IMMEDIATE`) and wait on a busy timeout rather than fail.

use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::TransactionBehavior;

use crate::driver::{Dialect, Driver, Row, Tx, Value};
use crate::{migrate, Result, StoreError};

#[derive(Debug)]
pub struct SqliteDriver {
    pool: r2d2::Pool<SqliteConnectionManager>,
}

impl SqliteDriver {
    pub fn open(path: &Path) -> Result<SqliteDriver> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Invalid(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            c.busy_timeout(Duration::from_secs(30))?;
            c.execute_batch(
                // 16 KiB pages for a new database (an existing one keeps its own): report
                // rows are about 1 KB, so a 4 KiB page held three and left 15 % empty;
                // with 16 KiB the file is 10 % smaller and a million-row import allocates
                // and balances a quarter as many pages. It must come before WAL mode,
                // which writes the file's first page.
                // A 64 MiB page cache per connection (SQLite's default is 2 MiB): with a
                // million reports the report indexes no longer fit the default, and bulk
                // imports and filtered lists then wait on the disk.
                "PRAGMA page_size = 16384; \
                 PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
            )
        });
        // Connections are opened when needed, not eight up front: a bulk import can only
        // leave WAL mode when no other connection has the file open (`write_bulk`).
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(0))
            .build(manager)
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        let driver = SqliteDriver { pool };
        driver.migrate()?;
        Ok(driver)
    }

    fn migrate(&self) -> Result<()> {
        self.write(&mut |tx| migrate::apply(tx, migrate::SQLITE))
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<SqliteConnectionManager>> {
        self.pool
            .get()
            .map_err(|e| StoreError::Backend(format!("no database connection: {e}")))
    }
}

pub(crate) struct SqliteTx<'a>(pub(crate) &'a rusqlite::Transaction<'a>);

fn backend(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            return StoreError::Conflict(
                msg.clone().unwrap_or_else(|| "constraint violated".into()),
            );
        }
    }
    StoreError::Backend(e.to_string())
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Real(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
        })
    }
}

fn read_row(row: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Real(v) => Value::Real(v),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
        });
    }
    Ok(Row(out))
}

impl Tx for SqliteTx<'_> {
    fn exec_batch(&mut self, sql: &str) -> Result<()> {
        self.0.execute_batch(sql).map_err(backend)
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(sql).map_err(backend)?;
        stmt.execute(rusqlite::params_from_iter(params.iter()))
            .map(|n| n as u64)
            .map_err(backend)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(sql).map_err(backend)?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                read_row(r, n)
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }
}

struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn text_match(&self) -> &'static str {
        "f.reports_fts MATCH ?"
    }

    fn text_scan(&self) -> Option<(&'static str, &'static str)> {
        // CROSS JOIN keeps the FTS table outside: FTS5 walks the words' postings
        // newest first and the page stops after `limit` matching rows.
        Some((
            "reports_fts f CROSS JOIN reports r ON r.id = f.rowid",
            "f.rowid",
        ))
    }

    fn narrow_reports(&self) -> &'static str {
        // The planner would rather walk the (latitude, longitude) or start index and
        // sort; the narrow index answers every covered filter in id order.
        "reports r INDEXED BY reports_list"
    }

    fn text_join(&self) -> &'static str {
        // FTS5 seeks each report's id in the words' postings.
        " CROSS JOIN reports_fts f ON f.rowid = r.id"
    }

    fn grid_cell(&self) -> &'static str {
        "CAST((latitude + 90) * 10 AS INTEGER) * 3601 + CAST((longitude + 180) * 10 AS INTEGER)"
    }

    fn counts_box_first(&self) -> bool {
        true
    }

    fn text_query(&self, words: &str) -> String {
        // Each word becomes a quoted FTS5 string, so user text is never FTS syntax.
        words
            .split_whitespace()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn insert_or_rollback(&self) -> &'static str {
        "INSERT OR ROLLBACK"
    }

    fn fts_insert(&self) -> Option<&'static str> {
        // One statement per batch, not one per row: FTS5 flushes its pending terms to a
        // new segment at every statement savepoint, so per-row inserts wrote one tiny
        // segment per report and spent a quarter of an import merging them.
        Some(
            "INSERT INTO reports_fts(rowid, place_text, narrative) \
             SELECT id, place_text, narrative FROM reports WHERE id >= ?",
        )
    }
}

/// One write transaction, taking the write lock up front.
fn write_on<T>(
    conn: &mut rusqlite::Connection,
    f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>,
) -> Result<T> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let out = f(&mut SqliteTx(&tx))?;
    tx.commit().map_err(backend)?;
    Ok(out)
}

impl Driver for SqliteDriver {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn dialect(&self) -> &dyn Dialect {
        &SqliteDialect
    }

    fn write<T>(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        write_on(&mut *self.conn()?, f)
    }

    /// Runs the transaction with a rollback journal instead of the WAL when no other
    /// connection has the file open. In WAL mode each page of a large import is written
    /// twice: into the WAL during the transaction, then into the database file by the
    /// checkpoint after COMMIT. With a rollback journal, pages past the file's end at BEGIN
    /// (nearly all of an import) go straight into the file, and only pages that existed
    /// before are first copied to the journal.
    ///
    /// It is as safe and as all-or-nothing: with `synchronous = FULL` the journal, holding
    /// the original of every page changed and the file's original size, is synced before
    /// the file is written; an error rolls back from it, and after a crash the next
    /// connection to open the file finds the hot journal and restores the file (truncating
    /// the new pages) before reading. COMMIT syncs the file, then deletes the journal.
    /// Leaving WAL needs an exclusive lock, which SQLite refuses while another connection
    /// (another process, or another of the pool's) has the file open; then the import runs
    /// in WAL mode like any other write. Meanwhile other connections wait on the busy
    /// timeout, as they would for any writer in rollback mode.
    fn write_bulk<T>(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let rollback = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })
            .is_ok_and(|mode| mode.eq_ignore_ascii_case("delete"));
        if !rollback {
            return write_on(&mut conn, f);
        }
        // Without foreign keys enforced, a multi-row INSERT OR ROLLBACK needs no statement
        // journal; the caller checks its references (see `Driver::write_bulk`).
        let out = conn
            .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF")
            .map_err(backend)
            .and_then(|()| write_on(&mut conn, f));
        // Foreign keys back on first: this connection returns to the pool, and a batch
        // stops at its first failing statement. Then back to WAL, so readers do not wait
        // on later writers; should that fail, the next connection to open the file
        // switches it back (see `open`).
        let _ = conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA journal_mode = WAL",
        );
        out
    }

    fn read<T>(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(backend)?;
        f(&mut SqliteTx(&tx))
    }
}
