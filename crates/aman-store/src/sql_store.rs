//! The store's behaviour, written once over the [`Driver`] surface.

mod consolidation;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use aman_core::audit::{canonical_bytes, truncate_to_micros, AuditRecord};
use aman_core::incident::{combine_counts, derive_confidence, Support};
use aman_core::{
    AuditEntry, Clock, CountRange, EventType, Incident, IncidentSummary, PersonId, PersonRole,
    PlaceStatus, Reliability, Report, ReportInput, ReportKind, ResolvedPlace, Role, Source,
    SourceInput, SourceKind, StatusChange, User, VerificationStatus,
};
use aman_vault::audit::{chain_hash, GENESIS_PREV};
use aman_vault::Hash256;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use crate::driver::{Driver, Row, Tx, Value};
use crate::postgres::PgDriver;
use crate::sqlite::SqliteDriver;
use crate::{
    Counts, ImportMark, IncidentBreakdown, IncidentCluster, IncidentFilter, Page, PageRequest,
    PreparedReport, ReportFilter, ReportJson, Result, Store, StoreError, Who,
};

/// The one implementation of [`Store`], over SQLite or PostgreSQL.
#[derive(Debug)]
pub struct SqlStore<D: Driver> {
    pub(crate) db: D,
    clock: Arc<dyn Clock>,
}

impl SqlStore<SqliteDriver> {
    /// Opens (creating if needed) an SQLite database file and migrates it.
    pub fn sqlite(path: &Path, clock: Arc<dyn Clock>) -> Result<Self> {
        Ok(SqlStore {
            db: SqliteDriver::open(path)?,
            clock,
        })
    }
}

impl SqlStore<PgDriver> {
    /// Connects to PostgreSQL and migrates. `schema` isolates one database in a schema
    /// (used by tests to run side by side).
    pub fn postgres(url: &str, schema: Option<&str>, clock: Arc<dyn Clock>) -> Result<Self> {
        Ok(SqlStore {
            db: PgDriver::open(url, schema)?,
            clock,
        })
    }
}

const REPORT_COLS: &str = "r.id, r.input_json, r.received_at, r.created_by, r.created_at, r.place_status, r.place_json, r.incident_id";

const INCIDENT_COLS: &str = "i.id, i.title, i.status, i.confidence, i.event_mask, i.event_start, i.event_end, \
     i.latitude, i.longitude, i.admin1_code, i.admin1_name, i.admin2_code, i.admin2_name, i.place_name, \
     i.killed_min, i.killed_max, i.report_count, i.source_count, i.synthetic, i.created_at";

/// After the dialect's [`crate::driver::Dialect::insert_or_rollback`].
const INSERT_REPORTS: &str = " INTO reports (source_id, import_id, external_ref, kind, refers_to, \
     event_start, event_end, event_mask, place_text, place_status, place_json, latitude, longitude, \
     admin1_code, admin2_code, credibility, narrative, input_json, received_at, created_by, created_at, synthetic) \
     VALUES ";
/// Columns of [`INSERT_REPORTS`].
const REPORT_COLUMNS: usize = 22;
/// Reports per INSERT statement. One statement per report cost a statement journal,
/// foreign-key bookkeeping and a round trip (PostgreSQL) each; 64 × 22 parameters stay
/// far below both backends' limits.
const INSERT_ROWS: usize = 64;

/// The multi-row INSERTs of 1, 2, 4, …, [`INSERT_ROWS`] reports, index = log2 of the
/// row count, built once per call of `insert_report_rows` rather than for every batch.
fn insert_report_statements(insert: &str) -> Vec<String> {
    let row = format!("({})", vec!["?"; REPORT_COLUMNS].join(", "));
    (0..=INSERT_ROWS.ilog2())
        .map(|log| {
            format!(
                "{insert}{INSERT_REPORTS}{} RETURNING id",
                vec![row.as_str(); 1 << log].join(", ")
            )
        })
        .collect()
}

/// Inserts the reports whose column values are in `values` with `statements` (from
/// [`insert_report_statements`]), appending their ids in row order to `ids`, which holds
/// the batch's earlier reports (for errors).
fn insert_report_batch(
    tx: &mut dyn Tx,
    statements: &[String],
    values: &[Value],
    ids: &mut Vec<i64>,
) -> Result<()> {
    let mut rest = values;
    while !rest.is_empty() {
        // Statements of whole powers of two rows: a short batch (flushed early for a
        // `refers_to`) reuses a few prepared statements instead of preparing one of up to
        // 63 sizes, which pushed the others out of the statement cache.
        let log = (rest.len() / REPORT_COLUMNS).ilog2();
        let n = 1 << log;
        let (now, later) = rest.split_at(n * REPORT_COLUMNS);
        let done = ids.len();
        let rows = tx.query(&statements[log as usize], now).map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "reports {}–{} of this batch: a source already has a report with the external_ref of one of them; nothing was stored",
                done + 1,
                done + n
            )),
            other => other,
        })?;
        // Ids are assigned in row order; RETURNING does not promise to list them so.
        for r in &rows {
            ids.push(r.int(0)?);
        }
        ids[done..].sort_unstable();
        rest = later;
    }
    Ok(())
}

pub(crate) fn ts(t: i64) -> Result<DateTime<Utc>> {
    Utc.timestamp_opt(t, 0)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("bad timestamp {t}")))
}

fn corrupt(what: &str) -> impl Fn(serde_json::Error) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn parse_code<T>(code: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T> {
    parse(code).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} '{code}'")))
}

fn report_from_row(row: &Row) -> Result<Report> {
    let mut input: ReportInput = serde_json::from_str(&row.text(1)?).map_err(corrupt("report"))?;
    // Held by the row's own column (rows stored before migration 0011 repeat it).
    input.received_at = None;
    let place = row
        .opt_text(6)?
        .map(|p| serde_json::from_str::<ResolvedPlace>(&p))
        .transpose()
        .map_err(corrupt("report place"))?;
    Ok(Report {
        id: row.int(0)?,
        input,
        received_at: ts(row.int(2)?)?,
        created_by: row.text(3)?,
        created_at: ts(row.int(4)?)?,
        place_status: parse_code(&row.text(5)?, PlaceStatus::from_code, "place status")?,
        place,
        incident_id: row.opt_int(7)?,
    })
}

/// The JSON text [`Report`] serialises to, built around the stored `input_json`, whose
/// fields `Report` flattens, and `place_json`, neither parsed.
fn report_json_from_row(row: &Row) -> Result<ReportJson> {
    fn json<T: serde::Serialize>(value: &T) -> Result<String> {
        serde_json::to_string(value).map_err(corrupt("report"))
    }
    let input = row.text(1)?;
    let fields = input
        .trim()
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .filter(|fields| !fields.trim().is_empty())
        .ok_or_else(|| StoreError::Corrupt("report: input is not a JSON object".into()))?;
    let place = row.opt_text(6)?;
    let text = format!(
        r#"{{"id":{},{fields},"received_at":{},"created_by":{},"created_at":{},"place_status":{},"place":{},"incident_id":{}}}"#,
        row.int(0)?,
        json(&ts(row.int(2)?)?)?,
        json(&row.text(3)?)?,
        json(&ts(row.int(4)?)?)?,
        json(&parse_code(
            &row.text(5)?,
            PlaceStatus::from_code,
            "place status"
        )?)?,
        place.as_deref().unwrap_or("null"),
        json(&row.opt_int(7)?)?,
    );
    serde_json::value::RawValue::from_string(text)
        .map(ReportJson)
        .map_err(corrupt("report"))
}

fn incident_from_row(row: &Row) -> Result<IncidentSummary> {
    let killed = match (row.opt_int(14)?, row.opt_int(15)?) {
        (Some(min), Some(max)) => Some(CountRange {
            min: min as u32,
            max: max as u32,
        }),
        _ => None,
    };
    Ok(IncidentSummary {
        id: row.int(0)?,
        title: row.text(1)?,
        status: parse_code(&row.text(2)?, VerificationStatus::from_code, "status")?,
        confidence: row.real(3)?,
        event_types: EventType::from_mask(row.int(4)?),
        start: ts(row.int(5)?)?,
        end: ts(row.int(6)?)?,
        latitude: row.opt_real(7)?,
        longitude: row.opt_real(8)?,
        admin1_code: row.opt_text(9)?,
        admin1_name: row.opt_text(10)?,
        admin2_code: row.opt_text(11)?,
        admin2_name: row.opt_text(12)?,
        place_name: row.opt_text(13)?,
        killed,
        report_count: row.int(16)? as u32,
        source_count: row.int(17)? as u32,
        synthetic: row.int(18)? != 0,
        created_at: ts(row.int(19)?)?,
    })
}

fn source_from_row(row: &Row) -> Result<Source> {
    Ok(Source {
        id: row.int(0)?,
        name: row.text(1)?,
        organisation: row.text(2)?,
        kind: parse_code(&row.text(3)?, SourceKind::from_code, "source kind")?,
        reliability: parse_code(&row.text(4)?, Reliability::parse, "reliability")?,
        synthetic: row.int(5)? != 0,
    })
}

fn user_from_row(row: &Row) -> Result<User> {
    Ok(User {
        id: row.int(0)?,
        username: row.text(1)?,
        role: parse_code(&row.text(2)?, Role::from_code, "role")?,
    })
}

/// Accumulates a WHERE clause and its parameters.
#[derive(Clone, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub(crate) params: Vec<Value>,
}

impl Where {
    pub(crate) fn add(
        &mut self,
        clause: impl Into<String>,
        params: impl IntoIterator<Item = Value>,
    ) {
        self.clauses.push(clause.into());
        self.params.extend(params);
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// Filters shared by reports (`r`) and incidents (`i`): time overlap, types, areas, box.
#[allow(clippy::too_many_arguments)]
pub(crate) fn common_filters(
    w: &mut Where,
    alias: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    types: &[EventType],
    admin1: &Option<String>,
    admin2: &Option<String>,
    bbox: &Option<aman_core::BoundingBox>,
) {
    if let Some(from) = from {
        w.add(
            format!("{alias}.event_end >= ?"),
            [Value::Int(from.timestamp())],
        );
    }
    if let Some(to) = to {
        w.add(
            format!("{alias}.event_start <= ?"),
            [Value::Int(to.timestamp())],
        );
    }
    if !types.is_empty() {
        w.add(
            format!("({alias}.event_mask & ?) <> 0"),
            [Value::Int(EventType::mask(types))],
        );
    }
    if let Some(a) = admin1 {
        w.add(
            format!("{alias}.admin1_code = ?"),
            [Value::from(a.as_str())],
        );
    }
    if let Some(a) = admin2 {
        w.add(
            format!("{alias}.admin2_code = ?"),
            [Value::from(a.as_str())],
        );
    }
    if let Some(b) = bbox {
        w.add(
            format!("{alias}.latitude BETWEEN ? AND ? AND {alias}.longitude BETWEEN ? AND ?"),
            [b.min_lat, b.max_lat, b.min_lon, b.max_lon].map(Value::Real),
        );
    }
}

/// Grid cells of located reports (migration 0007): cells per degree, cells per row.
const CELLS_PER_DEGREE: f64 = 10.0;
const CELL_ROW: i64 = 3601;
/// A box whose cells hold at most this many reports (below the newest ids) drives its
/// list (a bounded read); a denser box is left to the newest-first walk, where its
/// reports are frequent.
const BOX_DRIVE_MAX: i64 = 4096;
/// How many of the newest ids (below the page's `before`) SQLite walks for a box before
/// counting the box's older reports.
const BOX_WINDOW: i64 = 4096;
/// Rows of cells given one range each; a taller box gets one range over all its rows,
/// which holds more cells than the box but stays correct.
const MAX_CELL_RANGES: i64 = 32;

/// Ranges of grid cells holding every point of `b`, for `Dialect::grid_cell BETWEEN`.
/// Row and column are monotonic in latitude and longitude, computed as the SQL does.
fn cell_ranges(b: &aman_core::BoundingBox) -> Vec<(i64, i64)> {
    let row = |lat: f64| ((lat + 90.0) * CELLS_PER_DEGREE).floor() as i64;
    let col = |lon: f64| ((lon + 180.0) * CELLS_PER_DEGREE).floor() as i64;
    let (r0, r1) = (row(b.min_lat), row(b.max_lat));
    let (c0, c1) = (col(b.min_lon), col(b.max_lon));
    if r1 - r0 >= MAX_CELL_RANGES {
        return vec![(r0 * CELL_ROW + c0, r1 * CELL_ROW + c1)];
    }
    (r0..=r1)
        .map(|r| (r * CELL_ROW + c0, r * CELL_ROW + c1))
        .collect()
}

fn page_of<T>(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> i64) -> Page<T> {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_before = if more { items.last().map(&id) } else { None };
    Page { items, next_before }
}

fn check_limit(page: PageRequest) -> Result<u32> {
    if page.limit == 0 || page.limit > PageRequest::MAX_LIMIT {
        return Err(StoreError::Invalid(format!(
            "limit must be 1–{}",
            PageRequest::MAX_LIMIT
        )));
    }
    Ok(page.limit)
}

impl<D: Driver> SqlStore<D> {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// One page, newest first, after `page.before`. `from` is `table alias`.
    fn keyset_page<T>(
        &self,
        cols: &str,
        from: &str,
        mut w: Where,
        page: PageRequest,
        map: fn(&Row) -> Result<T>,
        id: fn(&T) -> i64,
    ) -> Result<Page<T>> {
        let limit = check_limit(page)?;
        let alias = from.rsplit(' ').next().unwrap_or(from);
        if let Some(before) = page.before {
            w.add(format!("{alias}.id < ?"), [Value::Int(before)]);
        }
        let sql = format!(
            "SELECT {cols} FROM {from}{} ORDER BY {alias}.id DESC LIMIT ?",
            w.sql()
        );
        let mut params = w.params;
        params.push(Value::Int(limit as i64 + 1));
        let items = self
            .db
            .read(&mut |tx| tx.query(&sql, &params)?.iter().map(map).collect())?;
        Ok(page_of(items, limit, id))
    }

    /// Appends one audit entry inside the caller's write transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn audit(
        &self,
        tx: &mut dyn Tx,
        by: &Who,
        action: &str,
        entity: &str,
        entity_id: impl ToString,
        reason: Option<&str>,
        details: serde_json::Value,
    ) -> Result<()> {
        let last = tx.query_one(
            "SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?;
        let (seq, prev) = match &last {
            Some(r) => (
                r.int(0)? + 1,
                Hash256::from_hex(&r.text(1)?).map_err(|_| {
                    StoreError::Corrupt("the last audit entry's hash is not hex".into())
                })?,
            ),
            None => (1, GENESIS_PREV),
        };
        let record = AuditRecord {
            at: truncate_to_micros(self.now()),
            actor: by.username.clone(),
            action: action.into(),
            entity: entity.into(),
            entity_id: entity_id.to_string(),
            reason: reason.map(str::to_string),
            details: details.to_string(),
        };
        let entry_hash = chain_hash(&prev, &canonical_bytes(seq, &record));
        tx.exec(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, reason, details, prev_hash, entry_hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Int(seq),
                Value::Text(aman_core::audit::canonical_time(record.at)),
                record.actor.into(),
                record.action.into(),
                record.entity.into(),
                record.entity_id.into(),
                record.reason.into(),
                record.details.into(),
                prev.to_hex().into(),
                entry_hash.to_hex().into(),
            ],
        )?;
        Ok(())
    }

    /// The `persons` row; the caller appends the `person.create` audit entry.
    pub(crate) fn insert_person(
        tx: &mut dyn Tx,
        by: &Who,
        id: &str,
        role: PersonRole,
        synthetic: bool,
        created_at: i64,
    ) -> Result<()> {
        tx.exec(
            "INSERT INTO persons (id, role, synthetic, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            &[id.into(), role.code().into(), synthetic.into(), by.username.as_str().into(), Value::Int(created_at)],
        )?;
        Ok(())
    }

    fn incident_exists(tx: &mut dyn Tx, id: i64) -> Result<IncidentSummary> {
        let row = tx
            .query_one(
                &format!("SELECT {INCIDENT_COLS} FROM incidents i WHERE i.id = ?"),
                &[Value::Int(id)],
            )?
            .ok_or_else(|| StoreError::NotFound {
                what: "incident",
                id: id.to_string(),
            })?;
        incident_from_row(&row)
    }

    /// Recomputes an incident's derived fields from the reports now linked to it.
    fn refresh_incident(tx: &mut dyn Tx, id: i64) -> Result<()> {
        let rows = tx.query(
            "SELECT r.input_json, r.place_json, s.reliability, r.synthetic \
             FROM reports r JOIN sources s ON s.id = r.source_id WHERE r.incident_id = ? ORDER BY r.id",
            &[Value::Int(id)],
        )?;
        let mut support = Vec::new();
        let mut mask = 0i64;
        let mut start: Option<DateTime<Utc>> = None;
        let mut end: Option<DateTime<Utc>> = None;
        let mut killed = Vec::new();
        let mut best_place: Option<ResolvedPlace> = None;
        let mut given_point: Option<(f64, f64)> = None;
        let mut sources = BTreeSet::new();
        let mut synthetic = true;
        for row in &rows {
            let input: ReportInput =
                serde_json::from_str(&row.text(0)?).map_err(corrupt("report"))?;
            let place: Option<ResolvedPlace> = row
                .opt_text(1)?
                .map(|p| serde_json::from_str(&p))
                .transpose()
                .map_err(corrupt("report place"))?;
            let reliability = parse_code(&row.text(2)?, Reliability::parse, "reliability")?;
            synthetic &= row.int(3)? != 0;
            sources.insert(input.source_id);
            support.push(Support {
                source_id: input.source_id,
                reliability,
                credibility: input.credibility,
                kind: input.kind,
            });
            if input.kind != ReportKind::Original {
                continue;
            }
            mask |= EventType::mask(&input.event_types);
            start = Some(start.map_or(input.event_time.start, |s| s.min(input.event_time.start)));
            end = Some(end.map_or(input.event_time.end, |e| e.max(input.event_time.end)));
            killed.extend(input.counts.killed);
            if let Some(p) = place {
                if best_place
                    .as_ref()
                    .is_none_or(|b| p.precision < b.precision)
                {
                    best_place = Some(p);
                }
            } else if let (Some(lat), Some(lon)) = (input.latitude, input.longitude) {
                given_point.get_or_insert((lat, lon));
            }
        }
        let killed = combine_counts(killed);
        let (lat, lon) = match (&best_place, given_point) {
            (Some(p), _) => (Some(p.latitude), Some(p.longitude)),
            (None, Some((lat, lon))) => (Some(lat), Some(lon)),
            _ => (None, None),
        };
        let bp = best_place.as_ref();
        let mut params = vec![
            Value::Real(derive_confidence(&support)),
            Value::Int(rows.len() as i64),
            Value::Int(sources.len() as i64),
            Value::from(synthetic && !rows.is_empty()),
        ];
        let mut sql = String::from(
            "UPDATE incidents SET confidence = ?, report_count = ?, source_count = ?, synthetic = ?",
        );
        if let (Some(start), Some(end)) = (start, end) {
            sql.push_str(
                ", event_mask = ?, event_start = ?, event_end = ?, latitude = ?, longitude = ?, \
                 admin1_code = ?, admin1_name = ?, admin2_code = ?, admin2_name = ?, place_name = ?, \
                 killed_min = ?, killed_max = ?",
            );
            params.extend([
                Value::Int(mask),
                Value::Int(start.timestamp()),
                Value::Int(end.timestamp()),
                lat.into(),
                lon.into(),
                bp.and_then(|p| p.admin1_code.clone()).into(),
                bp.and_then(|p| p.admin1_name.clone()).into(),
                bp.and_then(|p| p.admin2_code.clone()).into(),
                bp.and_then(|p| p.admin2_name.clone()).into(),
                bp.and_then(|p| p.name.clone()).into(),
                killed.map(|k| k.min as i64).into(),
                killed.map(|k| k.max as i64).into(),
            ]);
        }
        sql.push_str(" WHERE id = ?");
        params.push(Value::Int(id));
        tx.exec(&sql, &params)?;
        Ok(())
    }

    fn link_in(
        &self,
        tx: &mut dyn Tx,
        by: &Who,
        incident_id: i64,
        report_id: i64,
        reason: &str,
    ) -> Result<()> {
        let row = tx
            .query_one(
                "SELECT incident_id FROM reports WHERE id = ?",
                &[Value::Int(report_id)],
            )?
            .ok_or_else(|| StoreError::NotFound {
                what: "report",
                id: report_id.to_string(),
            })?;
        if let Some(current) = row.opt_int(0)? {
            return Err(StoreError::Conflict(if current == incident_id {
                format!("report {report_id} is already linked to incident {incident_id}")
            } else {
                format!("report {report_id} is linked to incident {current}; unlink it there first")
            }));
        }
        tx.exec(
            "UPDATE reports SET incident_id = ? WHERE id = ?",
            &[Value::Int(incident_id), Value::Int(report_id)],
        )?;
        self.audit(
            tx,
            by,
            "incident.link",
            "incident",
            incident_id,
            Some(reason),
            json!({ "report_id": report_id }),
        )
    }

    fn unlink_in(
        &self,
        tx: &mut dyn Tx,
        by: &Who,
        incident_id: i64,
        report_id: i64,
        reason: &str,
    ) -> Result<()> {
        let changed = tx.exec(
            "UPDATE reports SET incident_id = NULL WHERE id = ? AND incident_id = ?",
            &[Value::Int(report_id), Value::Int(incident_id)],
        )?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "report {report_id} is not linked to incident {incident_id}"
            )));
        }
        self.audit(
            tx,
            by,
            "incident.unlink",
            "incident",
            incident_id,
            Some(reason),
            json!({ "report_id": report_id }),
        )
    }

    /// A page of reports matching `f`, each made by `item` from its row (columns
    /// `REPORT_COLS`).
    fn report_page<T>(
        &self,
        f: &ReportFilter,
        page: PageRequest,
        item: fn(&Row) -> Result<T>,
    ) -> Result<Page<T>> {
        let limit = check_limit(page)?;
        let d = self.db.dialect();
        let mut w = Where::default();
        common_filters(
            &mut w,
            "r",
            f.from,
            f.to,
            &f.event_types,
            &f.admin1,
            &f.admin2,
            &f.bbox,
        );
        if let Some(id) = f.source_id {
            w.add("r.source_id = ?", [Value::Int(id)]);
        }
        if let Some(s) = f.place_status {
            w.add("r.place_status = ?", [s.code().into()]);
        }
        // Everything so far is in the narrow id-ordered index (migration 0006).
        let mut covered = true;
        if let Some(s) = f.status {
            covered = false;
            w.add(
                "r.incident_id IN (SELECT id FROM incidents WHERE status = ?)",
                [s.code().into()],
            );
        }
        if let Some(id) = f.incident_id {
            covered = false;
            w.add("r.incident_id = ?", [Value::Int(id)]);
        }
        let text = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if let Some(text) = text {
            let query = Value::Text(d.text_query(text));
            w.add(
                d.text_match(),
                vec![query; d.text_match().matches('?').count()],
            );
        }
        // A box's grid cells (migration 0007) bound the reports it can hold, so a box
        // with few reports need not walk the list to find out how few. PostgreSQL
        // weighs the cells' condition against a newest-first walk from the index's
        // statistics. SQLite's plans here are fixed, so the walk is tried on the newest
        // ids first; when they do not fill the page, the box's older reports are counted
        // up to a cap, and a box under it drives the rest (its reports fetched by id and
        // filtered, however rare the matches among them).
        let mut cells = None;
        if let Some(b) = &f.bbox {
            let ranges = cell_ranges(b);
            let clause = format!(
                "({})",
                vec![format!("{} BETWEEN ? AND ?", d.grid_cell()); ranges.len()].join(" OR ")
            );
            let params = ranges
                .iter()
                .flat_map(|&(lo, hi)| [Value::Int(lo), Value::Int(hi)]);
            if d.counts_box_first() {
                cells = Some((clause, params.collect::<Vec<_>>()));
            } else {
                w.add(clause, params);
            }
        }
        // Otherwise newest first, so a page ends as soon as `limit` rows match. The rows
        // come from whichever source yields ids in descending order and filters
        // cheapest: the text index's postings in id order (FTS5 on SQLite,
        // `report_terms` on PostgreSQL), else the narrow index. Left to itself, SQLite's
        // planner walked the (latitude, longitude) index over most of the table and
        // sorted it. Only a walk of the narrow index picks ids first and then their
        // rows; a walk that reads the rows anyway (text, incident filters) returns them.
        let (from, id, by_id) = match (text, d.text_scan()) {
            (Some(_), Some((from, id))) => (from, id, false),
            _ if covered && text.is_none() => (d.narrow_reports(), "r.id", true),
            _ => ("reports r", "r.id", false),
        };
        let walk = |w: &Where, below: Option<i64>, from_id: Option<i64>| {
            let mut w = w.clone();
            if let Some(below) = below {
                w.add(format!("{id} < ?"), [Value::Int(below)]);
            }
            if let Some(lo) = from_id {
                w.add(format!("{id} >= ?"), [Value::Int(lo)]);
            }
            let cols = if by_id { "r.id" } else { REPORT_COLS };
            let mut sql = format!(
                "SELECT {cols} FROM {from}{} ORDER BY {id} DESC LIMIT ?",
                w.sql()
            );
            if by_id {
                // Only the matching ids come from the index; then their rows.
                sql = format!(
                    "SELECT {REPORT_COLS} FROM reports r WHERE r.id IN ({sql}) ORDER BY r.id DESC"
                );
            }
            let mut params = w.params;
            params.push(Value::Int(limit as i64 + 1));
            (sql, params)
        };
        let rows =
            |tx: &mut dyn Tx, (sql, params): &(String, Vec<Value>)| -> Result<Vec<(i64, T)>> {
                tx.query(sql, params)?
                    .iter()
                    .map(|row| Ok((row.int(0)?, item(row)?)))
                    .collect()
            };
        let items = self.db.read(&mut |tx| {
            let Some((clause, cell_params)) = &cells else {
                return rows(tx, &walk(&w, page.before, None));
            };
            let top = match page.before {
                Some(before) => before,
                None => tx
                    .query_one("SELECT COALESCE(MAX(id), 0) + 1 FROM reports", &[])?
                    .map_or(Ok(1), |r| r.int(0))?,
            };
            let lo = top - BOX_WINDOW;
            let mut items = rows(tx, &walk(&w, Some(top), Some(lo)))?;
            if items.len() > limit as usize {
                return Ok(items);
            }
            let in_box = format!("SELECT id FROM reports WHERE {clause} AND id < ?");
            let mut box_params = cell_params.clone();
            box_params.push(Value::Int(lo));
            let mut probe_params = box_params.clone();
            probe_params.push(Value::Int(BOX_DRIVE_MAX + 1));
            let in_box_count = tx
                .query_one(
                    &format!("SELECT COUNT(*) FROM ({in_box} LIMIT ?) c"),
                    &probe_params,
                )?
                .map_or(Ok(0), |r| r.int(0))?;
            let rest = if in_box_count <= BOX_DRIVE_MAX {
                let mut by_box = w.clone();
                by_box.add(format!("r.id IN ({in_box})"), box_params);
                let sql = format!(
                    "SELECT {REPORT_COLS} FROM reports r{}{} ORDER BY r.id DESC LIMIT ?",
                    if text.is_some() { d.text_join() } else { "" },
                    by_box.sql()
                );
                let mut params = by_box.params;
                params.push(Value::Int(limit as i64 + 1));
                (sql, params)
            } else {
                walk(&w, Some(lo), None)
            };
            items.extend(rows(tx, &rest)?);
            Ok(items)
        })?;
        let Page { items, next_before } = page_of(items, limit, |(id, _)| *id);
        Ok(Page {
            items: items.into_iter().map(|(_, item)| item).collect(),
            next_before,
        })
    }
}

fn require_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a reason is required for this change".into(),
        ));
    }
    if reason.len() > 2000 {
        return Err(StoreError::Invalid(
            "reason must be at most 2000 bytes".into(),
        ));
    }
    Ok(())
}

impl<D: Driver> Store for SqlStore<D> {
    fn backend(&self) -> &'static str {
        self.db.name()
    }

    fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    fn create_user(
        &self,
        by: &Who,
        username: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<User> {
        aman_core::user::validate_username(username).map_err(StoreError::Invalid)?;
        let now = self.now().timestamp();
        self.db.write(&mut |tx| {
            if tx
                .query_one("SELECT id FROM users WHERE username = ?", &[username.into()])?
                .is_some()
            {
                return Err(StoreError::Conflict(format!("user '{username}' already exists")));
            }
            let id = tx.insert_id(
                "INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                &[username.into(), role.code().into(), password_hash.into(), Value::Int(now)],
            )?;
            self.audit(tx, by, "user.create", "user", id, None, json!({ "username": username, "role": role.code() }))?;
            Ok(User {
                id,
                username: username.to_string(),
                role,
            })
        })
    }

    fn find_user(&self, username: &str) -> Result<Option<(User, String)>> {
        self.db.read(&mut |tx| {
            tx.query_one(
                "SELECT id, username, role, password_hash FROM users WHERE username = ?",
                &[username.into()],
            )?
            .map(|r| Ok((user_from_row(&r)?, r.text(3)?)))
            .transpose()
        })
    }

    fn list_users(&self) -> Result<Vec<User>> {
        self.db.read(&mut |tx| {
            tx.query("SELECT id, username, role FROM users ORDER BY id", &[])?
                .iter()
                .map(user_from_row)
                .collect()
        })
    }

    fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let now = self.now();
        self.db.write(&mut |tx| {
            let user = tx
                .query_one("SELECT id, username, role FROM users WHERE id = ?", &[Value::Int(user_id)])?
                .ok_or_else(|| StoreError::NotFound {
                    what: "user",
                    id: user_id.to_string(),
                })?;
            let user = user_from_row(&user)?;
            tx.exec("DELETE FROM sessions WHERE expires_at <= ?", &[Value::Int(now.timestamp())])?;
            tx.exec(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                &[
                    token_hash.into(),
                    Value::Int(user_id),
                    Value::Int(now.timestamp()),
                    Value::Int(expires_at.timestamp()),
                ],
            )?;
            self.audit(
                tx,
                &Who::user(&user.username),
                "session.login",
                "user",
                user_id,
                None,
                json!({ "expires_at": expires_at.to_rfc3339() }),
            )
        })
    }

    fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        let now = self.now().timestamp();
        self.db.read(&mut |tx| {
            tx.query_one(
                "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = ? AND s.expires_at > ?",
                &[token_hash.into(), Value::Int(now)],
            )?
            .map(|r| user_from_row(&r))
            .transpose()
        })
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.db.write(&mut |tx| {
            let Some(row) = tx.query_one(
                "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
                &[token_hash.into()],
            )?
            else {
                return Ok(());
            };
            let user = user_from_row(&row)?;
            tx.exec("DELETE FROM sessions WHERE token_hash = ?", &[token_hash.into()])?;
            self.audit(tx, &Who::user(&user.username), "session.logout", "user", user.id, None, json!({}))
        })
    }

    fn create_source(&self, by: &Who, input: SourceInput) -> Result<Source> {
        let input = input
            .validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let now = self.now().timestamp();
        self.db.write(&mut |tx| {
            if tx
                .query_one("SELECT id FROM sources WHERE name = ?", &[input.name.as_str().into()])?
                .is_some()
            {
                return Err(StoreError::Conflict(format!("a source named '{}' already exists", input.name)));
            }
            let id = tx.insert_id(
                "INSERT INTO sources (name, organisation, kind, reliability, synthetic, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    input.name.as_str().into(),
                    input.organisation.as_str().into(),
                    input.kind.code().into(),
                    input.reliability.letter().to_string().into(),
                    input.synthetic.into(),
                    Value::Int(now),
                ],
            )?;
            self.audit(
                tx,
                by,
                "source.create",
                "source",
                id,
                None,
                json!({ "kind": input.kind.code(), "reliability": input.reliability.letter().to_string() }),
            )?;
            Ok(Source {
                id,
                name: input.name.clone(),
                organisation: input.organisation.clone(),
                kind: input.kind,
                reliability: input.reliability,
                synthetic: input.synthetic,
            })
        })
    }

    fn list_sources(&self) -> Result<Vec<Source>> {
        self.db.read(&mut |tx| {
            tx.query(
                "SELECT id, name, organisation, kind, reliability, synthetic FROM sources ORDER BY id",
                &[],
            )?
            .iter()
            .map(source_from_row)
            .collect()
        })
    }

    fn get_source(&self, id: i64) -> Result<Option<Source>> {
        self.db.read(&mut |tx| {
            tx.query_one(
                "SELECT id, name, organisation, kind, reliability, synthetic FROM sources WHERE id = ?",
                &[Value::Int(id)],
            )?
            .map(|r| source_from_row(&r))
            .transpose()
        })
    }

    fn insert_report_rows(
        &self,
        by: &Who,
        rows: &mut dyn Iterator<Item = Result<PreparedReport>>,
        import: Option<ImportMark>,
    ) -> Result<Vec<i64>> {
        let now = self.now().timestamp();
        let dialect = self.db.dialect();
        let statements = insert_report_statements(dialect.insert_or_rollback());
        let mut insert = |tx: &mut dyn Tx| {
            let import_id = match &import {
                Some(mark) => {
                    if let Some(prev) = tx.query_one(
                        "SELECT imported_at, imported_by FROM imports WHERE file_sha256 = ?",
                        &[mark.file_sha256.as_str().into()],
                    )? {
                        return Err(StoreError::DuplicateImport {
                            sha256: mark.file_sha256.clone(),
                            imported_at: ts(prev.int(0)?)?,
                            imported_by: prev.text(1)?,
                        });
                    }
                    Some(tx.insert_id(
                        "INSERT INTO imports (file_sha256, file_name, row_count, imported_by, imported_at) \
                         VALUES (?, ?, 0, ?, ?) RETURNING id",
                        &[
                            mark.file_sha256.as_str().into(),
                            mark.file_name.as_str().into(),
                            by.username.as_str().into(),
                            Value::Int(now),
                        ],
                    )?)
                }
                None => None,
            };
            let mut known_sources = BTreeSet::new();
            let mut ids = Vec::new();
            let mut created = Vec::new();
            // Rows waiting for the next multi-row INSERT, and what each one's audit
            // entry needs once it has an id.
            let mut pending: Vec<Value> = Vec::with_capacity(REPORT_COLUMNS * INSERT_ROWS);
            let mut pending_meta = Vec::with_capacity(INSERT_ROWS);
            let mut flush = |tx: &mut dyn Tx,
                             pending: &mut Vec<Value>,
                             meta: &mut Vec<_>,
                             ids: &mut Vec<i64>|
             -> Result<()> {
                let done = ids.len();
                insert_report_batch(tx, &statements, pending, ids)?;
                pending.clear();
                if import_id.is_none() {
                    created.extend(ids[done..].iter().zip(meta.drain(..)).map(
                        |(id, (source_id, kind, refers_to))| (*id, source_id, kind, refers_to),
                    ));
                }
                meta.clear();
                Ok(())
            };
            for r in &mut *rows {
                let PreparedReport {
                    report: r,
                    input_json,
                    place_json,
                } = r?;
                let i = r.input.into_inner();
                if !known_sources.contains(&i.source_id) {
                    if tx
                        .query_one(
                            "SELECT id FROM sources WHERE id = ?",
                            &[Value::Int(i.source_id)],
                        )?
                        .is_none()
                    {
                        return Err(StoreError::Invalid(format!(
                            "source_id {} does not exist; register the source first",
                            i.source_id
                        )));
                    }
                    known_sources.insert(i.source_id);
                }
                if let Some(refers) = i.refers_to {
                    let exists = |tx: &mut dyn Tx| -> Result<bool> {
                        Ok(tx
                            .query_one(
                                "SELECT id FROM reports WHERE id = ?",
                                &[Value::Int(refers)],
                            )?
                            .is_some())
                    };
                    // The report referred to may be among the rows not inserted yet.
                    if !exists(tx)? && !pending.is_empty() {
                        flush(tx, &mut pending, &mut pending_meta, &mut ids)?;
                    }
                    if !exists(tx)? {
                        return Err(StoreError::Invalid(format!(
                            "refers_to {refers}: no such report"
                        )));
                    }
                }
                let (lat, lon, admin1, admin2) = match r.place {
                    Some(p) => (
                        Some(p.latitude),
                        Some(p.longitude),
                        p.admin1_code,
                        p.admin2_code,
                    ),
                    None => (i.latitude, i.longitude, None, None),
                };
                pending.extend([
                    Value::Int(i.source_id),
                    import_id.into(),
                    i.external_ref.into(),
                    i.kind.code().into(),
                    i.refers_to.into(),
                    Value::Int(i.event_time.start.timestamp()),
                    Value::Int(i.event_time.end.timestamp()),
                    Value::Int(EventType::mask(&i.event_types)),
                    i.place_text.into(),
                    r.place_status.code().into(),
                    place_json.into(),
                    lat.into(),
                    lon.into(),
                    admin1.into(),
                    admin2.into(),
                    Value::Int(i.credibility.grade() as i64),
                    i.narrative.text.into(),
                    input_json.into(),
                    Value::Int(r.received_at.timestamp()),
                    by.username.as_str().into(),
                    Value::Int(now),
                    i.synthetic.into(),
                ]);
                pending_meta.push((i.source_id, i.kind, i.refers_to));
                if pending_meta.len() == INSERT_ROWS {
                    flush(tx, &mut pending, &mut pending_meta, &mut ids)?;
                }
            }
            if !pending.is_empty() {
                flush(tx, &mut pending, &mut pending_meta, &mut ids)?;
            }
            // Writers are serialised and new ids are above every existing one, so this
            // batch is exactly the reports from its first id on.
            if let (Some(fts), Some(first)) = (dialect.fts_insert(), ids.first()) {
                tx.exec(fts, &[Value::Int(*first)])?;
            }
            match (&import, import_id) {
                (Some(mark), Some(import_id)) => {
                    tx.exec(
                        "UPDATE imports SET row_count = ? WHERE id = ?",
                        &[Value::Int(ids.len() as i64), Value::Int(import_id)],
                    )?;
                    self.audit(
                        tx,
                        by,
                        "reports.import",
                        "import",
                        import_id,
                        None,
                        json!({
                            "file_name": mark.file_name,
                            "sha256": mark.file_sha256,
                            "rows": ids.len(),
                            "first_report_id": ids.first(),
                            "last_report_id": ids.last(),
                        }),
                    )?
                }
                _ => {
                    for (id, source_id, kind, refers_to) in &created {
                        self.audit(
                            tx,
                            by,
                            "report.create",
                            "report",
                            id,
                            None,
                            json!({ "source_id": source_id, "kind": kind.code(), "refers_to": refers_to }),
                        )?;
                    }
                }
            }
            Ok(ids)
        };
        if import.is_some() {
            self.db.write_bulk(&mut insert)
        } else {
            self.db.write(&mut insert)
        }
    }

    fn get_report(&self, id: i64) -> Result<Option<Report>> {
        self.db.read(&mut |tx| {
            tx.query_one(
                &format!("SELECT {REPORT_COLS} FROM reports r WHERE r.id = ?"),
                &[Value::Int(id)],
            )?
            .map(|r| report_from_row(&r))
            .transpose()
        })
    }

    fn list_reports(&self, filter: &ReportFilter, page: PageRequest) -> Result<Page<Report>> {
        self.report_page(filter, page, report_from_row)
    }

    fn list_reports_json(
        &self,
        filter: &ReportFilter,
        page: PageRequest,
    ) -> Result<Page<ReportJson>> {
        self.report_page(filter, page, report_json_from_row)
    }

    fn create_incident(
        &self,
        by: &Who,
        title: &str,
        report_ids: &[i64],
        reason: &str,
    ) -> Result<i64> {
        require_reason(reason)?;
        if title.trim().is_empty() || title.len() > 300 {
            return Err(StoreError::Invalid("title must be 1–300 bytes".into()));
        }
        if report_ids.is_empty() {
            return Err(StoreError::Invalid(
                "an incident rests on at least one report".into(),
            ));
        }
        let now = self.now();
        self.db.write(&mut |tx| {
            let id = tx.insert_id(
                "INSERT INTO incidents (title, status, confidence, event_mask, event_start, event_end, report_count, \
                 source_count, synthetic, created_by, created_at) VALUES (?, ?, 0, 0, ?, ?, 0, 0, 0, ?, ?) RETURNING id",
                &[
                    title.into(),
                    VerificationStatus::Reported.code().into(),
                    Value::Int(now.timestamp()),
                    Value::Int(now.timestamp()),
                    by.username.as_str().into(),
                    Value::Int(now.timestamp()),
                ],
            )?;
            tx.exec(
                "INSERT INTO incident_status_history (incident_id, from_status, to_status, changed_by, changed_at, reason) \
                 VALUES (?, NULL, ?, ?, ?, ?)",
                &[
                    Value::Int(id),
                    VerificationStatus::Reported.code().into(),
                    by.username.as_str().into(),
                    Value::Int(now.timestamp()),
                    reason.into(),
                ],
            )?;
            self.audit(tx, by, "incident.create", "incident", id, Some(reason), json!({ "reports": report_ids }))?;
            for r in report_ids {
                self.link_in(tx, by, id, *r, reason)?;
            }
            Self::refresh_incident(tx, id)?;
            Ok(id)
        })
    }

    fn list_incidents(
        &self,
        f: &IncidentFilter,
        page: PageRequest,
    ) -> Result<Page<IncidentSummary>> {
        let mut w = Where::default();
        common_filters(
            &mut w,
            "i",
            f.from,
            f.to,
            &f.event_types,
            &f.admin1,
            &f.admin2,
            &f.bbox,
        );
        if let Some(s) = f.status {
            w.add("i.status = ?", [s.code().into()]);
        }
        self.keyset_page(
            INCIDENT_COLS,
            "incidents i",
            w,
            page,
            incident_from_row,
            |i| i.id,
        )
    }

    fn get_incident(&self, id: i64) -> Result<Option<Incident>> {
        self.db.read(&mut |tx| {
            let Some(row) = tx.query_one(
                &format!("SELECT {INCIDENT_COLS} FROM incidents i WHERE i.id = ?"),
                &[Value::Int(id)],
            )?
            else {
                return Ok(None);
            };
            let summary = incident_from_row(&row)?;
            let reports = tx
                .query(
                    &format!("SELECT {REPORT_COLS} FROM reports r WHERE r.incident_id = ? ORDER BY r.id"),
                    &[Value::Int(id)],
                )?
                .iter()
                .map(report_from_row)
                .collect::<Result<Vec<_>>>()?;
            let history = tx
                .query(
                    "SELECT from_status, to_status, changed_by, changed_at, reason FROM incident_status_history \
                     WHERE incident_id = ? ORDER BY id",
                    &[Value::Int(id)],
                )?
                .iter()
                .map(|r| {
                    Ok(StatusChange {
                        from: r
                            .opt_text(0)?
                            .map(|c| parse_code(&c, VerificationStatus::from_code, "status"))
                            .transpose()?,
                        to: parse_code(&r.text(1)?, VerificationStatus::from_code, "status")?,
                        by: r.text(2)?,
                        at: ts(r.int(3)?)?,
                        reason: r.text(4)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Some(Incident {
                summary,
                reports,
                history,
            }))
        })
    }

    fn link_report(&self, by: &Who, incident_id: i64, report_id: i64, reason: &str) -> Result<()> {
        require_reason(reason)?;
        self.db.write(&mut |tx| {
            Self::incident_exists(tx, incident_id)?;
            self.link_in(tx, by, incident_id, report_id, reason)?;
            Self::refresh_incident(tx, incident_id)
        })
    }

    fn unlink_report(
        &self,
        by: &Who,
        incident_id: i64,
        report_id: i64,
        reason: &str,
    ) -> Result<()> {
        require_reason(reason)?;
        self.db.write(&mut |tx| {
            Self::incident_exists(tx, incident_id)?;
            self.unlink_in(tx, by, incident_id, report_id, reason)?;
            Self::refresh_incident(tx, incident_id)
        })
    }

    fn change_status(
        &self,
        by: &Who,
        incident_id: i64,
        to: VerificationStatus,
        reason: &str,
    ) -> Result<StatusChange> {
        require_reason(reason)?;
        let now = self.now();
        self.db.write(&mut |tx| {
            let current = Self::incident_exists(tx, incident_id)?.status;
            if !current.can_become(to) {
                return Err(StoreError::Conflict(format!(
                    "an incident cannot go from {} to {}",
                    current.code(),
                    to.code()
                )));
            }
            tx.exec("UPDATE incidents SET status = ? WHERE id = ?", &[to.code().into(), Value::Int(incident_id)])?;
            tx.exec(
                "INSERT INTO incident_status_history (incident_id, from_status, to_status, changed_by, changed_at, reason) \
                 VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    Value::Int(incident_id),
                    current.code().into(),
                    to.code().into(),
                    by.username.as_str().into(),
                    Value::Int(now.timestamp()),
                    reason.into(),
                ],
            )?;
            self.audit(
                tx,
                by,
                "incident.status",
                "incident",
                incident_id,
                Some(reason),
                json!({ "from": current.code(), "to": to.code() }),
            )?;
            Ok(StatusChange {
                from: Some(current),
                to,
                by: by.username.clone(),
                at: ts(now.timestamp())?,
                reason: reason.to_string(),
            })
        })
    }

    fn create_person(
        &self,
        by: &Who,
        id: &PersonId,
        role: PersonRole,
        synthetic: bool,
    ) -> Result<()> {
        let now = self.now().timestamp();
        self.db.write(&mut |tx| {
            Self::insert_person(tx, by, id.as_str(), role, synthetic, now)?;
            self.audit(
                tx,
                by,
                "person.create",
                "person",
                id.as_str(),
                None,
                json!({ "role": role.code() }),
            )
        })
    }

    fn counts(&self) -> Result<Counts> {
        self.db.read(&mut |tx| {
            let one = |tx: &mut dyn Tx, sql: &str| -> Result<u64> {
                Ok(tx
                    .query_one(sql, &[])?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0) as u64)
            };
            let by_status = tx
                .query(
                    "SELECT status, COUNT(*) FROM incidents GROUP BY status ORDER BY status",
                    &[],
                )?
                .iter()
                .map(|r| {
                    Ok((
                        parse_code(&r.text(0)?, VerificationStatus::from_code, "status")?,
                        r.int(1)? as u64,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Counts {
                reports: one(tx, "SELECT COUNT(*) FROM reports")?,
                incidents: one(tx, "SELECT COUNT(*) FROM incidents")?,
                incidents_by_status: by_status,
                unlinked_reports: one(
                    tx,
                    "SELECT COUNT(*) FROM reports WHERE incident_id IS NULL",
                )?,
                ambiguous_places: one(
                    tx,
                    "SELECT COUNT(*) FROM reports WHERE place_status = 'ambiguous'",
                )?,
            })
        })
    }

    fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        self.db.read(&mut |tx| {
            tx.query(
                "SELECT seq, at, actor, action, entity, entity_id, reason, details, prev_hash, entry_hash \
                 FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
                &[Value::Int(after), Value::Int(limit as i64)],
            )?
            .iter()
            .map(|r| {
                let at = DateTime::parse_from_rfc3339(&r.text(1)?)
                    .map_err(|e| StoreError::Corrupt(format!("audit time: {e}")))?
                    .with_timezone(&Utc);
                Ok(AuditEntry {
                    seq: r.int(0)?,
                    record: AuditRecord {
                        at,
                        actor: r.text(2)?,
                        action: r.text(3)?,
                        entity: r.text(4)?,
                        entity_id: r.text(5)?,
                        reason: r.opt_text(6)?,
                        details: r.text(7)?,
                    },
                    prev_hash: r.text(8)?,
                    entry_hash: r.text(9)?,
                })
            })
            .collect()
        })
    }

    // ---- Web UI aggregates; the SQL is in dashboard.rs ----

    fn incident_breakdown(&self, filter: &IncidentFilter) -> Result<IncidentBreakdown> {
        self.breakdown(filter)
    }

    fn incident_clusters(
        &self,
        filter: &IncidentFilter,
        cell_deg: f64,
    ) -> Result<Vec<IncidentCluster>> {
        self.clusters(filter, cell_deg)
    }
}
