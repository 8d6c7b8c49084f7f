//! Clustering pair decisions into entities. Pair decisions need not be transitive
//! (A~B and B~C but A≁C), so connected components alone over-merge: one weak chain
//! can glue two people together. Components that are not fully consistent are
//! re-clustered with every internal pair scored, merging groups only while their
//! average match probability stays above the threshold (correlation-clustering
//! style), then, when asked, moving single records between the groups while that
//! raises the evidence inside groups; very large components are first cut at a
//! stricter threshold.

use rayon::prelude::*;

use crate::hashing::FastMap;
use serde::{Deserialize, Serialize};

/// Cluster assignment per record, numbered 0.. in order of first appearance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clustering {
    /// Cluster of each record.
    pub assignment: Vec<u32>,
}

impl Clustering {
    /// Number of clusters.
    pub fn cluster_count(&self) -> usize {
        self.assignment
            .iter()
            .map(|&c| c as usize + 1)
            .max()
            .unwrap_or(0)
    }

    /// Record indices of each cluster.
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.cluster_count()];
        for (i, &c) in self.assignment.iter().enumerate() {
            out[c as usize].push(i);
        }
        out
    }

    /// Renumbers clusters 0.. in order of first appearance.
    pub fn from_labels(labels: &[usize]) -> Self {
        let mut map = FastMap::default();
        let assignment = labels
            .iter()
            .map(|l| {
                let next = map.len() as u32;
                *map.entry(*l).or_insert(next)
            })
            .collect();
        Clustering { assignment }
    }
}

/// What clustering did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterStats {
    /// Connected components that were not fully consistent and were re-clustered.
    pub repaired_components: usize,
    /// Extra clusters created by splitting over-merged components.
    pub splits: usize,
    /// Components larger than the repair limit that had to be cut first.
    pub cut_components: usize,
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

fn components(nodes: &[usize], edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let pos: FastMap<usize, usize> = nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let mut uf = UnionFind((0..nodes.len()).collect());
    for &(a, b) in edges {
        if let (Some(&x), Some(&y)) = (pos.get(&a), pos.get(&b)) {
            uf.union(x, y);
        }
    }
    let mut groups: FastMap<usize, Vec<usize>> = FastMap::default();
    for (i, &n) in nodes.iter().enumerate() {
        groups.entry(uf.find(i)).or_default().push(n);
    }
    let mut v: Vec<Vec<usize>> = groups.into_values().collect();
    v.sort_by_key(|g| g[0]);
    v
}

/// Connected components of records 0..n, smallest member first.
fn all_components(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut uf = UnionFind((0..n).collect());
    for &(a, b) in edges {
        uf.union(a, b);
    }
    let mut by_root: Vec<(usize, usize)> = (0..n).map(|i| (uf.find(i), i)).collect();
    by_root.sort_unstable();
    let mut out: Vec<Vec<usize>> = by_root
        .chunk_by(|a, b| a.0 == b.0)
        .map(|g| g.iter().map(|x| x.1).collect())
        .collect();
    out.sort_unstable_by_key(|g| g[0]);
    out
}

/// Clusters `n` records from scored pairs `(a, b, probability)`.
///
/// `score(a, b)` gives the probability for any pair (used inside inconsistent
/// components); labelled pairs should already be folded into both.
pub(crate) fn cluster<F>(
    n: usize,
    edges: &[(u32, u32, f64)],
    threshold: f64,
    max_repair: usize,
    refine: bool,
    score: F,
) -> (Clustering, ClusterStats)
where
    F: Fn(usize, usize) -> f64 + Sync,
{
    let strong: Vec<(usize, usize)> = edges
        .iter()
        .filter(|e| e.2 >= threshold)
        .map(|e| (e.0 as usize, e.1 as usize))
        .collect();
    let comps = all_components(n, &strong);
    let max_repair = max_repair.max(3);
    let results: Vec<(Vec<Vec<usize>>, ClusterStats)> = comps
        .into_par_iter()
        .map(|comp| {
            let settings = Settings {
                threshold,
                max_repair,
                refine,
            };
            resolve_component(comp, &strong, settings, &score, 0)
        })
        .collect();
    let mut labels = vec![0usize; n];
    let mut stats = ClusterStats::default();
    let mut next = 0;
    for (groups, s) in results {
        stats.repaired_components += s.repaired_components;
        stats.splits += s.splits;
        stats.cut_components += s.cut_components;
        for g in groups {
            for i in g {
                labels[i] = next;
            }
            next += 1;
        }
    }
    (Clustering::from_labels(&labels), stats)
}

#[derive(Clone, Copy)]
struct Settings {
    threshold: f64,
    max_repair: usize,
    refine: bool,
}

fn resolve_component<F>(
    comp: Vec<usize>,
    strong: &[(usize, usize)],
    settings: Settings,
    score: &F,
    depth: usize,
) -> (Vec<Vec<usize>>, ClusterStats)
where
    F: Fn(usize, usize) -> f64 + Sync,
{
    let Settings {
        threshold,
        max_repair,
        refine,
    } = settings;
    let mut stats = ClusterStats::default();
    let k = comp.len();
    if k <= 2 {
        return (vec![comp], stats);
    }
    if k > max_repair && depth < 20 {
        // Too large to score every pair: cut at a stricter threshold first.
        stats.cut_components += 1;
        let stricter = threshold + (1.0 - threshold) / 2.0;
        let inside: std::collections::HashSet<usize> = comp.iter().copied().collect();
        let kept: Vec<(usize, usize)> = strong
            .iter()
            .filter(|(a, b)| inside.contains(a) && inside.contains(b) && score(*a, *b) >= stricter)
            .copied()
            .collect();
        let mut groups = Vec::new();
        for sub in components(&comp, &kept) {
            let sub_settings = Settings {
                threshold: stricter,
                ..settings
            };
            let (g, s) = resolve_component(sub, &kept, sub_settings, score, depth + 1);
            stats.repaired_components += s.repaired_components;
            stats.splits += s.splits;
            stats.cut_components += s.cut_components;
            groups.extend(g);
        }
        stats.splits += groups.len().saturating_sub(1);
        return (groups, stats);
    }
    if k > max_repair {
        return (vec![comp], stats);
    }
    let mut p = vec![0.0f64; k * k];
    let mut consistent = true;
    for a in 0..k {
        for b in a + 1..k {
            let v = score(comp[a], comp[b]);
            p[a * k + b] = v;
            p[b * k + a] = v;
            consistent &= v >= threshold;
        }
    }
    if consistent {
        return (vec![comp], stats);
    }
    stats.repaired_components = 1;
    // Average-linkage agglomeration: merge the two groups with the highest mean
    // probability while that mean reaches the threshold.
    let mut groups: Vec<Vec<usize>> = (0..k).map(|i| vec![i]).collect();
    loop {
        let mut best: Option<(f64, usize, usize)> = None;
        for x in 0..groups.len() {
            for y in x + 1..groups.len() {
                let mut s = 0.0;
                for &a in &groups[x] {
                    for &b in &groups[y] {
                        s += p[a * k + b];
                    }
                }
                let mean = s / (groups[x].len() * groups[y].len()) as f64;
                if mean >= threshold && best.is_none_or(|b| mean > b.0) {
                    best = Some((mean, x, y));
                }
            }
        }
        let Some((_, x, y)) = best else { break };
        let moved = groups.swap_remove(y);
        groups[x].extend(moved);
    }
    if refine {
        groups = move_records(&p, k, groups);
    }
    stats.splits = groups.len() - 1;
    let out = groups
        .into_iter()
        .map(|g| g.into_iter().map(|i| comp[i]).collect())
        .collect();
    (out, stats)
}

/// Local search on the correlation-clustering objective (the sum of log-odds inside
/// groups): each record in turn moves to the group, or to a group of its own, that
/// its pairs favour most, until no record moves. Average linkage merges whole groups
/// and never takes a merge back; a record that fits two groups about as well can end
/// in the one it shares fewer strong pairs with.
fn move_records(p: &[f64], k: usize, groups: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    const PASSES: usize = 20;
    let log_odds: Vec<f64> = p
        .iter()
        .map(|&q| {
            let q = q.clamp(1e-6, 1.0 - 1e-6);
            (q / (1.0 - q)).ln()
        })
        .collect();
    let mut label = vec![0usize; k];
    for (g, members) in groups.iter().enumerate() {
        for &i in members {
            label[i] = g;
        }
    }
    let mut next_label = groups.len();
    let mut evidence = vec![0.0f64; k + groups.len()];
    for _ in 0..PASSES {
        let mut moved = false;
        for i in 0..k {
            evidence.iter_mut().for_each(|e| *e = 0.0);
            evidence.resize(next_label.max(evidence.len()), 0.0);
            for j in (0..k).filter(|&j| j != i) {
                evidence[label[j]] += log_odds[i * k + j];
            }
            let own = evidence[label[i]];
            // A group of its own holds no pairs: evidence 0.
            let (mut best, mut best_evidence) = (None, 0.0);
            for j in (0..k).filter(|&j| label[j] != label[i]) {
                let e = evidence[label[j]];
                if e > best_evidence {
                    (best, best_evidence) = (Some(label[j]), e);
                }
            }
            if best_evidence > own + 1e-9 {
                label[i] = best.unwrap_or_else(|| {
                    next_label += 1;
                    next_label - 1
                });
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let mut out: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, l) in label.into_iter().enumerate() {
        out.entry(l).or_default().push(i);
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_chain_is_split() {
        // 0-1-2 and 3-4-5 are tight groups; a single edge 2-3 chains them.
        let strong = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)];
        let mut edges: Vec<(u32, u32, f64)> = strong.iter().map(|&(a, b)| (a, b, 0.99)).collect();
        edges.push((2, 3, 0.6));
        let score = |a: usize, b: usize| {
            let same = (a < 3) == (b < 3);
            if same {
                0.99
            } else if (a.min(b), a.max(b)) == (2, 3) {
                0.6
            } else {
                0.01
            }
        };
        let (c, s) = cluster(6, &edges, 0.5, 100, false, score);
        assert_eq!(c.cluster_count(), 2);
        assert_eq!(c.assignment[0], c.assignment[2]);
        assert_ne!(c.assignment[2], c.assignment[3]);
        assert_eq!(s.repaired_components, 1);
    }

    #[test]
    fn consistent_groups_stay_whole() {
        let edges = vec![(0, 1, 0.9), (1, 2, 0.9), (0, 2, 0.4)];
        let score = |a: usize, b: usize| {
            if (a.min(b), a.max(b)) == (0, 2) {
                0.4
            } else {
                0.9
            }
        };
        let (c, _) = cluster(4, &edges, 0.5, 100, false, score);
        // Mean probability of {0,1} with {2} is 0.65 >= 0.5: one cluster of three.
        assert_eq!(c.cluster_count(), 2);
        assert_eq!(c.assignment[0], c.assignment[2]);
    }

    #[test]
    fn a_record_moves_to_the_group_it_fits_best_or_stands_alone() {
        // 0, 1 and 2, 3 are pairs; record 4 was put with 0, 1 but fits 2, 3 better;
        // record 5 was put with 2, 3 but fits no one.
        let k = 6;
        let mut p = vec![0.02; k * k];
        let mut set = |a: usize, b: usize, q: f64| {
            p[a * k + b] = q;
            p[b * k + a] = q;
        };
        set(0, 1, 0.99);
        set(2, 3, 0.99);
        set(4, 0, 0.6);
        set(4, 1, 0.3);
        set(4, 2, 0.9);
        set(4, 3, 0.9);
        set(5, 2, 0.3);
        set(5, 3, 0.3);
        let groups = move_records(&p, k, vec![vec![0, 1, 4], vec![2, 3, 5]]);
        let mut groups: Vec<Vec<usize>> = groups
            .into_iter()
            .map(|mut g| {
                g.sort();
                g
            })
            .collect();
        groups.sort();
        assert_eq!(groups, vec![vec![0, 1], vec![2, 3, 4], vec![5]]);
    }
}
