//! Verifiable case bundles for accountability partners.
//!
//! A bundle carries chosen documents (incidents, reports as JSON), evidence files with
//! their custody histories, audit entries with Merkle inclusion proofs against a signed
//! tree head, and (only where the caller has checked consent and grants) identity records.
//! A manifest lists every file with its SHA-256 and is signed by the node key; the archive
//! is then encrypted to the recipients' X25519 keys in the age format. [`verify_bundle`]
//! checks everything offline and lists each failure separately, so a recipient can tell a
//! wrong key from an edited manifest, a changed file or a proof that does not match.
//!
//! Archive layout (inside age): `AMAN-BUNDLE/1\n`, then for each file a u32 BE path length,
//! the path, a u64 BE data length and the data. Paths: `manifest.json`, `manifest.sig`,
//! `documents/<name>.json`, `evidence/<sha256>`, `custody/<sha256>.json`,
//! `identities/<person>.json`, `audit/tree_head.json`, `audit/proofs.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{may_receive_identity, Consent, ConsentRefusal, Grant, Recipient};
use crate::checkpoint::SignedTreeHead;
use crate::custody::{verify_custody_chain, CustodyFault, SignedCustodyEvent};
use crate::hash::Hash256;
use crate::merkle::{leaf_hash, verify_inclusion};
use crate::signing::{KeyId, PublicKey, SignerKey, TrustedKeys};

const ARCHIVE_MAGIC: &[u8] = b"AMAN-BUNDLE/1\n";
const FORMAT: &str = "aman-bundle/1";
const DOMAIN: &[u8] = b"aman-vault/bundle-manifest/v1";
const MANIFEST: &str = "manifest.json";
const SIGNATURE: &str = "manifest.sig";
const TREE_HEAD: &str = "audit/tree_head.json";
const PROOFS: &str = "audit/proofs.json";

/// A JSON document (incident, report, custody summary) to include.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleDocument {
    /// File name without directory, e.g. "incident-17"; letters, digits, `-`, `_`, `.`.
    pub name: String,
    pub json: serde_json::Value,
}

/// An evidence file with its custody history.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleEvidence {
    /// Original file name, for the recipient's information.
    pub name: String,
    pub bytes: Vec<u8>,
    pub custody: Vec<SignedCustodyEvent>,
}

/// An audit entry and the proof that it is in the log under the bundle's tree head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditProof {
    pub leaf_index: u64,
    /// The entry's canonical bytes, base64 in JSON so they are carried exactly.
    #[serde(with = "b64")]
    pub entry: Vec<u8>,
    pub proof: Vec<Hash256>,
}

/// Identity fields released to a recipient. It can only be built through
/// [`ReleasedIdentity::new`], which checks the witness's consent for this recipient and
/// records which grant allowed the releasing user to read them.
#[derive(Clone, PartialEq)]
pub struct ReleasedIdentity {
    person_id: String,
    fields: serde_json::Value,
    grant_id: String,
    recipient: Recipient,
}

impl fmt::Debug for ReleasedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ReleasedIdentity {{ person_id: {}, fields: [REDACTED], grant_id: {} }}",
            self.person_id, self.grant_id
        )
    }
}

impl ReleasedIdentity {
    /// `grant` is the one [`crate::access::authorise`] returned for the releasing user.
    pub fn new(
        person_id: impl Into<String>,
        fields: serde_json::Value,
        consent: &BTreeSet<Consent>,
        recipient: &Recipient,
        grant: &Grant,
    ) -> Result<Self, ConsentRefusal> {
        may_receive_identity(consent, recipient)?;
        Ok(Self {
            person_id: person_id.into(),
            fields,
            grant_id: grant.id.clone(),
            recipient: recipient.clone(),
        })
    }
}

/// Everything the caller chose to put in a bundle.
#[derive(Debug, Clone, Default)]
pub struct BundleContents {
    pub title: String,
    pub created_at: Option<DateTime<Utc>>,
    pub documents: Vec<BundleDocument>,
    pub evidence: Vec<BundleEvidence>,
    pub identities: Vec<ReleasedIdentity>,
    pub tree_head: Option<SignedTreeHead>,
    pub audit_proofs: Vec<AuditProof>,
    /// Public keys of the users and nodes that signed custody events, vouched for by the
    /// node's signature on the manifest.
    pub custody_keys: Vec<PublicKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ManifestFile {
    path: String,
    sha256: Hash256,
    size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ManifestEvidence {
    name: String,
    sha256: Hash256,
    custody: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    format: String,
    title: String,
    created_at: Option<DateTime<Utc>>,
    signer: PublicKey,
    custody_keys: Vec<PublicKey>,
    files: Vec<ManifestFile>,
    evidence: Vec<ManifestEvidence>,
    identities: Vec<ManifestIdentity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ManifestIdentity {
    person_id: String,
    path: String,
    grant_id: String,
    recipient: Recipient,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{0:?} is not a usable name inside a bundle (letters, digits, '-', '_', '.' only)")]
    BadName(String),
    #[error("two items in the bundle would share the path {0}")]
    DuplicatePath(String),
    #[error("no recipient given: a bundle must be encrypted to at least one public key")]
    NoRecipients,
    #[error("age encryption failed: {0}")]
    Encrypt(String),
}

fn check_name(name: &str) -> Result<(), BundleError> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(BundleError::BadName(name.to_owned()))
    }
}

/// The decrypted archive: file paths and their bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleArchive {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl BundleArchive {
    fn insert(&mut self, path: String, bytes: Vec<u8>) -> Result<(), BundleError> {
        if self.files.contains_key(&path) {
            return Err(BundleError::DuplicatePath(path));
        }
        self.files.insert(path, bytes);
        Ok(())
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = ARCHIVE_MAGIC.to_vec();
        for (path, data) in &self.files {
            out.extend_from_slice(&(path.len() as u32).to_be_bytes());
            out.extend_from_slice(path.as_bytes());
            out.extend_from_slice(&(data.len() as u64).to_be_bytes());
            out.extend_from_slice(data);
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut rest = bytes
            .strip_prefix(ARCHIVE_MAGIC)
            .ok_or("the decrypted content is not an Aman bundle archive")?;
        let mut files = BTreeMap::new();
        let take = |n: usize, rest: &mut &[u8]| -> Result<Vec<u8>, String> {
            if rest.len() < n {
                return Err("the archive is truncated".to_owned());
            }
            let (head, tail) = rest.split_at(n);
            *rest = tail;
            Ok(head.to_vec())
        };
        while !rest.is_empty() {
            let len = u32::from_be_bytes(take(4, &mut rest)?.try_into().expect("4 bytes"));
            let path = String::from_utf8(take(len as usize, &mut rest)?)
                .map_err(|_| "a path in the archive is not UTF-8".to_owned())?;
            let size = u64::from_be_bytes(take(8, &mut rest)?.try_into().expect("8 bytes"));
            let size = usize::try_from(size).map_err(|_| "a file is too large".to_owned())?;
            let data = take(size, &mut rest)?;
            if files.insert(path.clone(), data).is_some() {
                return Err(format!("the archive holds {path} twice"));
            }
        }
        Ok(Self { files })
    }

    /// Encrypts the archive to the recipients in the age format.
    pub fn encrypt_to(
        &self,
        recipients: &[age::x25519::Recipient],
    ) -> Result<Vec<u8>, BundleError> {
        if recipients.is_empty() {
            return Err(BundleError::NoRecipients);
        }
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| BundleError::Encrypt(e.to_string()))?;
        let mut out = Vec::new();
        let mut writer = encryptor
            .wrap_output(&mut out)
            .map_err(|e| BundleError::Encrypt(e.to_string()))?;
        writer
            .write_all(&self.encode())
            .and_then(|_| writer.finish().map(|_| ()))
            .map_err(|e| BundleError::Encrypt(e.to_string()))?;
        Ok(out)
    }

    /// Decrypts a bundle with the recipient's identity.
    pub fn decrypt(bytes: &[u8], identity: &age::x25519::Identity) -> Result<Self, BundleProblem> {
        let decryptor = age::Decryptor::new_buffered(bytes)
            .map_err(|e| BundleProblem::CannotDecrypt(e.to_string()))?;
        let mut reader = decryptor
            .decrypt(std::iter::once(identity as &dyn age::Identity))
            .map_err(|e| BundleProblem::CannotDecrypt(e.to_string()))?;
        let mut plain = Vec::new();
        reader
            .read_to_end(&mut plain)
            .map_err(|e| BundleProblem::CannotDecrypt(e.to_string()))?;
        Self::decode(&plain).map_err(BundleProblem::Malformed)
    }
}

fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("bundle parts always serialise")
}

/// Builds the archive, signs the manifest with `node_key` and encrypts the whole to
/// `recipients`.
pub fn create_bundle(
    contents: &BundleContents,
    node_key: &SignerKey,
    recipients: &[age::x25519::Recipient],
) -> Result<Vec<u8>, BundleError> {
    if recipients.is_empty() {
        return Err(BundleError::NoRecipients);
    }
    let mut archive = BundleArchive::default();
    let mut evidence = Vec::new();
    let mut identities = Vec::new();
    for doc in &contents.documents {
        check_name(&doc.name)?;
        archive.insert(
            format!("documents/{}.json", doc.name),
            json_bytes(&doc.json),
        )?;
    }
    for item in &contents.evidence {
        let sha = Hash256::of(&item.bytes);
        let custody = format!("custody/{sha}.json");
        archive.insert(format!("evidence/{sha}"), item.bytes.clone())?;
        archive.insert(custody.clone(), json_bytes(&item.custody))?;
        evidence.push(ManifestEvidence {
            name: item.name.clone(),
            sha256: sha,
            custody,
        });
    }
    for who in &contents.identities {
        check_name(&who.person_id)?;
        let path = format!("identities/{}.json", who.person_id);
        archive.insert(path.clone(), json_bytes(&who.fields))?;
        identities.push(ManifestIdentity {
            person_id: who.person_id.clone(),
            path,
            grant_id: who.grant_id.clone(),
            recipient: who.recipient.clone(),
        });
    }
    if let Some(head) = &contents.tree_head {
        archive.insert(TREE_HEAD.to_owned(), json_bytes(head))?;
    }
    if !contents.audit_proofs.is_empty() {
        archive.insert(PROOFS.to_owned(), json_bytes(&contents.audit_proofs))?;
    }
    let files = archive
        .files
        .iter()
        .map(|(path, data)| ManifestFile {
            path: path.clone(),
            sha256: Hash256::of(data),
            size: data.len() as u64,
        })
        .collect();
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        title: contents.title.clone(),
        created_at: contents.created_at,
        signer: node_key.public(),
        custody_keys: contents.custody_keys.clone(),
        files,
        evidence,
        identities,
    };
    let manifest_bytes = json_bytes(&manifest);
    let signature = node_key.sign(DOMAIN, &manifest_bytes);
    archive.insert(MANIFEST.to_owned(), manifest_bytes)?;
    archive.insert(SIGNATURE.to_owned(), hex::encode(signature).into_bytes())?;
    archive.encrypt_to(recipients)
}

/// One thing that failed in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleProblem {
    #[error(
        "cannot decrypt: this bundle was not encrypted to this identity, or it is damaged ({0})"
    )]
    CannotDecrypt(String),
    #[error("not a valid bundle: {0}")]
    Malformed(String),
    #[error("the manifest is missing or unreadable: {0}")]
    ManifestUnreadable(String),
    #[error("the manifest signature is invalid: the manifest was edited after signing")]
    ManifestSignatureInvalid,
    #[error("the manifest is signed by key {0}, which is not among the keys you trust; compare it with the mission's published key")]
    SignerUntrusted(KeyId),
    #[error("{0} is listed in the manifest but missing from the bundle")]
    MissingFile(String),
    #[error("{0} is in the bundle but not listed in the manifest")]
    ExtraFile(String),
    #[error("{path} hashes to {actual}, but the manifest says {expected}: the file was changed")]
    FileHashMismatch {
        path: String,
        expected: Hash256,
        actual: Hash256,
    },
    #[error("custody history of evidence {evidence} is invalid: {fault}")]
    CustodyInvalid {
        evidence: Hash256,
        fault: CustodyFault,
    },
    #[error("audit proofs are present but the tree head is missing")]
    TreeHeadMissing,
    #[error("the tree head is not valid: {0}")]
    TreeHeadInvalid(String),
    #[error(
        "the inclusion proof for audit entry {leaf_index} does not match the tree head: {reason}"
    )]
    InclusionProofInvalid { leaf_index: u64, reason: String },
}

/// Everything [`verify_bundle`] found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub problems: Vec<BundleProblem>,
    /// Who signed the manifest, if it could be read.
    pub signer: Option<KeyId>,
    pub files_checked: usize,
    pub custody_histories_checked: usize,
    pub proofs_checked: usize,
    /// The decrypted files, to extract after reading the problems.
    pub archive: Option<BundleArchive>,
}

impl VerifyReport {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(signer) = &self.signer {
            writeln!(f, "signed by node key {signer}")?;
        }
        writeln!(
            f,
            "{} files, {} custody histories, {} inclusion proofs checked",
            self.files_checked, self.custody_histories_checked, self.proofs_checked
        )?;
        if self.problems.is_empty() {
            return writeln!(f, "VALID");
        }
        for p in &self.problems {
            writeln!(f, "FAIL {p}")?;
        }
        Ok(())
    }
}

/// Decrypts and checks a bundle offline. `trusted` holds the node keys the recipient has
/// obtained out of band (the manifest signer and tree head signer must be among them).
pub fn verify_bundle(
    bytes: &[u8],
    identity: &age::x25519::Identity,
    trusted: &TrustedKeys,
) -> VerifyReport {
    let mut report = VerifyReport {
        problems: Vec::new(),
        signer: None,
        files_checked: 0,
        custody_histories_checked: 0,
        proofs_checked: 0,
        archive: None,
    };
    let archive = match BundleArchive::decrypt(bytes, identity) {
        Ok(a) => a,
        Err(p) => {
            report.problems.push(p);
            return report;
        }
    };
    check_archive(&archive, trusted, &mut report);
    report.archive = Some(archive);
    report
}

fn check_archive(archive: &BundleArchive, trusted: &TrustedKeys, report: &mut VerifyReport) {
    let problems = &mut report.problems;
    let manifest_bytes = match archive.files.get(MANIFEST) {
        Some(b) => b,
        None => {
            problems.push(BundleProblem::ManifestUnreadable(
                "manifest.json is missing".into(),
            ));
            return;
        }
    };
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            problems.push(BundleProblem::ManifestUnreadable(e.to_string()));
            return;
        }
    };
    if manifest.format != FORMAT {
        problems.push(BundleProblem::Malformed(format!(
            "format {:?} is not {FORMAT}",
            manifest.format
        )));
    }
    report.signer = Some(manifest.signer.id());
    let signature: Option<[u8; 64]> = archive
        .files
        .get(SIGNATURE)
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| hex::decode(s.trim()).ok())
        .and_then(|s| s.try_into().ok());
    let signed = signature.is_some_and(|sig| manifest.signer.verify(DOMAIN, manifest_bytes, &sig));
    if !signed {
        problems.push(BundleProblem::ManifestSignatureInvalid);
    }
    let signer_trusted = trusted.get(&manifest.signer.id()) == Some(&manifest.signer);
    if !signer_trusted {
        problems.push(BundleProblem::SignerUntrusted(manifest.signer.id()));
    }

    // Files: listed versus present, and their hashes.
    let listed: BTreeMap<&str, &ManifestFile> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    for file in &manifest.files {
        match archive.files.get(&file.path) {
            None => problems.push(BundleProblem::MissingFile(file.path.clone())),
            Some(data) => {
                report.files_checked += 1;
                let actual = Hash256::of(data);
                if actual != file.sha256 {
                    problems.push(BundleProblem::FileHashMismatch {
                        path: file.path.clone(),
                        expected: file.sha256,
                        actual,
                    });
                }
            }
        }
    }
    for path in archive.files.keys() {
        if path != MANIFEST && path != SIGNATURE && !listed.contains_key(path.as_str()) {
            problems.push(BundleProblem::ExtraFile(path.clone()));
        }
    }

    // Keys vouched for by a valid, trusted manifest may sign custody events and heads.
    let mut keys = trusted.clone();
    if signed && signer_trusted {
        keys.add(manifest.signer);
        for k in &manifest.custody_keys {
            keys.add(*k);
        }
    }

    for item in &manifest.evidence {
        // The file's own hash was checked above; here the manifest must file the
        // evidence under its content address.
        let path = format!("evidence/{}", item.sha256);
        match listed.get(path.as_str()) {
            None => problems.push(BundleProblem::MissingFile(path)),
            Some(f) if f.sha256 != item.sha256 => problems.push(BundleProblem::Malformed(format!(
                "{path} is listed with hash {}",
                f.sha256
            ))),
            Some(_) => {}
        }
        let Some(custody_bytes) = archive.files.get(&item.custody) else {
            if listed.contains_key(item.custody.as_str()) {
                continue;
            }
            problems.push(BundleProblem::MissingFile(item.custody.clone()));
            continue;
        };
        report.custody_histories_checked += 1;
        match serde_json::from_slice::<Vec<SignedCustodyEvent>>(custody_bytes) {
            Ok(events) => {
                if let Err(fault) = verify_custody_chain(item.sha256, &events, &keys) {
                    problems.push(BundleProblem::CustodyInvalid {
                        evidence: item.sha256,
                        fault,
                    });
                }
            }
            Err(e) => problems.push(BundleProblem::Malformed(format!(
                "{} is not a custody history: {e}",
                item.custody
            ))),
        }
    }

    check_proofs(archive, &keys, report);
}

fn check_proofs(archive: &BundleArchive, keys: &TrustedKeys, report: &mut VerifyReport) {
    let problems = &mut report.problems;
    let proofs: Vec<AuditProof> = match archive.files.get(PROOFS) {
        None => Vec::new(),
        Some(bytes) => match serde_json::from_slice(bytes) {
            Ok(p) => p,
            Err(e) => {
                problems.push(BundleProblem::Malformed(format!("{PROOFS}: {e}")));
                return;
            }
        },
    };
    let head: Option<SignedTreeHead> = match archive.files.get(TREE_HEAD) {
        None => None,
        Some(bytes) => match serde_json::from_slice(bytes) {
            Ok(h) => Some(h),
            Err(e) => {
                problems.push(BundleProblem::TreeHeadInvalid(e.to_string()));
                return;
            }
        },
    };
    let Some(head) = head else {
        if !proofs.is_empty() {
            problems.push(BundleProblem::TreeHeadMissing);
        }
        return;
    };
    if let Err(e) = head.verify(keys) {
        problems.push(BundleProblem::TreeHeadInvalid(e.to_string()));
    }
    for p in &proofs {
        report.proofs_checked += 1;
        if let Err(e) = verify_inclusion(
            p.leaf_index,
            head.head.tree_size,
            &leaf_hash(&p.entry),
            &p.proof,
            &head.head.root_hash,
        ) {
            problems.push(BundleProblem::InclusionProofInvalid {
                leaf_index: p.leaf_index,
                reason: e.to_string(),
            });
        }
    }
}

mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}
