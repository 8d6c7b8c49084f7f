//! Rows of the identity vault, grants, consent, evidence custody and audit checkpoints,
//! as the store keeps them. Sealed values are opaque bytes here: the store never sees a
//! key and never holds identity data in plaintext.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a key-encryption key is obtained. The key itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KekRecord {
    pub kek_id: String,
    /// `passphrase` or `key_file`.
    pub source: String,
    /// `aman_vault::keys::PassphraseKdf` as JSON (salt, Argon2id parameters, check value).
    pub kdf_json: Option<String>,
    pub is_current: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// Key material sealed under the KEK: the blind-index key or a signing key.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedKey {
    /// `blind_index` or `signing:<owner>`.
    pub name: String,
    /// `blind_index` or `signing`.
    pub kind: String,
    pub owner: Option<String>,
    pub key_id: Option<String>,
    pub public_hex: Option<String>,
    pub sealed: Vec<u8>,
    pub kek_id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for SealedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedKey")
            .field("name", &self.name)
            .field("key_id", &self.key_id)
            .field("kek_id", &self.kek_id)
            .finish_non_exhaustive()
    }
}

/// One person's sealed identity record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedIdentity {
    pub person_id: String,
    pub incident_id: Option<i64>,
    pub envelope: Vec<u8>,
    pub kek_id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A new person, stored together with their sealed identity record and its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdentity {
    pub role: aman_core::PersonRole,
    /// `person_id` is the new person's pseudonymous id.
    pub sealed: SealedIdentity,
    pub tokens: Vec<BlindToken>,
}

/// A keyed blind-index token for exact-match lookup.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlindToken {
    pub scope: String,
    pub token: String,
}

/// What a grant opens: one person, or every person of one case (incident).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum GrantTarget {
    Person(String),
    Incident(i64),
}

/// A need-to-know grant as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantRecord {
    pub id: i64,
    pub username: String,
    pub target: GrantTarget,
    pub purpose: String,
    pub expires_at: DateTime<Utc>,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

/// Recorded consent of one witness (JSON list of `aman_vault::access::Consent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub person_id: String,
    pub consent_json: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Metadata of an evidence file; the file itself is encrypted under the data folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceItem {
    /// SHA-256 of the file as received (hex): its content address.
    pub sha256: String,
    pub incident_id: Option<i64>,
    pub media_type: String,
    pub size: u64,
    pub collected_by: String,
    pub collected_at: DateTime<Utc>,
    pub place: Option<String>,
    pub device: Option<String>,
    pub kek_id: String,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

/// One signed custody event of an evidence item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustodyRecord {
    pub sha256: String,
    pub seq: u64,
    pub action: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    /// `aman_vault::custody::SignedCustodyEvent` as JSON.
    pub event_json: String,
}

/// A signed tree head of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRecord {
    pub tree_size: u64,
    pub root_hash: String,
    pub key_id: String,
    /// `aman_vault::checkpoint::SignedTreeHead` as JSON.
    pub head_json: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Tables whose rows hold envelopes wrapped by a KEK (rewrapped on rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedTable {
    Identities,
    Keys,
}

/// A sealed value awaiting rewrap: its row key and envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRow {
    pub key: String,
    pub envelope: Vec<u8>,
}

/// A sealed identity record's metadata (no envelope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityMeta {
    pub person_id: String,
    pub incident_id: Option<i64>,
    pub kek_id: String,
}
