//! The small surface each database driver provides, so the store's logic is written
//! once: run statements with positional `?` parameters inside a transaction, and read
//! rows back as plain values.

use crate::{Result, StoreError};

/// A parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(v as i64)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// A result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("missing column {i}")))
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is null")))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected integer, got {other:?}"
            ))),
        }
    }

    pub fn real(&self, i: usize) -> Result<f64> {
        self.opt_real(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is null")))
    }

    pub fn opt_real(&self, i: usize) -> Result<Option<f64>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Real(v) => Ok(Some(*v)),
            Value::Int(v) => Ok(Some(*v as f64)),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected number, got {other:?}"
            ))),
        }
    }

    pub fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is null")))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v.clone())),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected text, got {other:?}"
            ))),
        }
    }
}

/// Statements inside one transaction. SQL uses `?` placeholders; drivers translate.
pub trait Tx {
    /// Runs a script of several statements without parameters (migrations).
    fn exec_batch(&mut self, sql: &str) -> Result<()>;
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    fn insert_id(&mut self, sql: &str, params: &[Value]) -> Result<i64> {
        self.query_one(sql, params)?
            .ok_or_else(|| StoreError::Backend("INSERT … RETURNING gave no row".into()))?
            .int(0)
    }
}

/// How one backend's SQL differs from the other's.
pub trait Dialect {
    /// A WHERE condition matching full text, on `reports r` or on the
    /// [`Dialect::text_scan`] source when there is one. Each of its `?` is bound to
    /// [`Dialect::text_query`].
    fn text_match(&self) -> &'static str;
    /// A `FROM` source of reports (`r`) driven by the text index in descending id order,
    /// and its id column, when the text index can yield ids in order.
    fn text_scan(&self) -> Option<(&'static str, &'static str)>;
    /// `reports r` read through the narrow index of list filters in id order.
    fn narrow_reports(&self) -> &'static str;
    /// What joins `reports r` to make [`Dialect::text_match`] usable on it, looked up
    /// per report (empty when the match reads `r` itself).
    fn text_join(&self) -> &'static str;
    /// A report's grid cell from its latitude and longitude, the expression of the
    /// `reports_cell` index (migration 0007).
    fn grid_cell(&self) -> &'static str;
    /// Whether a box's reports are counted (up to a cap) to choose the plan of a list,
    /// rather than left to the planner's statistics.
    fn counts_box_first(&self) -> bool;
    /// The parameter bound to [`Dialect::text_match`] for a user's search words.
    fn text_query(&self, words: &str) -> String;
    /// The `INSERT` of a statement whose error aborts its whole transaction anyway.
    /// SQLite's `INSERT OR ROLLBACK` then needs no statement journal (a copy of every page
    /// the statement changes, kept to undo that statement alone) for a constraint it may
    /// break, as long as foreign keys are not enforced (see [`Driver::write_bulk`]).
    fn insert_or_rollback(&self) -> &'static str;
    /// Keeps the full-text index in step after a batch of report inserts, if the backend
    /// needs it: one statement over every report with `id >= ?`.
    fn fts_insert(&self) -> Option<&'static str>;
}

/// A database that runs closures inside read or write transactions.
pub trait Driver: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;
    fn dialect(&self) -> &dyn Dialect;
    /// A transaction that commits when `f` returns `Ok`. Writers are serialised so the
    /// audit chain's "previous entry" is always the real last entry.
    fn write<T>(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>) -> Result<T>;
    /// [`Driver::write`] for one large transaction (a file import), which a backend may
    /// run in a mode that writes bulk data faster with the same all-or-nothing guarantee.
    /// That mode may leave foreign keys unenforced: `f` checks the references it writes.
    fn write_bulk<T>(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.write(f)
    }
    fn read<T>(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<T>) -> Result<T>;
}
