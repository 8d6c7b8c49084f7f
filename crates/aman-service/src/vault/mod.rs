//! The identity vault as a use case: key-encryption keys from a passphrase or key file,
//! sealed identity records with blind-index lookup, need-to-know grants that no role
//! bypasses, witness consent, encrypted evidence with signed custody, the signed Merkle
//! log over the audit entries, and case bundles.
//!
//! The cryptography is `aman_vault`'s; this module decides *when* it runs and records
//! every decryption in the audit log. The key-encryption key never enters the database:
//! only its id and (for a passphrase) the Argon2id salt, parameters and check value do.

mod evidence;
mod log;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aman_core::{PersonId, PersonRole, Role, User};
use aman_store::{
    BlindToken, ConsentRecord, GrantRecord, GrantTarget, KekRecord, NewIdentity, SealedIdentity,
    SealedKey, SealedTable, Store, StoreError, Who,
};
use aman_vault::access::{authorise, Consent, Denied, Grant, GrantError, GrantScope};
use aman_vault::blind_index::{BlindIndexKey, Normalise, ScopeKey};
use aman_vault::envelope::{self, EnvelopeError, FieldContext};
use aman_vault::keys::{KdfParams, Kek, KeyError, Keyring, PassphraseKdf};
use aman_vault::signing::{PublicKey, SignerKey};
use aman_vault::{ExposeSecret, SecretString};
use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};

pub use evidence::{custody_events, evidence_view, EvidenceIntake, EvidenceView};
pub use log::{verify_bundle_file, AuditTree, BundleRequest, InclusionProof};

/// Where a key-encryption key comes from. Never from the database.
#[derive(Clone)]
pub enum KekSource {
    /// A passphrase, stretched with Argon2id (salt and parameters are stored).
    Passphrase(SecretString),
    /// A file with 32 random bytes (raw or 64 hex characters).
    KeyFile(PathBuf),
}

impl fmt::Debug for KekSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KekSource::Passphrase(_) => f.write_str("Passphrase([REDACTED])"),
            KekSource::KeyFile(p) => write!(f, "KeyFile({})", p.display()),
        }
    }
}

/// What can go wrong in the vault. Messages never contain identity data.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the vault is not set up in this database; run `aman keys init` first")]
    NotInitialised,
    #[error("the vault is already set up in this database (current key {0})")]
    AlreadyInitialised(String),
    #[error("no key-encryption key given: set AMAN_VAULT_PASSPHRASE or vault_key_file (AMAN_VAULT_KEY_FILE)")]
    NoKey,
    #[error("the key given does not match the vault's current key {current}; supply the current passphrase or key file")]
    NotCurrentKey { current: String },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("a sealed value could not be opened: {0}")]
    Envelope(#[from] EnvelopeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Grant(#[from] GrantError),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Evidence(#[from] aman_vault::evidence::EvidenceError),
    #[error("{0}")]
    Bundle(String),
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> VaultError {
    let context = context.into();
    move |source| VaultError::Io { context, source }
}

/// A person's identity fields. Only ever stored sealed; `Debug` shows nothing.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityFields {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl fmt::Debug for IdentityFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityFields([REDACTED])")
    }
}

/// A person to register in the vault.
#[derive(Debug, Clone, Copy)]
pub struct NewPerson<'a> {
    pub role: PersonRole,
    /// The case the person belongs to (grants on the case cover them).
    pub incident_id: Option<i64>,
    pub fields: &'a IdentityFields,
}

/// What to look a person up by (exact match after normalisation).
#[derive(Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct IdentityQuery {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

impl fmt::Debug for IdentityQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityQuery([REDACTED])")
    }
}

const INDEXED: [(&str, Normalise); 3] = [
    ("person.name", Normalise::Name),
    ("person.phone", Normalise::Phone),
    ("person.id_number", Normalise::Identifier),
];

/// Persons sealed per chunk, and chunks sealed ahead of the store, in
/// [`Vault::add_identities`].
const SEAL_CHUNK: usize = 256;
const SEAL_QUEUE: usize = 16;

fn scope_keys(index_key: &BlindIndexKey) -> [ScopeKey; INDEXED.len()] {
    INDEXED.map(|(scope, _)| index_key.scope(scope))
}

fn identity_context(person_id: &str) -> FieldContext {
    FieldContext::new("vault_identities", "envelope", person_id)
}

fn key_context(name: &str) -> FieldContext {
    FieldContext::new("vault_keys", "sealed", name)
}

/// Roles that may give need-to-know grants (they still need a grant to read).
pub fn may_grant(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Investigator)
}

/// The name under which a signing key is sealed.
fn signing_key_name(owner: &str) -> String {
    format!("signing:{owner}")
}

/// The node's own signing key (checkpoints, bundles).
pub const NODE: &str = "node";

/// Public keys of every signing key in the store (node and users), by owner.
pub fn public_keys(store: &dyn Store) -> Result<Vec<(String, PublicKey)>> {
    store
        .signing_keys()?
        .into_iter()
        .filter_map(|k| Some((k.owner?, k.public_hex?)))
        .map(|(owner, hex)| {
            PublicKey::from_hex(&hex)
                .map(|p| (owner, p))
                .map_err(|e| VaultError::Invalid(format!("stored public key: {e}")))
        })
        .collect()
}

/// Rotation outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RotationSummary {
    pub new_kek: String,
    pub identities: usize,
    pub keys: usize,
    pub evidence_files: usize,
    pub retired: Vec<String>,
}

/// The unlocked vault over one store.
pub struct Vault {
    store: Arc<dyn Store>,
    keyring: Keyring,
    /// The blind-index key of each of [`INDEXED`]'s scopes, derived once at unlock.
    index_keys: [ScopeKey; INDEXED.len()],
    data_dir: PathBuf,
    /// The Merkle tree of the audit log, shared with whoever serves proofs.
    audit_tree: Arc<AuditTree>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

/// Turns a source into a key, checking a passphrase against the stored KDF records.
fn resolve(source: &KekSource, records: &[KekRecord]) -> Result<Kek> {
    match source {
        KekSource::KeyFile(path) => {
            let bytes = std::fs::read(path)
                .map_err(io(format!("cannot read key file {}", path.display())))?;
            Ok(Kek::from_key_file(&bytes)?)
        }
        KekSource::Passphrase(pass) => {
            let mut last = KeyError::WrongPassphrase;
            // The current record first: usually the one that matches.
            let mut candidates: Vec<&KekRecord> = records
                .iter()
                .filter(|r| r.retired_at.is_none() && r.kdf_json.is_some())
                .collect();
            candidates.sort_by_key(|r| !r.is_current);
            for r in candidates {
                let kdf: PassphraseKdf = serde_json::from_str(r.kdf_json.as_deref().unwrap_or(""))
                    .map_err(|e| KeyError::BadKdfRecord(e.to_string()))?;
                match kdf.derive(pass) {
                    Ok(kek) => return Ok(kek),
                    Err(e) => last = e,
                }
            }
            Err(last.into())
        }
    }
}

/// A new KEK from a source, with the record to store.
fn new_kek(source: &KekSource, params: KdfParams, now: DateTime<Utc>) -> Result<(Kek, KekRecord)> {
    let (kek, kind, kdf_json) = match source {
        KekSource::KeyFile(path) => {
            let bytes = std::fs::read(path)
                .map_err(io(format!("cannot read key file {}", path.display())))?;
            (Kek::from_key_file(&bytes)?, "key_file", None)
        }
        KekSource::Passphrase(pass) => {
            if pass.expose_secret().chars().count() < 12 {
                return Err(VaultError::Invalid(
                    "the vault passphrase must be at least 12 characters".into(),
                ));
            }
            let (kdf, kek) = PassphraseKdf::create(pass, params, &mut OsRng)?;
            let json = serde_json::to_string(&kdf).expect("a KDF record serialises");
            (kek, "passphrase", Some(json))
        }
    };
    let record = KekRecord {
        kek_id: kek.id().to_hex(),
        source: kind.into(),
        kdf_json,
        is_current: true,
        created_by: String::new(),
        created_at: now,
        retired_at: None,
    };
    Ok((kek, record))
}

/// Writes a fresh random key file (mode 0600 on Unix), refusing to overwrite one.
pub fn write_new_key_file(path: &Path) -> Result<()> {
    let kek = Kek::generate(&mut OsRng);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(io(format!("cannot create key file {}", path.display())))?;
    std::io::Write::write_all(&mut file, kek.key_file_text().expose_secret().as_bytes())
        .map_err(io(format!("cannot write key file {}", path.display())))
}

impl Vault {
    /// Sets the vault up: records the KEK, creates the blind-index key and the node's
    /// signing key (both sealed under the KEK). Returns the node's public key.
    pub fn init(
        store: Arc<dyn Store>,
        source: &KekSource,
        params: KdfParams,
        data_dir: &Path,
        by: &Who,
    ) -> Result<(Vault, PublicKey)> {
        let records = store.kek_records()?;
        if let Some(current) = records.iter().find(|r| r.is_current) {
            return Err(VaultError::AlreadyInitialised(current.kek_id.clone()));
        }
        let now = store.clock().now();
        let (kek, record) = new_kek(source, params, now)?;
        store.add_kek(by, &record)?;
        let keyring = Keyring::new(kek);
        let index_key = BlindIndexKey::generate(&mut OsRng);
        store.put_sealed_key(
            by,
            &SealedKey {
                name: "blind_index".into(),
                kind: "blind_index".into(),
                owner: None,
                key_id: None,
                public_hex: None,
                sealed: index_key.seal(&keyring, &mut OsRng),
                kek_id: keyring.current_id().to_hex(),
                created_by: by.username.clone(),
                created_at: now,
            },
        )?;
        let vault = Vault {
            audit_tree: Arc::new(AuditTree::new(store.clone())),
            store,
            keyring,
            index_keys: scope_keys(&index_key),
            data_dir: data_dir.to_path_buf(),
        };
        let node = vault.signer(NODE, by)?;
        Ok((vault, node.public()))
    }

    /// Unlocks the vault with the current key (and any previous keys still needed while
    /// a rotation is under way).
    pub fn open(store: Arc<dyn Store>, sources: &[KekSource], data_dir: &Path) -> Result<Vault> {
        let records = store.kek_records()?;
        let current = records
            .iter()
            .find(|r| r.is_current)
            .ok_or(VaultError::NotInitialised)?;
        if sources.is_empty() {
            return Err(VaultError::NoKey);
        }
        let keks = sources
            .iter()
            .map(|s| resolve(s, &records))
            .collect::<Result<Vec<_>>>()?;
        let (current_kek, others): (Vec<Kek>, Vec<Kek>) = keks
            .into_iter()
            .partition(|k| k.id().to_hex() == current.kek_id);
        let current_kek =
            current_kek
                .into_iter()
                .next()
                .ok_or_else(|| VaultError::NotCurrentKey {
                    current: current.kek_id.clone(),
                })?;
        let mut keyring = Keyring::new(current_kek);
        for k in others {
            keyring.add_previous(k);
        }
        let sealed = store
            .sealed_key("blind_index")?
            .ok_or(VaultError::NotInitialised)?;
        let index_key = BlindIndexKey::open(&keyring, &sealed.sealed)?;
        Ok(Vault {
            audit_tree: Arc::new(AuditTree::new(store.clone())),
            store,
            keyring,
            index_keys: scope_keys(&index_key),
            data_dir: data_dir.to_path_buf(),
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn audit_tree(&self) -> &Arc<AuditTree> {
        &self.audit_tree
    }

    pub fn current_kek_id(&self) -> String {
        self.keyring.current_id().to_hex()
    }

    fn now(&self) -> DateTime<Utc> {
        self.store.clock().now()
    }

    /// The signing key of `owner` (a username or [`NODE`]), created and sealed on first use.
    pub fn signer(&self, owner: &str, by: &Who) -> Result<SignerKey> {
        let name = signing_key_name(owner);
        if let Some(k) = self.store.sealed_key(&name)? {
            let secret = envelope::open(&self.keyring, &key_context(&name), &k.sealed)?;
            return SignerKey::from_secret(secret.expose_secret())
                .map_err(|e| VaultError::Invalid(format!("stored signing key: {e}")));
        }
        let key = SignerKey::generate(&mut OsRng);
        let sealed = envelope::seal(
            &self.keyring,
            &key_context(&name),
            key.to_secret().expose_secret(),
            &mut OsRng,
        );
        self.store.put_sealed_key(
            by,
            &SealedKey {
                name,
                kind: "signing".into(),
                owner: Some(owner.to_string()),
                key_id: Some(key.id().to_string()),
                public_hex: Some(key.public().to_hex()),
                sealed,
                kek_id: self.current_kek_id(),
                created_by: by.username.clone(),
                created_at: self.now(),
            },
        )?;
        Ok(key)
    }

    fn tokens(&self, name: Option<&str>, phone: Option<&str>, id: Option<&str>) -> Vec<BlindToken> {
        INDEXED
            .iter()
            .zip(&self.index_keys)
            .zip([name, phone, id])
            .filter_map(|(((scope, how), key), value)| {
                let token = key.index(value?, *how)?;
                Some(BlindToken {
                    scope: scope.to_string(),
                    token: token.to_hex(),
                })
            })
            .collect()
    }

    /// Seals a person's identity under a new pseudonymous id, indexed for exact lookup.
    pub fn add_identity(
        &self,
        by: &Who,
        role: PersonRole,
        incident_id: Option<i64>,
        fields: &IdentityFields,
    ) -> Result<PersonId> {
        let mut ids = self.add_identities(
            by,
            &[NewPerson {
                role,
                incident_id,
                fields,
            }],
        )?;
        Ok(ids.pop().expect("one id per person"))
    }

    /// [`Vault::add_identity`] for many persons, stored in one transaction: all or none.
    pub fn add_identities(&self, by: &Who, persons: &[NewPerson<'_>]) -> Result<Vec<PersonId>> {
        if persons.iter().any(|p| p.fields.name.trim().is_empty()) {
            return Err(VaultError::Invalid(
                "an identity record needs a name".into(),
            ));
        }
        let now = self.now();
        let kek_id = self.current_kek_id();
        // One draw from the operating system for all ids (a system call each otherwise).
        let mut random = vec![0u8; 8 * persons.len()];
        OsRng.fill_bytes(&mut random);
        let ids: Vec<PersonId> = random
            .chunks_exact(8)
            .map(|b| PersonId::from_random(u64::from_le_bytes(b.try_into().expect("8 bytes"))))
            .collect();
        let seal = |p: &NewPerson<'_>, person: &PersonId| NewIdentity {
            role: p.role,
            tokens: self.tokens(
                Some(&p.fields.name),
                p.fields.phone.as_deref(),
                p.fields.id_number.as_deref(),
            ),
            sealed: SealedIdentity {
                person_id: person.as_str().to_string(),
                incident_id: p.incident_id,
                envelope: envelope::seal_json(
                    &self.keyring,
                    &identity_context(person.as_str()),
                    p.fields,
                    &mut OsRng,
                ),
                kek_id: kek_id.clone(),
                created_by: by.username.clone(),
                created_at: now,
            },
        };
        // Sealing runs ahead of the store's writes on another thread, so the encryption
        // overlaps the transaction instead of preceding it. One thread is enough: a record
        // seals several times faster than the store writes it.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<NewIdentity>>(SEAL_QUEUE);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                // Owned here, so the channel closes when this thread ends, however it ends.
                let sender = sender;
                for (chunk, ids) in persons.chunks(SEAL_CHUNK).zip(ids.chunks(SEAL_CHUNK)) {
                    let sealed = chunk.iter().zip(ids).map(|(p, id)| seal(p, id)).collect();
                    if sender.send(sealed).is_err() {
                        break; // the store stopped reading: its error is returned below
                    }
                }
            });
            let mut sealed = receiver.iter().flatten();
            // Exactly one row per person: should the sealing thread die, this panics inside
            // the transaction, which then rolls back instead of committing a partial batch.
            let mut rows = (0..persons.len())
                .map(|_| sealed.next().expect("the sealing thread stopped early"));
            self.store.add_identities(by, &mut rows)
        })?;
        Ok(ids)
    }

    /// Pseudonymous ids of persons matching any given field exactly; nothing is decrypted.
    pub fn find(&self, query: &IdentityQuery) -> Result<Vec<String>> {
        let tokens = self.tokens(
            query.name.as_deref(),
            query.phone.as_deref(),
            query.id_number.as_deref(),
        );
        if tokens.is_empty() {
            return Err(VaultError::Invalid(
                "give a name, phone or ID number to look up".into(),
            ));
        }
        Ok(self.store.find_identities(&tokens)?)
    }

    /// Decrypts a person's identity for `user` if a live grant covers it; roles do not
    /// matter. Both the read (with its purpose) and a refusal are audited.
    pub fn read_identity(
        &self,
        user: &str,
        person_id: &str,
        purpose: &str,
    ) -> Result<IdentityFields> {
        let who = Who::user(user);
        if purpose.trim().is_empty() {
            return Err(VaultError::Invalid(
                "say why you need to see this identity (purpose)".into(),
            ));
        }
        let meta = self
            .store
            .identity_meta(person_id)?
            .ok_or_else(|| VaultError::NotFound {
                what: "identity record",
                id: person_id.to_string(),
            })?;
        let grants: Vec<Grant> = self
            .store
            .grants_for(user)?
            .iter()
            .map(to_vault_grant)
            .collect();
        let case = meta.incident_id.map(|i| i.to_string());
        let cases: Vec<&str> = case.iter().map(String::as_str).collect();
        let grant = match authorise(user, person_id, &cases, self.now(), &grants) {
            Ok(g) => g,
            Err(denied) => {
                self.store.record_identity_refusal(
                    &who,
                    person_id,
                    &format!("{:?}", denied.reason),
                )?;
                return Err(denied.into());
            }
        };
        let grant_id: i64 = grant.id.parse().expect("grant ids are stored integers");
        let sealed = self
            .store
            .read_identity(&who, person_id, grant_id, purpose)?;
        Ok(envelope::open_json(
            &self.keyring,
            &identity_context(person_id),
            &sealed.envelope,
        )?)
    }

    /// Records whom a witness allows their identity to be shared with.
    pub fn set_consent(&self, by: &Who, person_id: &str, consent: &[Consent]) -> Result<()> {
        if self.store.identity_meta(person_id)?.is_none() {
            return Err(VaultError::NotFound {
                what: "identity record",
                id: person_id.to_string(),
            });
        }
        let set: BTreeSet<&Consent> = consent.iter().collect();
        self.store.set_consent(
            by,
            &ConsentRecord {
                person_id: person_id.to_string(),
                consent_json: serde_json::to_string(&set).expect("consent serialises"),
                recorded_by: by.username.clone(),
                recorded_at: self.now(),
            },
        )?;
        Ok(())
    }

    pub fn consent(&self, person_id: &str) -> Result<BTreeSet<Consent>> {
        match self.store.consent(person_id)? {
            None => Ok(BTreeSet::new()),
            Some(c) => serde_json::from_str(&c.consent_json)
                .map_err(|e| VaultError::Invalid(format!("stored consent: {e}"))),
        }
    }

    /// Makes `new` the current KEK and rewraps every sealed value under it, one row per
    /// transaction, so readers and writers carry on throughout. Old keys are retired once
    /// nothing uses them.
    pub fn rotate(
        &mut self,
        by: &Who,
        new: &KekSource,
        params: KdfParams,
    ) -> Result<RotationSummary> {
        let (kek, record) = new_kek(new, params, self.now())?;
        if self.keyring.contains(kek.id()) {
            return Err(VaultError::Invalid(
                "the new key is one the vault already has; give a different passphrase or key file"
                    .into(),
            ));
        }
        self.store.add_kek(by, &record)?;
        self.keyring.rotate_to(kek);
        self.finish_rotation(by)
    }

    /// Rewraps whatever is not yet under the current KEK (re-runnable after an
    /// interruption) and retires keys nothing uses any more.
    pub fn finish_rotation(&self, by: &Who) -> Result<RotationSummary> {
        let current = self.current_kek_id();
        let mut summary = RotationSummary {
            new_kek: current.clone(),
            ..RotationSummary::default()
        };
        for table in [SealedTable::Identities, SealedTable::Keys] {
            loop {
                let rows = self.store.sealed_rows_not_under(table, &current, 500)?;
                let mut replaced = 0;
                if rows.is_empty() {
                    break;
                }
                for row in rows {
                    let Some(new) = envelope::rewrap(&self.keyring, &row.envelope, &mut OsRng)?
                    else {
                        continue;
                    };
                    if self.store.replace_sealed(
                        by,
                        table,
                        &row.key,
                        &row.envelope,
                        &new,
                        &current,
                    )? {
                        replaced += 1;
                        match table {
                            SealedTable::Identities => summary.identities += 1,
                            SealedTable::Keys => summary.keys += 1,
                        }
                    }
                }
                if replaced == 0 {
                    // Rows whose kek_id column disagrees with their envelope: nothing
                    // more this pass can do; retiring the old key will name them.
                    break;
                }
            }
        }
        summary.evidence_files = self.rewrap_evidence(by)?;
        for old in self.store.kek_records()? {
            if !old.is_current && old.retired_at.is_none() {
                self.store.retire_kek(by, &old.kek_id)?;
                summary.retired.push(old.kek_id);
            }
        }
        Ok(summary)
    }
}

/// Gives `username` need-to-know access; only admins and investigators may, and
/// never to themselves.
pub fn grant(
    store: &dyn Store,
    by: &User,
    username: &str,
    target: GrantTarget,
    purpose: &str,
    expires_at: DateTime<Utc>,
) -> Result<GrantRecord> {
    if !may_grant(by.role) {
        return Err(VaultError::Forbidden(format!(
            "a {} cannot give grants; ask an admin or investigator",
            by.role.code()
        )));
    }
    if store.find_user(username)?.is_none() {
        return Err(VaultError::NotFound {
            what: "user",
            id: username.to_string(),
        });
    }
    let scope = match &target {
        GrantTarget::Person(p) => GrantScope::Person(p.clone()),
        GrantTarget::Incident(i) => GrantScope::Case(i.to_string()),
    };
    // The pure rules (purpose, no self-grant, expiry after now) are aman-vault's.
    Grant::new(
        "new",
        username,
        scope,
        purpose,
        &by.username,
        store.clock().now(),
        expires_at,
    )?;
    Ok(store.create_grant(
        &Who::user(&by.username),
        username,
        &target,
        purpose,
        expires_at,
    )?)
}

pub fn revoke(store: &dyn Store, by: &User, grant_id: i64, reason: &str) -> Result<GrantRecord> {
    if !may_grant(by.role) {
        return Err(VaultError::Forbidden(format!(
            "a {} cannot revoke grants; ask an admin or investigator",
            by.role.code()
        )));
    }
    Ok(store.revoke_grant(&Who::user(&by.username), grant_id, reason)?)
}

fn to_vault_grant(g: &GrantRecord) -> Grant {
    Grant {
        id: g.id.to_string(),
        user: g.username.clone(),
        scope: match &g.target {
            GrantTarget::Person(p) => GrantScope::Person(p.clone()),
            GrantTarget::Incident(i) => GrantScope::Case(i.to_string()),
        },
        purpose: g.purpose.clone(),
        granted_by: g.granted_by.clone(),
        granted_at: g.granted_at,
        expires_at: g.expires_at,
        revoked_at: g.revoked_at,
    }
}

/// Parses a consent word: `nobody`, `ohchr`, `prosecutors` or `partner:NAME`.
pub fn parse_consent(text: &str) -> Result<Consent> {
    Ok(match text.trim() {
        "nobody" => Consent::Nobody,
        "ohchr" => Consent::Ohchr,
        "prosecutors" => Consent::Prosecutors,
        other => match other.strip_prefix("partner:") {
            Some(name) if !name.trim().is_empty() => Consent::NamedPartner(name.trim().into()),
            _ => {
                return Err(VaultError::Invalid(format!(
                    "unknown consent '{other}'; use nobody, ohchr, prosecutors or partner:NAME"
                )))
            }
        },
    })
}
