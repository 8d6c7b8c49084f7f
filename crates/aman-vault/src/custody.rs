//! Chain of custody for evidence: signed, hash-linked events.
//!
//! Every event (collected, received, accessed, copied, exported, transferred) is signed with
//! Ed25519 by the acting user's or node's key over its canonical bytes, and commits to the
//! hash of the previous event of the same item. A verifier holding only the events and the
//! trusted public keys can tell whether the history is complete, in order, unaltered and
//! signed by known keys, and names the first event that is not.
//!
//! Canonical bytes: the event serialised as compact JSON with the fields in the declared
//! order of [`CustodyEvent`] (a struct, so the order does not depend on map features).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::hash::Hash256;
use crate::signing::{sig_hex, KeyId, SignerKey, TrustedKeys};

const DOMAIN: &[u8] = b"aman-vault/custody-event/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustodyAction {
    Collected,
    Received,
    Accessed,
    Copied,
    Exported,
    Transferred,
}

/// What the acting person supplies; sequence, link and signer are filled in when signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustodyDraft {
    pub action: CustodyAction,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub place: Option<String>,
    pub device: Option<String>,
    /// The other party of a transfer, copy or export.
    pub counterpart: Option<String>,
    pub note: Option<String>,
}

/// One custody event as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyEvent {
    pub evidence: Hash256,
    pub seq: u64,
    pub prev: Option<Hash256>,
    pub action: CustodyAction,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub place: Option<String>,
    pub device: Option<String>,
    pub counterpart: Option<String>,
    pub note: Option<String>,
    pub signer: KeyId,
}

impl CustodyEvent {
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a custody event always serialises")
    }

    /// The hash the next event commits to.
    pub fn hash(&self) -> Hash256 {
        Hash256::of(&self.canonical_bytes())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCustodyEvent {
    pub event: CustodyEvent,
    #[serde(with = "sig_hex")]
    pub signature: [u8; 64],
}

/// Signs the next event in the history of `evidence`, linking it to `prev` (the last event
/// so far, or `None` for the first).
pub fn sign_custody_event(
    evidence: Hash256,
    prev: Option<&SignedCustodyEvent>,
    draft: CustodyDraft,
    key: &SignerKey,
) -> SignedCustodyEvent {
    let event = CustodyEvent {
        evidence,
        seq: prev.map_or(0, |p| p.event.seq + 1),
        prev: prev.map(|p| p.event.hash()),
        action: draft.action,
        actor: draft.actor,
        at: draft.at,
        place: draft.place,
        device: draft.device,
        counterpart: draft.counterpart,
        note: draft.note,
        signer: key.id().clone(),
    };
    let signature = key.sign(DOMAIN, &event.canonical_bytes());
    SignedCustodyEvent { event, signature }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustodyProblem {
    #[error("the history is empty; every item starts with a collected or received event")]
    Empty,
    #[error("the event is about item {0}, not this one")]
    WrongEvidence(Hash256),
    #[error("sequence number {found} where {expected} was expected (an event was removed, added or moved)")]
    BadSequence { expected: u64, found: u64 },
    #[error("the event does not commit to the previous event's hash (an earlier event was altered, removed or moved)")]
    BrokenLink,
    #[error("the first event must be `collected` or `received`")]
    FirstNotIntake,
    #[error("signed by key {0}, which the verifier does not trust")]
    UnknownSigner(KeyId),
    #[error("the signature does not match the event: the event was altered after signing")]
    BadSignature,
    #[error("the event is dated before the previous one")]
    TimeWentBackwards,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("custody event {index}: {problem}")]
pub struct CustodyFault {
    pub index: usize,
    pub problem: CustodyProblem,
}

/// Checks a whole custody history of `evidence`; reports the first faulty event.
pub fn verify_custody_chain(
    evidence: Hash256,
    events: &[SignedCustodyEvent],
    trusted: &TrustedKeys,
) -> Result<(), CustodyFault> {
    let fault = |index, problem| Err(CustodyFault { index, problem });
    if events.is_empty() {
        return fault(0, CustodyProblem::Empty);
    }
    let mut prev: Option<&CustodyEvent> = None;
    for (index, signed) in events.iter().enumerate() {
        let event = &signed.event;
        if event.evidence != evidence {
            return fault(index, CustodyProblem::WrongEvidence(event.evidence));
        }
        let Some(key) = trusted.get(&event.signer) else {
            return fault(index, CustodyProblem::UnknownSigner(event.signer.clone()));
        };
        if !key.verify(DOMAIN, &event.canonical_bytes(), &signed.signature) {
            return fault(index, CustodyProblem::BadSignature);
        }
        if event.seq != index as u64 {
            return fault(
                index,
                CustodyProblem::BadSequence {
                    expected: index as u64,
                    found: event.seq,
                },
            );
        }
        if event.prev != prev.map(CustodyEvent::hash) {
            return fault(index, CustodyProblem::BrokenLink);
        }
        match prev {
            None if !matches!(
                event.action,
                CustodyAction::Collected | CustodyAction::Received
            ) =>
            {
                return fault(index, CustodyProblem::FirstNotIntake)
            }
            Some(p) if event.at < p.at => return fault(index, CustodyProblem::TimeWentBackwards),
            _ => {}
        }
        prev = Some(event);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn draft(action: CustodyAction, actor: &str, minute: u32) -> CustodyDraft {
        CustodyDraft {
            action,
            actor: actor.into(),
            at: Utc.with_ymd_and_hms(2010, 6, 14, 9, minute, 0).unwrap(),
            place: Some("Osh, Cheremushki".into()),
            device: None,
            counterpart: None,
            note: None,
        }
    }

    fn history() -> (Hash256, Vec<SignedCustodyEvent>, TrustedKeys) {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let monitor = SignerKey::generate(&mut rng);
        let node = SignerKey::generate(&mut rng);
        let item = Hash256::of(b"photo of burnt house");
        let e0 = sign_custody_event(
            item,
            None,
            draft(CustodyAction::Collected, "monitor-3", 0),
            &monitor,
        );
        let e1 = sign_custody_event(
            item,
            Some(&e0),
            draft(CustodyAction::Received, "node-osh", 5),
            &node,
        );
        let e2 = sign_custody_event(
            item,
            Some(&e1),
            draft(CustodyAction::Accessed, "hro-1", 9),
            &node,
        );
        let e3 = sign_custody_event(
            item,
            Some(&e2),
            draft(CustodyAction::Exported, "node-osh", 12),
            &node,
        );
        let trusted = [monitor.public(), node.public()].into_iter().collect();
        (item, vec![e0, e1, e2, e3], trusted)
    }

    #[test]
    fn intact_history_verifies_and_survives_json() {
        let (item, events, trusted) = history();
        verify_custody_chain(item, &events, &trusted).unwrap();
        let json = serde_json::to_string(&events).unwrap();
        let back: Vec<SignedCustodyEvent> = serde_json::from_str(&json).unwrap();
        verify_custody_chain(item, &back, &trusted).unwrap();
    }

    #[test]
    fn each_kind_of_tampering_is_located() {
        let (item, events, trusted) = history();
        let check =
            |evs: &[SignedCustodyEvent]| verify_custody_chain(item, evs, &trusted).unwrap_err();

        let mut edited = events.clone();
        edited[2].event.actor = "someone-else".into();
        assert_eq!(
            check(&edited),
            CustodyFault {
                index: 2,
                problem: CustodyProblem::BadSignature
            }
        );

        let mut removed = events.clone();
        removed.remove(1);
        assert_eq!(check(&removed).index, 1);
        assert!(matches!(
            check(&removed).problem,
            CustodyProblem::BadSequence {
                expected: 1,
                found: 2
            }
        ));

        let mut swapped = events.clone();
        swapped.swap(1, 2);
        assert_eq!(check(&swapped).index, 1);

        let truncated_front = &events[1..];
        assert!(matches!(
            check(truncated_front).problem,
            CustodyProblem::BadSequence { .. }
        ));

        assert_eq!(
            verify_custody_chain(item, &events, &TrustedKeys::new())
                .unwrap_err()
                .problem,
            CustodyProblem::UnknownSigner(events[0].event.signer.clone())
        );
        assert_eq!(
            verify_custody_chain(Hash256::of(b"other"), &events, &trusted)
                .unwrap_err()
                .problem,
            CustodyProblem::WrongEvidence(item)
        );
        assert_eq!(check(&[]).problem, CustodyProblem::Empty);
    }

    #[test]
    fn a_re_signed_edit_still_breaks_the_link() {
        let (item, events, trusted) = history();
        // Re-signing an edited event with a trusted key fixes its own signature but the next
        // event still commits to the original.
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let monitor = SignerKey::generate(&mut rng);
        let mut d = draft(CustodyAction::Collected, "monitor-3", 0);
        d.place = Some("Jalal-Abad".into());
        let forged = sign_custody_event(item, None, d, &monitor);
        let mut tampered = events.clone();
        tampered[0] = forged;
        assert_eq!(
            verify_custody_chain(item, &tampered, &trusted).unwrap_err(),
            CustodyFault {
                index: 1,
                problem: CustodyProblem::BrokenLink
            }
        );
    }
}
