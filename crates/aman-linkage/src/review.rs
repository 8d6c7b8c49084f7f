//! Review-queue support: candidate pairs with their explanation, reviewers'
//! decisions (usable as training labels and as must-link / cannot-link
//! constraints), and merges and splits with provenance. Storage and audit belong to
//! the caller; these types only carry the facts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cluster::Clustering;
use crate::engine::LinkOutput;
use crate::error::LinkError;
use crate::model::Explanation;

/// A pair offered to a reviewer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidatePair {
    /// Id of the first record.
    pub left: String,
    /// Id of the second record.
    pub right: String,
    /// Match probability.
    pub probability: f64,
    /// Why.
    pub explanation: Explanation,
}

/// A reviewer's verdict on a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// The two records describe the same entity.
    Match,
    /// They do not.
    NonMatch,
    /// The reviewer cannot tell; recorded but not used for training.
    Unsure,
}

impl ReviewDecision {
    /// Parses `match`, `non_match` / `no_match` / `not_a_match`, `unsure`.
    pub fn parse(s: &str) -> Option<Self> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "match" | "yes" => Some(ReviewDecision::Match),
            "non_match" | "no_match" | "not_a_match" | "no" => Some(ReviewDecision::NonMatch),
            "unsure" | "maybe" => Some(ReviewDecision::Unsure),
            _ => None,
        }
    }
}

/// A decision on a pair, as training label and constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairLabel {
    /// Id of one record.
    pub left: String,
    /// Id of the other.
    pub right: String,
    /// The verdict.
    pub decision: ReviewDecision,
}

/// Who changed an entity, when and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The reviewer (a pseudonymous user id).
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why, in the reviewer's words.
    pub reason: String,
}

/// A manual change to the clustering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClusterEdit {
    /// Put these records (and everything clustered with them) into one entity.
    Merge {
        /// Records whose entities are merged.
        records: Vec<String>,
        /// Who, when, why.
        provenance: Provenance,
    },
    /// Take these records out of their entity into a new one of their own.
    Split {
        /// Records moved out together.
        records: Vec<String>,
        /// Who, when, why.
        provenance: Provenance,
    },
}

impl ClusterEdit {
    /// The pair labels this edit implies, for retraining: a merge says its records
    /// match, a split says the moved records do not match those left behind.
    pub fn implied_labels(&self, ids: &[String], clustering: &Clustering) -> Vec<PairLabel> {
        match self {
            ClusterEdit::Merge { records, .. } => records
                .windows(2)
                .map(|w| PairLabel {
                    left: w[0].clone(),
                    right: w[1].clone(),
                    decision: ReviewDecision::Match,
                })
                .collect(),
            ClusterEdit::Split { records, .. } => {
                let index: HashMap<&str, usize> = ids
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.as_str(), i))
                    .collect();
                let Some(first) = records.first().and_then(|r| index.get(r.as_str())) else {
                    return Vec::new();
                };
                let cluster = clustering.assignment[*first];
                let moved: std::collections::HashSet<&str> =
                    records.iter().map(String::as_str).collect();
                ids.iter()
                    .enumerate()
                    .filter(|(i, id)| {
                        clustering.assignment[*i] == cluster && !moved.contains(id.as_str())
                    })
                    .flat_map(|(_, stay)| {
                        records.iter().map(move |r| PairLabel {
                            left: r.clone(),
                            right: stay.clone(),
                            decision: ReviewDecision::NonMatch,
                        })
                    })
                    .collect()
            }
        }
    }
}

/// Applies edits in order to a clustering of the records `ids`.
pub fn apply_edits(
    ids: &[String],
    clustering: &Clustering,
    edits: &[ClusterEdit],
) -> Result<Clustering, LinkError> {
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut labels: Vec<usize> = clustering.assignment.iter().map(|&c| c as usize).collect();
    let mut next = labels.iter().max().map_or(0, |m| m + 1);
    for edit in edits {
        let (ClusterEdit::Merge { records, .. } | ClusterEdit::Split { records, .. }) = edit;
        let idx: Vec<usize> = records
            .iter()
            .map(|r| {
                index
                    .get(r.as_str())
                    .copied()
                    .ok_or_else(|| LinkError::UnknownRecord(r.clone()))
            })
            .collect::<Result<_, _>>()?;
        match edit {
            ClusterEdit::Merge { .. } => {
                let Some(&target) = idx.first().map(|&i| &labels[i]) else {
                    continue;
                };
                let merged: Vec<usize> = idx.iter().map(|&i| labels[i]).collect();
                for l in labels.iter_mut() {
                    if merged.contains(l) {
                        *l = target;
                    }
                }
            }
            ClusterEdit::Split { .. } => {
                for &i in &idx {
                    labels[i] = next;
                }
                next += 1;
            }
        }
    }
    Ok(Clustering::from_labels(&labels))
}

/// The review queue of a run: at most `limit` pairs between the thresholds, with
/// explanations, strongest first.
pub fn review_queue(
    ds: &crate::record::Dataset,
    out: &LinkOutput,
    review_threshold: f64,
    link_threshold: f64,
    limit: usize,
) -> Result<Vec<CandidatePair>, LinkError> {
    out.review_pairs(review_threshold, link_threshold)
        .take(limit)
        .map(|p| {
            Ok(CandidatePair {
                left: out.ids[p.left as usize].clone(),
                right: out.ids[p.right as usize].clone(),
                probability: p.probability,
                explanation: crate::engine::explain_pair(
                    ds,
                    &out.model,
                    p.left as usize,
                    p.right as usize,
                )?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn prov() -> Provenance {
        Provenance {
            actor: "u1".into(),
            at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            reason: "test".into(),
        }
    }

    #[test]
    fn merges_and_splits() {
        let ids: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let c = Clustering {
            assignment: vec![0, 0, 1, 2],
        };
        let merged = apply_edits(
            &ids,
            &c,
            &[ClusterEdit::Merge {
                records: vec!["a".into(), "c".into()],
                provenance: prov(),
            }],
        )
        .unwrap();
        assert_eq!(merged.cluster_count(), 2);
        assert_eq!(merged.assignment[1], merged.assignment[2]);
        let split = apply_edits(
            &ids,
            &c,
            &[ClusterEdit::Split {
                records: vec!["b".into()],
                provenance: prov(),
            }],
        )
        .unwrap();
        assert_eq!(split.cluster_count(), 4);
        let labels = ClusterEdit::Split {
            records: vec!["b".into()],
            provenance: prov(),
        }
        .implied_labels(&ids, &c);
        assert_eq!(
            labels,
            vec![PairLabel {
                left: "b".into(),
                right: "a".into(),
                decision: ReviewDecision::NonMatch
            }]
        );
        assert!(apply_edits(
            &ids,
            &c,
            &[ClusterEdit::Split {
                records: vec!["zz".into()],
                provenance: prov()
            }]
        )
        .is_err());
    }

    #[test]
    fn decisions_parse() {
        assert_eq!(
            ReviewDecision::parse("Not a match"),
            Some(ReviewDecision::NonMatch)
        );
        assert_eq!(ReviewDecision::parse("match"), Some(ReviewDecision::Match));
        assert_eq!(ReviewDecision::parse("?"), None);
    }
}
