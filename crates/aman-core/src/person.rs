//! Persons by pseudonymous id. Names and other identifying details never live here:
//! they belong in the identity vault, behind a need-to-know grant.

use serde::{Deserialize, Serialize};

/// A pseudonymous person id such as `P-7K3Q9X2M`: random, meaningless, safe to show.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct PersonId(String);

/// Crockford base32 without I, L, O, U: unambiguous when read aloud or copied by hand.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl PersonId {
    /// Makes an id from 40 random bits supplied by the caller's RNG.
    pub fn from_random(bits: u64) -> PersonId {
        let mut s = String::from("P-");
        for i in (0..8).rev() {
            s.push(ALPHABET[((bits >> (i * 5)) & 31) as usize] as char);
        }
        PersonId(s)
    }

    pub fn parse(s: &str) -> Option<PersonId> {
        let body = s.strip_prefix("P-")?;
        (body.len() == 8 && body.bytes().all(|b| ALPHABET.contains(&b))).then(|| PersonId(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PersonId::parse(&s).ok_or_else(|| format!("'{s}' is not a person id (P- and 8 characters)"))
    }
}

impl From<PersonId> for String {
    fn from(p: PersonId) -> String {
        p.0
    }
}

/// The part a person plays in an incident (HURIDOCS "who did what to whom").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Victim,
    Witness,
    AllegedPerpetrator,
    Source,
}

impl PersonRole {
    pub fn code(self) -> &'static str {
        match self {
            PersonRole::Victim => "victim",
            PersonRole::Witness => "witness",
            PersonRole::AllegedPerpetrator => "alleged_perpetrator",
            PersonRole::Source => "source",
        }
    }

    pub fn from_code(code: &str) -> Option<PersonRole> {
        Some(match code {
            "victim" => PersonRole::Victim,
            "witness" => PersonRole::Witness,
            "alleged_perpetrator" => PersonRole::AllegedPerpetrator,
            "source" => PersonRole::Source,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_lookalikes() {
        let id = PersonId::from_random(0xFF_FFFF_FFFF);
        assert_eq!(PersonId::parse(id.as_str()), Some(id));
        assert!(PersonId::parse("P-ABCDEFGI").is_none(), "I is excluded");
        assert!(PersonId::parse("X-12345678").is_none());
    }
}
