//! Event types: the protection acts a mission documents, mapped to ACLED's
//! event/sub-event types for import and export.

use serde::{Deserialize, Serialize};

/// What happened. Protection acts (HURIDOCS-style "what was done") plus the
/// collective-violence types ACLED records; a report may carry several.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Killing,
    SexualViolence,
    BeatingTorture,
    Arson,
    Looting,
    Abduction,
    ArbitraryDetention,
    AttackOnAid,
    AccessDenial,
    Threat,
    ForcedDisplacement,
    Riot,
    ArmedClash,
    Protest,
}

impl EventType {
    pub const ALL: [EventType; 14] = [
        EventType::Killing,
        EventType::SexualViolence,
        EventType::BeatingTorture,
        EventType::Arson,
        EventType::Looting,
        EventType::Abduction,
        EventType::ArbitraryDetention,
        EventType::AttackOnAid,
        EventType::AccessDenial,
        EventType::Threat,
        EventType::ForcedDisplacement,
        EventType::Riot,
        EventType::ArmedClash,
        EventType::Protest,
    ];

    /// Stable snake_case code used in files, URLs and the database.
    pub fn code(self) -> &'static str {
        match self {
            EventType::Killing => "killing",
            EventType::SexualViolence => "sexual_violence",
            EventType::BeatingTorture => "beating_torture",
            EventType::Arson => "arson",
            EventType::Looting => "looting",
            EventType::Abduction => "abduction",
            EventType::ArbitraryDetention => "arbitrary_detention",
            EventType::AttackOnAid => "attack_on_aid",
            EventType::AccessDenial => "access_denial",
            EventType::Threat => "threat",
            EventType::ForcedDisplacement => "forced_displacement",
            EventType::Riot => "riot",
            EventType::ArmedClash => "armed_clash",
            EventType::Protest => "protest",
        }
    }

    pub fn from_code(code: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Human-readable English label.
    pub fn label(self) -> &'static str {
        match self {
            EventType::Killing => "Killing",
            EventType::SexualViolence => "Sexual violence",
            EventType::BeatingTorture => "Beating / torture",
            EventType::Arson => "Arson",
            EventType::Looting => "Looting",
            EventType::Abduction => "Abduction",
            EventType::ArbitraryDetention => "Arbitrary detention",
            EventType::AttackOnAid => "Attack on aid",
            EventType::AccessDenial => "Access denial",
            EventType::Threat => "Threat",
            EventType::ForcedDisplacement => "Forced displacement",
            EventType::Riot => "Riot",
            EventType::ArmedClash => "Armed clash",
            EventType::Protest => "Protest",
        }
    }

    /// Bit used in the stored event-type mask (one bit per type; order is stable).
    pub fn bit(self) -> i64 {
        1 << (self as u32)
    }

    pub fn mask(types: &[EventType]) -> i64 {
        types.iter().fold(0, |m, t| m | t.bit())
    }

    pub fn from_mask(mask: i64) -> Vec<EventType> {
        EventType::ALL
            .into_iter()
            .filter(|t| mask & t.bit() != 0)
            .collect()
    }

    /// ACLED `(event_type, sub_event_type)` this act is coded as.
    pub fn acled(self) -> (&'static str, &'static str) {
        match self {
            EventType::Killing => ("Violence against civilians", "Attack"),
            EventType::SexualViolence => ("Violence against civilians", "Sexual violence"),
            EventType::BeatingTorture => ("Violence against civilians", "Attack"),
            EventType::Arson => ("Riots", "Mob violence"),
            EventType::Looting => ("Strategic developments", "Looting/property destruction"),
            EventType::Abduction => (
                "Violence against civilians",
                "Abduction/forced disappearance",
            ),
            EventType::ArbitraryDetention => ("Strategic developments", "Arrests"),
            EventType::AttackOnAid => ("Violence against civilians", "Attack"),
            EventType::AccessDenial => ("Strategic developments", "Other"),
            EventType::Threat => ("Strategic developments", "Other"),
            EventType::ForcedDisplacement => ("Strategic developments", "Other"),
            EventType::Riot => ("Riots", "Mob violence"),
            EventType::ArmedClash => ("Battles", "Armed clash"),
            EventType::Protest => ("Protests", "Peaceful protest"),
        }
    }

    /// Best reading of an ACLED sub-event type on import.
    pub fn from_acled(event_type: &str, sub_event_type: &str) -> Option<EventType> {
        let sub = sub_event_type.trim().to_ascii_lowercase();
        let ev = event_type.trim().to_ascii_lowercase();
        Some(match sub.as_str() {
            "sexual violence" => EventType::SexualViolence,
            "abduction/forced disappearance" => EventType::Abduction,
            "attack" => EventType::Killing,
            "mob violence" | "violent demonstration" => EventType::Riot,
            "looting/property destruction" => EventType::Looting,
            "arrests" => EventType::ArbitraryDetention,
            "armed clash" => EventType::ArmedClash,
            "peaceful protest" | "protest with intervention" => EventType::Protest,
            _ => match ev.as_str() {
                "violence against civilians" => EventType::Killing,
                "riots" => EventType::Riot,
                "battles" => EventType::ArmedClash,
                "protests" => EventType::Protest,
                _ => return None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_bits_are_distinct() {
        let mut seen = 0i64;
        for t in EventType::ALL {
            assert_eq!(EventType::from_code(t.code()), Some(t));
            assert_eq!(seen & t.bit(), 0, "{t:?} shares a bit");
            seen |= t.bit();
        }
        let types = [EventType::Arson, EventType::Killing];
        let mut back = EventType::from_mask(EventType::mask(&types));
        back.sort();
        assert_eq!(back, vec![EventType::Killing, EventType::Arson]);
    }

    #[test]
    fn specific_acled_sub_types_read_back_and_vague_ones_are_not_guessed() {
        for t in EventType::ALL {
            let (ev, sub) = t.acled();
            assert_eq!(
                EventType::from_acled(ev, sub).is_some(),
                sub != "Other",
                "{t:?}"
            );
        }
    }
}
