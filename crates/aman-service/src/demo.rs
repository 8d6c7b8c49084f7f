//! Loading the synthetic June 2010 scenario into a store: its sources, its reports
//! (through normal intake, so places are geocoded as for real reports), and incidents
//! found by record linkage rather than copied from the generator's ground truth.

use std::collections::HashMap;

use aman_core::VerificationStatus;
use aman_scenario::{Scenario, ScenarioConfig};
use aman_store::{Store, StoreError, Who};

use crate::intake::{Intake, IntakeError};
use crate::{estimation, linking};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("linking failed: {0}")]
    Linkage(String),
    #[error(transparent)]
    Linking(#[from] linking::LinkingError),
    #[error(transparent)]
    Estimation(#[from] estimation::EstimationError),
}

/// What the demo loaded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoSummary {
    pub sources: usize,
    pub reports: usize,
    pub incidents: usize,
    pub true_events: usize,
    pub true_dead: usize,
}

/// Loads the scenario generated from `config` into an empty store.
pub fn load(
    intake: &Intake,
    config: &ScenarioConfig,
) -> Result<(Scenario, DemoSummary), DemoError> {
    let scenario = aman_scenario::generate(config);
    let store = intake.store().as_ref();
    let who = Who::user("scenario");
    let mut source_ids = Vec::new();
    for s in &scenario.sources {
        source_ids.push(store.create_source(&who, s.clone())?.id);
    }
    // Scenario positions (1-based) → stored ids, for corrections and retractions.
    let mut ids: Vec<i64> = Vec::with_capacity(scenario.reports.len());
    let mut reports = Vec::with_capacity(scenario.reports.len());
    for r in &scenario.reports {
        let mut input = r.input.clone();
        input.source_id = source_ids[r.source_index];
        input.refers_to = input.refers_to.map(|pos| ids[pos as usize - 1]);
        let stored = intake.submit(&who, input)?;
        ids.push(stored.id);
        reports.push(stored);
    }
    let linked = linking::relink_reports(store, intake.geocoder(), &who, &mut |_| {})?;
    corroborate(store, &who)?;
    let summary = DemoSummary {
        sources: source_ids.len(),
        reports: reports.len(),
        incidents: linked.incidents,
        true_events: scenario.truth.events.len(),
        true_dead: scenario.truth.total_dead(),
    };
    Ok((scenario, summary))
}

/// Marks as corroborated the incidents that two or more independent sources support
/// with high derived confidence, as a reviewer of the demo data would.
fn corroborate(store: &dyn Store, who: &Who) -> Result<(), DemoError> {
    let filter = aman_store::IncidentFilter::default();
    let mut page = aman_store::PageRequest::first(aman_store::PageRequest::MAX_LIMIT);
    loop {
        let p = store.list_incidents(&filter, page)?;
        for i in &p.items {
            if i.source_count >= 2 && i.confidence >= 0.8 {
                store.change_status(
                    who,
                    i.id,
                    VerificationStatus::Corroborated,
                    "demo: two or more independent sources agree",
                )?;
            }
        }
        match p.next_before {
            Some(b) => page.before = Some(b),
            None => return Ok(()),
        }
    }
}

/// The scenario's victim lists linked into persons and estimated, beside the truth.
#[derive(Debug)]
pub struct VictimEstimate {
    /// Persons found on at least one list (the documented count).
    pub documented: usize,
    /// The generator's true number of dead, including those on no list.
    pub true_total: usize,
    /// Pairwise F1 of the person linkage against the generator's truth.
    pub linkage_f1: f64,
    /// The stored estimate run.
    pub run: aman_store::EstimateRun,
    pub report: aman_estimate::EstimateReport,
}

/// The scenario's victim lists linked into persons, scored against the generator's truth.
#[derive(Debug)]
pub struct ScenarioVictims {
    pub records: Vec<aman_linkage::persons::VictimRecord>,
    pub linkage: aman_linkage::persons::PersonLinkage,
    /// Pairwise F1 against the generator's truth.
    pub f1: f64,
}

/// Links the scenario's victim lists into persons (names across scripts, ages, places)
/// without storing anything.
pub fn link_scenario_victims(scenario: &Scenario) -> Result<ScenarioVictims, DemoError> {
    let list_names: Vec<String> = scenario
        .victim_lists
        .iter()
        .map(|l| l.name.to_string())
        .collect();
    // Each list writes places in its own language and script ("Узген", "Oʻzgan",
    // "Ozgon"): a place the gazetteer resolves is compared as a point, by distance;
    // only unresolved text is compared as text, so one place never counts twice.
    let geocoder = aman_geo::Geocoder::builtin();
    let mut points: HashMap<&str, Option<(f64, f64)>> = HashMap::new();
    let records: Vec<aman_linkage::persons::VictimRecord> = scenario
        .victim_records()
        .map(|r| {
            let point = *points
                .entry(r.place_text.as_str())
                .or_insert_with(|| geocoder.resolved_point(&r.place_text));
            aman_linkage::persons::VictimRecord {
                id: r.record_id.clone(),
                list: list_names[r.list].clone(),
                full_name: Some(r.name.clone()),
                sex: r.sex.map(|s| s.code().to_string()),
                age: r.age.map(f64::from),
                event_date: r.date_of_death,
                place: point.is_none().then(|| r.place_text.clone()),
                lat: point.map(|p| p.0),
                lon: point.map(|p| p.1),
                ..Default::default()
            }
        })
        .collect();
    let linkage = aman_linkage::persons::link_victims(
        &records,
        &aman_linkage::persons::PersonOptions::default(),
    )
    .map_err(|e| DemoError::Linkage(e.to_string()))?;
    let metrics = aman_linkage::evaluate(&linkage.output.clustering, &scenario.person_labels())
        .map_err(|e| DemoError::Linkage(e.to_string()))?;
    Ok(ScenarioVictims {
        records,
        linkage,
        f1: metrics.pairwise.f1,
    })
}

/// Links the scenario's victim lists, stores which record is which pseudonymous person,
/// and runs multiple systems estimation on the linked persons in the store, as a user's
/// `aman estimate` would.
pub fn estimate_victims(
    store: &dyn Store,
    scenario: &Scenario,
    options: &aman_estimate::EstimateOptions,
) -> Result<VictimEstimate, DemoError> {
    let who = Who::user("scenario");
    let ScenarioVictims {
        records,
        linkage,
        f1,
    } = link_scenario_victims(scenario)?;
    let clustered = linking::ClusteredRecord::from_person_linkage(&records, &linkage);
    let documented = linking::save_person_clusters(store, &who, &clustered, true)?;
    let (run, report) = estimation::estimate_linked_persons(store, &who, &[], options)?
        .pop()
        .ok_or_else(|| DemoError::Linkage("no estimate was produced".into()))?;
    Ok(VictimEstimate {
        documented,
        true_total: scenario.truth.total_dead(),
        linkage_f1: f1,
        run,
        report,
    })
}
