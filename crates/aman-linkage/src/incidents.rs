//! Reports → incidents. A new report is scored against the open incidents (its
//! best-matching member report decides): at or above the upper threshold it is
//! linked, between the thresholds it goes to review, below it starts a new
//! incident. `relink_all` re-clusters every report from scratch. The default model
//! is hand-set from how field reports of one event usually differ (times within
//! hours, places within a few km, overlapping event types and counts); it can be
//! re-estimated by EM over a batch, or improved with reviewers' labels.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::blocking::{Blocker, BlockingRule, KeyKind};
use crate::compare::level_labels;
use crate::engine::{explain_pair, link_dataset, LinkMode, LinkOptions};
use crate::error::LinkError;
use crate::model::{Explanation, FieldWeights, Model};
use crate::record::{Dataset, FieldKind, FieldSpec, Schema, Value};
use crate::review::{review_queue, CandidatePair, PairLabel, ReviewDecision};

/// What linkage needs to know about a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportFeatures {
    /// Report id.
    pub id: String,
    /// Earliest time the event may have happened.
    pub time_start: DateTime<Utc>,
    /// Latest time (equal to the start for a precise time).
    pub time_end: DateTime<Utc>,
    /// Latitude, when resolved.
    pub lat: Option<f64>,
    /// Longitude, when resolved.
    pub lon: Option<f64>,
    /// Admin-2 area (raion / city) code or name.
    pub admin2: Option<String>,
    /// Event types (killing, arson, looting, ...).
    pub event_types: Vec<String>,
    /// Kinds of the actors named (`mob`, `police`, ...): their names are in the
    /// source's language and seldom match across sources.
    pub actors: Vec<String>,
    /// Lower bound of the number killed.
    pub killed_min: Option<u32>,
    /// Upper bound of the number killed.
    pub killed_max: Option<u32>,
    /// Lower bound of the number injured.
    #[serde(default)]
    pub injured_min: Option<u32>,
    /// Upper bound of the number injured.
    #[serde(default)]
    pub injured_max: Option<u32>,
    /// Narrative in its original language. Shown to reviewers but not scored: word
    /// and trigram overlap of template-like field narratives follows place, type and
    /// language rather than the incident, and lowered pairwise F1 on the scenario
    /// (0.333 → 0.279 over three seeds) — distinctive-word (IDF-weighted) similarity
    /// is still to be built.
    pub text: String,
    /// Language code of the narrative, when known.
    pub language: Option<String>,
    /// The place as written by the source (street, school, mahalla, town).
    #[serde(default)]
    pub place_text: String,
    /// The gazetteer place the text names, then the areas that contain it, most
    /// specific first (a neighbourhood, its city, district and region), read even when
    /// the source also gave coordinates: two neighbourhoods of one city lie in one
    /// smaller area, a report naming only the city or the region contains both. Empty
    /// when the text names no place with confidence.
    #[serde(default)]
    pub named_place: Vec<String>,
    /// Street-level details the place text names (the street, a numbered school), as
    /// keys that agree across languages (`aman_geo::place_details`).
    #[serde(default)]
    pub place_details: Vec<String>,
    /// How far the true place may lie from `lat`/`lon`, in km: small for a point the
    /// source measured, large for a town or district centroid from the geocoder.
    /// `None` is taken as a measured point.
    #[serde(default)]
    pub location_uncertainty_km: Option<f64>,
    /// Who sent the report (one source rarely reports one incident twice).
    #[serde(default)]
    pub source: Option<String>,
}

/// An open incident and the reports it rests on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenIncident {
    /// Incident id.
    pub id: String,
    /// Its reports.
    pub reports: Vec<ReportFeatures>,
}

/// The two thresholds on match probability.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentThresholds {
    /// At or above: link automatically.
    pub link: f64,
    /// At or above (and below `link`): send to review.
    pub review: f64,
}

impl Default for IncidentThresholds {
    fn default() -> Self {
        IncidentThresholds {
            link: 0.9,
            review: 0.3,
        }
    }
}

/// How well a report fits one incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentMatch {
    /// The incident.
    pub incident_id: String,
    /// Its member report that fits best.
    pub via_report: String,
    /// Match probability with that report.
    pub probability: f64,
    /// Why.
    pub explanation: Explanation,
}

/// What to do with a new report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum IncidentDecision {
    /// Link to this incident (reversibly: the caller records it as a fact).
    Link(IncidentMatch),
    /// Let a person decide between these incidents (best first).
    Review(Vec<IncidentMatch>),
    /// Start a new incident; the best (too weak) candidate is shown for context.
    NewIncident(Option<IncidentMatch>),
}

/// Result of re-linking all reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchLinking {
    /// Report ids grouped into incidents.
    pub incidents: Vec<Vec<String>>,
    /// Pairs between the thresholds, with explanations.
    pub review: Vec<CandidatePair>,
    /// The model used (re-estimated when asked).
    pub model: Model,
}

/// Scores reports against incidents.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IncidentLinker {
    /// The model.
    pub model: Model,
    /// The thresholds.
    pub thresholds: IncidentThresholds,
}

/// Fields of the report schema.
pub fn report_schema() -> Schema {
    Schema::new(vec![
        FieldSpec::new("time", FieldKind::TimeRange),
        FieldSpec::new("location", FieldKind::Geo),
        FieldSpec::new("admin2", FieldKind::Category),
        FieldSpec::new("event_types", FieldKind::Set),
        FieldSpec::new("actors", FieldKind::Set),
        FieldSpec::new("killed", FieldKind::NumberRange),
        FieldSpec::new("injured", FieldKind::NumberRange),
        FieldSpec::new("place", FieldKind::Text),
        FieldSpec::new("named_place", FieldKind::Hierarchy),
        FieldSpec::new("place_details", FieldKind::Set),
        FieldSpec::new("source", FieldKind::Category),
    ])
}

/// m per field (non-null levels in order): how reports of ONE incident usually
/// differ, from how field reports are written — a source's time precision (hour,
/// day, week), a point it measured or only a town, its own words for the perpetrators,
/// its own count. These are domain knowledge and stay fixed when a batch is
/// re-estimated; EM on report pairs otherwise learns "same source, same template"
/// as its latent class instead of "same incident".
const MATCH_M: [&[f64]; 11] = [
    // time: overlap & both within 6 h, overlap & both within 48 h (a day), overlap
    // with a wider window (a week), within 6 h, within 48 h, farther
    &[0.10, 0.50, 0.15, 0.15, 0.08, 0.02],
    // location: within 1, 5, 25 km, farther
    &[0.55, 0.30, 0.12, 0.03],
    // admin2: equal, different
    &[0.95, 0.05],
    // event types: same, mostly shared, some shared, none shared (reframing)
    &[0.45, 0.25, 0.15, 0.15],
    // actors (their kinds: mob, police, military, ...): sources name some of the
    // perpetrators, and an authority leaves out its own forces
    &[0.45, 0.25, 0.15, 0.15],
    // killed: same, overlapping, close, far apart
    &[0.35, 0.35, 0.20, 0.10],
    // injured: counted less carefully than the dead
    &[0.25, 0.35, 0.25, 0.15],
    // place as written: very similar, similar, a little, unrelated (reports of one
    // incident come in four languages, and "центр Оша" and "Osh city centre" share
    // no word: unrelated text is as common as similar text)
    &[0.20, 0.20, 0.20, 0.40],
    // named place: the same, one names only an area containing the other, two
    // places in one town or district (a misread name), unrelated places
    &[0.60, 0.30, 0.05, 0.05],
    // street or school: the same, mostly, partly, different (a source seldom names
    // the wrong street; two events in one neighbourhood seldom share one)
    &[0.85, 0.04, 0.03, 0.08],
    // source: equal, different (a source seldom files one incident twice)
    &[0.01, 0.99],
];

/// u per field for the default model (used before a batch has been seen).
const DEFAULT_U: [&[f64]; 11] = [
    &[0.002, 0.008, 0.02, 0.02, 0.05, 0.90],
    &[0.01, 0.05, 0.25, 0.69],
    &[0.20, 0.80],
    &[0.10, 0.10, 0.15, 0.65],
    &[0.10, 0.10, 0.10, 0.70],
    &[0.10, 0.20, 0.20, 0.50],
    &[0.10, 0.20, 0.20, 0.50],
    &[0.02, 0.08, 0.30, 0.60],
    &[0.05, 0.15, 0.20, 0.60],
    &[0.04, 0.01, 0.01, 0.94],
    &[0.10, 0.90],
];

fn with_null(v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0];
    out.extend_from_slice(v);
    out
}

/// The hand-set default model.
fn default_model() -> Model {
    let fields = report_schema()
        .fields
        .iter()
        .zip(MATCH_M.iter().zip(DEFAULT_U))
        .map(|(spec, (m, u))| FieldWeights {
            field: spec.name.clone(),
            kind: spec.kind,
            labels: level_labels(spec),
            m: with_null(m),
            u: with_null(u),
        })
        .collect();
    Model {
        fields,
        prior: 1e-3,
    }
}

/// Re-linking everything joins reports whose pair is more likely one incident than
/// not (the clustering then splits groups that do not hold together); a lone new
/// report on intake needs the stricter link threshold. Pairs decided between the
/// review and link thresholds go to the review queue either way.
const BATCH_MATCH_PROBABILITY: f64 = 0.5;

/// Matching pairs per report assumed for the fixed model's prior (about two reports
/// per incident).
const PRIOR_MATCHES_PER_REPORT: f64 = 1.0;

/// Pairs weaker than this are never worth attaching a lone report for: it would take
/// an incident of about a hundred reports to outweigh "an incident of its own".
const ATTACH_MIN_PAIR_PROBABILITY: f64 = 0.01;

/// Points less certain than this (km) are not compared by distance: a measured
/// point or a town / neighbourhood centroid is, a district or region centroid is not.
pub const MAX_POINT_UNCERTAINTY_KM: f64 = 5.0;

fn values(r: &ReportFeatures) -> Vec<Value> {
    // A town or district centroid says little about where in it things happened:
    // only points known to within a couple of km are compared by distance (the admin
    // area and the place as written still are).
    let point = match (r.lat, r.lon) {
        (Some(a), Some(b))
            if r.location_uncertainty_km
                .is_none_or(|u| u <= MAX_POINT_UNCERTAINTY_KM) =>
        {
            Value::Point(a, b)
        }
        _ => Value::Missing,
    };
    let range = |lo: Option<u32>, hi: Option<u32>| match (lo, hi) {
        (Some(a), Some(b)) => Value::Range(f64::from(a), f64::from(b)),
        (Some(a), None) | (None, Some(a)) => Value::Range(f64::from(a), f64::from(a)),
        (None, None) => Value::Missing,
    };
    let set = |v: &[String]| {
        if v.is_empty() {
            Value::Missing
        } else {
            Value::Set(v.to_vec())
        }
    };
    vec![
        Value::Time(r.time_start.timestamp(), r.time_end.timestamp()),
        point,
        r.admin2
            .as_ref()
            .map_or(Value::Missing, |a| Value::Text(a.clone())),
        set(&r.event_types),
        set(&r.actors),
        range(r.killed_min, r.killed_max),
        range(r.injured_min, r.injured_max),
        if r.place_text.trim().is_empty() {
            Value::Missing
        } else {
            Value::Text(r.place_text.clone())
        },
        set(&r.named_place),
        set(&r.place_details),
        r.source
            .as_ref()
            .map_or(Value::Missing, |s| Value::Text(s.clone())),
    ]
}

fn dataset(reports: &[&ReportFeatures]) -> Result<Dataset, LinkError> {
    let mut ds = Dataset::new(report_schema())?;
    for r in reports {
        ds.push(r.id.clone(), 0, values(r))?;
    }
    Ok(ds)
}

/// Blocking for reports: close in time and near in space, in the same admin area,
/// or sharing an event type within a day.
pub fn report_blocking() -> Vec<BlockingRule> {
    vec![
        BlockingRule::on("time", KeyKind::Window(48.0)).and("location", KeyKind::GridCell(25.0)),
        BlockingRule::on("time", KeyKind::Window(48.0)).and("admin2", KeyKind::Exact),
        BlockingRule::on("time", KeyKind::Window(24.0)).and("event_types", KeyKind::Exact),
    ]
}

/// Share of the true same-incident pairs that report blocking makes candidates
/// (`truth` holds one incident label per report): the ceiling on recall.
pub fn pair_completeness(reports: &[ReportFeatures], truth: &[String]) -> Result<f64, LinkError> {
    if truth.len() != reports.len() {
        return Err(LinkError::TruthLength {
            truth: truth.len(),
            clusters: reports.len(),
        });
    }
    let refs: Vec<&ReportFeatures> = reports.iter().collect();
    let ds = dataset(&refs)?;
    let blocker = Blocker::new(
        &ds,
        &report_blocking(),
        false,
        LinkOptions::default().max_block_size,
    )?;
    let mut groups: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, t) in truth.iter().enumerate() {
        groups.entry(t.as_str()).or_default().push(i);
    }
    let (mut found, mut all) = (0u64, 0u64);
    for g in groups.values() {
        for (x, &a) in g.iter().enumerate() {
            for &b in &g[x + 1..] {
                all += 1;
                found += u64::from(blocker.is_candidate(&ds, a, b));
            }
        }
    }
    Ok(if all == 0 {
        1.0
    } else {
        found as f64 / all as f64
    })
}

impl Default for IncidentLinker {
    fn default() -> Self {
        IncidentLinker {
            model: default_model(),
            thresholds: IncidentThresholds::default(),
        }
    }
}

impl IncidentLinker {
    /// A linker with the default model and the given thresholds.
    pub fn new(thresholds: IncidentThresholds) -> Result<Self, LinkError> {
        if !(0.0..=1.0).contains(&thresholds.review)
            || !(0.0..=1.0).contains(&thresholds.link)
            || thresholds.review > thresholds.link
        {
            return Err(LinkError::InvalidOption(format!(
                "need 0 <= review ({}) <= link ({}) <= 1",
                thresholds.review, thresholds.link
            )));
        }
        Ok(IncidentLinker {
            model: default_model(),
            thresholds,
        })
    }

    /// A linker with a model learned earlier (`BatchLinking::model` of a re-link), when
    /// it was learned for the report schema of this version: the same fields, of the
    /// same kinds, with the same levels, and probabilities that are probabilities.
    pub fn with_model(model: Model, thresholds: IncidentThresholds) -> Result<Self, LinkError> {
        let expected = default_model();
        let fits = model.fields.len() == expected.fields.len()
            && model
                .fields
                .iter()
                .zip(&expected.fields)
                .all(|(got, want)| {
                    got.field == want.field
                        && got.kind == want.kind
                        && got.m.len() == want.m.len()
                        && got.u.len() == want.u.len()
                        && got
                            .m
                            .iter()
                            .chain(&got.u)
                            .all(|p| p.is_finite() && (0.0..=1.0).contains(p))
                })
            && model.prior.is_finite()
            && model.prior > 0.0
            && model.prior < 1.0;
        if !fits {
            return Err(LinkError::InvalidOption(
                "the stored model was learned for other report fields; re-link to learn a new one"
                    .into(),
            ));
        }
        let mut linker = IncidentLinker::new(thresholds)?;
        linker.model = model;
        Ok(linker)
    }

    /// Scores a new report against candidate open incidents (the caller picks them,
    /// typically those open within a few days).
    pub fn score(
        &self,
        report: &ReportFeatures,
        incidents: &[OpenIncident],
    ) -> Result<IncidentDecision, LinkError> {
        let mut all: Vec<&ReportFeatures> = vec![report];
        let mut owner: Vec<usize> = vec![usize::MAX];
        for (k, inc) in incidents.iter().enumerate() {
            for r in &inc.reports {
                all.push(r);
                owner.push(k);
            }
        }
        let ds = dataset(&all)?;
        let mut best: Vec<Option<IncidentMatch>> = vec![None; incidents.len()];
        for i in 1..all.len() {
            let e = explain_pair(&ds, &self.model, 0, i)?;
            let k = owner[i];
            if best[k]
                .as_ref()
                .is_none_or(|b| e.probability > b.probability)
            {
                best[k] = Some(IncidentMatch {
                    incident_id: incidents[k].id.clone(),
                    via_report: all[i].id.clone(),
                    probability: e.probability,
                    explanation: e,
                });
            }
        }
        let mut ranked: Vec<IncidentMatch> = best.into_iter().flatten().collect();
        ranked.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        let t = self.thresholds;
        let strong = ranked.iter().filter(|m| m.probability >= t.link).count();
        Ok(match ranked.first() {
            // Two incidents both above the link threshold: a person must decide (or merge them).
            Some(top) if top.probability >= t.link && strong == 1 => {
                IncidentDecision::Link(top.clone())
            }
            Some(top) if top.probability >= t.review => IncidentDecision::Review(
                ranked
                    .into_iter()
                    .filter(|m| m.probability >= t.review)
                    .collect(),
            ),
            top => IncidentDecision::NewIncident(top.cloned()),
        })
    }

    /// Re-links every report from scratch. Without `reestimate` the prior (share of
    /// report pairs that describe one incident) is set from the batch size, assuming
    /// about two reports per incident. With `reestimate` (worth it from a few hundred
    /// reports on), u is learned from random pairs of the batch and the prior by EM,
    /// while m stays the domain model's (see `MATCH_M`): report pairs are far from
    /// conditionally independent (one place, one day, one template), and free EM
    /// learns "same source, same template" instead of "same incident". Reviewers'
    /// labels act as must-link / cannot-link either way. Reports left alone by the
    /// clustering then join the incident they most likely belong to, if any
    /// (`attach_lone_reports`).
    pub fn relink_all(
        &self,
        reports: &[ReportFeatures],
        reestimate: bool,
        labels: &[PairLabel],
    ) -> Result<BatchLinking, LinkError> {
        let refs: Vec<&ReportFeatures> = reports.iter().collect();
        // If incidents have about two reports each, about n of the n²/2 pairs match.
        let prior = (PRIOR_MATCHES_PER_REPORT / reports.len().max(1) as f64).clamp(1e-6, 0.1);
        let ds = dataset(&refs)?;
        let mut opts = LinkOptions {
            mode: LinkMode::Dedupe,
            blocking: Some(report_blocking()),
            threshold: BATCH_MATCH_PROBABILITY.min(self.thresholds.link),
            review_threshold: self.thresholds.review,
            labels: labels.to_vec(),
            refine_clusters: true,
            ..LinkOptions::default()
        };
        if reestimate {
            opts.train.fixed_prior = Some(prior);
            opts.train.fixed_m = self
                .model
                .fields
                .iter()
                .map(|f| (f.field.clone(), f.m.clone()))
                .collect();
        } else {
            let mut model = self.model.clone();
            model.prior = prior;
            opts.model = Some(model);
        }
        // Keep the weaker pairs too: a lone report may still be most likely one of them.
        opts.review_threshold = opts.review_threshold.min(ATTACH_MIN_PAIR_PROBABILITY);
        let mut out = link_dataset(&ds, &opts, None)?;
        attach_lone_reports(&mut out, &ds, labels);
        let incidents = out
            .clustering
            .members()
            .into_iter()
            .map(|m| m.into_iter().map(|i| ds.ids()[i].clone()).collect())
            .collect();
        let review = review_queue(
            &ds,
            &out,
            self.thresholds.review,
            self.thresholds.link,
            usize::MAX,
        )?;
        Ok(BatchLinking {
            incidents,
            review,
            model: out.model,
        })
    }
}

/// Gives each report that clustering left alone to the incident it most likely
/// belongs to, when that is more likely than an incident of its own. A vague report
/// ("Osh, that week, houses burned") matches no single report strongly, but where
/// one incident fits it far better than any other, it is that incident's: the odds
/// of joining an incident are its best pair's odds times the incident's size (an
/// event reported often is more likely the one a new report describes), weighed
/// against every other candidate incident and against standing alone. Only lone
/// reports move, so incidents never snowball into each other; a reviewer's "not a
/// match" with any member keeps a report out of that incident.
fn attach_lone_reports(out: &mut crate::engine::LinkOutput, ds: &Dataset, labels: &[PairLabel]) {
    let n = out.ids.len();
    let mut label: Vec<u32> = out.clustering.assignment.clone();
    let mut size = vec![0usize; n];
    for &c in &label {
        size[c as usize] += 1;
    }
    let mut neighbours: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for p in &out.pairs {
        let odds = p.probability / (1.0 - p.probability);
        neighbours[p.left as usize].push((p.right as usize, odds));
        neighbours[p.right as usize].push((p.left as usize, odds));
    }
    let index: std::collections::HashMap<&str, usize> = ds
        .ids()
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut kept_apart: Vec<Vec<usize>> = vec![Vec::new(); n];
    for l in labels
        .iter()
        .filter(|l| l.decision == ReviewDecision::NonMatch)
    {
        if let (Some(&a), Some(&b)) = (index.get(l.left.as_str()), index.get(l.right.as_str())) {
            kept_apart[a].push(b);
            kept_apart[b].push(a);
        }
    }
    let mut best: std::collections::HashMap<u32, f64> = Default::default();
    for r in 0..n {
        if size[label[r] as usize] != 1 {
            continue;
        }
        best.clear();
        for &(o, odds) in &neighbours[r] {
            let e = best.entry(label[o]).or_insert(0.0);
            *e = e.max(odds);
        }
        for &o in &kept_apart[r] {
            best.remove(&label[o]);
        }
        best.remove(&label[r]);
        let weighed = best
            .iter()
            .map(|(&c, &odds)| (c, odds * size[c as usize] as f64));
        let total: f64 = 1.0 + weighed.clone().map(|(_, w)| w).sum::<f64>();
        if let Some((c, w)) = weighed.max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0))) {
            if w / total >= BATCH_MATCH_PROBABILITY {
                size[label[r] as usize] -= 1;
                label[r] = c;
                size[c as usize] += 1;
            }
        }
    }
    let labels: Vec<usize> = label.into_iter().map(|c| c as usize).collect();
    out.clustering = crate::Clustering::from_labels(&labels);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn report(id: &str, hours: (i64, i64), place: &[&str], types: &[&str]) -> ReportFeatures {
        let day = Utc.with_ymd_and_hms(2010, 6, 10, 0, 0, 0).unwrap();
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        ReportFeatures {
            id: id.into(),
            time_start: day + chrono::Duration::hours(hours.0),
            time_end: day + chrono::Duration::hours(hours.1),
            lat: None,
            lon: None,
            admin2: None,
            event_types: list(types),
            actors: Vec::new(),
            killed_min: None,
            killed_max: None,
            injured_min: None,
            injured_max: None,
            text: String::new(),
            language: None,
            place_text: place.join(", "),
            named_place: list(place),
            place_details: Vec::new(),
            location_uncertainty_km: None,
            source: Some(id.into()),
        }
    }

    /// Three reports of one attack in a neighbourhood, one of a detention elsewhere in
    /// the city, and a vague report ("the city, that week, looting") that fits the
    /// attack better than anything else without matching any one report strongly.
    fn batch() -> Vec<ReportFeatures> {
        let attack = ["centre", "osh"];
        let mut v = vec![
            report("a1", (14, 15), &attack, &["killing", "arson"]),
            report("a2", (0, 24), &attack, &["killing", "arson"]),
            report("a3", (13, 14), &attack, &["killing", "arson", "looting"]),
            report(
                "d1",
                (30, 31),
                &["cheremushki", "osh"],
                &["arbitrary_detention"],
            ),
            report("vague", (-72, 96), &["osh"], &["looting"]),
        ];
        // Unrelated reports of later weeks set the batch's prior as in a real batch.
        for k in 0..100 {
            let h = 24 * (20 + k);
            v.push(report(
                &format!("x{k}"),
                (h, h + 1),
                &["nariman"],
                &["threat"],
            ));
        }
        v
    }

    fn incident_of<'a>(b: &'a BatchLinking, id: &str) -> &'a Vec<String> {
        b.incidents
            .iter()
            .find(|i| i.contains(&id.to_string()))
            .unwrap()
    }

    #[test]
    fn a_lone_vague_report_joins_the_incident_it_fits_best() {
        let reports = batch();
        let linker = IncidentLinker::default();
        let b = linker.relink_all(&reports, false, &[]).unwrap();
        // No pair with the vague report reaches the batch threshold on its own.
        assert!(
            b.review
                .iter()
                .filter(|p| p.left == "vague" || p.right == "vague")
                .all(|p| p.probability < BATCH_MATCH_PROBABILITY),
            "{:?}",
            b.review
                .iter()
                .map(|p| (&p.left, &p.right, p.probability))
                .collect::<Vec<_>>()
        );
        assert_eq!(incident_of(&b, "a1").len(), 4, "{:?}", b.incidents);
        assert!(incident_of(&b, "vague").contains(&"a2".to_string()));
        assert_eq!(incident_of(&b, "d1").len(), 1);
    }

    #[test]
    fn a_reviewers_not_a_match_keeps_a_lone_report_out() {
        let reports = batch();
        let label = PairLabel {
            left: "vague".into(),
            right: "a3".into(),
            decision: ReviewDecision::NonMatch,
        };
        let b = IncidentLinker::default()
            .relink_all(&reports, false, &[label])
            .unwrap();
        assert_eq!(incident_of(&b, "vague").len(), 1, "{:?}", b.incidents);
        assert_eq!(incident_of(&b, "a1").len(), 3);
    }

    #[test]
    fn a_learned_model_is_used_only_for_the_fields_it_was_learned_for() {
        let t = IncidentThresholds::default();
        let learned = default_model();
        assert!(IncidentLinker::with_model(learned.clone(), t).is_ok());
        let mut fewer = learned.clone();
        fewer.fields.pop();
        assert!(IncidentLinker::with_model(fewer, t).is_err());
        let mut renamed = learned.clone();
        renamed.fields[0].field = "when".into();
        assert!(IncidentLinker::with_model(renamed, t).is_err());
        let mut broken = learned;
        broken.fields[1].u[1] = f64::NAN;
        assert!(IncidentLinker::with_model(broken, t).is_err());
    }
}
