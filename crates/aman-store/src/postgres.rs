//! PostgreSQL driver: a connection pool over the synchronous `postgres` client (the
//! server calls the store from blocking threads). Writers take a transaction-scoped
//! advisory lock so audit entries are appended one at a time.

use std::collections::HashMap;
use std::error::Error as _;

use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, GenericClient, NoTls, Statement};
use r2d2_postgres::PostgresConnectionManager;

use crate::driver::{Dialect, Driver, Row, Tx, Value};
use crate::{migrate, Result, StoreError};

/// Key of the advisory lock that serialises writers (any constant works).
const WRITE_LOCK: i64 = 0x616d_616e;

/// Prepared statements kept per connection; past this many the cache starts afresh
/// (list queries vary with their filters, so the set of texts is large but finite).
const STATEMENT_CACHE: usize = 256;

#[derive(Debug)]
pub struct PgDriver {
    pool: r2d2::Pool<Manager>,
}

/// A pooled connection and the statements prepared on it, by SQL text (`?` form).
struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

#[derive(Debug)]
struct Manager(PostgresConnectionManager<NoTls>);

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConn, postgres::Error> {
        Ok(PgConn {
            client: self.0.connect()?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> std::result::Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}

impl PgDriver {
    /// Connects and migrates. `schema` (tests) puts every table in its own schema.
    pub fn open(url: &str, schema: Option<&str>) -> Result<PgDriver> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Invalid(format!("bad PostgreSQL URL: {e}")))?;
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Invalid(
                    "schema name must be [A-Za-z0-9_]".into(),
                ));
            }
            let mut client = config.connect(NoTls).map_err(backend)?;
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .map_err(backend)?;
            config.options(&format!("-csearch_path={schema}"));
        }
        // Statements are prepared once per connection (see `PgTx::query`), but each
        // execution is still planned for its own values: a box with few reports and a
        // dense one share a statement's text yet need different plans, and a generic
        // plan, which PostgreSQL may otherwise settle on after five executions, cannot
        // tell them apart.
        //
        // No parallel plans: a page is tens of rows, and with 1M reports the planner
        // preferred a parallel backward scan of every report (tens of ms, two worker
        // processes per request under concurrent load) to walking one word's postings
        // (about 1 ms).
        let ours = "-cplan_cache_mode=force_custom_plan -cmax_parallel_workers_per_gather=0";
        let options = match config.get_options() {
            Some(o) => format!("{o} {ours}"),
            None => ours.to_string(),
        };
        config.options(&options);
        let manager = Manager(PostgresConnectionManager::new(config, NoTls));
        // No round trip to test each connection on checkout: a broken one fails its
        // query with a clear error and r2d2 discards it.
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| StoreError::Backend(format!("cannot connect to PostgreSQL: {e}")))?;
        let driver = PgDriver { pool };
        driver.write(&mut |tx| migrate::apply(tx, migrate::POSTGRES))?;
        Ok(driver)
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.pool
            .get()
            .map_err(|e| StoreError::Backend(format!("no database connection: {e}")))
    }
}

fn backend(e: postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        if db.code().code().starts_with("23") {
            return StoreError::Conflict(db.message().to_string());
        }
        return StoreError::Backend(format!("{}: {}", db.code().code(), db.message()));
    }
    StoreError::Backend(e.source().map_or_else(|| e.to_string(), |s| s.to_string()))
}

/// `?` placeholders → `$1, $2, …` (our SQL never has `?` inside string literals).
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Real(v) => v.to_sql(ty, out),
            Value::Text(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn read_row(row: &postgres::Row) -> Result<Row> {
    let mut out = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)
                .map(|v| v.map(|v| Value::Int(v.into()))),
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)
                .map(|v| v.map(|b| Value::Int(b.into()))),
            _ => row
                .try_get::<_, Option<String>>(i)
                .map(|v| v.map(Value::Text)),
        }
        .map_err(backend)?;
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}

/// Statements run on a transaction (writes) or straight on the connection (reads).
struct PgTx<'a, C: GenericClient> {
    client: &'a mut C,
    statements: &'a mut HashMap<String, Statement>,
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// The parameters' types, when none is NULL. (A NULL has no type of its own here.)
fn types(params: &[Value]) -> Option<Vec<Type>> {
    params
        .iter()
        .map(|p| match p {
            Value::Null => None,
            Value::Int(_) => Some(Type::INT8),
            Value::Real(_) => Some(Type::FLOAT8),
            Value::Text(_) => Some(Type::TEXT),
        })
        .collect()
}

impl<C: GenericClient> PgTx<'_, C> {
    /// `sql` prepared with these parameter types on this connection, once: a statement
    /// sent unnamed is parsed and analysed again on every call.
    fn prepared(&mut self, sql: &str, types: &[Type]) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql).filter(|s| s.params() == types) {
            return Ok(s.clone());
        }
        let statement = self
            .client
            .prepare_typed(&numbered(sql), types)
            .map_err(backend)?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

impl<C: GenericClient> Tx for PgTx<'_, C> {
    fn exec_batch(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).map_err(backend)
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.client
            .execute(&numbered(sql), &refs(params))
            .map_err(backend)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        match types(params) {
            Some(types) => {
                let statement = self.prepared(sql, &types)?;
                self.client.query(&statement, &refs(params))
            }
            None => self.client.query(&numbered(sql), &refs(params)),
        }
        .map_err(backend)?
        .iter()
        .map(read_row)
        .collect()
    }
}

struct PgDialect;

impl Dialect for PgDialect {
    fn text_match(&self) -> &'static str {
        // The walk follows the postings of one word of the query (its longest lexeme,
        // likely the rarest; `to_tsvector` and `plainto_tsquery` share the parser), and
        // each report it reaches is tested against the whole query.
        "t.term = (SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple', ?))) AS w \
         ORDER BY length(w) DESC, w LIMIT 1) AND r.search @@ plainto_tsquery('simple', ?)"
    }

    fn text_join(&self) -> &'static str {
        ""
    }

    fn grid_cell(&self) -> &'static str {
        "(floor((latitude + 90) * 10)::bigint * 3601 + floor((longitude + 180) * 10)::bigint)"
    }

    fn counts_box_first(&self) -> bool {
        false
    }

    fn text_query(&self, words: &str) -> String {
        words.to_string()
    }

    fn text_scan(&self) -> Option<(&'static str, &'static str)> {
        // Postings in (term, report id) order (migration 0008), walked backwards.
        Some((
            "report_terms t JOIN reports r ON r.id = t.report_id",
            "t.report_id",
        ))
    }

    fn narrow_reports(&self) -> &'static str {
        // PostgreSQL's planner picks the narrow index itself from its statistics.
        "reports r"
    }

    fn insert_or_rollback(&self) -> &'static str {
        "INSERT"
    }

    fn fts_insert(&self) -> Option<&'static str> {
        None
    }
}

impl Driver for PgDriver {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn dialect(&self) -> &dyn Dialect {
        &PgDialect
    }

    fn write<T>(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let PgConn { client, statements } = &mut *conn;
        let mut transaction = client.transaction().map_err(backend)?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .map_err(backend)?;
        let out = f(&mut PgTx {
            client: &mut transaction,
            statements,
        })?;
        transaction.commit().map_err(backend)?;
        Ok(out)
    }

    /// Reads run without BEGIN/ROLLBACK: at READ COMMITTED, the default, a transaction
    /// would give each statement its own snapshot anyway, and it costs two round trips.
    fn read<T>(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let PgConn { client, statements } = &mut *conn;
        f(&mut PgTx { client, statements })
    }
}
