//! The audit log's hash chain: every write is recorded with who, what, when and why,
//! and each entry commits to the one before it, so an edited, deleted or inserted row
//! breaks the chain at a place `verify_chain` names.
//!
//! The entry hash is over a canonical byte string (`canonical_bytes`), which is also
//! what a Merkle-tree log (RFC 9162 style) takes as its leaf, so signed checkpoints can
//! be layered on without changing the table.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Timestamps enter the hash at microsecond precision, which both databases keep exactly.
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The exact bytes an entry's hash (and a Merkle leaf) is computed over.
pub fn canonical_bytes(seq: i64, record: &AuditRecord, prev_hash: &str) -> Vec<u8> {
    // A JSON array of strings is unambiguous: every field is length-delimited by quoting.
    serde_json::to_vec(&serde_json::json!([
        "aman-audit-v1",
        seq.to_string(),
        canonical_time(record.at),
        record.actor,
        record.action,
        record.entity,
        record.entity_id,
        record.reason,
        record.details,
        prev_hash,
    ]))
    .expect("serialising strings cannot fail")
}

pub fn entry_hash(seq: i64, record: &AuditRecord, prev_hash: &str) -> String {
    hex::encode(Sha256::digest(canonical_bytes(seq, record, prev_hash)))
}

/// Seals a record as the entry following `prev` (or the first entry).
pub fn seal(record: AuditRecord, prev: Option<(i64, &str)>) -> AuditEntry {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_string()),
        None => (1, GENESIS_HASH.to_string()),
    };
    let record = AuditRecord {
        at: truncate_to_micros(record.at),
        ..record
    };
    let entry_hash = entry_hash(seq, &record, &prev_hash);
    AuditEntry {
        seq,
        record,
        prev_hash,
        entry_hash,
    }
}

fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&canonical_time(at))
        .expect("own format parses")
        .with_timezone(&Utc)
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("audit chain broken at entry {seq}: {problem}")]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: String,
}

/// Checks a log entry by entry, in order, without holding it all in memory.
///
/// Catches an edited entry (its hash no longer matches), a deleted one (a gap in
/// `seq`, and the next entry's `prev_hash` points at nothing), an inserted one (a
/// duplicate `seq` or a `prev_hash` that does not match) and reordering. Removing
/// entries from the *end* leaves a valid shorter chain: that needs a signed checkpoint
/// of the log size, kept outside the database.
#[derive(Debug, Clone)]
pub struct ChainChecker {
    next_seq: i64,
    prev_hash: String,
}

impl Default for ChainChecker {
    fn default() -> Self {
        ChainChecker {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainChecker {
    pub fn check(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.next_seq {
            return Err(ChainBreak {
                seq: e.seq,
                problem: format!(
                    "expected entry {} here: an entry was deleted, inserted or moved",
                    self.next_seq
                ),
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak {
                seq: e.seq,
                problem: "does not follow the previous entry (prev_hash mismatch)".into(),
            });
        }
        if entry_hash(e.seq, &e.record, &e.prev_hash) != e.entry_hash {
            return Err(ChainBreak {
                seq: e.seq,
                problem: "contents were changed after it was written (hash mismatch)".into(),
            });
        }
        self.prev_hash.clone_from(&e.entry_hash);
        self.next_seq += 1;
        Ok(())
    }

    /// Entries checked so far.
    pub fn count(&self) -> u64 {
        (self.next_seq - 1) as u64
    }
}

/// Checks a full log in order and returns how many entries it holds, or the first
/// broken entry.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<u64, ChainBreak> {
    let mut checker = ChainChecker::default();
    for e in entries {
        checker.check(e)?;
    }
    Ok(checker.count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let rec = AuditRecord {
                at: Utc.with_ymd_and_hms(2010, 6, 12, 0, 0, 0).unwrap()
                    + chrono::Duration::seconds(i),
                actor: "monitor1".into(),
                action: "report.create".into(),
                entity: "report".into(),
                entity_id: i.to_string(),
                reason: None,
                details: "{}".into(),
            };
            let prev = out.last().map(|e| (e.seq, e.entry_hash.as_str()));
            let sealed = seal(rec, prev);
            out.push(sealed);
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
    }

    #[test]
    fn edits_deletions_insertions_and_reorders_are_located() {
        let mut edited = chain(5);
        edited[2].record.actor = "someone_else".into();
        assert_eq!(verify_chain(&edited).unwrap_err().seq, 3);

        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(verify_chain(&deleted).unwrap_err().seq, 3);

        let mut inserted = chain(5);
        let extra = inserted[1].clone();
        inserted.insert(2, extra);
        assert_eq!(verify_chain(&inserted).unwrap_err().seq, 2);

        let mut reordered = chain(5);
        reordered.swap(1, 2);
        assert_eq!(verify_chain(&reordered).unwrap_err().seq, 3);
    }
}
