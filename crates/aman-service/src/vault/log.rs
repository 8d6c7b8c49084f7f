//! The audit log as an RFC 9162 Merkle log (signed tree heads, inclusion and
//! consistency proofs) and the verifiable case bundles built on it.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aman_core::audit::canonical_bytes;
use aman_store::{CheckpointRecord, Store, Who};
use aman_vault::access::{authorise, Recipient};
use aman_vault::bundle::{
    create_bundle, verify_bundle, AuditProof, BundleArchive, BundleContents, BundleDocument,
    BundleEvidence, ReleasedIdentity, VerifyReport,
};
use aman_vault::checkpoint::{sign_tree_head, SignedTreeHead, TreeHead};
use aman_vault::merkle::{leaf_hash, verify_consistency, verify_inclusion, MerkleTree};
use aman_vault::signing::{PublicKey, TrustedKeys};
use aman_vault::{AgeIdentity, AgeRecipient, Hash256};
use serde::Serialize;

use super::{Result, Vault, VaultError, NODE};

/// An audit entry's inclusion proof against the tree of the current log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    pub seq: u64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Hex Merkle root of the first `tree_size` entries.
    pub root_hash: String,
    /// Hex sibling hashes, leaf to root.
    pub proof: Vec<String>,
}

/// What goes into a case bundle.
#[derive(Debug, Clone)]
pub struct BundleRequest {
    pub incidents: Vec<i64>,
    pub recipients: Vec<AgeRecipient>,
    /// Who receives it, for consent; `None` releases no identities at all.
    pub released_to: Option<Recipient>,
    /// Origin line of the tree head (the mission's name).
    pub origin: String,
}

/// Entries read per query while catching up with the log.
const PAGE: u32 = 10_000;

/// The Merkle tree over the audit log, kept between calls so that a proof costs two
/// small queries and O(log n) hashes instead of reading the whole log.
///
/// The log only grows, so each call reads just the entries appended since the last one.
/// Before that it re-reads the last entry it holds: if that entry is gone, or its stored
/// content or hash changed (an edit there, a truncation, or a chain recomputed after a
/// rewrite further back), the tree is rebuilt from the stored log. An entry edited or
/// deleted in the middle without touching the end is not looked for here; that is
/// `aman audit verify`'s job, and the tree keeps committing to the log as it was appended.
pub struct AuditTree {
    store: Arc<dyn Store>,
    cached: Mutex<Cached>,
}

#[derive(Default)]
struct Cached {
    tree: MerkleTree,
    /// `seq` and stored `entry_hash` of the last entry in `tree`.
    last: Option<(i64, String)>,
}

impl AuditTree {
    pub fn new(store: Arc<dyn Store>) -> AuditTree {
        AuditTree {
            store,
            cached: Mutex::new(Cached::default()),
        }
    }

    /// Runs `f` on the tree of the log as it is now (leaf i = the entry at position i).
    pub fn with_current<T>(&self, f: impl FnOnce(&MerkleTree) -> Result<T>) -> Result<T> {
        // A panic while holding the lock leaves at worst a stale tree, which the next
        // call's end check repairs or extends; so a poisoned lock is still usable.
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        self.catch_up(&mut cached)?;
        f(&cached.tree)
    }

    fn catch_up(&self, cached: &mut Cached) -> Result<()> {
        if let Some((seq, hash)) = &cached.last {
            let still = self.store.audit_page(seq - 1, 1)?;
            let extends = still.first().is_some_and(|e| {
                e.seq == *seq
                    && e.entry_hash == *hash
                    && cached.tree.leaf(cached.tree.len() - 1)
                        == Some(leaf_hash(&canonical_bytes(e.seq, &e.record)))
            });
            if !extends {
                *cached = Cached::default();
            }
        }
        loop {
            let after = cached.last.as_ref().map_or(0, |(seq, _)| *seq);
            let page = self.store.audit_page(after, PAGE)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            for e in &page {
                cached.tree.push_entry(&canonical_bytes(e.seq, &e.record));
            }
            cached.last = Some((last.seq, last.entry_hash.clone()));
        }
    }

    /// Inclusion proof of the entry with `seq` in the log as it is now, verified before
    /// it is returned.
    pub fn inclusion_proof(&self, seq: u64) -> Result<InclusionProof> {
        self.with_current(|tree| {
            if seq == 0 || seq > tree.len() {
                return Err(VaultError::NotFound {
                    what: "audit entry",
                    id: seq.to_string(),
                });
            }
            let index = seq - 1;
            let proof = tree.inclusion_proof(index, tree.len()).map_err(merkle)?;
            let root = tree.root();
            verify_inclusion(
                index,
                tree.len(),
                &tree.leaf(index).expect("in range"),
                &proof,
                &root,
            )
            .map_err(|e| VaultError::Invalid(e.to_string()))?;
            Ok(InclusionProof {
                seq,
                leaf_index: index,
                tree_size: tree.len(),
                root_hash: root.to_hex(),
                proof: proof.iter().map(Hash256::to_hex).collect(),
            })
        })
    }

    /// Consistency proof between two tree sizes, verified before it is returned.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<String>> {
        self.with_current(|tree| {
            let proof = tree.consistency_proof(old, new).map_err(merkle)?;
            verify_consistency(
                old,
                new,
                &tree.root_at(old).map_err(merkle)?,
                &tree.root_at(new).map_err(merkle)?,
                &proof,
            )
            .map_err(|e| VaultError::Invalid(e.to_string()))?;
            Ok(proof.iter().map(Hash256::to_hex).collect())
        })
    }
}

impl std::fmt::Debug for AuditTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditTree").finish_non_exhaustive()
    }
}

fn merkle(e: aman_vault::merkle::MerkleError) -> VaultError {
    VaultError::Invalid(e.to_string())
}

impl Vault {
    /// Signs and stores a tree head over the whole log as it is now.
    pub fn checkpoint(&self, by: &Who, origin: &str) -> Result<SignedTreeHead> {
        let (tree_size, root_hash) = self.audit_tree.with_current(|t| Ok((t.len(), t.root())))?;
        let head = sign_tree_head(
            TreeHead {
                origin: origin.to_string(),
                tree_size,
                root_hash,
                timestamp: self.now(),
            },
            &self.signer(NODE, by)?,
        )
        .map_err(|e| VaultError::Invalid(e.to_string()))?;
        self.store.add_checkpoint(
            by,
            &CheckpointRecord {
                tree_size: head.head.tree_size,
                root_hash: head.head.root_hash.to_hex(),
                key_id: head.key_id.to_string(),
                head_json: serde_json::to_string(&head).expect("tree heads serialise"),
                created_by: by.username.clone(),
                created_at: self.now(),
            },
        )?;
        Ok(head)
    }

    /// The node's public key, which verifies checkpoints and bundles.
    pub fn node_public_key(&self) -> Result<PublicKey> {
        Ok(self.signer(NODE, &Who::system())?.public())
    }

    /// Bundles incidents with their evidence, custody, audit proofs and (where a grant
    /// and the person's consent allow) identities, encrypted to the recipients.
    pub fn create_bundle(&self, by: &Who, request: &BundleRequest) -> Result<Vec<u8>> {
        let head = self.checkpoint(by, &request.origin)?;
        let size = head.head.tree_size;
        let mut contents = BundleContents {
            title: format!("Aman case bundle: incidents {:?}", request.incidents),
            created_at: Some(self.now()),
            tree_head: Some(head),
            custody_keys: super::public_keys(self.store.as_ref())?
                .into_iter()
                .map(|(_, k)| k)
                .collect(),
            ..BundleContents::default()
        };
        let wanted: BTreeSet<String> = request.incidents.iter().map(i64::to_string).collect();
        let mut after = 0;
        let mut entries = Vec::new();
        loop {
            let page = self.store.audit_page(after, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            entries.extend(
                page.iter()
                    .filter(|e| {
                        e.record.entity == "incident"
                            && wanted.contains(&e.record.entity_id)
                            && (1..=size).contains(&(e.seq as u64))
                    })
                    .map(|e| (e.seq as u64 - 1, canonical_bytes(e.seq, &e.record))),
            );
        }
        contents.audit_proofs = self.audit_tree.with_current(|tree| {
            entries
                .into_iter()
                .map(|(index, entry)| {
                    Ok(AuditProof {
                        leaf_index: index,
                        entry,
                        proof: tree.inclusion_proof(index, size).map_err(merkle)?,
                    })
                })
                .collect()
        })?;
        let grants: Vec<_> = self
            .store
            .grants_for(&by.username)?
            .iter()
            .map(super::to_vault_grant)
            .collect();
        for &id in &request.incidents {
            let incident = self
                .store
                .get_incident(id)?
                .ok_or_else(|| VaultError::NotFound {
                    what: "incident",
                    id: id.to_string(),
                })?;
            contents.documents.push(BundleDocument {
                name: format!("incident-{id}"),
                json: serde_json::to_value(&incident).expect("incidents serialise"),
            });
            for item in self.store.evidence_for_incident(id)? {
                let hash = Hash256::from_hex(&item.sha256)
                    .map_err(|_| VaultError::Invalid("stored evidence hash".into()))?;
                contents.evidence.push(BundleEvidence {
                    name: item.sha256.clone(),
                    bytes: self.decrypt_evidence_bytes(&item.sha256, hash)?,
                    custody: super::evidence::custody_events(self.store.as_ref(), &item.sha256)?,
                });
            }
            if let Some(recipient) = &request.released_to {
                for person in self.store.identities_for_incident(id)? {
                    let case = id.to_string();
                    let Ok(grant) = authorise(&by.username, &person, &[&case], self.now(), &grants)
                    else {
                        continue;
                    };
                    let consent = self.consent(&person)?;
                    if aman_vault::access::may_receive_identity(&consent, recipient).is_err() {
                        continue;
                    }
                    let fields = self.read_identity(&by.username, &person, "case bundle export")?;
                    let released = ReleasedIdentity::new(
                        person.clone(),
                        serde_json::to_value(&fields).expect("identity fields serialise"),
                        &consent,
                        recipient,
                        grant,
                    )
                    .map_err(|e| VaultError::Invalid(e.to_string()))?;
                    contents.identities.push(released);
                }
            }
        }
        let node = self.signer(NODE, by)?;
        let bytes = create_bundle(&contents, &node, &request.recipients)
            .map_err(|e| VaultError::Bundle(e.to_string()))?;
        for item in &contents.evidence {
            self.record_custody(
                by,
                &item.name,
                aman_vault::custody::CustodyAction::Exported,
                None,
                Some("case bundle".into()),
            )?;
        }
        Ok(bytes)
    }
}

/// Checks a bundle offline. `trusted` pins the mission's node key; when it is empty the
/// signer named inside the bundle is trusted and the caller should say so.
pub fn verify_bundle_file(
    bytes: &[u8],
    identity: &AgeIdentity,
    trusted: &[PublicKey],
) -> VerifyReport {
    let mut keys: TrustedKeys = trusted.iter().copied().collect();
    if trusted.is_empty() {
        if let Some(signer) = BundleArchive::decrypt(bytes, identity)
            .ok()
            .and_then(|a| a.files.get("manifest.json").cloned())
            .and_then(|m| serde_json::from_slice::<serde_json::Value>(&m).ok())
            .and_then(|m| m.get("signer").and_then(|s| s.as_str()).map(str::to_string))
            .and_then(|hex| PublicKey::from_hex(&hex).ok())
        {
            keys.add(signer);
        }
    }
    verify_bundle(bytes, identity, &keys)
}
