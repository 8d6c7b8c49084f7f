//! Consolidation against the store: a new report scored against the open incidents
//! when it arrives, every report re-linked on demand, and victim lists linked into
//! pseudonymous persons. The linkage itself is `aman-linkage`; this module loads its
//! inputs, applies its decisions as audited store changes, and queues what it is
//! unsure about for a reviewer.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use aman_core::{GeoPrecision, PersonId, Report, ReportKind, VerificationStatus};
use aman_geo::{Candidate, Geocoder, PlaceKind};
use aman_linkage::incidents::{
    IncidentDecision, IncidentLinker, IncidentMatch, IncidentThresholds, OpenIncident,
    ReportFeatures,
};
use aman_linkage::{Model, PairLabel, ReviewDecision as LinkDecision};
use aman_store::{
    ListRecord, NewReviewCandidate, PageRequest, ReportFilter, ReviewKind, Store, StoreError, Who,
};
use chrono::Duration;
use rand::Rng;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum LinkingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("record linkage failed: {0}")]
    Linkage(String),
}

fn linkage_error(e: impl std::fmt::Display) -> LinkingError {
    LinkingError::Linkage(e.to_string())
}

/// How far apart in time a new report and an open incident's reports may be and still
/// be compared on intake. Field reports of one event rarely date it further apart.
pub const INTAKE_WINDOW_DAYS: i64 = 3;
/// At most this many nearby reports are compared on intake.
const INTAKE_CANDIDATES: u32 = 1000;

/// What intake did with a new report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IntakeLink {
    /// Linked to an incident the linker was sure about.
    Linked { incident_id: i64, probability: f64 },
    /// Queued for a reviewer against these incidents (review candidate ids).
    QueuedForReview { candidates: Vec<i64> },
    /// Started a new incident.
    NewIncident { incident_id: i64 },
    /// A correction or retraction joined the incident of the report it refers to.
    FollowsReferredReport { incident_id: i64 },
    /// Nothing to link to (a follow-up of a report that is in no incident).
    Unlinked,
}

/// Geocoder confidence from which the place a report's text names is compared.
const NAMED_PLACE_CONFIDENCE: f64 = 0.6;

/// The place a geocoder candidate names and the areas that contain it, most specific
/// first. A region or district goes by its admin code, the form in which it also
/// stands in the path of every place inside it.
fn place_path(c: &Candidate) -> Vec<String> {
    let own = match c.kind {
        PlaceKind::Region | PlaceKind::District => None,
        _ => Some(c.place_id.clone()),
    };
    own.into_iter()
        .chain(c.parent_id.clone())
        .chain(c.admin2_code.as_ref().map(|a| format!("adm2:{a}")))
        .chain(c.admin1_code.as_ref().map(|a| format!("adm1:{a}")))
        .collect()
}

/// Report features the linker compares, from a stored report; `places` reads which
/// gazetteer place its text names.
pub fn features(r: &aman_core::Report, places: &Geocoder) -> ReportFeatures {
    let i = &r.input;
    let named_place = places
        .resolve(&i.place_text)
        .best
        .filter(|b| b.confidence >= NAMED_PLACE_CONFIDENCE)
        .map(|b| place_path(&b))
        .unwrap_or_default();
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
        actors: i
            .actors
            .iter()
            .filter(|a| a.kind != aman_core::ActorKind::Unknown)
            .map(|a| a.kind.code().to_owned())
            .collect(),
        killed_min: i.counts.killed.map(|k| k.min),
        killed_max: i.counts.killed.map(|k| k.max),
        injured_min: i.counts.injured.map(|k| k.min),
        injured_max: i.counts.injured.map(|k| k.max),
        text: i.narrative.text.clone(),
        language: Some(i.narrative.language.clone()),
        place_text: i.place_text.clone(),
        named_place,
        place_details: aman_geo::place_details(&i.place_text),
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

/// A working title: first event type, place and date.
pub fn incident_title(r: &Report) -> String {
    let what = r
        .input
        .event_types
        .first()
        .map_or("Incident", |t| aman_core::EventType::label(*t));
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

fn explanation_json(m: &IncidentMatch) -> serde_json::Value {
    serde_json::to_value(&m.explanation).unwrap_or(serde_json::Value::Null)
}

/// The open incidents whose reports fall within the intake window of `report`.
fn open_incidents_near(
    store: &dyn Store,
    places: &Geocoder,
    report: &Report,
) -> Result<Vec<OpenIncident>, LinkingError> {
    let window = Duration::days(INTAKE_WINDOW_DAYS);
    let filter = ReportFilter {
        from: Some(report.input.event_time.start - window),
        to: Some(report.input.event_time.end + window),
        ..ReportFilter::default()
    };
    let page = store.list_reports(&filter, PageRequest::first(INTAKE_CANDIDATES))?;
    let mut by_incident: BTreeMap<i64, Vec<&Report>> = BTreeMap::new();
    for r in &page.items {
        if let Some(i) = r.incident_id.filter(|_| r.id != report.id) {
            by_incident.entry(i).or_default().push(r);
        }
    }
    let mut open = Vec::new();
    for (id, reports) in by_incident {
        let closed = store
            .get_incident(id)?
            .is_some_and(|i| i.summary.status == VerificationStatus::Retracted);
        if !closed {
            open.push(OpenIncident {
                id: id.to_string(),
                reports: reports.into_iter().map(|r| features(r, places)).collect(),
            });
        }
    }
    Ok(open)
}

/// The linker intake scores with, and its name for the audit trail: the model the
/// last batch re-link learned from this database's reports, when there is one for
/// this version's report fields, else `default` (the hand-set model).
fn intake_linker<'a>(
    store: &dyn Store,
    default: &'a IncidentLinker,
) -> Result<(Cow<'a, IncidentLinker>, String), LinkingError> {
    let Some(stored) = store.latest_linkage_model(ReviewKind::ReportPair)? else {
        return Ok((Cow::Borrowed(default), "default model".into()));
    };
    let learned = serde_json::from_value::<Model>(stored.model)
        .map_err(|e| e.to_string())
        .and_then(|m| IncidentLinker::with_model(m, default.thresholds).map_err(|e| e.to_string()));
    Ok(match learned {
        Ok(linker) => (Cow::Owned(linker), format!("learned model {}", stored.id)),
        Err(e) => {
            tracing::warn!(model = stored.id, "learned linkage model not used: {e}");
            (Cow::Borrowed(default), "default model".into())
        }
    })
}

/// Scores a newly stored report against the open incidents near it in time and acts
/// on the linker's decision: link (above the upper threshold), queue for review
/// (between the thresholds), or start a new incident (below). Every change is audited
/// with the probability as its reason.
pub fn link_new_report(
    store: &dyn Store,
    who: &Who,
    linker: &IncidentLinker,
    places: &Geocoder,
    report: &Report,
) -> Result<IntakeLink, LinkingError> {
    if report.incident_id.is_some() {
        return Err(LinkingError::Store(StoreError::Conflict(format!(
            "report {} is already in an incident",
            report.id
        ))));
    }
    if report.input.kind != ReportKind::Original {
        let referred = match report.input.refers_to {
            Some(r) => store.get_report(r)?.and_then(|r| r.incident_id),
            None => None,
        };
        let Some(incident_id) = referred else {
            return Ok(IntakeLink::Unlinked);
        };
        let reason = format!(
            "{} of report {}",
            report.input.kind.code(),
            report.input.refers_to.unwrap_or_default()
        );
        store.link_report(who, incident_id, report.id, &reason)?;
        return Ok(IntakeLink::FollowsReferredReport { incident_id });
    }
    let open = open_incidents_near(store, places, report)?;
    let (linker, model_name) = intake_linker(store, linker)?;
    let decision = linker
        .score(&features(report, places), &open)
        .map_err(linkage_error)?;
    Ok(match decision {
        IncidentDecision::Link(m) => {
            let incident_id: i64 = m.incident_id.parse().map_err(linkage_error)?;
            let reason = format!(
                "linked on intake: match probability {:.3} with report {} ({model_name})",
                m.probability, m.via_report
            );
            store.link_report(who, incident_id, report.id, &reason)?;
            IntakeLink::Linked {
                incident_id,
                probability: m.probability,
            }
        }
        IncidentDecision::Review(matches) => {
            let pairs: Vec<NewReviewCandidate> = matches
                .iter()
                .map(|m| NewReviewCandidate {
                    kind: ReviewKind::ReportIncident,
                    left_ref: report.id.to_string(),
                    right_ref: m.incident_id.clone(),
                    probability: m.probability,
                    explanation: explanation_json(m),
                })
                .collect();
            IntakeLink::QueuedForReview {
                candidates: store.queue_for_review(who, &pairs)?,
            }
        }
        IncidentDecision::NewIncident(best) => {
            let reason = match best {
                Some(m) => format!(
                    "new incident on intake: best match probability {:.3} (incident {}) is below the review threshold ({model_name})",
                    m.probability, m.incident_id
                ),
                None => "new incident on intake: no open incident nearby in time".into(),
            };
            IntakeLink::NewIncident {
                incident_id: store.create_incident(
                    who,
                    &incident_title(report),
                    &[report.id],
                    &reason,
                )?,
            }
        }
    })
}

/// From this many original reports a batch re-link learns the model's u values by EM
/// (and keeps the model for intake); below, the hand-set model is used.
const RELEARN_MIN_REPORTS: usize = 200;

/// At most this many pairs are queued for review per batch re-linking: a queue people
/// can work through, most uncertain first, rather than every pair between thresholds.
pub const REVIEW_PAIRS_PER_RUN: usize = 500;

/// What a batch re-linking did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RelinkSummary {
    pub reports: usize,
    pub incidents: usize,
    pub incidents_created: usize,
    /// Reports moved out of one incident into another (or into a new one).
    pub reports_moved: usize,
    /// Reports that were in no incident and now are.
    pub reports_linked: usize,
    /// Pairs between the thresholds; the most uncertain of them are queued.
    pub unsure_pairs: usize,
    pub queued_for_review: usize,
    /// Reviewers' decisions used as must-link / cannot-link constraints.
    pub labels_used: usize,
    /// The model this run learned and kept for intake (none under 200 reports).
    pub learned_model: Option<i64>,
}

/// Where batch re-linking has got to, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum RelinkProgress {
    Loaded { reports: usize },
    Linked { incidents: usize },
    Applied { done: usize, of: usize },
}

fn all_reports(store: &dyn Store) -> Result<Vec<Report>, StoreError> {
    let mut all = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let p = store.list_reports(&ReportFilter::default(), page)?;
        all.extend(p.items);
        match p.next_before {
            Some(b) => page.before = Some(b),
            None => break,
        }
    }
    all.reverse();
    Ok(all)
}

/// Reviewers' decisions as constraints: report pairs directly; a report–incident
/// decision as a constraint between the report and the incident's reports.
fn review_constraints(
    store: &dyn Store,
    incident_of: &HashMap<i64, i64>,
) -> Result<Vec<PairLabel>, StoreError> {
    let decision = |m: bool| {
        if m {
            LinkDecision::Match
        } else {
            LinkDecision::NonMatch
        }
    };
    let mut labels: Vec<PairLabel> = store
        .review_labels(ReviewKind::ReportPair)?
        .into_iter()
        .map(|l| PairLabel {
            left: l.left_ref,
            right: l.right_ref,
            decision: decision(l.is_match),
        })
        .collect();
    for l in store.review_labels(ReviewKind::ReportIncident)? {
        let Ok(incident) = l.right_ref.parse::<i64>() else {
            continue;
        };
        let members = incident_of
            .iter()
            .filter(|(r, i)| **i == incident && r.to_string() != l.left_ref);
        for (member, _) in members {
            labels.push(PairLabel {
                left: l.left_ref.clone(),
                right: member.to_string(),
                decision: decision(l.is_match),
            });
        }
    }
    Ok(labels)
}

/// Re-links every report from scratch (weights re-learned by EM on the batch from a
/// few hundred reports on; reviewers' decisions as constraints) and moves reports so
/// the store matches: each new cluster keeps the existing incident most of its
/// reports are already in, otherwise a new incident is created. Corrections and
/// retractions follow the report they refer to. Pairs the linker is unsure about go
/// to the review queue.
pub fn relink_reports(
    store: &dyn Store,
    places: &Geocoder,
    who: &Who,
    progress: &mut dyn FnMut(RelinkProgress),
) -> Result<RelinkSummary, LinkingError> {
    let reports = all_reports(store)?;
    progress(RelinkProgress::Loaded {
        reports: reports.len(),
    });
    let mut summary = RelinkSummary {
        reports: reports.len(),
        ..RelinkSummary::default()
    };
    let current: HashMap<i64, i64> = reports
        .iter()
        .filter_map(|r| r.incident_id.map(|i| (r.id, i)))
        .collect();
    let originals: Vec<&Report> = reports
        .iter()
        .filter(|r| r.input.kind == ReportKind::Original)
        .collect();
    let labels = review_constraints(store, &current)?;
    summary.labels_used = labels.len();
    let linker = IncidentLinker::new(IncidentThresholds::default()).map_err(linkage_error)?;
    let feats: Vec<_> = originals.iter().map(|r| features(r, places)).collect();
    let learn = feats.len() >= RELEARN_MIN_REPORTS;
    let batch = linker
        .relink_all(&feats, learn, &labels)
        .map_err(linkage_error)?;
    if learn {
        let model = serde_json::to_value(&batch.model).map_err(linkage_error)?;
        let kept =
            store.save_linkage_model(who, ReviewKind::ReportPair, &model, feats.len() as u64)?;
        summary.learned_model = Some(kept.id);
    }
    summary.incidents = batch.incidents.len();
    progress(RelinkProgress::Linked {
        incidents: batch.incidents.len(),
    });

    // Each cluster keeps the incident most of its members are in, biggest clusters first.
    let mut clusters: Vec<Vec<i64>> = batch
        .incidents
        .iter()
        .map(|c| c.iter().filter_map(|id| id.parse().ok()).collect())
        .collect();
    clusters.sort_by_key(|c: &Vec<i64>| std::cmp::Reverse(c.len()));
    let mut claimed: HashMap<i64, usize> = HashMap::new();
    let mut keeps: Vec<Option<i64>> = Vec::with_capacity(clusters.len());
    for (k, cluster) in clusters.iter().enumerate() {
        let mut votes: BTreeMap<i64, usize> = BTreeMap::new();
        for r in cluster {
            if let Some(i) = current.get(r) {
                *votes.entry(*i).or_default() += 1;
            }
        }
        let keep = votes
            .into_iter()
            .filter(|(i, _)| !claimed.contains_key(i))
            .max_by_key(|(i, n)| (*n, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        if let Some(i) = keep {
            claimed.insert(i, k);
        }
        keeps.push(keep);
    }

    // Unlink every report whose incident changes before linking anything, so no report
    // is ever in two places.
    let follows: Vec<&Report> = reports
        .iter()
        .filter(|r| r.input.kind != ReportKind::Original)
        .collect();
    let mut target: HashMap<i64, Option<i64>> = HashMap::new();
    for (cluster, keep) in clusters.iter().zip(&keeps) {
        for r in cluster {
            target.insert(*r, *keep);
        }
    }
    let total = originals.len() + follows.len();
    let mut done = 0;
    let reason = "batch re-linking";
    for (r, t) in &target {
        if let Some(c) = current.get(r) {
            if *t != Some(*c) {
                store.unlink_report(who, *c, *r, reason)?;
                summary.reports_moved += 1;
            }
        }
    }
    let by_id: HashMap<i64, &Report> = reports.iter().map(|r| (r.id, r)).collect();
    let mut incident_of: HashMap<i64, i64> = HashMap::new();
    for (cluster, keep) in clusters.iter().zip(&keeps) {
        let incident = match keep {
            Some(i) => {
                for r in cluster {
                    if current.get(r) != Some(i) {
                        store.link_report(who, *i, *r, reason)?;
                        if !current.contains_key(r) {
                            summary.reports_linked += 1;
                        }
                    }
                }
                *i
            }
            None => {
                let first = cluster.iter().min().and_then(|r| by_id.get(r));
                let title = first.map_or_else(|| "Incident".to_string(), |r| incident_title(r));
                let why = format!(
                    "batch re-linking: {} report(s) describe one event",
                    cluster.len()
                );
                summary.incidents_created += 1;
                summary.reports_linked +=
                    cluster.iter().filter(|r| !current.contains_key(r)).count();
                store.create_incident(who, &title, cluster, &why)?
            }
        };
        for r in cluster {
            incident_of.insert(*r, incident);
        }
        done += cluster.len();
        progress(RelinkProgress::Applied { done, of: total });
    }
    for r in follows {
        let want = r.input.refers_to.and_then(|t| incident_of.get(&t)).copied();
        let have = current.get(&r.id).copied();
        if want != have {
            if let Some(h) = have {
                store.unlink_report(who, h, r.id, reason)?;
            }
            if let Some(w) = want {
                let why = format!(
                    "{} of report {}",
                    r.input.kind.code(),
                    r.input.refers_to.unwrap_or_default()
                );
                store.link_report(who, w, r.id, &why)?;
            }
        }
        if let Some(w) = want {
            incident_of.insert(r.id, w);
        }
        done += 1;
        progress(RelinkProgress::Applied { done, of: total });
    }
    // The pairs a reviewer's answer would most change: closest to even odds first.
    let mut unsure: Vec<_> = batch.review.iter().collect();
    unsure.sort_by(|a, b| {
        (a.probability - 0.5)
            .abs()
            .total_cmp(&(b.probability - 0.5).abs())
    });
    summary.unsure_pairs = unsure.len();
    let pairs: Vec<NewReviewCandidate> = unsure
        .into_iter()
        .take(REVIEW_PAIRS_PER_RUN)
        .map(|p| NewReviewCandidate {
            kind: ReviewKind::ReportPair,
            left_ref: p.left.clone(),
            right_ref: p.right.clone(),
            probability: p.probability,
            explanation: serde_json::to_value(&p.explanation).unwrap_or_default(),
        })
        .collect();
    summary.queued_for_review = store.queue_for_review(who, &pairs)?.len();
    Ok(summary)
}

/// One victim-list record and the cluster (person) linkage put it in.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusteredRecord {
    pub list: String,
    pub record_ref: String,
    /// Records with the same cluster number are one person.
    pub cluster: usize,
    pub sex: Option<String>,
    pub age: Option<u32>,
    pub event_date: Option<chrono::NaiveDate>,
    pub area: Option<String>,
}

impl ClusteredRecord {
    /// The records of a victim-list linkage, clustered by person.
    pub fn from_person_linkage(
        records: &[aman_linkage::persons::VictimRecord],
        linkage: &aman_linkage::persons::PersonLinkage,
    ) -> Vec<ClusteredRecord> {
        let by_id: HashMap<&str, &aman_linkage::persons::VictimRecord> =
            records.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut out = Vec::with_capacity(records.len());
        for (cluster, person) in linkage.persons.iter().enumerate() {
            for m in person
                .records
                .iter()
                .filter_map(|id| by_id.get(id.as_str()))
            {
                out.push(ClusteredRecord {
                    list: m.list.clone(),
                    record_ref: m.id.clone(),
                    cluster,
                    sex: m.sex.clone(),
                    age: m.age.map(|a| a.round().max(0.0) as u32),
                    event_date: m.event_date,
                    area: m.place.clone(),
                });
            }
        }
        out
    }
}

/// Stores a linkage of victim lists: every record with its pseudonymous person. A
/// person keeps the id its records had before when they had one, so re-linking does
/// not renumber people; new persons get fresh random ids, never one given before.
/// Returns the number of persons.
pub fn save_person_clusters(
    store: &dyn Store,
    who: &Who,
    records: &[ClusteredRecord],
    synthetic: bool,
) -> Result<usize, LinkingError> {
    let previous: HashMap<(String, String), PersonId> = store
        .list_records()?
        .into_iter()
        .map(|r| ((r.list_name, r.record_ref), r.person_id))
        .collect();
    let mut clusters: BTreeMap<usize, Vec<&ClusteredRecord>> = BTreeMap::new();
    for r in records {
        clusters.entry(r.cluster).or_default().push(r);
    }
    let mut rng = rand::thread_rng();
    let mut taken: HashSet<PersonId> = previous.values().cloned().collect();
    let mut kept_ids: HashSet<PersonId> = HashSet::new();
    let mut out = Vec::with_capacity(records.len());
    for members in clusters.values() {
        let mut votes: BTreeMap<&PersonId, usize> = BTreeMap::new();
        for m in members {
            if let Some(p) = previous.get(&(m.list.clone(), m.record_ref.clone())) {
                *votes.entry(p).or_default() += 1;
            }
        }
        // A previous id stays with the person holding most of its records.
        let kept = votes
            .into_iter()
            .filter(|(p, _)| !kept_ids.contains(*p))
            .max_by_key(|(_, n)| *n)
            .map(|(p, _)| p.clone());
        let id = kept.unwrap_or_else(|| loop {
            let fresh = PersonId::from_random(rng.gen::<u64>() & ((1 << 40) - 1));
            if taken.insert(fresh.clone()) {
                break fresh;
            }
        });
        kept_ids.insert(id.clone());
        for m in members {
            out.push(ListRecord {
                list_name: m.list.clone(),
                record_ref: m.record_ref.clone(),
                person_id: id.clone(),
                sex: m.sex.clone(),
                age: m.age,
                event_date: m.event_date,
                area: m.area.clone(),
            });
        }
    }
    let mut lists: Vec<String> = records.iter().map(|r| r.list.clone()).collect();
    lists.sort();
    lists.dedup();
    store.save_list_linkage(
        who,
        &lists,
        &out,
        synthetic,
        &format!(
            "linked {} records on {} list(s) into {} persons",
            out.len(),
            lists.len(),
            clusters.len()
        ),
    )?;
    Ok(clusters.len())
}
