//! Tamper tests for the audit log verifier: every kind of change to stored entries is
//! detected and located, with and without a recomputed hash chain.

use aman_vault::audit::{chain_hash, verify_audit_log, FindingKind, StoredAuditEntry};
use aman_vault::checkpoint::{sign_tree_head, SignedTreeHead, TreeHead};
use aman_vault::merkle::MerkleTree;
use aman_vault::signing::{SignerKey, TrustedKeys};
use chrono::{TimeZone, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const N: usize = 200;

fn canonical(seq: u64, action: &str) -> Vec<u8> {
    format!(
        r#"{{"action":"{action}","actor":"user-{}","seq":{seq}}}"#,
        seq % 7
    )
    .into_bytes()
}

fn log() -> Vec<StoredAuditEntry> {
    let mut out: Vec<StoredAuditEntry> = Vec::new();
    for i in 0..N {
        let seq = i as u64 + 1;
        let e = StoredAuditEntry::append(out.last(), seq, canonical(seq, "identity.read"));
        out.push(e);
    }
    out
}

fn checkpoints(entries: &[StoredAuditEntry], key: &SignerKey) -> Vec<SignedTreeHead> {
    let tree = MerkleTree::from_entries(
        &entries
            .iter()
            .map(|e| e.canonical.clone())
            .collect::<Vec<_>>(),
    );
    [50u64, 100, 150, 200]
        .iter()
        .map(|&size| {
            sign_tree_head(
                TreeHead {
                    origin: "aman test-node".into(),
                    tree_size: size,
                    root_hash: tree.root_at(size).unwrap(),
                    timestamp: Utc.timestamp_opt(1_276_000_000 + size as i64, 0).unwrap(),
                },
                key,
            )
            .unwrap()
        })
        .collect()
}

struct Fixture {
    entries: Vec<StoredAuditEntry>,
    heads: Vec<SignedTreeHead>,
    trusted: TrustedKeys,
}

fn fixture() -> Fixture {
    let key = SignerKey::generate(&mut ChaCha20Rng::seed_from_u64(7));
    let entries = log();
    let heads = checkpoints(&entries, &key);
    Fixture {
        entries,
        heads,
        trusted: [key.public()].into_iter().collect(),
    }
}

fn first(f: &Fixture, entries: &[StoredAuditEntry]) -> (u64, FindingKind) {
    let report = verify_audit_log(entries, &f.heads, &f.trusted, 1);
    assert!(!report.is_intact(), "tampering went unnoticed");
    let first = report.first().expect("a located finding");
    (first.position.unwrap(), first.kind)
}

fn rechain(entries: &mut [StoredAuditEntry], from: usize) {
    for i in from..entries.len() {
        let prev = if i == 0 {
            aman_vault::audit::GENESIS_PREV
        } else {
            entries[i - 1].entry_hash
        };
        entries[i].prev_hash = prev;
        entries[i].entry_hash = chain_hash(&prev, &entries[i].canonical);
    }
}

#[test]
fn intact_log_verifies_against_all_checkpoints() {
    let f = fixture();
    let report = verify_audit_log(&f.entries, &f.heads, &f.trusted, 1);
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.checkpoints_matched, 4);
    assert_eq!(report.entries, N as u64);
    assert!(report.to_string().contains("intact"));
}

#[test]
fn edited_entry_is_located() {
    let f = fixture();
    let mut entries = f.entries.clone();
    entries[70].canonical = canonical(71, "identity.export");
    assert_eq!(first(&f, &entries), (70, FindingKind::Edited));
}

#[test]
fn deleted_entry_is_located() {
    let f = fixture();
    let mut entries = f.entries.clone();
    entries.remove(70);
    assert_eq!(first(&f, &entries), (70, FindingKind::Deleted));
    let report = verify_audit_log(&entries, &f.heads, &f.trusted, 1);
    assert!(
        report.to_string().contains("seq 71..=71 missing"),
        "{report}"
    );
}

#[test]
fn inserted_entry_is_located() {
    let f = fixture();
    // A well-formed entry slipped in after position 69, later seqs renumbered.
    let mut entries = f.entries.clone();
    let forged = StoredAuditEntry::append(Some(&entries[69]), 71, canonical(71, "identity.read"));
    entries.insert(70, forged);
    for e in entries.iter_mut().skip(71) {
        e.seq += 1;
    }
    assert_eq!(first(&f, &entries), (70, FindingKind::Inserted));

    // The same with a duplicated seq instead of renumbering.
    let mut entries = f.entries.clone();
    let forged = StoredAuditEntry::append(Some(&entries[69]), 70, canonical(70, "identity.read"));
    entries.insert(70, forged);
    assert_eq!(first(&f, &entries), (70, FindingKind::Inserted));
}

#[test]
fn reordered_entries_are_located() {
    let f = fixture();
    let mut entries = f.entries.clone();
    entries.swap(70, 71);
    assert_eq!(first(&f, &entries), (70, FindingKind::Reordered));
    // Swapping the seq values as well (rows read back in seq order).
    let mut entries = f.entries.clone();
    entries.swap(120, 125);
    let (a, b) = (entries[120].seq, entries[125].seq);
    entries[120].seq = b;
    entries[125].seq = a;
    assert_eq!(first(&f, &entries), (120, FindingKind::Reordered));
}

#[test]
fn rewritten_history_with_recomputed_chain_is_bounded_by_checkpoints() {
    let f = fixture();
    let mut entries = f.entries.clone();
    entries[70].canonical = canonical(71, "identity.export");
    rechain(&mut entries, 70);
    let report = verify_audit_log(&entries, &f.heads, &f.trusted, 1);
    let first = report.first().unwrap();
    assert_eq!(
        first.kind,
        FindingKind::RewrittenBeforeCheckpoint {
            checkpoint_size: 100
        }
    );
    assert_eq!(first.position, Some(50));
    assert_eq!(report.checkpoints_matched, 1);
}

#[test]
fn truncated_log_is_located_at_the_cut() {
    let f = fixture();
    let entries = &f.entries[..190];
    assert_eq!(
        first(&f, entries),
        (
            190,
            FindingKind::TruncatedBelowCheckpoint {
                checkpoint_size: 200
            }
        )
    );
}

#[test]
fn forged_checkpoints_are_not_trusted() {
    let f = fixture();
    let mut heads = f.heads.clone();
    heads[1].head.root_hash = aman_vault::Hash256::of(b"forged");
    let report = verify_audit_log(&f.entries, &heads, &f.trusted, 1);
    assert_eq!(report.checkpoints_matched, 3);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(
        report.findings[0].kind,
        FindingKind::CheckpointInvalid {
            checkpoint_size: 100
        }
    );
    assert!(report.first().is_none());
}

mod random_tampering {
    use super::*;
    use proptest::prelude::*;

    fn build(n: usize) -> (Vec<StoredAuditEntry>, Vec<SignedTreeHead>, TrustedKeys) {
        let key = SignerKey::generate(&mut ChaCha20Rng::seed_from_u64(3));
        let mut entries: Vec<StoredAuditEntry> = Vec::new();
        for i in 0..n {
            let seq = i as u64 + 1;
            let e =
                StoredAuditEntry::append(entries.last(), seq, canonical(seq, "evidence.access"));
            entries.push(e);
        }
        let tree = MerkleTree::from_entries(
            &entries
                .iter()
                .map(|e| e.canonical.clone())
                .collect::<Vec<_>>(),
        );
        let heads = [n as u64 / 2, n as u64]
            .iter()
            .map(|&size| {
                sign_tree_head(
                    TreeHead {
                        origin: "aman prop".into(),
                        tree_size: size,
                        root_hash: tree.root_at(size).unwrap(),
                        timestamp: Utc.timestamp_opt(1_276_000_000, 0).unwrap(),
                    },
                    &key,
                )
                .unwrap()
            })
            .collect();
        (entries, heads, [key.public()].into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_single_tampering_is_detected_and_located(
            n in 3usize..120, pick in any::<proptest::sample::Index>(), how in 0u8..4
        ) {
            let (mut entries, heads, trusted) = build(n);
            let (k, expected): (usize, &[FindingKind]) = match how {
                0 => {
                    let k = pick.index(n);
                    entries[k].canonical = canonical(k as u64 + 1, "evidence.export");
                    (k, &[FindingKind::Edited])
                }
                1 => {
                    let k = pick.index(n);
                    entries.remove(k);
                    (k, &[FindingKind::Deleted, FindingKind::TruncatedBelowCheckpoint { checkpoint_size: n as u64 }])
                }
                2 => {
                    // Insert a well-linked entry at k (not at the very end, which is just a
                    // later entry) and renumber the rest.
                    let k = pick.index(n);
                    let prev = k.checked_sub(1).map(|p| entries[p].clone());
                    let forged = StoredAuditEntry::append(prev.as_ref(), k as u64 + 1, canonical(k as u64 + 1, "forged"));
                    entries.insert(k, forged);
                    for e in entries.iter_mut().skip(k + 1) {
                        e.seq += 1;
                    }
                    (k, &[FindingKind::Inserted])
                }
                _ => {
                    let k = pick.index(n - 1);
                    entries.swap(k, k + 1);
                    (k, &[FindingKind::Reordered])
                }
            };
            let report = verify_audit_log(&entries, &heads, &trusted, 1);
            let first = report.first().expect("tampering detected");
            prop_assert_eq!(first.position, Some(k as u64), "{}", report);
            prop_assert!(expected.contains(&first.kind), "{}", report);
        }
    }
}
