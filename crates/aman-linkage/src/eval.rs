//! Quality against ground truth: pairwise and exact-cluster precision, recall, F1.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::cluster::Clustering;
use crate::engine::ScoredPair;
use crate::error::LinkError;

/// Precision, recall and F1 of one kind of decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    /// Share of predicted positives that are true.
    pub precision: f64,
    /// Share of true positives that were predicted.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

impl Prf {
    /// From counts of true positives, predicted positives and actual positives.
    /// With nothing predicted and nothing to find, every figure is 1.
    pub fn from_counts(tp: u64, predicted: u64, actual: u64) -> Self {
        let precision = if predicted == 0 {
            1.0
        } else {
            tp as f64 / predicted as f64
        };
        let recall = if actual == 0 {
            1.0
        } else {
            tp as f64 / actual as f64
        };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }
}

/// Quality of a clustering against the truth.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Over pairs of records placed together.
    pub pairwise: Prf,
    /// Over whole clusters: a predicted cluster counts when it equals a true one exactly.
    pub cluster: Prf,
    /// Pairs placed together that are true matches.
    pub true_positive_pairs: u64,
    /// Pairs placed together.
    pub predicted_pairs: u64,
    /// Pairs that truly match.
    pub true_pairs: u64,
    /// Number of predicted and of true clusters.
    pub predicted_clusters: usize,
    /// Number of true entities.
    pub true_clusters: usize,
}

fn pairs_of(k: u64) -> u64 {
    k * k.saturating_sub(1) / 2
}

/// Compares a clustering with the true entity of each record (same order).
pub fn evaluate<T: std::hash::Hash + Eq>(
    clusters: &Clustering,
    truth: &[T],
) -> Result<Metrics, LinkError> {
    let n = clusters.assignment.len();
    if truth.len() != n {
        return Err(LinkError::TruthLength {
            truth: truth.len(),
            clusters: n,
        });
    }
    let mut truth_ids: HashMap<&T, u32> = HashMap::new();
    let t: Vec<u32> = truth
        .iter()
        .map(|x| {
            let next = truth_ids.len() as u32;
            *truth_ids.entry(x).or_insert(next)
        })
        .collect();
    let mut pred_size: HashMap<u32, u64> = HashMap::new();
    let mut true_size: HashMap<u32, u64> = HashMap::new();
    let mut both: HashMap<(u32, u32), u64> = HashMap::new();
    for (&p, &tt) in clusters.assignment.iter().zip(&t) {
        *pred_size.entry(p).or_default() += 1;
        *true_size.entry(tt).or_default() += 1;
        *both.entry((p, tt)).or_default() += 1;
    }
    let tp: u64 = both.values().map(|&k| pairs_of(k)).sum();
    let predicted: u64 = pred_size.values().map(|&k| pairs_of(k)).sum();
    let actual: u64 = true_size.values().map(|&k| pairs_of(k)).sum();
    // A cluster is exact when all its records share one truth entity and that entity has no other records.
    let exact = both
        .iter()
        .filter(|(&(p, tt), &k)| pred_size[&p] == k && true_size[&tt] == k)
        .count() as u64;
    Ok(Metrics {
        pairwise: Prf::from_counts(tp, predicted, actual),
        cluster: Prf::from_counts(exact, pred_size.len() as u64, true_size.len() as u64),
        true_positive_pairs: tp,
        predicted_pairs: predicted,
        true_pairs: actual,
        predicted_clusters: pred_size.len(),
        true_clusters: true_size.len(),
    })
}

/// Precision, recall and F1 of the pair decisions themselves (before clustering):
/// pairs scored at or above `threshold` against all truly matching pairs. This is
/// the figure Splink reports for `predict()` at a probability threshold.
pub fn evaluate_pairs<T: std::hash::Hash + Eq>(
    pairs: &[ScoredPair],
    truth: &[T],
    threshold: f64,
) -> Prf {
    let mut sizes: HashMap<&T, u64> = HashMap::new();
    for t in truth {
        *sizes.entry(t).or_default() += 1;
    }
    let actual: u64 = sizes.values().map(|&k| pairs_of(k)).sum();
    let (mut tp, mut predicted) = (0u64, 0u64);
    for p in pairs.iter().filter(|p| p.probability >= threshold) {
        let (a, b) = (p.left as usize, p.right as usize);
        if a < truth.len() && b < truth.len() {
            predicted += 1;
            tp += u64::from(truth[a] == truth[b]);
        }
    }
    Prf::from_counts(tp, predicted, actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_imperfect() {
        let c = Clustering {
            assignment: vec![0, 0, 1, 2],
        };
        let m = evaluate(&c, &["a", "a", "b", "c"]).unwrap();
        assert_eq!(m.pairwise.f1, 1.0);
        assert_eq!(m.cluster.f1, 1.0);
        let m = evaluate(&c, &["a", "a", "a", "c"]).unwrap();
        assert_eq!(m.true_pairs, 3);
        assert_eq!(m.true_positive_pairs, 1);
        assert!((m.pairwise.recall - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.pairwise.precision, 1.0);
        assert!(evaluate(&c, &["a"]).is_err());
    }
}
