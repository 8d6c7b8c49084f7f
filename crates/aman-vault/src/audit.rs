//! Verification of the audit log: hash chain, Merkle tree and signed checkpoints together.
//!
//! Each stored audit entry carries its canonical bytes, `seq`, `prev_hash` and
//! `entry_hash = SHA-256(prev_hash || canonical)` ([`chain_hash`]); the canonical bytes are
//! also the Merkle leaves of the RFC 9162 tree whose heads the node signs. The chain lets
//! the verifier name the exact entry that a careless edit, deletion, insertion or
//! reordering touched. A careful attacker can recompute the whole chain, but not the signed
//! tree heads: the first checkpoint whose root no longer matches bounds where the history
//! was rewritten (between the last matching checkpoint and it), and a checkpoint larger
//! than the log shows entries deleted from its end.

use std::collections::HashMap;
use std::fmt;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::checkpoint::SignedTreeHead;
use crate::hash::Hash256;
use crate::merkle::{leaf_hash, MerkleTree};
use crate::signing::TrustedKeys;

/// `prev_hash` of the first entry.
pub const GENESIS_PREV: Hash256 = Hash256([0u8; 32]);

/// The chain rule: SHA-256(prev_hash || canonical bytes of the entry).
pub fn chain_hash(prev: &Hash256, canonical: &[u8]) -> Hash256 {
    let mut h = Sha256::new();
    h.update(prev.0);
    h.update(canonical);
    Hash256(h.finalize().into())
}

/// Canonical JSON of an audit entry: object keys sorted by their UTF-8 bytes at every
/// level, no whitespace, strings escaped as serde_json does. Independent of serde_json's
/// `preserve_order` feature, so the bytes (and so the chain and Merkle leaves) do not change
/// when another crate in the build turns that feature on.
pub fn canonical_json(value: &serde_json::Value) -> Vec<u8> {
    fn write(value: &serde_json::Value, out: &mut Vec<u8>) {
        match value {
            serde_json::Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_unstable();
                out.push(b'{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(&serde_json::Value::String(key.clone()), out);
                    out.push(b':');
                    write(&map[key], out);
                }
                out.push(b'}');
            }
            serde_json::Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(item, out);
                }
                out.push(b']');
            }
            scalar => out.extend_from_slice(
                serde_json::to_string(scalar)
                    .expect("JSON scalars always serialise")
                    .as_bytes(),
            ),
        }
    }
    let mut out = Vec::new();
    write(value, &mut out);
    out
}

/// One audit row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEntry {
    pub seq: u64,
    /// Canonical bytes of the entry (the lead's canonical JSON); the Merkle leaf.
    pub canonical: Vec<u8>,
    pub prev_hash: Hash256,
    pub entry_hash: Hash256,
}

impl StoredAuditEntry {
    /// The entry that follows `prev` (or starts the log), with its chain hashes filled in.
    pub fn append(prev: Option<&StoredAuditEntry>, seq: u64, canonical: Vec<u8>) -> Self {
        let prev_hash = prev.map_or(GENESIS_PREV, |p| p.entry_hash);
        let entry_hash = chain_hash(&prev_hash, &canonical);
        Self {
            seq,
            canonical,
            prev_hash,
            entry_hash,
        }
    }
}

/// What a finding says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    /// An entry was inserted here (the next entry links to the one before it).
    Inserted,
    /// Entries were moved: this one is out of its original order.
    Reordered,
    /// One or more entries before this one were deleted.
    Deleted,
    /// The link to the previous entry is broken but the cause cannot be told: the previous
    /// entry was rewritten with a recomputed hash, or an entry was removed and the
    /// sequence renumbered.
    ChainBroken,
    /// The entry's content no longer matches its stored hash.
    Edited,
    /// Some entry in `position .. checkpoint size` differs from what the checkpoint signed
    /// although the chain was recomputed to hide it.
    RewrittenBeforeCheckpoint { checkpoint_size: u64 },
    /// The log is shorter than a signed checkpoint: entries from `position` on were deleted.
    TruncatedBelowCheckpoint { checkpoint_size: u64 },
    /// A checkpoint's signature is invalid or its key untrusted; it was not used.
    CheckpointInvalid { checkpoint_size: u64 },
}

impl FindingKind {
    /// Whether the finding names the exact entry rather than a range or a checkpoint.
    pub fn is_exact(self) -> bool {
        matches!(
            self,
            Self::Inserted
                | Self::Reordered
                | Self::Deleted
                | Self::ChainBroken
                | Self::Edited
                | Self::TruncatedBelowCheckpoint { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 0-based position in the stored order (Merkle leaf index); `None` for problems with
    /// a checkpoint itself.
    pub position: Option<u64>,
    /// The `seq` stored at that position, if there is one.
    pub seq: Option<u64>,
    pub kind: FindingKind,
    pub detail: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.position, self.seq) {
            (Some(p), Some(s)) => write!(f, "position {p} (seq {s}): {}", self.detail),
            (Some(p), None) => write!(f, "position {p}: {}", self.detail),
            _ => f.write_str(&self.detail),
        }
    }
}

/// The outcome of [`verify_audit_log`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    /// Merkle root of all entries as stored.
    pub root: Hash256,
    /// Signed checkpoints whose signature verified and whose root matched.
    pub checkpoints_matched: usize,
    /// Sorted by position; checkpoint problems last.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty()
    }

    /// Where tampering starts: the earliest finding that names an exact entry, or, when
    /// the hash chain was recomputed to hide the change, the start of the range that the
    /// first mismatching checkpoint bounds.
    pub fn first(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.position.is_some() && f.kind.is_exact())
            .or_else(|| self.findings.iter().find(|f| f.position.is_some()))
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} entries, root {}, {} checkpoint(s) matched",
            self.entries, self.root, self.checkpoints_matched
        )?;
        if self.findings.is_empty() {
            return writeln!(f, "intact: no edited, deleted, inserted or reordered entry");
        }
        for finding in &self.findings {
            writeln!(f, "TAMPERED {finding}")?;
        }
        Ok(())
    }
}

/// Verifies the stored log (in `seq` order, as read) against its own hash chain and the
/// signed `checkpoints`. `first_seq` is the `seq` the log starts at (1 for a SQL sequence).
pub fn verify_audit_log(
    entries: &[StoredAuditEntry],
    checkpoints: &[SignedTreeHead],
    trusted: &TrustedKeys,
    first_seq: u64,
) -> AuditReport {
    // The expensive part is hashing, and every entry can be checked on its own because
    // its stored prev_hash is an input; so hash in parallel, then walk sequentially.
    let hashed: Vec<(Hash256, bool)> = entries
        .par_iter()
        .map(|e| {
            (
                leaf_hash(&e.canonical),
                chain_hash(&e.prev_hash, &e.canonical) == e.entry_hash,
            )
        })
        .collect();
    let self_consistent: Vec<bool> = hashed.iter().map(|h| h.1).collect();
    let tree = MerkleTree::from_leaf_hashes(hashed.into_iter().map(|h| h.0).collect());

    let mut findings = chain_findings(entries, &self_consistent, first_seq);
    let (matched, checkpoint_findings) = checkpoint_findings(&tree, checkpoints, trusted);
    findings.extend(checkpoint_findings);
    findings.sort_by_key(|f| (f.position.is_none(), f.position, f.kind));
    findings.dedup_by_key(|f| (f.position, f.kind));
    AuditReport {
        entries: entries.len() as u64,
        root: tree.root(),
        checkpoints_matched: matched,
        findings,
    }
}

fn chain_findings(
    entries: &[StoredAuditEntry],
    self_consistent: &[bool],
    first_seq: u64,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut position_of: Option<HashMap<Hash256, usize>> = None;
    let mut expected_prev = GENESIS_PREV;
    let mut expected_seq = first_seq;
    for (i, e) in entries.iter().enumerate() {
        let at = |kind, detail: String| Finding {
            position: Some(i as u64),
            seq: Some(e.seq),
            kind,
            detail,
        };
        if e.seq != expected_seq || e.prev_hash != expected_prev {
            let index = position_of.get_or_insert_with(|| {
                let mut map = HashMap::with_capacity(entries.len());
                for (j, x) in entries.iter().enumerate() {
                    map.entry(x.entry_hash).or_insert(j);
                }
                map
            });
            // Where the entry's stored link points: to an entry further on (moved), or to
            // an earlier one (with `first` the first entry it skips), or nowhere.
            let (forward, back) = if e.prev_hash == GENESIS_PREV && i > 0 {
                (None, Some(0))
            } else {
                match index.get(&e.prev_hash).copied() {
                    Some(j) if j > i => (Some(j), None),
                    Some(j) if j + 1 < i => (None, Some(j + 1)),
                    _ => (None, None),
                }
            };
            let after_reorder = findings
                .last()
                .is_some_and(|f| f.kind == FindingKind::Reordered);
            let finding = if e.seq < expected_seq {
                if i > 0 && e.seq == entries[i - 1].seq {
                    at(
                        FindingKind::Inserted,
                        format!("seq {} appears twice: an entry was inserted", e.seq),
                    )
                } else {
                    at(
                        FindingKind::Reordered,
                        format!("seq {} comes after seq {}", e.seq, expected_seq - 1),
                    )
                }
            } else if let Some(j) = forward {
                at(
                    FindingKind::Reordered,
                    format!("links to the entry now at position {j}: entries were reordered"),
                )
            } else if let Some(first) = back {
                if after_reorder {
                    at(
                        FindingKind::Reordered,
                        format!("links back past position {first}: entries were reordered"),
                    )
                } else {
                    let count = i - first;
                    Finding {
                        position: Some(first as u64),
                        seq: Some(entries[first].seq),
                        kind: FindingKind::Inserted,
                        detail: format!(
                            "{count} entr{} inserted at positions {first}..{i}",
                            if count == 1 { "y was" } else { "ies were" }
                        ),
                    }
                }
            } else if e.seq > expected_seq {
                at(
                    FindingKind::Deleted,
                    format!(
                        "seq {}..={} missing: entries were deleted",
                        expected_seq,
                        e.seq - 1
                    ),
                )
            } else {
                at(
                    FindingKind::ChainBroken,
                    "does not link to the previous entry: that entry was rewritten with a recomputed hash, or one was removed and seqs renumbered".to_owned(),
                )
            };
            findings.push(finding);
        }
        if !self_consistent[i] {
            findings.push(at(
                FindingKind::Edited,
                "content does not match its stored hash: the entry was edited".to_owned(),
            ));
        }
        expected_prev = e.entry_hash;
        expected_seq = e.seq.saturating_add(1);
    }
    findings
}

fn checkpoint_findings(
    tree: &MerkleTree,
    checkpoints: &[SignedTreeHead],
    trusted: &TrustedKeys,
) -> (usize, Vec<Finding>) {
    let mut sorted: Vec<&SignedTreeHead> = checkpoints.iter().collect();
    sorted.sort_by_key(|c| (c.head.tree_size, c.head.timestamp));
    let mut findings = Vec::new();
    let mut matched = 0;
    let mut last_good = 0u64;
    let mut rewritten_reported = false;
    let len = tree.len();
    for cp in sorted {
        let size = cp.head.tree_size;
        if let Err(e) = cp.verify(trusted) {
            findings.push(Finding {
                position: None,
                seq: None,
                kind: FindingKind::CheckpointInvalid {
                    checkpoint_size: size,
                },
                detail: format!("checkpoint at size {size} not used: {e}"),
            });
            continue;
        }
        if size > len {
            findings.push(Finding {
                position: Some(len),
                seq: None,
                kind: FindingKind::TruncatedBelowCheckpoint {
                    checkpoint_size: size,
                },
                detail: format!(
                    "the log has {len} entries but a checkpoint signed {size}: entries from position {len} on were deleted"
                ),
            });
            continue;
        }
        let root = tree.root_at(size).expect("size checked against the tree");
        if root == cp.head.root_hash {
            matched += 1;
            last_good = last_good.max(size);
        } else if !rewritten_reported {
            // Later mismatches follow from the first one and would only repeat it.
            rewritten_reported = true;
            findings.push(Finding {
                position: Some(last_good.min(size)),
                seq: None,
                kind: FindingKind::RewrittenBeforeCheckpoint {
                    checkpoint_size: size,
                },
                detail: format!(
                    "entries {}..{size} differ from the checkpoint signed at size {size} ({})",
                    last_good.min(size),
                    cp.head.timestamp.to_rfc3339()
                ),
            });
        }
    }
    (matched, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level_and_has_no_whitespace() {
        let a = serde_json::json!({"b": 1, "a": {"z": [true, null, "x\"y"], "m": 2.5}});
        let text = String::from_utf8(canonical_json(&a)).unwrap();
        assert_eq!(text, r#"{"a":{"m":2.5,"z":[true,null,"x\"y"]},"b":1}"#);
        let reparsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(canonical_json(&reparsed), text.as_bytes());
    }

    #[test]
    fn chain_hash_commits_to_the_previous_hash() {
        let entry = b"{}";
        assert_ne!(
            chain_hash(&GENESIS_PREV, entry),
            chain_hash(&Hash256::of(b"x"), entry)
        );
        let first = StoredAuditEntry::append(None, 1, entry.to_vec());
        assert_eq!(first.prev_hash, GENESIS_PREV);
        let second = StoredAuditEntry::append(Some(&first), 2, entry.to_vec());
        assert_eq!(second.prev_hash, first.entry_hash);
    }
}
