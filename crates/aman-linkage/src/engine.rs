//! The linkage pipeline over a prepared dataset: block, compare, train, score,
//! cluster. Everything the review queue and the evaluation need comes back in
//! [`LinkOutput`].

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blocking::{auto_rules, Blocker, BlockingRule, BlockingStats};
use crate::cluster::{cluster, ClusterStats, Clustering};
use crate::compare::Comparator;
use crate::error::LinkError;
use crate::model::{probability, train, Explanation, IndexLabel, Model, TrainOptions};
use crate::record::Dataset;
use crate::review::{PairLabel, ReviewDecision};

/// Which pairs are candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    /// Find duplicates among all records.
    Dedupe,
    /// Link records of different sources only (each source is free of duplicates).
    LinkOnly,
    /// Link across sources and find duplicates within them.
    LinkAndDedupe,
}

/// Settings of one linkage run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkOptions {
    /// Which pairs are candidates.
    pub mode: LinkMode,
    /// Blocking rules; `None` chooses them from the data.
    pub blocking: Option<Vec<BlockingRule>>,
    /// Budget for automatic blocking, in candidate pairs per record and rule.
    pub blocking_pairs_per_record: f64,
    /// Blocks with more records are skipped (and counted).
    pub max_block_size: usize,
    /// Pairs at or above this match probability are linked.
    pub threshold: f64,
    /// Pairs from this probability up to `threshold` are offered for review.
    pub review_threshold: f64,
    /// Model training.
    pub train: TrainOptions,
    /// Largest inconsistent component re-clustered pair by pair.
    pub max_repair: usize,
    /// After merging, move single records to the group their pairs favour most
    /// (see `cluster`). For records that fit several groups about as well, such as
    /// reports of one place and day; on person lists it gained nothing.
    pub refine_clusters: bool,
    /// Reviewers' decisions: used as training labels and as must-link / cannot-link.
    pub labels: Vec<PairLabel>,
    /// A model to use instead of training one.
    pub model: Option<Model>,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            mode: LinkMode::Dedupe,
            blocking: None,
            blocking_pairs_per_record: 5.0,
            max_block_size: 5_000,
            threshold: 0.5,
            review_threshold: 0.1,
            train: TrainOptions::default(),
            max_repair: 300,
            refine_clusters: false,
            labels: Vec::new(),
            model: None,
        }
    }
}

/// A compared pair with its match weight and probability.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredPair {
    /// Index of the first record.
    pub left: u32,
    /// Index of the second record.
    pub right: u32,
    /// Match weight in bits.
    pub match_weight: f64,
    /// Match probability.
    pub probability: f64,
}

/// Seconds spent per stage.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StageTimes {
    /// Computing blocking keys.
    pub blocking: f64,
    /// Generating and comparing candidate pairs.
    pub comparing: f64,
    /// Estimating u, m and λ.
    pub training: f64,
    /// Scoring and clustering.
    pub clustering: f64,
}

/// Result of a linkage run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkOutput {
    /// Record ids, in dataset order.
    pub ids: Vec<String>,
    /// Entity of each record.
    pub clustering: Clustering,
    /// What clustering had to repair.
    pub cluster_stats: ClusterStats,
    /// Candidate pairs at or above the review threshold, strongest first.
    pub pairs: Vec<ScoredPair>,
    /// The model used.
    pub model: Model,
    /// Blocking summary (with pair completeness when truth was given).
    pub blocking: BlockingStats,
    /// Values cut to the maximum length.
    pub truncated_values: usize,
    /// Texts that should have been dates or numbers but could not be read (treated as missing).
    pub unparsed_values: usize,
    /// Time per stage.
    pub times: StageTimes,
}

impl LinkOutput {
    /// Pairs between the review threshold and the link threshold: the review queue.
    pub fn review_pairs(&self, review: f64, link: f64) -> impl Iterator<Item = &ScoredPair> {
        self.pairs
            .iter()
            .filter(move |p| p.probability >= review && p.probability < link)
    }
}

/// Explains how the model scores records `a` and `b` of a dataset.
pub fn explain_pair(
    ds: &Dataset,
    model: &Model,
    a: usize,
    b: usize,
) -> Result<Explanation, LinkError> {
    if a >= ds.len() || b >= ds.len() {
        return Err(LinkError::UnknownRecord(format!("index {}", a.max(b))));
    }
    if model.fields.len() != ds.schema.fields.len() {
        return Err(LinkError::InvalidOption(format!(
            "the model has {} fields but the dataset {}",
            model.fields.len(),
            ds.schema.fields.len()
        )));
    }
    let cmp = Comparator::new(&ds.schema.fields);
    let nf = ds.schema.fields.len();
    let mut lv = vec![0u8; nf];
    cmp.levels(ds.row(a), ds.row(b), &mut lv);
    let sims: Vec<Option<f64>> = (0..nf)
        .map(|f| cmp.similarity(f, ds.field(a, f), ds.field(b, f)))
        .collect();
    Ok(model.explain_levels(&lv, &sims))
}

fn key(a: usize, b: usize) -> (u32, u32) {
    (a.min(b) as u32, a.max(b) as u32)
}

/// Runs the whole pipeline. `truth`, when given (one entity label per record), is
/// used only to measure blocking pair completeness.
pub fn link_dataset(
    ds: &Dataset,
    opts: &LinkOptions,
    truth: Option<&[String]>,
) -> Result<LinkOutput, LinkError> {
    if !(0.0..=1.0).contains(&opts.threshold) || !(0.0..=1.0).contains(&opts.review_threshold) {
        return Err(LinkError::InvalidOption(format!(
            "thresholds must lie in [0, 1]; got link {} and review {}",
            opts.threshold, opts.review_threshold
        )));
    }
    if opts.max_block_size < 2 {
        return Err(LinkError::InvalidOption(
            "max_block_size must be at least 2".into(),
        ));
    }
    let n = ds.len();
    let cross = opts.mode == LinkMode::LinkOnly;
    let index: HashMap<&str, usize> = ds
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut labels = Vec::new();
    for l in &opts.labels {
        let a = *index
            .get(l.left.as_str())
            .ok_or_else(|| LinkError::UnknownRecord(l.left.clone()))?;
        let b = *index
            .get(l.right.as_str())
            .ok_or_else(|| LinkError::UnknownRecord(l.right.clone()))?;
        match l.decision {
            ReviewDecision::Match => labels.push(IndexLabel {
                a,
                b,
                is_match: true,
            }),
            ReviewDecision::NonMatch => labels.push(IndexLabel {
                a,
                b,
                is_match: false,
            }),
            ReviewDecision::Unsure => {}
        }
    }
    let overrides: HashMap<(u32, u32), f64> = labels
        .iter()
        .map(|l| (key(l.a, l.b), if l.is_match { 1.0 } else { 0.0 }))
        .collect();

    let t0 = Instant::now();
    let rules = match &opts.blocking {
        Some(r) => r.clone(),
        None => auto_rules(ds, cross, opts.blocking_pairs_per_record, opts.train.seed),
    };
    let cmp = Comparator::new(&ds.schema.fields);
    let mut blocker = Blocker::new(ds, &rules, cross, opts.max_block_size)?;
    let mut times = StageTimes {
        blocking: t0.elapsed().as_secs_f64(),
        ..Default::default()
    };

    let t1 = Instant::now();
    let cands = blocker.compare_all(ds, &cmp);
    times.comparing = t1.elapsed().as_secs_f64();

    if let Some(truth) = truth {
        if truth.len() != n {
            return Err(LinkError::TruthLength {
                truth: truth.len(),
                clusters: n,
            });
        }
        let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, t) in truth.iter().enumerate() {
            groups.entry(t.as_str()).or_default().push(i);
        }
        let (found, all) = groups
            .par_iter()
            .map(|(_, g)| {
                let mut found = 0u64;
                let mut all = 0u64;
                for x in 0..g.len() {
                    for y in x + 1..g.len() {
                        if cross && ds.sources[g[x]] == ds.sources[g[y]] {
                            continue;
                        }
                        all += 1;
                        found += u64::from(blocker.is_candidate(ds, g[x], g[y]));
                    }
                }
                (found, all)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        blocker.stats.pair_completeness = Some(if all == 0 {
            1.0
        } else {
            found as f64 / all as f64
        });
    }

    let t2 = Instant::now();
    let model = match &opts.model {
        Some(m) if m.fields.len() == ds.schema.fields.len() => m.clone(),
        Some(m) => {
            return Err(LinkError::InvalidOption(format!(
                "the given model has {} fields but the dataset {}",
                m.fields.len(),
                ds.schema.fields.len()
            )))
        }
        None => train(ds, &cmp, &blocker, &cands, cross, &labels, &opts.train),
    };
    times.training = t2.elapsed().as_secs_f64();

    let t3 = Instant::now();
    let nf = ds.schema.fields.len();
    // A weight table per field and level keeps scoring to a few additions per pair.
    let table: Vec<Vec<f64>> = model
        .fields
        .iter()
        .map(|f| (0..f.m.len()).map(|l| f.weight(l as u8)).collect())
        .collect();
    let prior = model.prior_weight();
    let weigh = |lv: &[u8]| {
        prior
            + lv.iter()
                .zip(&table)
                .map(|(&l, t)| t[l as usize])
                .sum::<f64>()
    };
    let keep = opts.review_threshold.min(opts.threshold);
    let mut pairs: Vec<ScoredPair> = (0..cands.pairs.len())
        .into_par_iter()
        .filter_map(|p| {
            let (a, b) = cands.pairs[p];
            let w = weigh(&cands.levels[p * nf..(p + 1) * nf]);
            let prob = overrides
                .get(&key(a as usize, b as usize))
                .copied()
                .unwrap_or_else(|| probability(w));
            (prob >= keep).then_some(ScoredPair {
                left: a,
                right: b,
                match_weight: w,
                probability: prob,
            })
        })
        .collect();
    drop(cands);
    let present: std::collections::HashSet<(u32, u32)> = if labels.is_empty() {
        Default::default()
    } else {
        pairs
            .iter()
            .map(|p| key(p.left as usize, p.right as usize))
            .collect()
    };
    for l in &labels {
        if l.is_match && !present.contains(&key(l.a, l.b)) {
            pairs.push(ScoredPair {
                left: l.a as u32,
                right: l.b as u32,
                match_weight: f64::INFINITY,
                probability: 1.0,
            });
        }
    }
    let edges: Vec<(u32, u32, f64)> = pairs
        .iter()
        .filter(|p| p.probability >= opts.threshold)
        .map(|p| (p.left, p.right, p.probability))
        .collect();
    let score = |a: usize, b: usize| {
        if let Some(&p) = overrides.get(&key(a, b)) {
            return p;
        }
        if cross && ds.sources[a] == ds.sources[b] {
            return 0.0;
        }
        let mut lv = vec![0u8; nf];
        cmp.levels(ds.row(a), ds.row(b), &mut lv);
        probability(weigh(&lv))
    };
    let (clustering, cluster_stats) = cluster(
        n,
        &edges,
        opts.threshold,
        opts.max_repair,
        opts.refine_clusters,
        score,
    );
    pairs.par_sort_unstable_by(|x, y| {
        y.probability
            .total_cmp(&x.probability)
            .then((x.left, x.right).cmp(&(y.left, y.right)))
    });
    times.clustering = t3.elapsed().as_secs_f64();

    Ok(LinkOutput {
        ids: ds.ids.clone(),
        clustering,
        cluster_stats,
        pairs,
        model,
        blocking: blocker.stats,
        truncated_values: ds.truncated,
        unparsed_values: ds.unparsed,
        times,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FieldKind, FieldSpec, Schema, Value};

    fn people() -> Dataset {
        let schema = Schema::new(vec![
            FieldSpec::new("name", FieldKind::FullName),
            FieldSpec::new("dob", FieldKind::Date),
        ]);
        let mut ds = Dataset::new(schema).unwrap();
        let rows = [
            ("a", "Anna Ivanova", "1980-01-02"),
            ("b", "Anna Ivanova", "1980-01-02"),
            ("c", "Boris Petrov", "1955-05-05"),
            ("d", "Borya Petrof", "1955-05-06"),
            ("e", "Gulnara Karimova", "1990-03-03"),
        ];
        for (id, n, d) in rows {
            ds.push(id, 0, vec![Value::Text(n.into()), Value::Text(d.into())])
                .unwrap();
        }
        ds
    }

    #[test]
    fn labels_act_as_constraints() {
        let ds = people();
        let plain = link_dataset(&ds, &LinkOptions::default(), None).unwrap();
        let c = &plain.clustering.assignment;
        assert_eq!(c[0], c[1]);
        assert_ne!(c[0], c[4]);
        let label = |l: &str, r: &str, decision| PairLabel {
            left: l.into(),
            right: r.into(),
            decision,
        };
        let opts = LinkOptions {
            labels: vec![
                label("a", "b", ReviewDecision::NonMatch),
                label("a", "e", ReviewDecision::Match),
                label("c", "d", ReviewDecision::Unsure),
            ],
            ..Default::default()
        };
        let out = link_dataset(&ds, &opts, None).unwrap();
        let c = &out.clustering.assignment;
        assert_ne!(c[0], c[1], "a cannot-link label splits identical records");
        assert_eq!(c[0], c[4], "a must-link label joins different records");
        let bad = LinkOptions {
            labels: vec![label("a", "zz", ReviewDecision::Match)],
            ..Default::default()
        };
        assert!(matches!(
            link_dataset(&ds, &bad, None),
            Err(LinkError::UnknownRecord(_))
        ));
    }

    #[test]
    fn explanations_add_up() {
        let ds = people();
        let out = link_dataset(&ds, &LinkOptions::default(), None).unwrap();
        let e = explain_pair(&ds, &out.model, 2, 3).unwrap();
        let sum = e.prior_weight + e.fields.iter().map(|f| f.weight).sum::<f64>();
        assert!((sum - e.match_weight).abs() < 1e-9);
        assert_eq!(e.fields.len(), 2);
        assert!(explain_pair(&ds, &out.model, 0, 99).is_err());
    }
}
