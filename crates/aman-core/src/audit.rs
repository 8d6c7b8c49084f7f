//! The audit log's records: every write is recorded with who, what, when and why.
//!
//! This module fixes what an entry *is* and its canonical bytes ([`canonical_bytes`]),
//! which are the entry's leaf in the RFC 9162 Merkle log. How entries are chained and
//! verified (`entry_hash = SHA-256(prev_hash || canonical)`, Merkle roots, signed tree
//! heads, locating tampering) has one implementation, in `aman_vault::audit`; the store
//! seals entries with it and verification goes through it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// What is about to be recorded. `details` is JSON text, fixed at creation, so the
/// hash never depends on how a database re-serialises JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// Username (or `system`) that made the change.
    pub actor: String,
    /// Verb, e.g. `report.create`, `incident.status`.
    pub action: String,
    /// What kind of thing changed, e.g. `report`.
    pub entity: String,
    pub entity_id: String,
    pub reason: Option<String>,
    /// Small JSON object with what changed. Never identity data.
    pub details: String,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub record: AuditRecord,
    /// Hex SHA-256 of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of this entry's canonical bytes.
    pub entry_hash: String,
}

/// Timestamps enter the hash at microsecond precision, which both databases keep exactly.
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `at` cut to the microsecond precision that is hashed and stored.
pub fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&canonical_time(at))
        .expect("own format parses")
        .with_timezone(&Utc)
}

/// The exact bytes of an entry: the Merkle leaf, and (after the previous entry's hash)
/// the input of the chain hash.
pub fn canonical_bytes(seq: i64, record: &AuditRecord) -> Vec<u8> {
    // A JSON array of strings is unambiguous: every field is length-delimited by quoting.
    // Serialised from a tuple of references (a JSON array too), not through a
    // `serde_json::Value`, because verifying a million entries rebuilds these bytes for
    // each and copying every field first was most of that cost.
    serde_json::to_vec(&(
        "aman-audit-v2",
        seq.to_string(),
        canonical_time(record.at),
        &record.actor,
        &record.action,
        &record.entity,
        &record.entity_id,
        &record.reason,
        &record.details,
    ))
    .expect("serialising strings cannot fail")
}

/// Where and how the log is broken: the first tampered entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("audit log broken at entry {seq}: {problem}")]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record() -> AuditRecord {
        AuditRecord {
            at: Utc.with_ymd_and_hms(2010, 6, 12, 0, 0, 0).unwrap(),
            actor: "monitor1".into(),
            action: "report.create".into(),
            entity: "report".into(),
            entity_id: "7".into(),
            reason: None,
            details: "{}".into(),
        }
    }

    #[test]
    fn every_field_changes_the_canonical_bytes() {
        let base = canonical_bytes(1, &record());
        assert_ne!(canonical_bytes(2, &record()), base);
        let mut r = record();
        r.actor = "someone_else".into();
        assert_ne!(canonical_bytes(1, &r), base);
        let mut r = record();
        r.reason = Some("".into());
        assert_ne!(
            canonical_bytes(1, &r),
            base,
            "no reason differs from an empty one"
        );
        let mut r = record();
        r.details = "{\"a\":1}".into();
        assert_ne!(canonical_bytes(1, &r), base);
    }

    #[test]
    fn canonical_bytes_are_the_json_array_of_the_fields() {
        let mut r = record();
        r.actor = "q\"uote \\ \u{1} Ош".into();
        r.details = "{\"k\":[1,\"x\"]}".into();
        for reason in [None, Some("why \n".to_string())] {
            r.reason = reason;
            let expected = serde_json::to_vec(&serde_json::json!([
                "aman-audit-v2",
                "42",
                canonical_time(r.at),
                r.actor,
                r.action,
                r.entity,
                r.entity_id,
                r.reason,
                r.details,
            ]))
            .unwrap();
            assert_eq!(canonical_bytes(42, &r), expected);
        }
    }

    #[test]
    fn time_is_hashed_at_microsecond_precision() {
        let mut r = record();
        r.at += chrono::Duration::nanoseconds(1500);
        let cut = truncate_to_micros(r.at);
        assert_eq!(cut.timestamp_subsec_nanos(), 1000);
    }
}
