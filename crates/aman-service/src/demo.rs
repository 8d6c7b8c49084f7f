//! Loading the synthetic June 2010 scenario into a store: its sources, its reports
//! (through normal intake, so places are geocoded as for real reports), and incidents
//! found by record linkage rather than copied from the generator's ground truth.

use std::collections::HashMap;

use aman_core::{EventType, GeoPrecision, ReportKind, VerificationStatus};
use aman_linkage::incidents::{IncidentLinker, IncidentThresholds, ReportFeatures};
use aman_scenario::{Scenario, ScenarioConfig};
use aman_store::{Store, StoreError, Who};

use crate::intake::{Intake, IntakeError};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("linking reports into incidents failed: {0}")]
    Linkage(String),
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

/// Report features the linker compares, from a stored report.
pub fn features(r: &aman_core::Report) -> ReportFeatures {
    let i = &r.input;
    let (lat, lon) = match &r.place {
        Some(p) => (Some(p.latitude), Some(p.longitude)),
        None => (i.latitude, i.longitude),
    };
    ReportFeatures {
        id: r.id.to_string(),
        time_start: i.event_time.start,
        time_end: i.event_time.end,
        lat,
        lon,
        admin2: r.place.as_ref().and_then(|p| p.admin2_code.clone()),
        event_types: i.event_types.iter().map(|t| t.code().to_string()).collect(),
        actors: i.actors.iter().map(|a| a.name.clone()).collect(),
        killed_min: i.counts.killed.map(|k| k.min),
        killed_max: i.counts.killed.map(|k| k.max),
        injured_min: i.counts.injured.map(|k| k.min),
        injured_max: i.counts.injured.map(|k| k.max),
        text: i.narrative.text.clone(),
        language: Some(i.narrative.language.clone()),
        place_text: i.place_text.clone(),
        location_uncertainty_km: r.place.as_ref().map(|p| match p.precision {
            // Coordinates the source gave (or a geocoded point such as a school).
            GeoPrecision::Point => 0.5,
            // A town or neighbourhood centroid: somewhere within a few km.
            GeoPrecision::Settlement => 5.0,
            GeoPrecision::District => 25.0,
            GeoPrecision::Region | GeoPrecision::Unknown => 100.0,
        }),
        source: Some(i.source_id.to_string()),
    }
}

fn title(r: &aman_core::Report) -> String {
    let what = r
        .input
        .event_types
        .first()
        .map_or("Incident", |t| EventType::label(*t));
    let place = r
        .place
        .as_ref()
        .and_then(|p| p.name.clone())
        .unwrap_or_else(|| r.input.place_text.clone());
    format!(
        "{what} — {place}, {}",
        r.input.event_time.start.format("%-d %b %Y")
    )
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
    let incidents = link_into_incidents(store, &who, &reports)?;
    let summary = DemoSummary {
        sources: source_ids.len(),
        reports: reports.len(),
        incidents,
        true_events: scenario.truth.events.len(),
        true_dead: scenario.truth.total_dead(),
    };
    Ok((scenario, summary))
}

/// Groups original reports into incidents by record linkage (weights re-learned by EM
/// on the batch, which scores better on the scenario than the fixed model); corrections
/// and retractions join the incident of the report they refer to.
pub fn link_into_incidents(
    store: &dyn Store,
    who: &Who,
    reports: &[aman_core::Report],
) -> Result<usize, DemoError> {
    let originals: Vec<&aman_core::Report> = reports
        .iter()
        .filter(|r| r.input.kind == ReportKind::Original)
        .collect();
    let feats: Vec<ReportFeatures> = originals.iter().map(|r| features(r)).collect();
    let linker = IncidentLinker::new(IncidentThresholds::default())
        .map_err(|e| DemoError::Linkage(e.to_string()))?;
    let batch = linker
        .relink_all(&feats, true, &[])
        .map_err(|e| DemoError::Linkage(e.to_string()))?;
    let by_id: HashMap<i64, &aman_core::Report> = reports.iter().map(|r| (r.id, r)).collect();
    let mut incident_of: HashMap<i64, i64> = HashMap::new();
    let mut n = 0;
    for cluster in &batch.incidents {
        let members: Vec<i64> = cluster.iter().filter_map(|id| id.parse().ok()).collect();
        let Some(first) = members
            .iter()
            .filter_map(|id| by_id.get(id))
            .min_by_key(|r| r.id)
        else {
            continue;
        };
        let reason = format!("linked by record linkage ({} report(s))", members.len());
        let incident = store.create_incident(who, &title(first), &members, &reason)?;
        for m in &members {
            incident_of.insert(*m, incident);
        }
        n += 1;
        let summary = store.get_incident(incident)?.map(|i| i.summary);
        if summary.is_some_and(|s| s.source_count >= 2 && s.confidence >= 0.8) {
            store.change_status(
                who,
                incident,
                VerificationStatus::Corroborated,
                "demo: two or more independent sources agree",
            )?;
        }
    }
    for r in reports
        .iter()
        .filter(|r| r.input.kind != ReportKind::Original)
    {
        if let Some(incident) = r.input.refers_to.and_then(|t| incident_of.get(&t)) {
            let reason = format!(
                "{} of report {}",
                r.input.kind.code(),
                r.input.refers_to.unwrap_or_default()
            );
            store.link_report(who, *incident, r.id, &reason)?;
        }
    }
    Ok(n)
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
    pub report: aman_estimate::EstimateReport,
}

/// Links the scenario's victim lists into persons (names across scripts, ages, places)
/// and runs multiple systems estimation on the resulting capture table.
pub fn estimate_victims(
    scenario: &Scenario,
    options: &aman_estimate::EstimateOptions,
) -> Result<VictimEstimate, DemoError> {
    let list_names: Vec<String> = scenario
        .victim_lists
        .iter()
        .map(|l| l.name.to_string())
        .collect();
    let records: Vec<aman_linkage::persons::VictimRecord> = scenario
        .victim_records()
        .map(|r| aman_linkage::persons::VictimRecord {
            id: r.record_id.clone(),
            list: list_names[r.list].clone(),
            full_name: Some(r.name.clone()),
            sex: r.sex.map(|s| s.code().to_string()),
            age: r.age.map(f64::from),
            event_date: r.date_of_death,
            place: Some(r.place_text.clone()),
            ..Default::default()
        })
        .collect();
    let linkage = aman_linkage::persons::link_victims(
        &records,
        &aman_linkage::persons::PersonOptions::default(),
    )
    .map_err(|e| DemoError::Linkage(e.to_string()))?;
    let metrics = aman_linkage::evaluate(&linkage.output.clustering, &scenario.person_labels())
        .map_err(|e| DemoError::Linkage(e.to_string()))?;
    let cells = linkage.capture_histories().into_iter().map(|(row, n)| {
        let mask = row
            .iter()
            .enumerate()
            .fold(0u32, |m, (i, on)| if *on { m | (1 << i) } else { m });
        (mask, n as u64)
    });
    let table = aman_estimate::CaptureTable::new(linkage.lists.clone(), cells)
        .map_err(|e| DemoError::Linkage(e.to_string()))?;
    let report =
        aman_estimate::estimate(&table, options).map_err(|e| DemoError::Linkage(e.to_string()))?;
    Ok(VictimEstimate {
        documented: linkage.persons.len(),
        true_total: scenario.truth.total_dead(),
        linkage_f1: metrics.pairwise.f1,
        report,
    })
}
