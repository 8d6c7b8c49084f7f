//! Incidents: the consolidated events that reports describe, their derived
//! confidence, and their verification history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::report::{CountRange, Report, ReportKind};
use crate::source::{Credibility, Reliability};
use crate::taxonomy::EventType;

/// Where an incident stands in verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    Reported,
    Corroborated,
    Verified,
    Disputed,
    Retracted,
}

impl VerificationStatus {
    pub const ALL: [VerificationStatus; 5] = [
        VerificationStatus::Reported,
        VerificationStatus::Corroborated,
        VerificationStatus::Verified,
        VerificationStatus::Disputed,
        VerificationStatus::Retracted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            VerificationStatus::Reported => "reported",
            VerificationStatus::Corroborated => "corroborated",
            VerificationStatus::Verified => "verified",
            VerificationStatus::Disputed => "disputed",
            VerificationStatus::Retracted => "retracted",
        }
    }

    pub fn from_code(code: &str) -> Option<VerificationStatus> {
        VerificationStatus::ALL
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The allowed moves. Verification climbs reported → corroborated → verified one
    /// step at a time; anything can be disputed or retracted; a disputed incident can
    /// be re-examined back to reported or corroborated; a retraction is final (a new
    /// report starts a new incident).
    pub fn can_become(self, to: VerificationStatus) -> bool {
        use VerificationStatus::*;
        match (self, to) {
            (a, b) if a == b => false,
            (Retracted, _) => false,
            (_, Disputed) | (_, Retracted) => true,
            (Reported, Corroborated) | (Corroborated, Verified) => true,
            (Corroborated, Reported) | (Verified, Corroborated) => true,
            (Disputed, Reported) | (Disputed, Corroborated) => true,
            _ => false,
        }
    }
}

/// One status change with who decided, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    pub from: Option<VerificationStatus>,
    pub to: VerificationStatus,
    pub by: String,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// An incident as listed (without its reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncidentSummary {
    pub id: i64,
    pub title: String,
    pub status: VerificationStatus,
    /// 0–1, derived from the reports it rests on; see [`derive_confidence`].
    pub confidence: f64,
    pub event_types: Vec<EventType>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub admin1_code: Option<String>,
    pub admin1_name: Option<String>,
    pub admin2_code: Option<String>,
    pub admin2_name: Option<String>,
    pub place_name: Option<String>,
    pub killed: Option<CountRange>,
    pub report_count: u32,
    pub source_count: u32,
    pub synthetic: bool,
    pub created_at: DateTime<Utc>,
}

/// An incident with the reports it rests on and its verification history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Incident {
    #[serde(flatten)]
    pub summary: IncidentSummary,
    pub reports: Vec<Report>,
    pub history: Vec<StatusChange>,
}

/// One report's contribution to an incident's confidence.
#[derive(Debug, Clone, Copy)]
pub struct Support {
    pub source_id: i64,
    pub reliability: Reliability,
    pub credibility: Credibility,
    pub kind: ReportKind,
}

/// Confidence that an incident happened as described, from its reports.
///
/// Each source counts once, with its best account (several reports from one source
/// are not independent corroboration). Independent sources combine like independent
/// witnesses: 1 − Π(1 − pᵢ), where pᵢ = reliability weight × credibility weight.
/// Retractions and corrections carry no weight of their own.
pub fn derive_confidence(support: &[Support]) -> f64 {
    let mut best: Vec<(i64, f64)> = Vec::new();
    for s in support.iter().filter(|s| s.kind == ReportKind::Original) {
        let p = s.reliability.weight() * s.credibility.weight();
        match best.iter_mut().find(|(id, _)| *id == s.source_id) {
            Some((_, q)) => *q = q.max(p),
            None => best.push((s.source_id, p)),
        }
    }
    let disbelief: f64 = best.iter().map(|(_, p)| 1.0 - p).product();
    let confidence = if best.is_empty() {
        0.0
    } else {
        1.0 - disbelief
    };
    (confidence * 1000.0).round() / 1000.0
}

/// Union of killed ranges across independent accounts: the widest honest range.
pub fn combine_counts(ranges: impl IntoIterator<Item = CountRange>) -> Option<CountRange> {
    ranges.into_iter().reduce(|a, b| CountRange {
        min: a.min.min(b.min),
        max: a.max.max(b.max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use VerificationStatus::*;

    fn s(source_id: i64, r: Reliability, c: u8) -> Support {
        Support {
            source_id,
            reliability: r,
            credibility: Credibility::new(c).unwrap(),
            kind: ReportKind::Original,
        }
    }

    #[test]
    fn transitions_follow_the_verification_ladder() {
        assert!(Reported.can_become(Corroborated));
        assert!(!Reported.can_become(Verified), "must corroborate first");
        assert!(Verified.can_become(Disputed));
        assert!(!Retracted.can_become(Reported));
        assert!(!Reported.can_become(Reported));
    }

    #[test]
    fn independent_sources_raise_confidence_but_repeats_do_not() {
        let one = derive_confidence(&[s(1, Reliability::B, 2)]);
        let same_source_twice =
            derive_confidence(&[s(1, Reliability::B, 2), s(1, Reliability::B, 3)]);
        let two = derive_confidence(&[s(1, Reliability::B, 2), s(2, Reliability::C, 3)]);
        assert_eq!(one, same_source_twice);
        assert!(two > one);
        assert!(two < 1.0);
        assert_eq!(derive_confidence(&[]), 0.0);
    }

    #[test]
    fn a_retraction_adds_no_confidence() {
        let mut r = s(2, Reliability::A, 1);
        r.kind = ReportKind::Retraction;
        assert_eq!(
            derive_confidence(&[s(1, Reliability::C, 3), r]),
            derive_confidence(&[s(1, Reliability::C, 3)])
        );
    }
}
