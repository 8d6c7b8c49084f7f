//! Persistence for Aman: one [`Store`] trait, implemented once in SQL ([`SqlStore`])
//! over two thin drivers — SQLite (the embedded default, one file) and PostgreSQL
//! (a multi-user server). SQL lives only in this crate.
//!
//! Every write runs in one transaction together with its audit-log entry, so a change
//! and the record of who made it are stored or lost together.

mod consolidation;
mod dashboard;
mod driver;
mod migrate;
mod postgres;
mod sql_store;
mod sqlite;
mod vault;
mod vault_store;

use std::sync::Arc;

use aman_core::{
    AuditEntry, ChainBreak, Clock, Incident, IncidentSummary, PersonId, PersonRole, PlaceStatus,
    Report, ResolvedPlace, Role, Source, SourceInput, StatusChange, User, ValidReport,
    VerificationStatus,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use consolidation::{
    ConsolidationStore, DecisionRecord, EstimateRun, ListRecord, NewEstimateRun,
    NewReviewCandidate, ReviewCandidate, ReviewDecision, ReviewFilter, ReviewKind, ReviewLabel,
    StoredLinkageModel,
};
pub use migrate::{MIGRATION_NAMES, SCHEMA_VERSION};
pub use sql_store::SqlStore;
pub use vault::{
    BlindToken, CheckpointRecord, ConsentRecord, CustodyRecord, EvidenceItem, GrantRecord,
    GrantTarget, IdentityMeta, KekRecord, NewIdentity, SealedIdentity, SealedKey, SealedRow,
    SealedTable,
};

/// Who is making a change, as recorded in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub username: String,
}

impl Who {
    pub fn user(username: impl Into<String>) -> Who {
        Who {
            username: username.into(),
        }
    }

    /// Changes made by Aman itself (migrations, scheduled jobs).
    pub fn system() -> Who {
        Who::user("system")
    }
}

/// A validated report ready to store, with its place already resolved (or flagged).
#[derive(Debug, Clone)]
pub struct NewReport {
    pub input: ValidReport,
    pub received_at: DateTime<Utc>,
    pub place_status: PlaceStatus,
    pub place: Option<ResolvedPlace>,
}

/// A [`NewReport`] with its stored JSON already serialised. A bulk import prepares its
/// rows on the thread that reads the file, leaving the database writer (the import's
/// bottleneck) only the inserts.
#[derive(Debug, Clone)]
pub struct PreparedReport {
    report: NewReport,
    input_json: String,
    place_json: Option<String>,
}

impl From<NewReport> for PreparedReport {
    fn from(mut report: NewReport) -> PreparedReport {
        // The row's own column holds when the account was received.
        report.input.clear_received_at();
        PreparedReport {
            input_json: serde_json::to_string(report.input.get()).expect("report serialises"),
            place_json: report
                .place
                .as_ref()
                .map(|p| serde_json::to_string(p).expect("place serialises")),
            report,
        }
    }
}

/// Identifies an imported file so the same file is never imported twice.
#[derive(Debug, Clone)]
pub struct ImportMark {
    pub file_sha256: String,
    pub file_name: String,
}

/// Report list filters; all optional, combined with AND.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReportFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub event_types: Vec<aman_core::EventType>,
    pub admin1: Option<String>,
    pub admin2: Option<String>,
    pub bbox: Option<aman_core::BoundingBox>,
    pub text: Option<String>,
    pub status: Option<VerificationStatus>,
    pub source_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub place_status: Option<PlaceStatus>,
}

/// Incident list filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IncidentFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub event_types: Vec<aman_core::EventType>,
    pub admin1: Option<String>,
    pub admin2: Option<String>,
    pub bbox: Option<aman_core::BoundingBox>,
    pub status: Option<VerificationStatus>,
}

/// Keyset pagination: newest first, `before` is the last id of the previous page.
/// Stable under concurrent inserts, unlike offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub limit: u32,
    pub before: Option<i64>,
}

impl PageRequest {
    pub const MAX_LIMIT: u32 = 1000;

    pub fn first(limit: u32) -> PageRequest {
        PageRequest {
            limit,
            before: None,
        }
    }
}

/// One page of results and the cursor for the next (absent on the last page).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_before: Option<i64>,
}

/// A stored report as the JSON text [`Report`] serialises to, assembled from the stored
/// `input_json` and `place_json` without parsing them into a `Report` and writing them
/// again: for lists that go straight out as JSON (half of a list request's work was
/// that round trip). Checked to be well-formed JSON when assembled.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct ReportJson(pub Box<serde_json::value::RawValue>);

/// Aggregate counts for dashboards.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Counts {
    pub reports: u64,
    pub incidents: u64,
    pub incidents_by_status: Vec<(VerificationStatus, u64)>,
    pub unlinked_reports: u64,
    pub ambiguous_places: u64,
}

/// Incidents in one admin area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaCount {
    pub code: String,
    pub name: Option<String>,
    pub count: u64,
}

/// Incidents matching a filter, counted several ways (web UI dashboard and map).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentBreakdown {
    pub total: u64,
    /// Statuses with at least one incident, in ladder order.
    pub by_status: Vec<(VerificationStatus, u64)>,
    /// An incident of several types counts once under each; taxonomy order.
    pub by_type: Vec<(aman_core::EventType, u64)>,
    /// By the UTC day the incident started, oldest first.
    pub by_day: Vec<(chrono::NaiveDate, u64)>,
    /// Most incidents first.
    pub by_admin1: Vec<AreaCount>,
    pub by_admin2: Vec<AreaCount>,
    /// Incidents without coordinates (not on the map).
    pub unlocated: u64,
}

/// Located incidents in one grid cell: their mean position, how many, and the lowest id
/// (the incident itself when `count` is 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentCluster {
    pub latitude: f64,
    pub longitude: f64,
    pub count: u64,
    pub first_id: i64,
}

/// What can go wrong in the store. `Backend` details are for the log, not for users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error("this file (sha256 {sha256}) was already imported on {imported_at} by {imported_by}; nothing was imported again")]
    DuplicateImport {
        sha256: String,
        imported_at: DateTime<Utc>,
        imported_by: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Backend(String),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything Aman keeps. Implemented by [`SqlStore`] for both backends; the
/// contract tests run the same behaviour against each.
pub trait Store: ConsolidationStore + VaultStore + Send + Sync + std::fmt::Debug {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    fn clock(&self) -> &dyn Clock;

    fn create_user(
        &self,
        by: &Who,
        username: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<User>;
    /// The user and their password hash, for login.
    fn find_user(&self, username: &str) -> Result<Option<(User, String)>>;
    fn list_users(&self) -> Result<Vec<User>>;
    fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The user a live (unexpired) session belongs to.
    fn session_user(&self, token_hash: &str) -> Result<Option<User>>;
    fn delete_session(&self, token_hash: &str) -> Result<()>;

    fn create_source(&self, by: &Who, input: SourceInput) -> Result<Source>;
    fn list_sources(&self) -> Result<Vec<Source>>;
    fn get_source(&self, id: i64) -> Result<Option<Source>>;

    /// Stores all reports or none, streaming them into one transaction. With an
    /// `ImportMark`, refuses a file imported before and records one audit entry for the
    /// whole file; otherwise one entry per report.
    fn insert_reports(
        &self,
        by: &Who,
        reports: &mut dyn Iterator<Item = NewReport>,
        import: Option<ImportMark>,
    ) -> Result<Vec<i64>> {
        self.insert_report_rows(by, &mut reports.map(|r| Ok(r.into())), import)
    }
    /// [`Store::insert_reports`] for a reader that can fail part-way through a file: an
    /// `Err` row rolls the whole transaction back and is returned.
    fn insert_report_rows(
        &self,
        by: &Who,
        rows: &mut dyn Iterator<Item = Result<PreparedReport>>,
        import: Option<ImportMark>,
    ) -> Result<Vec<i64>>;
    fn get_report(&self, id: i64) -> Result<Option<Report>>;
    fn list_reports(&self, filter: &ReportFilter, page: PageRequest) -> Result<Page<Report>>;
    /// [`Store::list_reports`], each report as its JSON text.
    fn list_reports_json(
        &self,
        filter: &ReportFilter,
        page: PageRequest,
    ) -> Result<Page<ReportJson>>;

    fn create_incident(
        &self,
        by: &Who,
        title: &str,
        report_ids: &[i64],
        reason: &str,
    ) -> Result<i64>;
    fn list_incidents(
        &self,
        filter: &IncidentFilter,
        page: PageRequest,
    ) -> Result<Page<IncidentSummary>>;
    fn get_incident(&self, id: i64) -> Result<Option<Incident>>;
    fn link_report(&self, by: &Who, incident_id: i64, report_id: i64, reason: &str) -> Result<()>;
    fn unlink_report(&self, by: &Who, incident_id: i64, report_id: i64, reason: &str)
        -> Result<()>;
    fn change_status(
        &self,
        by: &Who,
        incident_id: i64,
        to: VerificationStatus,
        reason: &str,
    ) -> Result<StatusChange>;

    fn create_person(
        &self,
        by: &Who,
        id: &PersonId,
        role: PersonRole,
        synthetic: bool,
    ) -> Result<()>;

    fn counts(&self) -> Result<Counts>;

    /// Audit entries with `seq > after`, oldest first.
    fn audit_page(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Checks the whole log; `Ok(Err(_))` names the first tampered entry.
    fn verify_audit(&self) -> Result<Result<u64, ChainBreak>> {
        let report = self.audit_report()?;
        Ok(match report.first().or(report.findings.first()) {
            None => Ok(report.entries),
            Some(f) => Err(ChainBreak {
                seq: f.seq.map_or(report.entries as i64 + 1, |s| s as i64),
                problem: f.detail.clone(),
            }),
        })
    }

    /// The whole log as the Merkle log's entries (leaf = canonical bytes), in `seq`
    /// order. A stored hash that is not hex is read as all-ones, which no SHA-256 output
    /// is expected to be, so verification reports that entry as edited.
    fn audit_log_entries(&self) -> Result<Vec<aman_vault::audit::StoredAuditEntry>> {
        use rayon::prelude::*;
        let parse = |hex: &str| {
            aman_vault::Hash256::from_hex(hex).unwrap_or(aman_vault::Hash256([0xff; 32]))
        };
        let convert = |page: Vec<AuditEntry>| -> Vec<aman_vault::audit::StoredAuditEntry> {
            page.par_iter()
                .map(|e| aman_vault::audit::StoredAuditEntry {
                    seq: e.seq as u64,
                    canonical: aman_core::audit::canonical_bytes(e.seq, &e.record),
                    prev_hash: parse(&e.prev_hash),
                    entry_hash: parse(&e.entry_hash),
                })
                .collect()
        };
        // Reading a page and turning the previous one into canonical bytes overlap: on a
        // million entries each is about half of the time.
        let (pages, received) = std::sync::mpsc::sync_channel::<Vec<AuditEntry>>(2);
        std::thread::scope(|scope| {
            let reader = scope.spawn(move || -> Result<()> {
                let mut after = 0;
                loop {
                    let page = self.audit_page(after, 10_000)?;
                    let Some(last) = page.last() else {
                        return Ok(());
                    };
                    after = last.seq;
                    if pages.send(page).is_err() {
                        return Ok(());
                    }
                }
            });
            let mut out = Vec::new();
            for page in received {
                out.extend(convert(page));
            }
            reader.join().expect("the audit reader does not panic")?;
            Ok(out)
        })
    }

    /// Verifies the log against its hash chain, its Merkle tree and every stored signed
    /// tree head (trusting the signing keys recorded in the store).
    fn audit_report(&self) -> Result<aman_vault::audit::AuditReport> {
        let entries = self.audit_log_entries()?;
        let checkpoints = self
            .checkpoints()?
            .iter()
            .map(|c| {
                serde_json::from_str(&c.head_json)
                    .map_err(|e| StoreError::Corrupt(format!("checkpoint {}: {e}", c.tree_size)))
            })
            .collect::<Result<Vec<_>>>()?;
        let trusted = self
            .signing_keys()?
            .iter()
            .filter_map(|k| k.public_hex.as_deref())
            .map(|hex| {
                aman_vault::signing::PublicKey::from_hex(hex)
                    .map_err(|e| StoreError::Corrupt(format!("signing key: {e}")))
            })
            .collect::<Result<aman_vault::signing::TrustedKeys>>()?;
        Ok(aman_vault::audit::verify_audit_log(
            &entries,
            &checkpoints,
            &trusted,
            1,
        ))
    }

    // ---- Web UI aggregates (dashboard and map); SQL in dashboard.rs ----------------

    /// Incidents matching `filter`, counted by status, type, start day and admin area.
    fn incident_breakdown(&self, filter: &IncidentFilter) -> Result<IncidentBreakdown>;
    /// Located incidents matching `filter`, grouped into grid cells of `cell_deg`
    /// degrees (latitude and longitude): one entry per non-empty cell.
    fn incident_clusters(
        &self,
        filter: &IncidentFilter,
        cell_deg: f64,
    ) -> Result<Vec<IncidentCluster>>;
}

// ================================================================================
// Identity vault, need-to-know grants, witness consent, evidence custody and the
// signed tree heads of the audit log. A supertrait of `Store`, so its SQL lives in its
// own file (`vault_store.rs`) and merges stay easy. Every write appends its audit entry
// in the same transaction; no method takes or returns identity data in plaintext.
// ================================================================================

/// The vault's part of the store (every [`Store`] is one).
pub trait VaultStore {
    /// Key-encryption keys known to this database (metadata only; never a key).
    fn kek_records(&self) -> Result<Vec<KekRecord>>;
    /// Records a KEK and makes it the current one (the former current one stays known).
    fn add_kek(&self, by: &Who, record: &KekRecord) -> Result<()>;
    /// Marks a former KEK retired once nothing is wrapped by it any more.
    fn retire_kek(&self, by: &Who, kek_id: &str) -> Result<()>;

    /// Stores key material sealed under the KEK (the blind-index key, a signing key).
    fn put_sealed_key(&self, by: &Who, key: &SealedKey) -> Result<()>;
    fn sealed_key(&self, name: &str) -> Result<Option<SealedKey>>;
    /// All signing keys (their public halves are what checkpoints are verified with).
    fn signing_keys(&self) -> Result<Vec<SealedKey>>;

    /// Creates each person with their sealed identity record and blind-index tokens,
    /// all in one transaction (a batch of witnesses costs one commit, not one each),
    /// streamed so that the caller can still be sealing the later ones.
    fn add_identities(
        &self,
        by: &Who,
        identities: &mut dyn Iterator<Item = NewIdentity>,
    ) -> Result<()>;
    /// Person ids whose tokens match any of `tokens` (no decryption).
    fn find_identities(&self, tokens: &[BlindToken]) -> Result<Vec<String>>;
    /// Whether a sealed record exists, and its case, without the envelope.
    fn identity_meta(&self, person_id: &str) -> Result<Option<IdentityMeta>>;
    /// The sealed record, recording in the same transaction who read it, under which
    /// grant and for what purpose.
    fn read_identity(
        &self,
        by: &Who,
        person_id: &str,
        grant_id: i64,
        purpose: &str,
    ) -> Result<SealedIdentity>;
    /// Person ids of the sealed records filed under a case.
    fn identities_for_incident(&self, incident_id: i64) -> Result<Vec<String>>;
    /// Records a refused attempt to read an identity.
    fn record_identity_refusal(&self, by: &Who, person_id: &str, reason: &str) -> Result<()>;

    /// Up to `limit` sealed values in `table` not wrapped by `kek_id` (for rotation).
    fn sealed_rows_not_under(
        &self,
        table: SealedTable,
        kek_id: &str,
        limit: u32,
    ) -> Result<Vec<SealedRow>>;
    /// Replaces one sealed value if it is still `old` (rotation never overwrites a
    /// concurrent change); returns whether it was replaced.
    fn replace_sealed(
        &self,
        by: &Who,
        table: SealedTable,
        key: &str,
        old: &[u8],
        new: &[u8],
        kek_id: &str,
    ) -> Result<bool>;

    fn create_grant(
        &self,
        by: &Who,
        username: &str,
        target: &GrantTarget,
        purpose: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<GrantRecord>;
    fn revoke_grant(&self, by: &Who, id: i64, reason: &str) -> Result<GrantRecord>;
    fn grants_for(&self, username: &str) -> Result<Vec<GrantRecord>>;
    fn list_grants(&self) -> Result<Vec<GrantRecord>>;

    fn set_consent(&self, by: &Who, consent: &ConsentRecord) -> Result<()>;
    fn consent(&self, person_id: &str) -> Result<Option<ConsentRecord>>;

    /// Records an evidence item and its first custody event.
    fn add_evidence(&self, by: &Who, item: &EvidenceItem, first: &CustodyRecord) -> Result<()>;
    fn evidence(&self, sha256: &str) -> Result<Option<EvidenceItem>>;
    fn evidence_for_incident(&self, incident_id: i64) -> Result<Vec<EvidenceItem>>;
    /// Evidence items whose file is not wrapped by `kek_id`.
    fn evidence_not_under(&self, kek_id: &str) -> Result<Vec<String>>;
    fn set_evidence_kek(&self, by: &Who, sha256: &str, kek_id: &str) -> Result<()>;
    /// Appends a custody event; its `seq` must follow the last one.
    fn append_custody(&self, by: &Who, event: &CustodyRecord) -> Result<()>;
    fn custody(&self, sha256: &str) -> Result<Vec<CustodyRecord>>;

    fn add_checkpoint(&self, by: &Who, checkpoint: &CheckpointRecord) -> Result<()>;
    fn checkpoints(&self) -> Result<Vec<CheckpointRecord>>;
}

/// Opens a store from a URL: `sqlite:PATH` (or a bare path) or `postgres://…`, and
/// brings its schema up to date.
pub fn open(url: &str, clock: Arc<dyn Clock>) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(SqlStore::postgres(url, None, clock)?))
    } else {
        let path = url.strip_prefix("sqlite:").unwrap_or(url);
        Ok(Arc::new(SqlStore::sqlite(
            std::path::Path::new(path),
            clock,
        )?))
    }
}
