//! What consolidation and estimation keep: the review queue of pairs the linker was
//! unsure about (with every decision, as history and as training labels), which
//! victim-list records were linked into which pseudonymous person, and every estimate
//! run with what is needed to reproduce it.

use aman_core::PersonId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{Page, PageRequest, Result, Who};

/// What a review candidate pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// A report (left) that may belong to an incident (right).
    ReportIncident,
    /// Two reports that may describe one event.
    ReportPair,
    /// Two victim-list records (`list:record`) that may be one person.
    PersonPair,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 3] = [
        ReviewKind::ReportIncident,
        ReviewKind::ReportPair,
        ReviewKind::PersonPair,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReviewKind::ReportIncident => "report_incident",
            ReviewKind::ReportPair => "report_pair",
            ReviewKind::PersonPair => "person_pair",
        }
    }

    pub fn from_code(code: &str) -> Option<ReviewKind> {
        ReviewKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A reviewer's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Match,
    NotAMatch,
    Unsure,
}

impl ReviewDecision {
    pub const ALL: [ReviewDecision; 3] = [
        ReviewDecision::Match,
        ReviewDecision::NotAMatch,
        ReviewDecision::Unsure,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReviewDecision::Match => "match",
            ReviewDecision::NotAMatch => "not_a_match",
            ReviewDecision::Unsure => "unsure",
        }
    }

    pub fn from_code(code: &str) -> Option<ReviewDecision> {
        ReviewDecision::ALL.into_iter().find(|d| d.code() == code)
    }
}

/// A pair to put before a reviewer, with the linker's reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReviewCandidate {
    pub kind: ReviewKind,
    pub left_ref: String,
    pub right_ref: String,
    /// The linker's match probability.
    pub probability: f64,
    /// Per-field contributions, as the linker explained them.
    pub explanation: serde_json::Value,
}

/// One decision in a candidate's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionRecord {
    pub decision: ReviewDecision,
    pub by: String,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// A stored review candidate. The latest decision counts; earlier ones are history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewCandidate {
    pub id: i64,
    pub kind: ReviewKind,
    pub left_ref: String,
    pub right_ref: String,
    pub probability: f64,
    /// Per-field contributions to the match weight.
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Absent while the pair waits for a reviewer.
    pub decision: Option<ReviewDecision>,
    /// Every decision, oldest first (filled by `get_review_candidate`).
    pub history: Vec<DecisionRecord>,
}

/// Review queue filters.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct ReviewFilter {
    pub kind: Option<ReviewKind>,
    /// Only pairs without a decision (`Some(true)`), only decided ones (`Some(false)`).
    pub pending: Option<bool>,
}

/// A reviewer's label on a pair, as training input for the next linking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewLabel {
    pub left_ref: String,
    pub right_ref: String,
    pub is_match: bool,
}

/// One victim-list record and the person it was linked to. Names are not here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListRecord {
    pub list_name: String,
    /// The record's reference within its list.
    pub record_ref: String,
    pub person_id: PersonId,
    /// `m`, `f` or absent.
    pub sex: Option<String>,
    pub age: Option<u32>,
    pub event_date: Option<NaiveDate>,
    /// District or place as the list gave it.
    pub area: Option<String>,
}

/// An estimate to store, with what is needed to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEstimateRun {
    /// `all`, or a stratum such as `sex=f` or `period=2010-06-10..2010-06-14`.
    pub stratum: String,
    /// `capture_file` (a CSV given to the CLI) or `linked_persons` (from this database).
    pub input_kind: String,
    /// The capture table the estimators saw.
    pub capture_table: serde_json::Value,
    /// Methods, priors, truncation, chains — everything but the seed.
    pub options: serde_json::Value,
    pub seed: u64,
    pub software_version: String,
    /// The estimates (or the refusal), with their stated assumptions.
    pub result: serde_json::Value,
}

/// A stored estimate run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EstimateRun {
    pub id: i64,
    pub stratum: String,
    pub input_kind: String,
    #[schema(value_type = Object)]
    pub capture_table: serde_json::Value,
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    pub seed: u64,
    pub software_version: String,
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A linkage model a batch learned (EM on the batch's pairs, reviewers' labels folded
/// in), kept so that linking one record at a time uses what the last batch learned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredLinkageModel {
    pub id: i64,
    /// The pairs it scores.
    pub kind: ReviewKind,
    /// The model as `aman_linkage::Model` serialises it.
    pub model: serde_json::Value,
    /// How many records it was learned from.
    pub trained_on: u64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The review queue, linked victim lists, estimate runs and learned linkage models.
/// Part of every [`crate::Store`].
pub trait ConsolidationStore {
    /// Adds pairs to the queue. A pair already queued keeps its decisions and gets the
    /// new probability and explanation. Returns the candidates' ids.
    fn queue_for_review(&self, by: &Who, pairs: &[NewReviewCandidate]) -> Result<Vec<i64>>;
    fn list_review_candidates(
        &self,
        filter: ReviewFilter,
        page: PageRequest,
    ) -> Result<Page<ReviewCandidate>>;
    /// A candidate with its whole decision history.
    fn get_review_candidate(&self, id: i64) -> Result<Option<ReviewCandidate>>;
    /// Records a decision (the latest counts). For a report–incident pair a match
    /// links the report to the incident, and a later contrary decision unlinks it
    /// again, in the same transaction.
    fn decide_review(
        &self,
        by: &Who,
        id: i64,
        decision: ReviewDecision,
        reason: &str,
    ) -> Result<ReviewCandidate>;
    /// The latest match / not-a-match decisions of one kind (unsure ones are not labels).
    fn review_labels(&self, kind: ReviewKind) -> Result<Vec<ReviewLabel>>;
    fn pending_review_count(&self) -> Result<u64>;

    /// Records a linkage of victim lists: every record of the named lists is replaced
    /// by `records`; persons not yet known are created as victims.
    fn save_list_linkage(
        &self,
        by: &Who,
        lists: &[String],
        records: &[ListRecord],
        synthetic: bool,
        reason: &str,
    ) -> Result<()>;
    /// Every linked victim-list record, by list then record.
    fn list_records(&self) -> Result<Vec<ListRecord>>;

    fn save_estimate_run(&self, by: &Who, run: &NewEstimateRun) -> Result<EstimateRun>;
    fn list_estimate_runs(&self, page: PageRequest) -> Result<Page<EstimateRun>>;
    fn get_estimate_run(&self, id: i64) -> Result<Option<EstimateRun>>;

    /// Keeps a learned model (the newest of its kind is the one in use); audited.
    fn save_linkage_model(
        &self,
        by: &Who,
        kind: ReviewKind,
        model: &serde_json::Value,
        trained_on: u64,
    ) -> Result<StoredLinkageModel>;
    /// The newest model of a kind, if a batch has learned one.
    fn latest_linkage_model(&self, kind: ReviewKind) -> Result<Option<StoredLinkageModel>>;
}
