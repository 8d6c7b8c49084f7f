//! Decomposable (chordal) graphs over J lists, with their cliques and separators: the model
//! space of the Madigan & York Bayesian model averaging.

/// Largest J for which every decomposable graph is enumerated (6 lists: 18,154 graphs).
pub const MAX_GRAPH_LISTS: usize = 6;

/// One decomposable graph: vertices are lists, an edge is a two-way list dependence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecomposableGraph {
    /// Neighbour bitmask per vertex.
    pub adjacency: Vec<u32>,
    /// Maximal cliques (vertex bitmasks).
    pub cliques: Vec<u32>,
    /// Non-empty separators of a junction tree (vertex bitmasks, with multiplicity).
    pub separators: Vec<u32>,
}

impl DecomposableGraph {
    /// The log-linear decomposition: +1 for each clique, −1 for each separator, merged by
    /// vertex set.
    pub fn terms(&self) -> Vec<(u32, i32)> {
        let mut out: Vec<(u32, i32)> = Vec::new();
        let mut add = |set: u32, c: i32| match out.iter_mut().find(|(s, _)| *s == set) {
            Some(e) => e.1 += c,
            None => out.push((set, c)),
        };
        for &c in &self.cliques {
            add(c, 1);
        }
        for &s in &self.separators {
            add(s, -1);
        }
        out.retain(|&(_, c)| c != 0);
        out
    }

    /// Cliques written with list names, e.g. `[A,B][C]`.
    pub fn describe(&self, lists: &[String]) -> String {
        let mut cliques = self.cliques.clone();
        cliques.sort_by_key(|c| c.trailing_zeros());
        cliques
            .iter()
            .map(|&c| {
                let names: Vec<&str> = (0..lists.len())
                    .filter(|&v| c & (1 << v) != 0)
                    .map(|v| lists[v].as_str())
                    .collect();
                format!("[{}]", names.join(","))
            })
            .collect()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> u32 {
        self.adjacency.iter().map(|a| a.count_ones()).sum::<u32>() / 2
    }
}

/// All decomposable graphs on `j` vertices (1 ≤ j ≤ [`MAX_GRAPH_LISTS`]), the empty graph
/// first. Returns an empty vector for j outside that range.
pub fn decomposable_graphs(j: usize) -> Vec<DecomposableGraph> {
    if j == 0 || j > MAX_GRAPH_LISTS {
        return Vec::new();
    }
    let pairs: Vec<(usize, usize)> = (0..j)
        .flat_map(|a| (a + 1..j).map(move |b| (a, b)))
        .collect();
    let mut out = Vec::new();
    for edges in 0u32..(1 << pairs.len()) {
        let mut adjacency = vec![0u32; j];
        for (e, &(a, b)) in pairs.iter().enumerate() {
            if edges & (1 << e) != 0 {
                adjacency[a] |= 1 << b;
                adjacency[b] |= 1 << a;
            }
        }
        if !is_chordal(&adjacency) {
            continue;
        }
        let cliques = maximal_cliques(&adjacency);
        let separators = junction_separators(&cliques);
        out.push(DecomposableGraph {
            adjacency,
            cliques,
            separators,
        });
    }
    out
}

fn is_complete(adjacency: &[u32], set: u32) -> bool {
    (0..adjacency.len())
        .filter(|&v| set & (1 << v) != 0)
        .all(|v| (set & !(1 << v)) & !adjacency[v] == 0)
}

/// A graph is chordal iff simplicial vertices can be eliminated one by one until none remain.
fn is_chordal(adjacency: &[u32]) -> bool {
    let mut remaining: u32 = (1 << adjacency.len()) - 1;
    while remaining != 0 {
        let simplicial = (0..adjacency.len()).find(|&v| {
            remaining & (1 << v) != 0 && is_complete(adjacency, adjacency[v] & remaining)
        });
        match simplicial {
            Some(v) => remaining &= !(1 << v),
            None => return false,
        }
    }
    true
}

fn maximal_cliques(adjacency: &[u32]) -> Vec<u32> {
    let j = adjacency.len();
    let all: u32 = (1 << j) - 1;
    (1..=all)
        .filter(|&s| is_complete(adjacency, s))
        .filter(|&s| (0..j).all(|v| s & (1 << v) != 0 || s & !adjacency[v] != 0))
        .collect()
}

/// Separators of a junction tree: a maximum-weight spanning tree of the clique graph with
/// weights |Ci ∩ Cj| (Kruskal); empty intersections are dropped.
fn junction_separators(cliques: &[u32]) -> Vec<u32> {
    let mut edges: Vec<(u32, usize, usize)> = Vec::new();
    for a in 0..cliques.len() {
        for b in a + 1..cliques.len() {
            edges.push(((cliques[a] & cliques[b]).count_ones(), a, b));
        }
    }
    edges.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut parent: Vec<usize> = (0..cliques.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut seps = Vec::new();
    for (w, a, b) in edges {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra] = rb;
            if w > 0 {
                seps.push(cliques[a] & cliques[b]);
            }
        }
    }
    seps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_the_known_sequence() {
        let counts: Vec<usize> = (1..=5).map(|j| decomposable_graphs(j).len()).collect();
        assert_eq!(counts, vec![1, 2, 8, 61, 822]);
    }

    #[test]
    fn four_cycle_is_excluded_and_path_decomposes() {
        let g4 = decomposable_graphs(4);
        assert!(g4
            .iter()
            .all(|g| !(g.edge_count() == 4 && g.cliques.len() == 4)));
        let g3 = decomposable_graphs(3);
        // Path 0-1-2: cliques {0,1},{1,2}, separator {1}.
        let path = g3
            .iter()
            .find(|g| g.adjacency == vec![0b010, 0b101, 0b010])
            .unwrap();
        let mut terms = path.terms();
        terms.sort();
        assert_eq!(terms, vec![(0b010, -1), (0b011, 1), (0b110, 1)]);
        let names: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        assert_eq!(path.describe(&names), "[A,B][B,C]");
    }
}
