//! The scenario's sources: who reports, how reliable they are, which languages they
//! write in and which way they lean.
//!
//! Every organisation name is invented and says "(synthetic)"; none stands for a
//! real body. A source's *role* decides its behaviour in `reports`: what it covers,
//! how precisely it knows times and places, how late it reports, and its bias.

use aman_core::{Reliability, SourceInput, SourceKind};

use crate::places::Lang;

/// What part a source plays in the scenario; one per source, in `sources()` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceRole {
    /// Mission patrol based in Osh (reliability A).
    PatrolOsh,
    /// Mission patrol covering Jalal-Abad oblast (B).
    PatrolJalalAbad,
    /// International monitors of an OSCE-like organisation (B).
    Monitors,
    /// Uzbek-community NGO: covers Uzbek victims well, inflates their counts (C).
    UzbekNgo,
    /// Kyrgyz-community NGO: partisan, recodes attacks on Uzbeks as clashes (C).
    KyrgyzNgo,
    /// Human-rights NGO documenting carefully and late, strong on detentions (B).
    RightsNgo,
    /// Regional hospital and forensic morgue: bodies and wounded, exact counts (A).
    HospitalMorgue,
    /// Russian-language news agency (C).
    RussianMedia,
    /// Kyrgyz-language media (D).
    KyrgyzMedia,
    /// Public hotline: vague, fast, many rumours (E).
    Hotline,
    /// Host-authority press service: under-reports Uzbek deaths, omits its own forces (D).
    HostAuthority,
    /// Satellite imagery analysis: damaged structures only (A).
    Satellite,
}

pub(crate) struct Profile {
    pub role: SourceRole,
    pub name: &'static str,
    pub organisation: &'static str,
    pub kind: SourceKind,
    pub reliability: Reliability,
    /// Languages the source writes in (narratives and place names), most used first.
    pub langs: &'static [Lang],
    /// Usual credibility grade of its accounts (1 best, 6 cannot be judged).
    pub credibility: u8,
    /// Prefix of its own message references.
    pub ref_prefix: &'static str,
}

pub(crate) const PROFILES: [Profile; 12] = [
    Profile {
        role: SourceRole::PatrolOsh,
        name: "Mission patrol Osh-1",
        organisation: "Aman demo mission, Osh field office (synthetic)",
        kind: SourceKind::MissionPatrol,
        reliability: Reliability::A,
        langs: &[Lang::En],
        credibility: 2,
        ref_prefix: "PTL-OSH",
    },
    Profile {
        role: SourceRole::PatrolJalalAbad,
        name: "Mission patrol Jalal-Abad-2",
        organisation: "Aman demo mission, Jalal-Abad sub-office (synthetic)",
        kind: SourceKind::MissionPatrol,
        reliability: Reliability::B,
        langs: &[Lang::En, Lang::Ru],
        credibility: 2,
        ref_prefix: "PTL-JA",
    },
    Profile {
        role: SourceRole::Monitors,
        name: "International monitors, southern team",
        organisation: "International Monitoring Group (synthetic)",
        kind: SourceKind::Other,
        reliability: Reliability::B,
        langs: &[Lang::En, Lang::Ru],
        credibility: 2,
        ref_prefix: "IMG",
    },
    Profile {
        role: SourceRole::UzbekNgo,
        name: "Mahalla Voice",
        organisation: "Uzbek-community civic network (synthetic)",
        kind: SourceKind::Ngo,
        reliability: Reliability::C,
        langs: &[Lang::Ru, Lang::UzLatin, Lang::UzCyrillic],
        credibility: 3,
        ref_prefix: "MV",
    },
    Profile {
        role: SourceRole::KyrgyzNgo,
        name: "El Korgoo",
        organisation: "Kyrgyz-community defence union (synthetic)",
        kind: SourceKind::Ngo,
        reliability: Reliability::C,
        langs: &[Lang::Ky, Lang::Ru],
        credibility: 4,
        ref_prefix: "EK",
    },
    Profile {
        role: SourceRole::RightsNgo,
        name: "Southern Rights Documentation Centre",
        organisation: "Human-rights documentation NGO (synthetic)",
        kind: SourceKind::Ngo,
        reliability: Reliability::B,
        langs: &[Lang::Ru, Lang::En],
        credibility: 2,
        ref_prefix: "SRDC",
    },
    Profile {
        role: SourceRole::HospitalMorgue,
        name: "Oblast hospital and forensic morgue",
        organisation: "Regional health department (synthetic)",
        kind: SourceKind::Hospital,
        reliability: Reliability::A,
        langs: &[Lang::Ru],
        credibility: 1,
        ref_prefix: "MED",
    },
    Profile {
        role: SourceRole::RussianMedia,
        name: "Fergana Valley Wire",
        organisation: "Russian-language news agency (synthetic)",
        kind: SourceKind::Media,
        reliability: Reliability::C,
        langs: &[Lang::Ru],
        credibility: 3,
        ref_prefix: "FVW",
    },
    Profile {
        role: SourceRole::KyrgyzMedia,
        name: "Too Jangyrygy",
        organisation: "Kyrgyz-language weekly (synthetic)",
        kind: SourceKind::Media,
        reliability: Reliability::D,
        langs: &[Lang::Ky],
        credibility: 4,
        ref_prefix: "TJ",
    },
    Profile {
        role: SourceRole::Hotline,
        name: "Public hotline",
        organisation: "Aman demo mission hotline (synthetic)",
        kind: SourceKind::Hotline,
        reliability: Reliability::E,
        langs: &[Lang::Ru, Lang::Ky, Lang::UzLatin, Lang::Adhoc],
        credibility: 5,
        ref_prefix: "HL",
    },
    Profile {
        role: SourceRole::HostAuthority,
        name: "Interior ministry press service",
        organisation: "Host authority (synthetic)",
        kind: SourceKind::HostAuthority,
        reliability: Reliability::D,
        langs: &[Lang::Ru],
        credibility: 4,
        ref_prefix: "MVD",
    },
    Profile {
        role: SourceRole::Satellite,
        name: "Satellite damage assessment",
        organisation: "Remote-sensing analysis unit (synthetic)",
        kind: SourceKind::SatelliteImagery,
        reliability: Reliability::A,
        langs: &[Lang::En],
        credibility: 1,
        ref_prefix: "SAT",
    },
];

/// The scenario's sources, all marked synthetic. A report's `source_id` is its
/// source's index here plus one (the id it gets when loaded into an empty store).
pub fn sources() -> Vec<SourceInput> {
    PROFILES
        .iter()
        .map(|p| SourceInput {
            name: p.name.into(),
            organisation: p.organisation.into(),
            kind: p.kind,
            reliability: p.reliability,
            synthetic: true,
        })
        .collect()
}

/// The role of each source, in `sources()` order.
pub fn source_roles() -> Vec<SourceRole> {
    PROFILES.iter().map(|p| p.role).collect()
}

impl SourceRole {
    /// Index of this role's source in `sources()` (the table follows the enum order).
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_follows_the_role_order_and_validates() {
        for (i, p) in PROFILES.iter().enumerate() {
            assert_eq!(p.role.index(), i);
        }
        for s in sources() {
            assert!(s.synthetic);
            assert!(s.organisation.contains("(synthetic)"));
            s.validate().unwrap();
        }
    }
}
