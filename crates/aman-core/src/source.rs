//! Sources and their grades: who reported, how reliable they have proven (Admiralty
//! A–F), and how credible one particular account is (1–6).

use serde::{Deserialize, Serialize};

use crate::validation::ValidationErrors;

/// What kind of organisation or channel a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    MissionPatrol,
    Ngo,
    Hospital,
    Media,
    Hotline,
    HostAuthority,
    SatelliteImagery,
    UnAgency,
    Other,
}

impl SourceKind {
    pub const ALL: [SourceKind; 9] = [
        SourceKind::MissionPatrol,
        SourceKind::Ngo,
        SourceKind::Hospital,
        SourceKind::Media,
        SourceKind::Hotline,
        SourceKind::HostAuthority,
        SourceKind::SatelliteImagery,
        SourceKind::UnAgency,
        SourceKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SourceKind::MissionPatrol => "mission_patrol",
            SourceKind::Ngo => "ngo",
            SourceKind::Hospital => "hospital",
            SourceKind::Media => "media",
            SourceKind::Hotline => "hotline",
            SourceKind::HostAuthority => "host_authority",
            SourceKind::SatelliteImagery => "satellite_imagery",
            SourceKind::UnAgency => "un_agency",
            SourceKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Admiralty-scale reliability of a source: A (completely reliable) to F (cannot be judged).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub enum Reliability {
    A,
    B,
    C,
    D,
    E,
    F,
}

impl Reliability {
    pub fn parse(s: &str) -> Option<Reliability> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "A" => Reliability::A,
            "B" => Reliability::B,
            "C" => Reliability::C,
            "D" => Reliability::D,
            "E" => Reliability::E,
            "F" => Reliability::F,
            _ => return None,
        })
    }

    pub fn letter(self) -> char {
        match self {
            Reliability::A => 'A',
            Reliability::B => 'B',
            Reliability::C => 'C',
            Reliability::D => 'D',
            Reliability::E => 'E',
            Reliability::F => 'F',
        }
    }

    /// How much a report from this source is trusted on its own, for the derived
    /// incident confidence. F ("cannot be judged") sits with "fairly reliable" rather
    /// than with "unreliable": an unknown source is not a known liar.
    pub fn weight(self) -> f64 {
        match self {
            Reliability::A => 0.95,
            Reliability::B => 0.8,
            Reliability::C => 0.6,
            Reliability::D => 0.35,
            Reliability::E => 0.1,
            Reliability::F => 0.5,
        }
    }
}

/// Credibility of one account, 1 (confirmed by other sources) to 6 (cannot be judged).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "u8", into = "u8")]
pub struct Credibility(u8);

impl Credibility {
    pub fn new(grade: u8) -> Option<Credibility> {
        (1..=6).contains(&grade).then_some(Credibility(grade))
    }

    pub fn grade(self) -> u8 {
        self.0
    }

    /// Trust in one account's content, combined with the source's reliability.
    pub fn weight(self) -> f64 {
        match self.0 {
            1 => 1.0,
            2 => 0.85,
            3 => 0.65,
            4 => 0.4,
            5 => 0.15,
            _ => 0.5,
        }
    }
}

impl TryFrom<u8> for Credibility {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Credibility::new(v).ok_or_else(|| format!("credibility must be 1–6, got {v}"))
    }
}

impl From<Credibility> for u8 {
    fn from(c: Credibility) -> u8 {
        c.0
    }
}

/// A registered source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Source {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub kind: SourceKind,
    pub reliability: Reliability,
    pub synthetic: bool,
}

/// A source as submitted for registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    pub name: String,
    pub organisation: String,
    pub kind: SourceKind,
    pub reliability: Reliability,
    #[serde(default)]
    pub synthetic: bool,
}

impl SourceInput {
    pub fn validate(self) -> Result<SourceInput, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.name.trim().is_empty() {
            errors.push("name", "required", "must not be empty");
        }
        if self.name.chars().count() > 200 {
            errors.push("name", "too_long", "must be at most 200 characters");
        }
        if self.organisation.chars().count() > 200 {
            errors.push("organisation", "too_long", "must be at most 200 characters");
        }
        errors.into_result(self)
    }
}
