//! Multiple systems estimation as a reproducible, stored step: capture tables built
//! from the victim lists linked in the store (optionally by stratum) or read from a
//! file, estimated by `aman-estimate`, and every run saved with its capture table,
//! options, seed and software version so the figure can be reproduced later.

use std::collections::{BTreeMap, HashMap};

use aman_estimate::{
    stratify, CaptureTable, EstimateError, EstimateOptions, EstimateReport, LinkedPerson,
};
use aman_store::{EstimateRun, ListRecord, NewEstimateRun, Store, StoreError, Who};
use chrono::Datelike;

#[derive(Debug, thiserror::Error)]
pub enum EstimationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Estimate(#[from] EstimateError),
    #[error("{0}")]
    Input(String),
}

/// Variables the linked persons can be stratified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum StratumVariable {
    /// Sex as the lists give it (`m`, `f`).
    Sex,
    /// Week of the date of death, as the Monday that starts it (ISO weeks).
    Period,
    /// District or place as the lists give it.
    Area,
    /// Age group: 0–17, 18–29, 30–44, 45–59, 60+.
    AgeGroup,
}

impl StratumVariable {
    pub const ALL: [StratumVariable; 4] = [
        StratumVariable::Sex,
        StratumVariable::Period,
        StratumVariable::Area,
        StratumVariable::AgeGroup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StratumVariable::Sex => "sex",
            StratumVariable::Period => "period",
            StratumVariable::Area => "area",
            StratumVariable::AgeGroup => "age_group",
        }
    }

    pub fn parse(s: &str) -> Option<StratumVariable> {
        StratumVariable::ALL
            .into_iter()
            .find(|v| v.name() == s.trim().to_ascii_lowercase().replace('-', "_"))
    }

    fn value(self, r: &ListRecord) -> Option<String> {
        match self {
            StratumVariable::Sex => r.sex.as_deref().map(normalise_sex),
            StratumVariable::Period => r.event_date.map(|d| {
                let monday = d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64);
                format!("week of {monday}")
            }),
            StratumVariable::Area => r.area.as_ref().map(|a| a.trim().to_string()),
            StratumVariable::AgeGroup => r.age.map(|a| {
                match a {
                    0..=17 => "0-17",
                    18..=29 => "18-29",
                    30..=44 => "30-44",
                    45..=59 => "45-59",
                    _ => "60+",
                }
                .to_string()
            }),
        }
    }
}

fn normalise_sex(s: &str) -> String {
    match s.trim().to_lowercase().as_str() {
        "m" | "male" | "м" | "муж" | "мужской" | "e" | "erkak" => "m".into(),
        "f" | "female" | "ж" | "жен" | "женский" | "a" | "ayol" => "f".into(),
        other => other.to_string(),
    }
}

/// The persons linked in the store, each with the lists that recorded them and, per
/// stratum variable, the value most of their records agree on (ties: the first list's).
pub fn linked_persons(
    records: &[ListRecord],
    by: &[StratumVariable],
) -> (Vec<String>, Vec<LinkedPerson>) {
    let mut lists: Vec<String> = records.iter().map(|r| r.list_name.clone()).collect();
    lists.sort();
    lists.dedup();
    let index: HashMap<&str, usize> = lists
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let mut persons: BTreeMap<&str, Vec<&ListRecord>> = BTreeMap::new();
    for r in records {
        persons.entry(r.person_id.as_str()).or_default().push(r);
    }
    let linked = persons
        .into_values()
        .map(|recs| {
            let mut on: Vec<usize> = recs.iter().map(|r| index[r.list_name.as_str()]).collect();
            on.sort_unstable();
            on.dedup();
            let strata = by
                .iter()
                .filter_map(|v| {
                    let mut votes: Vec<(String, usize)> = Vec::new();
                    for value in recs.iter().filter_map(|r| v.value(r)) {
                        match votes.iter_mut().find(|(x, _)| *x == value) {
                            Some((_, n)) => *n += 1,
                            None => votes.push((value, 1)),
                        }
                    }
                    let best = votes.iter().map(|(_, n)| *n).max()?;
                    let value = votes.into_iter().find(|(_, n)| *n == best)?.0;
                    Some((v.name().to_string(), value))
                })
                .collect();
            LinkedPerson { lists: on, strata }
        })
        .collect();
    (lists, linked)
}

fn new_run(
    report: &EstimateReport,
    table: &CaptureTable,
    input_kind: &str,
) -> Result<NewEstimateRun, EstimationError> {
    let json = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| EstimationError::Input(format!("estimate could not be serialised: {e}")))
    };
    Ok(NewEstimateRun {
        stratum: report.stratum.clone(),
        input_kind: input_kind.into(),
        capture_table: json(serde_json::to_value(table))?,
        options: json(serde_json::to_value(&report.options))?,
        seed: report.seed,
        software_version: format!("{} {}", report.software, report.version),
        result: json(serde_json::to_value(report))?,
    })
}

/// One stored run per stratum (or one for `all` when `by` is empty), estimated from the
/// victim lists linked in the store. A stratum the guard rails refuse is stored too,
/// with the refusal and its documented count.
pub fn estimate_linked_persons(
    store: &dyn Store,
    who: &Who,
    by: &[StratumVariable],
    options: &EstimateOptions,
) -> Result<Vec<(EstimateRun, EstimateReport)>, EstimationError> {
    let records = store.list_records()?;
    if records.is_empty() {
        return Err(EstimationError::Input(
            "no victim lists have been linked in this database yet; run `aman link persons --input LIST.csv … --save` first".into(),
        ));
    }
    let (lists, persons) = linked_persons(&records, by);
    let names: Vec<&str> = by.iter().map(|v| v.name()).collect();
    let strata =
        stratify(&lists, &persons, &names).map_err(|e| EstimationError::Input(e.to_string()))?;
    let mut out = Vec::with_capacity(strata.len());
    for s in &strata {
        let report = aman_estimate::estimate_strata(std::slice::from_ref(s), options)
            .pop()
            .map(|(_, r)| r)
            .ok_or_else(|| EstimationError::Input("no stratum to estimate".into()))??;
        let run = store.save_estimate_run(who, &new_run(&report, &s.table, "linked_persons")?)?;
        out.push((run, report));
    }
    Ok(out)
}

/// Stores a run made from a capture table the user supplied.
pub fn save_file_estimate(
    store: &dyn Store,
    who: &Who,
    table: &CaptureTable,
    report: &EstimateReport,
) -> Result<EstimateRun, EstimationError> {
    Ok(store.save_estimate_run(who, &new_run(report, table, "capture_file")?)?)
}
