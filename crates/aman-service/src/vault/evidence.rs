//! Evidence: the file's SHA-256 is taken at intake, the file is stored encrypted under
//! `DATA_DIR/evidence/<sha256>.enc` (never overwritten), and every custody event is
//! signed with the acting user's Ed25519 key and chained to the one before.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use aman_store::{CustodyRecord, EvidenceItem, Who};
use aman_vault::custody::{
    sign_custody_event, verify_custody_chain, CustodyAction, CustodyDraft, SignedCustodyEvent,
};
use aman_vault::envelope::FieldContext;
use aman_vault::evidence::{
    decrypt_evidence, encrypt_evidence, hash_reader, rewrap_evidence_header, DEFAULT_CHUNK_SIZE,
    EVIDENCE_HEADER_LEN,
};
use aman_vault::signing::TrustedKeys;
use aman_vault::Hash256;
use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use serde::Serialize;

use aman_store::Store;

use super::{io, public_keys, Result, Vault, VaultError};

/// What is known about a file when it is taken in.
#[derive(Debug, Clone)]
pub struct EvidenceIntake {
    pub incident_id: Option<i64>,
    pub media_type: String,
    pub collected_by: String,
    pub collected_at: DateTime<Utc>,
    pub place: Option<String>,
    pub device: Option<String>,
}

/// An item's metadata with its custody history and whether that history verifies.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub item: EvidenceItem,
    #[schema(value_type = Vec<Object>)]
    pub custody: Vec<SignedCustodyEvent>,
    /// `None` when the history verifies; otherwise what is wrong with it.
    pub custody_problem: Option<String>,
}

fn context(sha: &str) -> FieldContext {
    FieldContext::new("evidence", "file", sha)
}

fn parse_hash(sha: &str) -> Result<Hash256> {
    Hash256::from_hex(sha)
        .map_err(|_| VaultError::Invalid(format!("'{sha}' is not a SHA-256 (64 hex characters)")))
}

impl Vault {
    fn evidence_dir(&self) -> PathBuf {
        self.data_dir.join("evidence")
    }

    fn evidence_path(&self, sha: &str) -> PathBuf {
        self.evidence_dir().join(format!("{sha}.enc"))
    }

    /// Takes a file in: hashes it, stores it encrypted, records its metadata and the
    /// signed `collected` event. A file already held is refused (content-addressed).
    pub fn add_evidence(
        &self,
        by: &Who,
        file: &Path,
        intake: EvidenceIntake,
    ) -> Result<EvidenceItem> {
        let open = || File::open(file).map_err(io(format!("cannot read {}", file.display())));
        let (hash, size) = hash_reader(BufReader::new(open()?))
            .map_err(io(format!("cannot read {}", file.display())))?;
        let sha = hash.to_hex();
        if self.store.evidence(&sha)?.is_some() {
            return Err(VaultError::Invalid(format!(
                "this file (sha256 {sha}) is already held as evidence; the original is never replaced"
            )));
        }
        std::fs::create_dir_all(self.evidence_dir()).map_err(io(format!(
            "cannot create {}",
            self.evidence_dir().display()
        )))?;
        let path = self.evidence_path(&sha);
        let out = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io(format!("cannot create {}", path.display())))?;
        let mut writer = BufWriter::new(out);
        let sealed = encrypt_evidence(
            &self.keyring,
            &context(&sha),
            BufReader::new(open()?),
            &mut writer,
            DEFAULT_CHUNK_SIZE,
            &mut OsRng,
        )
        .and_then(|s| writer.flush().map(|_| s).map_err(Into::into));
        let sealed = match sealed {
            Ok(s) if s.content_hash == hash && s.plaintext_len == size => s,
            Ok(_) => {
                let _ = std::fs::remove_file(&path);
                return Err(VaultError::Invalid(format!(
                    "{} changed while it was being taken in; try again",
                    file.display()
                )));
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(e.into());
            }
        };
        let now = self.now();
        let item = EvidenceItem {
            sha256: sha.clone(),
            incident_id: intake.incident_id,
            media_type: intake.media_type,
            size: sealed.plaintext_len,
            collected_by: intake.collected_by.clone(),
            collected_at: intake.collected_at,
            place: intake.place.clone(),
            device: intake.device.clone(),
            kek_id: self.current_kek_id(),
            added_by: by.username.clone(),
            added_at: now,
        };
        let event = sign_custody_event(
            hash,
            None,
            CustodyDraft {
                action: CustodyAction::Collected,
                actor: intake.collected_by,
                at: intake.collected_at.min(now),
                place: intake.place,
                device: intake.device,
                counterpart: None,
                note: Some(format!("taken in by {}", by.username)),
            },
            &self.signer(&by.username, by)?,
        );
        if let Err(e) = self.store.add_evidence(by, &item, &custody_record(&event)) {
            let _ = std::fs::remove_file(&path);
            return Err(e.into());
        }
        Ok(item)
    }

    /// Appends a signed custody event by `by`.
    pub fn record_custody(
        &self,
        by: &Who,
        sha: &str,
        action: CustodyAction,
        counterpart: Option<String>,
        note: Option<String>,
    ) -> Result<SignedCustodyEvent> {
        let hash = parse_hash(sha)?;
        if self.store.evidence(sha)?.is_none() {
            return Err(VaultError::NotFound {
                what: "evidence item",
                id: sha.to_string(),
            });
        }
        let events = custody_events(self.store.as_ref(), sha)?;
        let event = sign_custody_event(
            hash,
            events.last(),
            CustodyDraft {
                action,
                actor: by.username.clone(),
                at: self.now(),
                place: None,
                device: None,
                counterpart,
                note,
            },
            &self.signer(&by.username, by)?,
        );
        self.store.append_custody(by, &custody_record(&event))?;
        Ok(event)
    }

    /// Decrypts the original into `out` (checking it against the intake hash) and
    /// records a signed `copied` event: working copies never replace the original.
    pub fn copy_evidence(&self, by: &Who, sha: &str, out: &mut dyn Write) -> Result<u64> {
        let hash = parse_hash(sha)?;
        let bytes = self.decrypt_evidence_bytes(sha, hash)?;
        out.write_all(&bytes)
            .map_err(io("cannot write the working copy"))?;
        self.record_custody(
            by,
            sha,
            CustodyAction::Copied,
            None,
            Some("working copy".into()),
        )?;
        Ok(bytes.len() as u64)
    }

    /// The plaintext of an item, verified against its intake hash.
    pub(super) fn decrypt_evidence_bytes(&self, sha: &str, hash: Hash256) -> Result<Vec<u8>> {
        let path = self.evidence_path(sha);
        let file = File::open(&path).map_err(io(format!("cannot read {}", path.display())))?;
        let mut plain = Vec::new();
        decrypt_evidence(
            &self.keyring,
            &context(sha),
            BufReader::new(file),
            &mut plain,
            Some(hash),
        )?;
        Ok(plain)
    }

    /// Rewraps the header of every evidence file not under the current KEK.
    pub(super) fn rewrap_evidence(&self, by: &Who) -> Result<usize> {
        let current = self.current_kek_id();
        let mut n = 0;
        for sha in self.store.evidence_not_under(&current)? {
            let path = self.evidence_path(&sha);
            let mut file = File::options()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(io(format!("cannot open {}", path.display())))?;
            let mut header = vec![0u8; EVIDENCE_HEADER_LEN];
            file.read_exact(&mut header)
                .map_err(io(format!("cannot read {}", path.display())))?;
            if let Some(new) = rewrap_evidence_header(&self.keyring, &header, &mut OsRng)? {
                // Only the wrapped data key in the header changes; the content stays.
                file.seek(SeekFrom::Start(0))
                    .and_then(|_| file.write_all(&new))
                    .and_then(|_| file.sync_all())
                    .map_err(io(format!(
                        "cannot rewrite the header of {}",
                        path.display()
                    )))?;
            }
            self.store.set_evidence_kek(by, &sha, &current)?;
            n += 1;
        }
        Ok(n)
    }
}

fn custody_record(event: &SignedCustodyEvent) -> CustodyRecord {
    CustodyRecord {
        sha256: event.event.evidence.to_hex(),
        seq: event.event.seq,
        action: serde_json::to_value(event.event.action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        actor: event.event.actor.clone(),
        at: event.event.at,
        event_json: serde_json::to_string(event).expect("custody events serialise"),
    }
}

/// The stored custody events of an item.
pub fn custody_events(store: &dyn Store, sha: &str) -> Result<Vec<SignedCustodyEvent>> {
    store
        .custody(sha)?
        .iter()
        .map(|c| {
            serde_json::from_str(&c.event_json)
                .map_err(|e| VaultError::Invalid(format!("stored custody event: {e}")))
        })
        .collect()
}

/// Metadata, custody history and its verification against the store's signing keys.
/// Needs no key-encryption key.
pub fn evidence_view(store: &dyn Store, sha: &str) -> Result<EvidenceView> {
    let item = store.evidence(sha)?.ok_or_else(|| VaultError::NotFound {
        what: "evidence item",
        id: sha.to_string(),
    })?;
    let custody = custody_events(store, sha)?;
    let trusted: TrustedKeys = public_keys(store)?.into_iter().map(|(_, k)| k).collect();
    let custody_problem = verify_custody_chain(parse_hash(sha)?, &custody, &trusted)
        .err()
        .map(|f| f.to_string());
    Ok(EvidenceView {
        item,
        custody,
        custody_problem,
    })
}
