//! [`ConsolidationStore`] in SQL: the review queue, linked victim lists and estimate runs.

use aman_core::{PersonId, PersonRole};
use chrono::NaiveDate;
use serde_json::json;

use super::{corrupt, parse_code, require_reason, ts, SqlStore, Where};
use crate::consolidation::{
    ConsolidationStore, DecisionRecord, EstimateRun, ListRecord, NewEstimateRun,
    NewReviewCandidate, ReviewCandidate, ReviewDecision, ReviewFilter, ReviewKind, ReviewLabel,
    StoredLinkageModel,
};
use crate::driver::{Driver, Row, Tx, Value};
use crate::{Page, PageRequest, Result, StoreError, Who};

const CANDIDATE_COLS: &str =
    "c.id, c.kind, c.left_ref, c.right_ref, c.probability, c.explanation, \
                              c.created_by, c.created_at, c.decision";

fn candidate_from_row(row: &Row) -> Result<ReviewCandidate> {
    Ok(ReviewCandidate {
        id: row.int(0)?,
        kind: parse_code(&row.text(1)?, ReviewKind::from_code, "review kind")?,
        left_ref: row.text(2)?,
        right_ref: row.text(3)?,
        probability: row.real(4)?,
        explanation: serde_json::from_str(&row.text(5)?).map_err(corrupt("explanation"))?,
        created_by: row.text(6)?,
        created_at: ts(row.int(7)?)?,
        decision: row
            .opt_text(8)?
            .map(|d| parse_code(&d, ReviewDecision::from_code, "review decision"))
            .transpose()?,
        history: Vec::new(),
    })
}

const RUN_COLS: &str = "e.id, e.stratum, e.input_kind, e.capture_table, e.options, e.seed, \
                        e.software_version, e.result, e.created_by, e.created_at";

const MODEL_COLS: &str = "m.id, m.kind, m.model, m.trained_on, m.created_by, m.created_at";

fn model_from_row(row: &Row) -> Result<StoredLinkageModel> {
    Ok(StoredLinkageModel {
        id: row.int(0)?,
        kind: parse_code(&row.text(1)?, ReviewKind::from_code, "linkage model kind")?,
        model: serde_json::from_str(&row.text(2)?).map_err(corrupt("linkage model"))?,
        trained_on: u64::try_from(row.int(3)?)
            .map_err(|e| StoreError::Corrupt(format!("linkage model size: {e}")))?,
        created_by: row.text(4)?,
        created_at: ts(row.int(5)?)?,
    })
}

fn run_from_row(row: &Row) -> Result<EstimateRun> {
    let json = |i: usize, what: &'static str| -> Result<serde_json::Value> {
        serde_json::from_str(&row.text(i)?).map_err(corrupt(what))
    };
    Ok(EstimateRun {
        id: row.int(0)?,
        stratum: row.text(1)?,
        input_kind: row.text(2)?,
        capture_table: json(3, "capture table")?,
        options: json(4, "estimate options")?,
        // Seeds are u64; stored bit for bit in a signed 64-bit column.
        seed: row.int(5)? as u64,
        software_version: row.text(6)?,
        result: json(7, "estimate result")?,
        created_by: row.text(8)?,
        created_at: ts(row.int(9)?)?,
    })
}

fn record_from_row(row: &Row) -> Result<ListRecord> {
    let person = row.text(2)?;
    Ok(ListRecord {
        list_name: row.text(0)?,
        record_ref: row.text(1)?,
        person_id: PersonId::parse(&person)
            .ok_or_else(|| StoreError::Corrupt(format!("person id {person}")))?,
        sex: row.opt_text(3)?,
        age: row.opt_int(4)?.map(|a| a as u32),
        event_date: row
            .opt_text(5)?
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| StoreError::Corrupt(format!("date {d}")))
            })
            .transpose()?,
        area: row.opt_text(6)?,
    })
}

fn candidate_in(tx: &mut dyn Tx, id: i64) -> Result<ReviewCandidate> {
    let row = tx
        .query_one(
            &format!("SELECT {CANDIDATE_COLS} FROM review_candidates c WHERE c.id = ?"),
            &[Value::Int(id)],
        )?
        .ok_or_else(|| StoreError::NotFound {
            what: "review candidate",
            id: id.to_string(),
        })?;
    let mut candidate = candidate_from_row(&row)?;
    candidate.history = tx
        .query(
            "SELECT decision, decided_by, decided_at, reason FROM review_decisions \
             WHERE candidate_id = ? ORDER BY id",
            &[Value::Int(id)],
        )?
        .iter()
        .map(|r| {
            Ok(DecisionRecord {
                decision: parse_code(&r.text(0)?, ReviewDecision::from_code, "review decision")?,
                by: r.text(1)?,
                at: ts(r.int(2)?)?,
                reason: r.text(3)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(candidate)
}

fn parse_ref(what: &'static str, s: &str) -> Result<i64> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what} id {s}")))
}

impl<D: Driver> SqlStore<D> {
    /// The newest linkage model matching one condition on `m`.
    fn linkage_model_where(
        &self,
        condition: &str,
        param: Value,
    ) -> Result<Option<StoredLinkageModel>> {
        self.db.read(&mut |tx| {
            tx.query_one(
                &format!(
                    "SELECT {MODEL_COLS} FROM linkage_models m WHERE {condition} \
                     ORDER BY m.id DESC LIMIT 1"
                ),
                std::slice::from_ref(&param),
            )?
            .as_ref()
            .map(model_from_row)
            .transpose()
        })
    }

    /// Makes the report's link follow a report–incident decision: linked on a match,
    /// unlinked when a later decision withdraws an earlier match.
    fn apply_report_decision(
        &self,
        tx: &mut dyn Tx,
        by: &Who,
        candidate: &ReviewCandidate,
        decision: ReviewDecision,
        reason: &str,
    ) -> Result<()> {
        let report = parse_ref("report", &candidate.left_ref)?;
        let incident = parse_ref("incident", &candidate.right_ref)?;
        Self::incident_exists(tx, incident)?;
        let current = tx
            .query_one(
                "SELECT incident_id FROM reports WHERE id = ?",
                &[Value::Int(report)],
            )?
            .ok_or_else(|| StoreError::NotFound {
                what: "report",
                id: report.to_string(),
            })?
            .opt_int(0)?;
        let why = format!("review decision {}: {reason}", decision.code());
        match (decision, current) {
            (ReviewDecision::Match, None) => self.link_in(tx, by, incident, report, &why)?,
            (ReviewDecision::Match, Some(c)) if c != incident => {
                return Err(StoreError::Conflict(format!(
                    "report {report} is linked to incident {c}; unlink it there first"
                )))
            }
            (ReviewDecision::NotAMatch | ReviewDecision::Unsure, Some(c))
                if c == incident && candidate.decision == Some(ReviewDecision::Match) =>
            {
                self.unlink_in(tx, by, incident, report, &why)?
            }
            _ => return Ok(()),
        }
        Self::refresh_incident(tx, incident)
    }
}

impl<D: Driver> ConsolidationStore for SqlStore<D> {
    fn queue_for_review(&self, by: &Who, pairs: &[NewReviewCandidate]) -> Result<Vec<i64>> {
        for p in pairs {
            if !(0.0..=1.0).contains(&p.probability) {
                return Err(StoreError::Invalid(format!(
                    "probability {} is not between 0 and 1",
                    p.probability
                )));
            }
            if p.left_ref.trim().is_empty() || p.right_ref.trim().is_empty() {
                return Err(StoreError::Invalid(
                    "a review pair needs both references".into(),
                ));
            }
        }
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now().timestamp();
        self.db.write(&mut |tx| {
            let mut ids = Vec::with_capacity(pairs.len());
            for p in pairs {
                ids.push(tx.insert_id(
                    "INSERT INTO review_candidates (kind, left_ref, right_ref, probability, explanation, \
                     created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (kind, left_ref, right_ref) DO UPDATE SET probability = excluded.probability, \
                     explanation = excluded.explanation, updated_at = excluded.updated_at RETURNING id",
                    &[
                        p.kind.code().into(),
                        p.left_ref.as_str().into(),
                        p.right_ref.as_str().into(),
                        Value::Real(p.probability),
                        p.explanation.to_string().into(),
                        by.username.as_str().into(),
                        Value::Int(now),
                        Value::Int(now),
                    ],
                )?);
            }
            let kinds: std::collections::BTreeSet<&str> =
                pairs.iter().map(|p| p.kind.code()).collect();
            self.audit(
                tx,
                by,
                "review.queue",
                "review_candidate",
                ids[0],
                None,
                json!({ "pairs": pairs.len(), "kinds": kinds, "ids": [ids[0], ids[ids.len() - 1]] }),
            )?;
            Ok(ids)
        })
    }

    fn list_review_candidates(
        &self,
        filter: ReviewFilter,
        page: PageRequest,
    ) -> Result<Page<ReviewCandidate>> {
        let mut w = Where::default();
        if let Some(kind) = filter.kind {
            w.add("c.kind = ?", [kind.code().into()]);
        }
        match filter.pending {
            Some(true) => w.add("c.decision IS NULL", []),
            Some(false) => w.add("c.decision IS NOT NULL", []),
            None => {}
        }
        self.keyset_page(
            CANDIDATE_COLS,
            "review_candidates c",
            w,
            page,
            candidate_from_row,
            |c| c.id,
        )
    }

    fn get_review_candidate(&self, id: i64) -> Result<Option<ReviewCandidate>> {
        self.db.read(&mut |tx| match candidate_in(tx, id) {
            Ok(c) => Ok(Some(c)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn decide_review(
        &self,
        by: &Who,
        id: i64,
        decision: ReviewDecision,
        reason: &str,
    ) -> Result<ReviewCandidate> {
        require_reason(reason)?;
        let now = self.now().timestamp();
        self.db.write(&mut |tx| {
            let before = candidate_in(tx, id)?;
            if before.kind == ReviewKind::ReportIncident {
                self.apply_report_decision(tx, by, &before, decision, reason)?;
            }
            tx.exec(
                "INSERT INTO review_decisions (candidate_id, decision, decided_by, decided_at, reason) \
                 VALUES (?, ?, ?, ?, ?)",
                &[
                    Value::Int(id),
                    decision.code().into(),
                    by.username.as_str().into(),
                    Value::Int(now),
                    reason.into(),
                ],
            )?;
            tx.exec(
                "UPDATE review_candidates SET decision = ? WHERE id = ?",
                &[decision.code().into(), Value::Int(id)],
            )?;
            self.audit(
                tx,
                by,
                "review.decide",
                "review_candidate",
                id,
                Some(reason),
                json!({
                    "kind": before.kind.code(),
                    "left": before.left_ref,
                    "right": before.right_ref,
                    "decision": decision.code(),
                    "previous": before.decision.map(ReviewDecision::code),
                }),
            )?;
            candidate_in(tx, id)
        })
    }

    fn review_labels(&self, kind: ReviewKind) -> Result<Vec<ReviewLabel>> {
        self.db.read(&mut |tx| {
            tx.query(
                "SELECT left_ref, right_ref, decision FROM review_candidates \
                 WHERE kind = ? AND decision IN ('match', 'not_a_match') ORDER BY id",
                &[kind.code().into()],
            )?
            .iter()
            .map(|r| {
                Ok(ReviewLabel {
                    left_ref: r.text(0)?,
                    right_ref: r.text(1)?,
                    is_match: r.text(2)? == ReviewDecision::Match.code(),
                })
            })
            .collect()
        })
    }

    fn pending_review_count(&self) -> Result<u64> {
        self.db.read(&mut |tx| {
            Ok(tx
                .query_one(
                    "SELECT COUNT(*) FROM review_candidates WHERE decision IS NULL",
                    &[],
                )?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0) as u64)
        })
    }

    fn save_list_linkage(
        &self,
        by: &Who,
        lists: &[String],
        records: &[ListRecord],
        synthetic: bool,
        reason: &str,
    ) -> Result<()> {
        require_reason(reason)?;
        if let Some(r) = records.iter().find(|r| !lists.contains(&r.list_name)) {
            return Err(StoreError::Invalid(format!(
                "record {} is on list '{}', which is not among the lists being linked",
                r.record_ref, r.list_name
            )));
        }
        let now = self.now().timestamp();
        self.db.write(&mut |tx| {
            let mut replaced = 0;
            for list in lists {
                replaced += tx.exec(
                    "DELETE FROM person_list_records WHERE list_name = ?",
                    &[list.as_str().into()],
                )?;
            }
            let mut persons = std::collections::BTreeSet::new();
            for r in records {
                if persons.insert(r.person_id.as_str()) {
                    tx.exec(
                        "INSERT INTO persons (id, role, synthetic, created_by, created_at) VALUES (?, ?, ?, ?, ?) \
                         ON CONFLICT (id) DO NOTHING",
                        &[
                            r.person_id.as_str().into(),
                            PersonRole::Victim.code().into(),
                            synthetic.into(),
                            by.username.as_str().into(),
                            Value::Int(now),
                        ],
                    )?;
                }
                tx.exec(
                    "INSERT INTO person_list_records (list_name, record_ref, person_id, sex, age, event_date, area, \
                     linked_by, linked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &[
                        r.list_name.as_str().into(),
                        r.record_ref.as_str().into(),
                        r.person_id.as_str().into(),
                        r.sex.clone().into(),
                        r.age.map(i64::from).into(),
                        r.event_date.map(|d| d.to_string()).into(),
                        r.area.clone().into(),
                        by.username.as_str().into(),
                        Value::Int(now),
                    ],
                )?;
            }
            self.audit(
                tx,
                by,
                "persons.link",
                "victim_lists",
                lists.join(","),
                Some(reason),
                json!({ "lists": lists, "records": records.len(), "persons": persons.len(), "replaced": replaced }),
            )
        })
    }

    fn list_records(&self) -> Result<Vec<ListRecord>> {
        self.db.read(&mut |tx| {
            tx.query(
                "SELECT list_name, record_ref, person_id, sex, age, event_date, area \
                 FROM person_list_records ORDER BY list_name, record_ref",
                &[],
            )?
            .iter()
            .map(record_from_row)
            .collect()
        })
    }

    fn save_estimate_run(&self, by: &Who, run: &NewEstimateRun) -> Result<EstimateRun> {
        if run.stratum.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an estimate run names its stratum".into(),
            ));
        }
        let now = self.now().timestamp();
        let id = self.db.write(&mut |tx| {
            let id = tx.insert_id(
                "INSERT INTO estimate_runs (stratum, input_kind, capture_table, options, seed, software_version, \
                 result, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    run.stratum.as_str().into(),
                    run.input_kind.as_str().into(),
                    run.capture_table.to_string().into(),
                    run.options.to_string().into(),
                    Value::Int(run.seed as i64),
                    run.software_version.as_str().into(),
                    run.result.to_string().into(),
                    by.username.as_str().into(),
                    Value::Int(now),
                ],
            )?;
            self.audit(
                tx,
                by,
                "estimate.run",
                "estimate_run",
                id,
                None,
                json!({ "stratum": run.stratum, "input": run.input_kind, "seed": run.seed, "version": run.software_version }),
            )?;
            Ok(id)
        })?;
        self.get_estimate_run(id)?
            .ok_or_else(|| StoreError::NotFound {
                what: "estimate run",
                id: id.to_string(),
            })
    }

    fn list_estimate_runs(&self, page: PageRequest) -> Result<Page<EstimateRun>> {
        self.keyset_page(
            RUN_COLS,
            "estimate_runs e",
            Where::default(),
            page,
            run_from_row,
            |r| r.id,
        )
    }

    fn save_linkage_model(
        &self,
        by: &Who,
        kind: ReviewKind,
        model: &serde_json::Value,
        trained_on: u64,
    ) -> Result<StoredLinkageModel> {
        if !model.is_object() {
            return Err(StoreError::Invalid(
                "a linkage model is a JSON object".into(),
            ));
        }
        let trained_on_db = i64::try_from(trained_on)
            .map_err(|_| StoreError::Invalid("too many records for one model".into()))?;
        let now = self.now().timestamp();
        let id = self.db.write(&mut |tx| {
            let id = tx.insert_id(
                "INSERT INTO linkage_models (kind, model, trained_on, created_by, created_at) \
                 VALUES (?, ?, ?, ?, ?) RETURNING id",
                &[
                    kind.code().into(),
                    model.to_string().into(),
                    Value::Int(trained_on_db),
                    by.username.as_str().into(),
                    Value::Int(now),
                ],
            )?;
            self.audit(
                tx,
                by,
                "linkage.model",
                "linkage_model",
                id,
                None,
                json!({ "kind": kind.code(), "trained_on": trained_on }),
            )?;
            Ok(id)
        })?;
        self.linkage_model_where("m.id = ?", Value::Int(id))?
            .ok_or_else(|| StoreError::NotFound {
                what: "linkage model",
                id: id.to_string(),
            })
    }

    fn latest_linkage_model(&self, kind: ReviewKind) -> Result<Option<StoredLinkageModel>> {
        self.linkage_model_where("m.kind = ?", kind.code().into())
    }

    fn get_estimate_run(&self, id: i64) -> Result<Option<EstimateRun>> {
        self.db.read(&mut |tx| {
            tx.query_one(
                &format!("SELECT {RUN_COLS} FROM estimate_runs e WHERE e.id = ?"),
                &[Value::Int(id)],
            )?
            .as_ref()
            .map(run_from_row)
            .transpose()
        })
    }
}
