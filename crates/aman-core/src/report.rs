//! Reports (claims): one source's account, kept exactly as received.
//!
//! A report is never edited. A correction or retraction is a new report that points
//! at the one it corrects (`kind` + `refers_to`), so the record of who said what, when,
//! survives for later scrutiny.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::place::{valid_lat, valid_lon, PlaceStatus, ResolvedPlace};
use crate::source::Credibility;
use crate::taxonomy::EventType;
use crate::time::EventTime;
use crate::validation::ValidationErrors;

/// Longest narrative accepted, in bytes. Long testimony belongs in evidence files.
pub const MAX_NARRATIVE_BYTES: usize = 64 * 1024;
const MAX_SHORT_TEXT: usize = 500;
/// Reports about events before this are refused as typos (the mission's data starts
/// well after it).
const EARLIEST_EVENT_YEAR: i32 = 1990;

/// A count as a range (a source saying "3 to 5 killed"); an exact count has min = max.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountRange {
    pub min: u32,
    pub max: u32,
}

impl CountRange {
    pub fn exact(n: u32) -> CountRange {
        CountRange { min: n, max: n }
    }

    /// Parses `5`, `3-5` or `3–5`.
    pub fn parse(s: &str) -> Result<CountRange, String> {
        let s = s.trim();
        let (a, b) = match s.split_once(['-', '–']) {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (s, s),
        };
        let min: u32 = a
            .parse()
            .map_err(|_| format!("'{s}' is not a count (use 5 or 3-5)"))?;
        let max: u32 = b
            .parse()
            .map_err(|_| format!("'{s}' is not a count (use 5 or 3-5)"))?;
        if min > max {
            return Err(format!("'{s}': minimum exceeds maximum"));
        }
        Ok(CountRange { min, max })
    }

    pub fn midpoint(&self) -> f64 {
        (self.min as f64 + self.max as f64) / 2.0
    }
}

impl std::fmt::Display for CountRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}–{}", self.min, self.max)
        }
    }
}

/// The people counts a report gives; absent means "not stated", not zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub killed: Option<CountRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injured: Option<CountRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displaced: Option<CountRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detained: Option<CountRange>,
}

/// Who an actor is, coarsely — enough to ask "were state forces involved?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    StateSecurityForces,
    Police,
    Military,
    OrganisedArmedGroup,
    Mob,
    Civilians,
    Unknown,
}

impl ActorKind {
    /// The snake_case code used in JSON and exports.
    pub fn code(self) -> &'static str {
        match self {
            ActorKind::StateSecurityForces => "state_security_forces",
            ActorKind::Police => "police",
            ActorKind::Military => "military",
            ActorKind::OrganisedArmedGroup => "organised_armed_group",
            ActorKind::Mob => "mob",
            ActorKind::Civilians => "civilians",
            ActorKind::Unknown => "unknown",
        }
    }
}

/// A party to an event as the source named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub name: String,
    pub kind: ActorKind,
}

/// The account in the words and language it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Narrative {
    pub text: String,
    /// ISO 639-1 code: `ky`, `uz`, `ru`, `en`, …
    pub language: String,
}

/// Whether a report is an original account or a later statement about one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    #[default]
    Original,
    Correction,
    Retraction,
}

impl ReportKind {
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Original => "original",
            ReportKind::Correction => "correction",
            ReportKind::Retraction => "retraction",
        }
    }

    pub fn from_code(code: &str) -> Option<ReportKind> {
        Some(match code {
            "original" => ReportKind::Original,
            "correction" => ReportKind::Correction,
            "retraction" => ReportKind::Retraction,
            _ => return None,
        })
    }
}

/// A report as submitted (API body, import row). Unknown fields are refused so a
/// misspelt field is an error rather than silently lost information.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub source_id: i64,
    /// The source's own reference (message id, form id), if any.
    #[serde(default)]
    pub external_ref: Option<String>,
    pub event_time: EventTime,
    /// When the mission received the account (defaults to now). A stored report holds it
    /// once, as [`Report::received_at`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
    /// The place as the source named it.
    pub place_text: String,
    /// Coordinates when the source gave them.
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    pub event_types: Vec<EventType>,
    #[serde(default)]
    pub counts: Counts,
    #[serde(default)]
    pub actors: Vec<Actor>,
    pub narrative: Narrative,
    pub credibility: Credibility,
    #[serde(default)]
    pub kind: ReportKind,
    /// For corrections and retractions: the report they refer to.
    #[serde(default)]
    pub refers_to: Option<i64>,
    /// Set by the synthetic scenario so demo data is labelled everywhere.
    #[serde(default)]
    pub synthetic: bool,
}

/// A report that passed validation. Only `ReportInput::validate` makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport(ReportInput);

impl ValidReport {
    pub fn get(&self) -> &ReportInput {
        &self.0
    }

    pub fn into_inner(self) -> ReportInput {
        self.0
    }

    /// Drops the time the mission received the account, once the stored report holds it
    /// as [`Report::received_at`]: a report's JSON then names it once, not twice.
    pub fn clear_received_at(&mut self) {
        self.0.received_at = None;
    }
}

impl ReportInput {
    /// Checks every field and returns all problems at once. `now` is injected so the
    /// "not in the future" rule is testable.
    pub fn validate(self, now: DateTime<Utc>) -> Result<ValidReport, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let t = &self.event_time;
        if t.start > t.end {
            e.push(
                "event_time.end",
                "end_before_start",
                "must not be before event_time.start",
            );
        }
        let tomorrow = now + chrono::Duration::days(1);
        if t.start > tomorrow {
            e.push("event_time.start", "in_future", "is in the future");
        }
        if t.start.format("%Y").to_string().parse::<i32>().unwrap_or(0) < EARLIEST_EVENT_YEAR {
            e.push(
                "event_time.start",
                "too_early",
                format!("is before {EARLIEST_EVENT_YEAR}; check the year"),
            );
        }
        if let Some(r) = self.received_at {
            if r > tomorrow {
                e.push("received_at", "in_future", "is in the future");
            }
        }
        if self.place_text.trim().is_empty() && self.latitude.is_none() {
            e.push(
                "place_text",
                "place_or_coordinates",
                "give a place name or coordinates",
            );
        }
        if self.place_text.len() > MAX_SHORT_TEXT {
            e.push(
                "place_text",
                "too_long",
                format!("must be at most {MAX_SHORT_TEXT} bytes"),
            );
        }
        match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) => {
                if !valid_lat(lat) {
                    e.push("latitude", "latitude_range", "must be between −90 and 90");
                }
                if !valid_lon(lon) {
                    e.push(
                        "longitude",
                        "longitude_range",
                        "must be between −180 and 180",
                    );
                }
            }
            (None, None) => {}
            _ => e.push(
                "latitude",
                "coordinate_pair",
                "give both latitude and longitude, or neither",
            ),
        }
        if self.event_types.is_empty() {
            e.push(
                "event_types",
                "event_type_required",
                "give at least one event type",
            );
        }
        for (name, c) in [
            ("killed", self.counts.killed),
            ("injured", self.counts.injured),
            ("displaced", self.counts.displaced),
            ("detained", self.counts.detained),
        ] {
            if let Some(c) = c {
                if c.min > c.max {
                    e.push(
                        format!("counts.{name}"),
                        "min_over_max",
                        "min must not exceed max",
                    );
                }
            }
        }
        for (i, a) in self.actors.iter().enumerate() {
            if a.name.trim().is_empty() || a.name.len() > MAX_SHORT_TEXT {
                e.push(
                    format!("actors[{i}].name"),
                    "actor_name_length",
                    format!("must be 1–{MAX_SHORT_TEXT} bytes"),
                );
            }
        }
        if self.narrative.text.len() > MAX_NARRATIVE_BYTES {
            e.push(
                "narrative.text",
                "narrative_too_long",
                format!(
                    "is {} bytes; at most {MAX_NARRATIVE_BYTES} are accepted (attach longer testimony as evidence)",
                    self.narrative.text.len()
                ),
            );
        }
        let lang = &self.narrative.language;
        if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_lowercase()) {
            e.push(
                "narrative.language",
                "language_code",
                "must be an ISO 639-1/639-3 code such as ky, uz, ru, en",
            );
        }
        if let Some(r) = &self.external_ref {
            if r.len() > MAX_SHORT_TEXT {
                e.push(
                    "external_ref",
                    "too_long",
                    format!("must be at most {MAX_SHORT_TEXT} bytes"),
                );
            }
        }
        match (self.kind, self.refers_to) {
            (ReportKind::Original, Some(_)) => e.push(
                "refers_to",
                "refers_to_original",
                "only corrections and retractions refer to a report",
            ),
            (ReportKind::Correction | ReportKind::Retraction, None) => e.push(
                "refers_to",
                "refers_to_missing",
                "a correction or retraction must name the report it refers to",
            ),
            _ => {}
        }
        e.into_result(ValidReport(self))
    }
}

/// A stored report: the input as received plus what the system added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    #[serde(flatten)]
    pub input: ReportInput,
    pub received_at: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub place_status: PlaceStatus,
    pub place: Option<ResolvedPlace>,
    pub incident_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_kind_codes_are_their_json_names() {
        use ActorKind::*;
        for k in [
            StateSecurityForces,
            Police,
            Military,
            OrganisedArmedGroup,
            Mob,
            Civilians,
            Unknown,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
        }
    }
    use crate::time::TimePrecision;
    use chrono::TimeZone;

    pub(crate) fn sample() -> ReportInput {
        let t = Utc.with_ymd_and_hms(2010, 6, 11, 14, 0, 0).unwrap();
        ReportInput {
            source_id: 1,
            external_ref: None,
            event_time: EventTime {
                start: t,
                end: t,
                precision: TimePrecision::Hour,
            },
            received_at: None,
            place_text: "Черемушки, Ош".into(),
            latitude: None,
            longitude: None,
            event_types: vec![EventType::Arson],
            counts: Counts::default(),
            actors: vec![],
            narrative: Narrative {
                text: "Дома горят".into(),
                language: "ru".into(),
            },
            credibility: Credibility::new(2).unwrap(),
            kind: ReportKind::Original,
            refers_to: None,
            synthetic: false,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2010, 7, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_good_report_validates() {
        assert!(sample().validate(now()).is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut r = sample();
        r.event_time.end = r.event_time.start - chrono::Duration::hours(1);
        r.latitude = Some(95.0);
        r.longitude = Some(10.0);
        r.event_types.clear();
        r.narrative.text = "x".repeat(5 * 1024 * 1024);
        r.kind = ReportKind::Retraction;
        let errs = r.validate(now()).unwrap_err();
        let fields: Vec<_> = errs.0.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "event_time.end",
            "latitude",
            "event_types",
            "narrative.text",
            "refers_to",
        ] {
            assert!(fields.contains(&f), "{f} not reported in {fields:?}");
        }
    }

    #[test]
    fn credibility_outside_1_to_6_is_refused_when_parsing() {
        let mut v = serde_json::to_value(sample()).unwrap();
        v["credibility"] = 7.into();
        let err = serde_json::from_value::<ReportInput>(v).unwrap_err();
        assert!(err.to_string().contains("credibility must be 1–6"), "{err}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut v = serde_json::to_value(sample()).unwrap();
        v["killed"] = 3.into();
        assert!(serde_json::from_value::<ReportInput>(v).is_err());
    }

    #[test]
    fn future_and_ancient_dates_are_refused() {
        let mut r = sample();
        r.event_time.start = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        r.event_time.end = r.event_time.start;
        assert!(r.validate(now()).is_err());
        let mut r = sample();
        r.event_time.start = Utc.with_ymd_and_hms(1910, 6, 11, 0, 0, 0).unwrap();
        assert!(r.validate(now()).is_err());
    }

    #[test]
    fn count_ranges_parse() {
        assert_eq!(
            CountRange::parse("3-5").unwrap(),
            CountRange { min: 3, max: 5 }
        );
        assert_eq!(CountRange::parse(" 4 ").unwrap(), CountRange::exact(4));
        assert!(CountRange::parse("5-3").is_err());
        assert!(CountRange::parse("many").is_err());
    }
}
