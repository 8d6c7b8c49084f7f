//! Clustering pair decisions into entities. Pair decisions need not be transitive
//! (A~B and B~C but A≁C), so connected components alone over-merge: one weak chain
//! can glue two people together. Components that are not fully consistent are
//! re-clustered with every internal pair scored, merging groups only while their
//! average match probability stays above the threshold (correlation-clustering
//! style); very large components are first cut at a stricter threshold.

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
        .map(|comp| resolve_component(comp, &strong, threshold, max_repair, &score, 0))
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

fn resolve_component<F>(
    comp: Vec<usize>,
    strong: &[(usize, usize)],
    threshold: f64,
    max_repair: usize,
    score: &F,
    depth: usize,
) -> (Vec<Vec<usize>>, ClusterStats)
where
    F: Fn(usize, usize) -> f64 + Sync,
{
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
            let (g, s) = resolve_component(sub, &kept, stricter, max_repair, score, depth + 1);
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
    stats.splits = groups.len() - 1;
    let out = groups
        .into_iter()
        .map(|g| g.into_iter().map(|i| comp[i]).collect())
        .collect();
    (out, stats)
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
        let (c, s) = cluster(6, &edges, 0.5, 100, score);
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
        let (c, _) = cluster(4, &edges, 0.5, 100, score);
        // Mean probability of {0,1} with {2} is 0.65 >= 0.5: one cluster of three.
        assert_eq!(c.cluster_count(), 2);
        assert_eq!(c.assignment[0], c.assignment[2]);
    }
}
