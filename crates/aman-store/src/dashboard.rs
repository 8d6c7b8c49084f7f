//! Aggregates for the web UI's dashboard and map: incidents counted by status, type,
//! day and admin area, and grid clusters of incident points. Each is a handful of
//! `GROUP BY` queries over the indexed incident columns, so a page over 100,000
//! incidents never loads the incidents themselves. The SQL is the same on SQLite and
//! PostgreSQL (integer division for days, `ROUND` for grid cells, positional
//! `GROUP BY`).

use aman_core::{EventType, VerificationStatus};
use chrono::{DateTime, NaiveDate};

use crate::driver::{Driver, Row, Tx, Value};
use crate::sql_store::{common_filters, parse_code, Where};
use crate::StoreError;
use crate::{AreaCount, IncidentBreakdown, IncidentCluster, IncidentFilter, Result, SqlStore};

const DAY_SECONDS: i64 = 86_400;

/// The WHERE clause of an incident filter over alias `i`.
fn incident_where(f: &IncidentFilter) -> Where {
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
    w
}

/// `w` plus one more condition, for queries that need it (e.g. located incidents only).
fn and(w: &Where, clause: &str) -> String {
    let sql = w.sql();
    if sql.is_empty() {
        format!(" WHERE {clause}")
    } else {
        format!("{sql} AND {clause}")
    }
}

fn count(row: &Row, i: usize) -> Result<u64> {
    Ok(row.int(i)?.max(0) as u64)
}

fn area_counts(tx: &mut dyn Tx, level: u8, w: &Where) -> Result<Vec<AreaCount>> {
    let sql = format!(
        "SELECT i.admin{level}_code, MAX(i.admin{level}_name), COUNT(*) FROM incidents i{} \
         GROUP BY i.admin{level}_code ORDER BY 3 DESC, 1",
        and(w, &format!("i.admin{level}_code IS NOT NULL"))
    );
    tx.query(&sql, &w.params)?
        .iter()
        .map(|r| {
            Ok(AreaCount {
                code: r.text(0)?,
                name: r.opt_text(1)?,
                count: count(r, 2)?,
            })
        })
        .collect()
}

impl<D: Driver> SqlStore<D> {
    pub(crate) fn breakdown(&self, f: &IncidentFilter) -> Result<IncidentBreakdown> {
        let w = incident_where(f);
        let clause = w.sql();
        self.db.read(&mut |tx| {
            let by_status = tx
                .query(
                    &format!("SELECT i.status, COUNT(*) FROM incidents i{clause} GROUP BY i.status"),
                    &w.params,
                )?
                .iter()
                .map(|r| {
                    Ok((
                        parse_code(&r.text(0)?, VerificationStatus::from_code, "status")?,
                        count(r, 1)?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let mut by_status: Vec<_> = VerificationStatus::ALL
                .iter()
                .map(|s| {
                    let n = by_status.iter().find(|(t, _)| t == s).map_or(0, |(_, n)| *n);
                    (*s, n)
                })
                .collect();
            by_status.retain(|(_, n)| *n > 0);
            let total = by_status.iter().map(|(_, n)| n).sum();

            // Few distinct type masks exist, so count per mask and spread over the bits.
            let mut by_type = vec![0u64; EventType::ALL.len()];
            for r in tx.query(
                &format!("SELECT i.event_mask, COUNT(*) FROM incidents i{clause} GROUP BY i.event_mask"),
                &w.params,
            )? {
                let mask = r.int(0)?;
                let n = count(&r, 1)?;
                for (slot, t) in by_type.iter_mut().zip(EventType::ALL) {
                    if mask & t.bit() != 0 {
                        *slot += n;
                    }
                }
            }
            let by_type = EventType::ALL
                .into_iter()
                .zip(by_type)
                .filter(|(_, n)| *n > 0)
                .collect();

            let by_day = tx
                .query(
                    &format!(
                        "SELECT i.event_start / {DAY_SECONDS}, COUNT(*) FROM incidents i{clause} GROUP BY 1 ORDER BY 1"
                    ),
                    &w.params,
                )?
                .iter()
                .map(|r| {
                    let day = r.int(0)?;
                    let date = DateTime::from_timestamp(day * DAY_SECONDS, 0)
                        .map(|t| t.date_naive())
                        .ok_or_else(|| StoreError::Corrupt(format!("bad day number {day}")))?;
                    Ok((date, count(r, 1)?))
                })
                .collect::<Result<Vec<(NaiveDate, u64)>>>()?;

            let unlocated = tx
                .query_one(
                    &format!(
                        "SELECT COUNT(*) FROM incidents i{}",
                        and(&w, "(i.latitude IS NULL OR i.longitude IS NULL)")
                    ),
                    &w.params,
                )?
                .map(|r| count(&r, 0))
                .transpose()?
                .unwrap_or(0);
            Ok(IncidentBreakdown {
                total,
                by_status: by_status.clone(),
                by_type,
                by_day,
                by_admin1: area_counts(tx, 1, &w)?,
                by_admin2: area_counts(tx, 2, &w)?,
                unlocated,
            })
        })
    }

    pub(crate) fn clusters(
        &self,
        f: &IncidentFilter,
        cell_deg: f64,
    ) -> Result<Vec<IncidentCluster>> {
        if !(cell_deg.is_finite() && cell_deg > 0.0) {
            return Err(StoreError::Invalid(format!(
                "the cluster cell must be a positive number of degrees, not {cell_deg}"
            )));
        }
        let w = incident_where(f);
        let sql = format!(
            "SELECT ROUND((i.latitude + 90) / ?), ROUND((i.longitude + 180) / ?), COUNT(*), \
             AVG(i.latitude), AVG(i.longitude), MIN(i.id) FROM incidents i{} GROUP BY 1, 2 ORDER BY 1, 2",
            and(&w, "i.latitude IS NOT NULL AND i.longitude IS NOT NULL")
        );
        let mut params = vec![Value::Real(cell_deg), Value::Real(cell_deg)];
        params.extend(w.params.iter().cloned());
        self.db.read(&mut |tx| {
            tx.query(&sql, &params)?
                .iter()
                .map(|r| {
                    Ok(IncidentCluster {
                        count: count(r, 2)?,
                        latitude: r.real(3)?,
                        longitude: r.real(4)?,
                        first_id: r.int(5)?,
                    })
                })
                .collect()
        })
    }
}
