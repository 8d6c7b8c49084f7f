//! Record linkage for Aman: which reports describe the same incident, and which
//! victim records on different lists are the same person.
//!
//! Pure computation: no database, no HTTP, no clock, no global randomness (every
//! random draw is seeded through the options). The pipeline is
//! prepare ([`Dataset`]) → block ([`BlockingRule`], union of keys) → compare (one
//! comparison level per field) → weigh (Fellegi–Sunter [`Model`], trained without
//! labels by EM) → cluster (repairing intransitive decisions) → explain
//! ([`Explanation`]). On top of it sit the two domain uses, [`incidents`] and
//! [`persons`], CSV linkage for the command line ([`link_csv`]) and evaluation
//! against ground truth ([`evaluate`]).

mod blocking;
mod cluster;
mod compare;
mod csvlink;
mod engine;
mod error;
mod eval;
mod hashing;
pub mod incidents;
mod model;
mod names;
pub mod persons;
mod record;
mod review;
mod similarity;
pub mod synth;

pub use blocking::{BlockingRule, BlockingStats, KeyKind, KeyPart};
pub use cluster::{ClusterStats, Clustering};
pub use compare::{level_count, level_labels, NULL_LEVEL};
pub use csvlink::{
    csv_delimiter, id_column, link_csv, link_csv_readers, ColumnMapping, CsvLinkOutput, CsvMapping,
    PlacePoints, SkippedRow, MAX_REVIEW_PAIRS,
};
pub use engine::{
    explain_pair, link_dataset, LinkMode, LinkOptions, LinkOutput, ScoredPair, StageTimes,
};
pub use error::LinkError;
pub use eval::{evaluate, evaluate_pairs, Metrics, Prf};
pub use model::{probability, Explanation, FieldContribution, FieldWeights, Model, TrainOptions};
pub use record::{Dataset, FieldKind, FieldSpec, Schema, Value, MAX_NAME_CHARS, MAX_TEXT_CHARS};
pub use review::{
    apply_edits, review_queue, CandidatePair, ClusterEdit, PairLabel, Provenance, ReviewDecision,
};
pub use similarity::{
    haversine_km, jaro_winkler, levenshtein, levenshtein_similarity, range_similarity,
    token_set_similarity,
};
