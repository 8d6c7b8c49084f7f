//! Need-to-know grants and witness consent, as pure decisions.
//!
//! Reading a person's identity fields needs an explicit, unexpired, unrevoked grant naming
//! the reading user and either the person or a case the person belongs to. There is no role
//! bypass: an administrator is refused like anyone else until someone grants them access.
//! Sharing identity fields outside the mission additionally needs the witness's consent for
//! that recipient. The store keeps grants and consent and records every decision in the
//! audit log; these functions only decide.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a grant covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum GrantScope {
    Person(String),
    Case(String),
}

/// An explicit need-to-know grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub user: String,
    pub scope: GrantScope,
    pub purpose: String,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A grant that should not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("a grant needs a purpose: say why this user needs to see identities")]
    NoPurpose,
    #[error(
        "a user cannot grant access to themselves; another authorised user must give the grant"
    )]
    SelfGrant,
    #[error("a grant must expire after it is given")]
    ExpiresBeforeGranted,
}

impl Grant {
    /// Validates and builds a grant. Self-grants are refused so that no single account,
    /// administrator included, can open identities alone.
    pub fn new(
        id: impl Into<String>,
        user: impl Into<String>,
        scope: GrantScope,
        purpose: impl Into<String>,
        granted_by: impl Into<String>,
        granted_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Self, GrantError> {
        let grant = Self {
            id: id.into(),
            user: user.into(),
            scope,
            purpose: purpose.into(),
            granted_by: granted_by.into(),
            granted_at,
            expires_at,
            revoked_at: None,
        };
        if grant.purpose.trim().is_empty() {
            return Err(GrantError::NoPurpose);
        }
        if grant.user == grant.granted_by {
            return Err(GrantError::SelfGrant);
        }
        if grant.expires_at <= grant.granted_at {
            return Err(GrantError::ExpiresBeforeGranted);
        }
        Ok(grant)
    }

    fn covers(&self, person: &str, case_ids: &[&str]) -> bool {
        match &self.scope {
            GrantScope::Person(p) => p == person,
            GrantScope::Case(c) => case_ids.contains(&c.as_str()),
        }
    }
}

/// Why identity access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenialReason {
    /// No grant names this user for the person or any of their cases.
    Missing,
    /// A matching grant exists but has expired.
    Expired,
    /// A matching grant exists but was revoked.
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("identity access refused ({reason:?}): {}", match reason {
    DenialReason::Missing => "ask an authorised colleague for a need-to-know grant for this person or case",
    DenialReason::Expired => "the grant has expired; ask for a new one",
    DenialReason::Revoked => "the grant was revoked",
})]
pub struct Denied {
    pub reason: DenialReason,
}

/// Decides whether `user` may read the identity of `person`, who appears in `case_ids`, at
/// `now`. Returns the grant that allows it (to cite in the audit entry), or why not. When
/// several grants match and none is valid, a revocation is reported before an expiry.
pub fn authorise<'g>(
    user: &str,
    person: &str,
    case_ids: &[&str],
    now: DateTime<Utc>,
    grants: &'g [Grant],
) -> Result<&'g Grant, Denied> {
    let mut reason = DenialReason::Missing;
    let mut best: Option<&Grant> = None;
    for grant in grants
        .iter()
        .filter(|g| g.user == user && g.granted_at <= now && g.covers(person, case_ids))
    {
        if grant.revoked_at.is_some_and(|at| at <= now) {
            reason = DenialReason::Revoked;
        } else if grant.expires_at <= now {
            if reason == DenialReason::Missing {
                reason = DenialReason::Expired;
            }
        } else if best.is_none_or(|b| grant.expires_at > b.expires_at) {
            best = Some(grant);
        }
    }
    best.ok_or(Denied { reason })
}

/// One thing a witness has agreed to. `Nobody` overrides everything else in the set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Consent {
    Nobody,
    Ohchr,
    Prosecutors,
    NamedPartner(String),
}

/// Who would receive identity fields in an export or bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Recipient {
    Ohchr,
    Prosecutors,
    Partner(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentRefusal {
    #[error("no consent is recorded for this person; identity fields stay out of the export")]
    NoneRecorded,
    #[error("the person asked that their identity be shared with nobody")]
    Nobody,
    #[error("the person has not consented to sharing their identity with {0}")]
    NotThisRecipient(String),
}

fn same_partner(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Decides whether identity fields may go to `recipient` under the recorded `consent`.
/// An empty set means consent was never recorded, which refuses.
pub fn may_receive_identity(
    consent: &BTreeSet<Consent>,
    recipient: &Recipient,
) -> Result<(), ConsentRefusal> {
    if consent.is_empty() {
        return Err(ConsentRefusal::NoneRecorded);
    }
    if consent.contains(&Consent::Nobody) {
        return Err(ConsentRefusal::Nobody);
    }
    let allowed = consent.iter().any(|c| match (c, recipient) {
        (Consent::Ohchr, Recipient::Ohchr) => true,
        (Consent::Prosecutors, Recipient::Prosecutors) => true,
        (Consent::NamedPartner(a), Recipient::Partner(b)) => same_partner(a, b),
        _ => false,
    });
    if allowed {
        Ok(())
    } else {
        Err(ConsentRefusal::NotThisRecipient(match recipient {
            Recipient::Ohchr => "OHCHR".to_owned(),
            Recipient::Prosecutors => "prosecutors".to_owned(),
            Recipient::Partner(name) => name.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2010, 6, day, 12, 0, 0).unwrap()
    }

    fn grant(id: &str, scope: GrantScope, from: u32, to: u32) -> Grant {
        Grant::new(
            id,
            "aigul",
            scope,
            "corroborate incident 17",
            "hro-lead",
            t(from),
            t(to),
        )
        .unwrap()
    }

    #[test]
    fn valid_person_or_case_grant_allows() {
        let grants = vec![
            grant("g1", GrantScope::Person("p1".into()), 10, 20),
            grant("g2", GrantScope::Case("c9".into()), 10, 25),
        ];
        assert_eq!(
            authorise("aigul", "p1", &[], t(15), &grants).unwrap().id,
            "g1"
        );
        assert_eq!(
            authorise("aigul", "p2", &["c9"], t(15), &grants)
                .unwrap()
                .id,
            "g2"
        );
        // Both match: the one that lasts longer is cited.
        assert_eq!(
            authorise("aigul", "p1", &["c9"], t(15), &grants)
                .unwrap()
                .id,
            "g2"
        );
    }

    #[test]
    fn missing_expired_and_revoked_are_told_apart() {
        let mut revoked = grant("g3", GrantScope::Person("p1".into()), 10, 20);
        revoked.revoked_at = Some(t(12));
        let expired = grant("g4", GrantScope::Person("p2".into()), 10, 11);
        let grants = vec![revoked, expired];
        let reason = |user, person, now| {
            authorise(user, person, &[], now, &grants)
                .unwrap_err()
                .reason
        };
        assert_eq!(reason("aigul", "p1", t(13)), DenialReason::Revoked);
        assert_eq!(reason("aigul", "p2", t(13)), DenialReason::Expired);
        assert_eq!(reason("aigul", "p3", t(13)), DenialReason::Missing);
        // Another user's grant is no grant, whatever their role.
        assert_eq!(reason("admin", "p1", t(11)), DenialReason::Missing);
        // Before the revocation the grant worked; at the exact expiry it no longer does.
        assert!(authorise("aigul", "p1", &[], t(11), &grants).is_ok());
        assert_eq!(
            authorise("aigul", "p2", &[], t(11), &grants)
                .unwrap_err()
                .reason,
            DenialReason::Expired
        );
        assert!(authorise("aigul", "p2", &[], t(11) - Duration::seconds(1), &grants).is_ok());
    }

    #[test]
    fn a_grant_does_not_work_before_it_is_given() {
        let grants = vec![grant("g5", GrantScope::Person("p1".into()), 14, 20)];
        assert_eq!(
            authorise("aigul", "p1", &[], t(13), &grants)
                .unwrap_err()
                .reason,
            DenialReason::Missing
        );
    }

    #[test]
    fn bad_grants_are_refused_at_creation() {
        let scope = GrantScope::Person("p".into());
        assert_eq!(
            Grant::new("g", "u", scope.clone(), " ", "v", t(1), t(2)).unwrap_err(),
            GrantError::NoPurpose
        );
        assert_eq!(
            Grant::new("g", "u", scope.clone(), "why", "u", t(1), t(2)).unwrap_err(),
            GrantError::SelfGrant
        );
        assert_eq!(
            Grant::new("g", "u", scope, "why", "v", t(2), t(2)).unwrap_err(),
            GrantError::ExpiresBeforeGranted
        );
    }

    #[test]
    fn consent_decides_per_recipient() {
        let set = |items: &[Consent]| items.iter().cloned().collect::<BTreeSet<_>>();
        let ohchr_and_hrw = set(&[
            Consent::Ohchr,
            Consent::NamedPartner("Human Rights Watch".into()),
        ]);
        assert!(may_receive_identity(&ohchr_and_hrw, &Recipient::Ohchr).is_ok());
        assert!(may_receive_identity(
            &ohchr_and_hrw,
            &Recipient::Partner("human rights watch ".into())
        )
        .is_ok());
        assert_eq!(
            may_receive_identity(&ohchr_and_hrw, &Recipient::Prosecutors),
            Err(ConsentRefusal::NotThisRecipient("prosecutors".into()))
        );
        assert_eq!(
            may_receive_identity(&ohchr_and_hrw, &Recipient::Partner("Amnesty".into())),
            Err(ConsentRefusal::NotThisRecipient("Amnesty".into()))
        );
        assert_eq!(
            may_receive_identity(&set(&[Consent::Nobody, Consent::Ohchr]), &Recipient::Ohchr),
            Err(ConsentRefusal::Nobody)
        );
        assert_eq!(
            may_receive_identity(&set(&[]), &Recipient::Ohchr),
            Err(ConsentRefusal::NoneRecorded)
        );
    }
}
