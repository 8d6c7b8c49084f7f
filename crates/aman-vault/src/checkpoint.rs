//! Signed tree heads ("checkpoints") of the audit log.
//!
//! A tree head states the log's origin, size, root hash and time; the node signs it with
//! Ed25519. Published or handed to a partner, it pins the log's whole history up to that
//! size: any later edit, deletion, insertion or reordering of those entries changes the
//! root. The text form is what `aman audit checkpoint` prints; the signature covers exactly
//! its first five lines.

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::hash::Hash256;
use crate::signing::{sig_hex, KeyId, PublicKey, SignerKey, TrustedKeys};

const HEADER: &str = "aman-tree-head/v1";
const DOMAIN: &[u8] = b"aman-vault/tree-head/v1";

/// An unsigned tree head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeHead {
    /// Names the log, e.g. "aman osh-office"; one line.
    pub origin: String,
    pub tree_size: u64,
    pub root_hash: Hash256,
    /// Signed at millisecond precision.
    pub timestamp: DateTime<Utc>,
}

impl TreeHead {
    fn body(&self) -> String {
        format!(
            "{HEADER}\n{}\n{}\n{}\n{}\n",
            self.origin,
            self.tree_size,
            self.root_hash.to_hex(),
            self.timestamp.timestamp_millis()
        )
    }
}

/// A tree head with the node's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTreeHead {
    #[serde(flatten)]
    pub head: TreeHead,
    pub key_id: KeyId,
    #[serde(with = "sig_hex")]
    pub signature: [u8; 64],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeHeadError {
    #[error("the origin must be one non-empty line without control characters")]
    BadOrigin,
    #[error("the tree head is signed by key {0}, which is not trusted here; obtain the mission's published key")]
    UntrustedKey(KeyId),
    #[error("the tree head signature is invalid: the head was altered or signed by another key")]
    BadSignature,
    #[error("not a tree head: {0}")]
    Malformed(String),
}

/// Signs `head` with the node key.
pub fn sign_tree_head(head: TreeHead, key: &SignerKey) -> Result<SignedTreeHead, TreeHeadError> {
    if head.origin.trim().is_empty() || head.origin.chars().any(char::is_control) {
        return Err(TreeHeadError::BadOrigin);
    }
    let signature = key.sign(DOMAIN, head.body().as_bytes());
    Ok(SignedTreeHead {
        head,
        key_id: key.id().clone(),
        signature,
    })
}

impl SignedTreeHead {
    /// Checks the signature against the trusted keys.
    pub fn verify(&self, trusted: &TrustedKeys) -> Result<(), TreeHeadError> {
        let key = trusted
            .get(&self.key_id)
            .ok_or_else(|| TreeHeadError::UntrustedKey(self.key_id.clone()))?;
        self.verify_with(key)
    }

    pub fn verify_with(&self, key: &PublicKey) -> Result<(), TreeHeadError> {
        if key.verify(DOMAIN, self.head.body().as_bytes(), &self.signature) {
            Ok(())
        } else {
            Err(TreeHeadError::BadSignature)
        }
    }

    /// The publishable text: the signed body and a signature line.
    pub fn to_text(&self) -> String {
        format!(
            "{}— {} {}\n",
            self.head.body(),
            self.key_id,
            base64::engine::general_purpose::STANDARD.encode(self.signature)
        )
    }

    /// Parses the text form written by [`SignedTreeHead::to_text`].
    pub fn from_text(text: &str) -> Result<Self, TreeHeadError> {
        let bad = |what: &str| TreeHeadError::Malformed(what.to_owned());
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() != 6 || lines[0] != HEADER {
            return Err(bad("expected six lines starting with aman-tree-head/v1"));
        }
        let tree_size = lines[2].parse().map_err(|_| bad("size is not a number"))?;
        let root_hash = Hash256::from_hex(lines[3]).map_err(|_| bad("root is not a hash"))?;
        let millis: i64 = lines[4]
            .parse()
            .map_err(|_| bad("timestamp is not a number"))?;
        let timestamp = Utc
            .timestamp_millis_opt(millis)
            .single()
            .ok_or_else(|| bad("timestamp out of range"))?;
        let sig_line = lines[5]
            .strip_prefix("— ")
            .ok_or_else(|| bad("missing signature line"))?;
        let (key_id, sig_b64) = sig_line
            .split_once(' ')
            .ok_or_else(|| bad("signature line needs a key id and a signature"))?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig_b64)
            .map_err(|_| bad("signature is not base64"))?;
        let signature: [u8; 64] = sig
            .try_into()
            .map_err(|_| bad("signature is not 64 bytes"))?;
        Ok(Self {
            head: TreeHead {
                origin: lines[1].to_owned(),
                tree_size,
                root_hash,
                timestamp,
            },
            key_id: KeyId(key_id.to_owned()),
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn signed() -> (SignedTreeHead, SignerKey) {
        let key = SignerKey::generate(&mut ChaCha20Rng::seed_from_u64(1));
        let head = TreeHead {
            origin: "aman osh-office".into(),
            tree_size: 1234,
            root_hash: Hash256::of(b"root"),
            timestamp: Utc.timestamp_millis_opt(1_276_171_200_123).unwrap(),
        };
        (sign_tree_head(head, &key).unwrap(), key)
    }

    #[test]
    fn text_and_json_round_trip_and_verify() {
        let (sth, key) = signed();
        let trusted: TrustedKeys = [key.public()].into_iter().collect();
        let text = sth.to_text();
        let back = SignedTreeHead::from_text(&text).unwrap();
        assert_eq!(back, sth);
        back.verify(&trusted).unwrap();
        let json = serde_json::to_string(&sth).unwrap();
        serde_json::from_str::<SignedTreeHead>(&json)
            .unwrap()
            .verify(&trusted)
            .unwrap();
    }

    #[test]
    fn altered_or_untrusted_heads_are_refused() {
        let (sth, key) = signed();
        let trusted: TrustedKeys = [key.public()].into_iter().collect();
        let mut bigger = sth.clone();
        bigger.head.tree_size += 1;
        assert_eq!(bigger.verify(&trusted), Err(TreeHeadError::BadSignature));
        let text = sth.to_text().replace("osh-office", "osh-offics");
        assert_eq!(
            SignedTreeHead::from_text(&text).unwrap().verify(&trusted),
            Err(TreeHeadError::BadSignature)
        );
        assert!(matches!(
            sth.verify(&TrustedKeys::new()),
            Err(TreeHeadError::UntrustedKey(_))
        ));
        let bad_origin = TreeHead {
            origin: "a\nb".into(),
            ..sth.head.clone()
        };
        assert_eq!(
            sign_tree_head(bad_origin, &key),
            Err(TreeHeadError::BadOrigin)
        );
        assert!(SignedTreeHead::from_text("hello").is_err());
    }
}
