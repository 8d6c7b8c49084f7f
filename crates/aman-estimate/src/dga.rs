//! Bayesian model averaging over decomposable graphical log-linear models (Madigan & York
//! 1997, as in R's dga): the exact posterior over (graph, N) on a grid of N values under a
//! hyper-Dirichlet prior on cell probabilities and a chosen prior on N.

use std::fmt;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::graphs::{decomposable_graphs, DecomposableGraph, MAX_GRAPH_LISTS};
use crate::special::{ln_gamma, log_sum_exp};
use crate::summary::{summarize_grid, PosteriorSummary};
use crate::table::CaptureTable;

/// A prior on the population size N, as a log density up to a constant.
#[derive(Clone, Default)]
pub enum NPrior {
    /// p(N) ∝ 1/N (dga's and LCMCR's default).
    #[default]
    Inverse,
    /// p(N) ∝ 1.
    Uniform,
    /// Any log prior, with a label recorded in reports.
    Custom {
        label: String,
        log_prior: Arc<dyn Fn(f64) -> f64 + Send + Sync>,
    },
}

impl NPrior {
    /// A custom log prior.
    pub fn custom(
        label: impl Into<String>,
        f: impl Fn(f64) -> f64 + Send + Sync + 'static,
    ) -> Self {
        NPrior::Custom {
            label: label.into(),
            log_prior: Arc::new(f),
        }
    }

    /// ln p(N) up to a constant.
    pub fn log_density(&self, n: f64) -> f64 {
        match self {
            NPrior::Inverse => -n.ln(),
            NPrior::Uniform => 0.0,
            NPrior::Custom { log_prior, .. } => log_prior(n),
        }
    }

    /// Short description for reports.
    pub fn label(&self) -> String {
        match self {
            NPrior::Inverse => "p(N) ∝ 1/N".into(),
            NPrior::Uniform => "p(N) ∝ 1".into(),
            NPrior::Custom { label, .. } => label.clone(),
        }
    }
}

impl fmt::Debug for NPrior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl Serialize for NPrior {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.label())
    }
}

/// Largest grid accepted (memory grows with grid size × 2^J).
pub const MAX_GRID_POINTS: u64 = 1_000_000;

/// The grid of values for the number of people no list recorded (N − n), inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MissingGrid {
    pub start: u64,
    pub end: u64,
    pub step: u64,
}

impl MissingGrid {
    /// Default grid: 0 … 10·n (at least 1,000), at most ~40,001 points.
    pub fn default_for(n: u64) -> Self {
        let end = (10 * n).max(1000);
        let step = end.div_ceil(40_000).max(1);
        Self {
            start: 0,
            end: end - end % step,
            step,
        }
    }

    /// Number of grid values.
    pub fn points(&self) -> u64 {
        if self.step == 0 || self.end < self.start {
            return 0;
        }
        (self.end - self.start) / self.step + 1
    }

    /// The grid values.
    pub fn values(&self) -> Vec<u64> {
        if self.step == 0 || self.end < self.start {
            return Vec::new();
        }
        (self.start..=self.end)
            .step_by(self.step as usize)
            .collect()
    }
}

/// Settings of the dga estimator.
#[derive(Debug, Clone, Serialize)]
pub struct DgaOptions {
    /// Hyper-Dirichlet parameter per cell; `None` means dga's default 2^-J.
    pub delta: Option<f64>,
    /// Grid for the missing count; `None` means [`MissingGrid::default_for`].
    pub grid: Option<MissingGrid>,
    pub prior: NPrior,
    /// How many of the most probable graphs to list in the result.
    pub top_graphs: usize,
    /// Posterior probability of the interval reported (e.g. 0.95).
    pub interval: f64,
}

impl Default for DgaOptions {
    fn default() -> Self {
        Self {
            delta: None,
            grid: None,
            prior: NPrior::Inverse,
            top_graphs: 10,
            interval: 0.95,
        }
    }
}

/// Why dga could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DgaError {
    #[error("dga enumerates decomposable graphs for at most {max} lists; this table has {found}. Merge or drop lists first")]
    TooManyLists { found: usize, max: usize },
    #[error("the N grid is empty; give start ≤ end and a positive step")]
    EmptyGrid,
    #[error("the N grid has {0} values; at most {MAX_GRID_POINTS} are allowed (raise the step)")]
    GridTooLarge(u64),
    #[error("delta must be positive and finite (got {0})")]
    BadDelta(f64),
    #[error("the posterior is not finite over the grid (check the prior on N)")]
    NonFinite,
}

/// One graph's posterior probability.
#[derive(Debug, Clone, Serialize)]
pub struct GraphProbability {
    /// Cliques with list names, e.g. `[A,B][C]`.
    pub graph: String,
    pub edges: u32,
    pub probability: f64,
}

/// Result of Bayesian model averaging over decomposable graphs.
#[derive(Debug, Clone, Serialize)]
pub struct DgaResult {
    pub assumptions: Vec<String>,
    pub lists: Vec<String>,
    pub observed: u64,
    pub delta: f64,
    pub prior: String,
    pub grid: MissingGrid,
    pub graphs: usize,
    /// Most probable graphs, best first.
    pub top_graphs: Vec<GraphProbability>,
    /// Posterior of N averaged over all graphs.
    pub averaged: PosteriorSummary,
    /// Posterior of N under the single most probable graph.
    pub top_model: PosteriorSummary,
    /// Posterior mass in the top 5% of the grid range; large values mean the grid is too short.
    pub upper_edge_mass: f64,
    pub warnings: Vec<String>,
    /// N values of the grid (n + missing).
    #[serde(skip)]
    pub n_values: Vec<u64>,
    /// Model-averaged posterior probability of each grid value.
    #[serde(skip)]
    pub posterior: Vec<f64>,
}

/// What the dga estimate assumes, stated in every result.
pub fn assumptions() -> Vec<String> {
    vec![
        "closed population: nobody enters or leaves during the lists' coverage".into(),
        "records are linked without error across lists".into(),
        "list dependence follows a decomposable graphical log-linear model; all such graphs equally likely a priori".into(),
        "no heterogeneity beyond what two-way and higher interactions within cliques capture".into(),
        "hyper-Dirichlet prior on cell probabilities with parameter delta; stated prior on N; N restricted to the grid".into(),
    ]
}

/// Computes the exact posterior over (graph, N).
pub fn estimate(table: &CaptureTable, options: &DgaOptions) -> Result<DgaResult, DgaError> {
    let j = table.num_lists();
    if j > MAX_GRAPH_LISTS {
        return Err(DgaError::TooManyLists {
            found: j,
            max: MAX_GRAPH_LISTS,
        });
    }
    let n = table.total();
    let delta = options.delta.unwrap_or((0.5f64).powi(j as i32));
    if !(delta > 0.0 && delta.is_finite()) {
        return Err(DgaError::BadDelta(delta));
    }
    let grid = options.grid.unwrap_or_else(|| MissingGrid::default_for(n));
    let points = grid.points();
    if points > MAX_GRID_POINTS {
        return Err(DgaError::GridTooLarge(points));
    }
    let missing = grid.values();
    if missing.is_empty() {
        return Err(DgaError::EmptyGrid);
    }
    let graphs = decomposable_graphs(j);
    let model = Model::new(table, delta, &missing, &options.prior);

    // The grid is cut into blocks processed in parallel; within a block every graph's row is
    // computed in cache, its log evidence is accumulated, and exp() is skipped wherever a
    // value lies more than NEGLIGIBLE below the best seen (its share is below f64 resolution).
    let terms: Vec<GraphTerms> = graphs.iter().map(|g| GraphTerms::new(g, &model)).collect();
    let blocks: Vec<Block> = (0..missing.len())
        .step_by(BLOCK)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|start| Block::compute(&model, &terms, start, (start + BLOCK).min(missing.len())))
        .collect();
    let evidence: Vec<f64> = (0..graphs.len())
        .map(|g| {
            let parts: Vec<f64> = blocks
                .iter()
                .filter(|b| b.evidence[g].1 > 0.0)
                .map(|b| b.evidence[g].0 + b.evidence[g].1.ln())
                .collect();
            log_sum_exp(&parts)
        })
        .collect();
    let reference = blocks
        .iter()
        .map(|b| b.reference)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut weights = Vec::with_capacity(missing.len());
    for b in &blocks {
        let f = if b.reference.is_finite() {
            (b.reference - reference).exp()
        } else {
            0.0
        };
        weights.extend(b.sum.iter().map(|s| s * f));
    }
    let log_total = log_sum_exp(&evidence);
    if !log_total.is_finite() {
        return Err(DgaError::NonFinite);
    }
    let probs: Vec<f64> = evidence.iter().map(|e| (e - log_total).exp()).collect();
    let mut order: Vec<usize> = (0..graphs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    let top = order[0];

    let posterior = normalize(&weights);
    let mut top_row = vec![0.0; missing.len()];
    model.row(&terms[top], 0, &mut top_row);
    let top_max = top_row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let top_post = normalize(
        &top_row
            .iter()
            .map(|v| (v - top_max).exp())
            .collect::<Vec<_>>(),
    );
    let n_values: Vec<u64> = missing.iter().map(|m| m + n).collect();
    let averaged = summarize_grid(&n_values, &posterior, options.interval);
    let top_model = summarize_grid(&n_values, &top_post, options.interval);

    let edge_from = grid.end - (grid.end - grid.start) / 20;
    let upper_edge_mass: f64 = missing
        .iter()
        .zip(&posterior)
        .filter(|(m, _)| **m >= edge_from && grid.end > grid.start)
        .map(|(_, p)| p)
        .sum();
    let mut warnings = Vec::new();
    if upper_edge_mass > 1e-3 {
        warnings.push(format!(
            "the upper edge of the N grid holds posterior mass ({:.2}% above N = {}); extend the grid beyond N = {}",
            100.0 * upper_edge_mass,
            edge_from + n,
            grid.end + n
        ));
    }
    let top_graphs = order
        .iter()
        .take(options.top_graphs.max(1))
        .map(|&g| GraphProbability {
            graph: graphs[g].describe(table.lists()),
            edges: graphs[g].edge_count(),
            probability: probs[g],
        })
        .collect();
    Ok(DgaResult {
        assumptions: assumptions(),
        lists: table.lists().to_vec(),
        observed: n,
        delta,
        prior: options.prior.label(),
        grid,
        graphs: graphs.len(),
        top_graphs,
        averaged,
        top_model,
        upper_edge_mass,
        warnings,
        n_values,
        posterior,
    })
}

/// Everything about the data and prior that does not depend on the graph.
struct Model {
    /// Per subset of lists C (indexed by bitmask): the constant part of its Dirichlet
    /// marginal likelihood and the offset m_C + α_C whose log-gamma varies with the grid.
    constant: Vec<f64>,
    /// Per subset C: ln Γ(m_C + missing + α_C) over the grid (index 0 unused).
    varying: Vec<Vec<f64>>,
    /// Per grid point: ln Γ(N + δ·2^J), shared by every clique and separator.
    total_term: Vec<f64>,
    /// Per grid point: ln p(N) + ln N! − ln missing! (the multinomial coefficient).
    base: Vec<f64>,
}

impl Model {
    fn new(table: &CaptureTable, delta: f64, missing: &[u64], prior: &NPrior) -> Self {
        let j = table.num_lists();
        let full = table.dense().expect("dga tables have at most 6 lists");
        let n = table.total() as f64;
        let alpha_total = delta * (1u64 << j) as f64;
        let subsets = 1usize << j;
        let mut constant = vec![0.0; subsets];
        let mut varying = vec![Vec::new(); subsets];
        for c in 1..subsets {
            let size = (c as u32).count_ones();
            let alpha = delta * (1u64 << (j as u32 - size)) as f64;
            let mut marginal = vec![0u64; 1 << size];
            for (cell, &count) in full.iter().enumerate() {
                marginal[compress(cell as u32, c as u32) as usize] += count;
            }
            constant[c] = marginal[1..]
                .iter()
                .map(|&d| ln_gamma(d as f64 + alpha))
                .sum::<f64>()
                - (1u64 << size) as f64 * ln_gamma(alpha)
                + ln_gamma(alpha_total);
            let m0 = marginal[0] as f64 + alpha;
            varying[c] = missing.iter().map(|&m| ln_gamma(m0 + m as f64)).collect();
        }
        let total_term = missing
            .iter()
            .map(|&m| ln_gamma(n + m as f64 + alpha_total))
            .collect();
        let base = missing
            .iter()
            .map(|&m| {
                let big_n = n + m as f64;
                prior.log_density(big_n) + ln_gamma(big_n + 1.0) - ln_gamma(m as f64 + 1.0)
            })
            .collect();
        Self {
            constant,
            varying,
            total_term,
            base,
        }
    }

    /// ln p(data, N | graph) (up to a constant shared by all graphs) over grid points
    /// `start .. start + out.len()`.
    fn row(&self, graph: &GraphTerms, start: usize, out: &mut [f64]) {
        let end = start + out.len();
        for ((o, b), t) in out
            .iter_mut()
            .zip(&self.base[start..end])
            .zip(&self.total_term[start..end])
        {
            *o = graph.constant + b - graph.coefficient * t;
        }
        for &(c, sign) in &graph.terms {
            let s = f64::from(sign);
            for (o, v) in out.iter_mut().zip(&self.varying[c as usize][start..end]) {
                *o += s * v;
            }
        }
    }
}

/// A graph's log-linear terms with the parts of its marginal likelihood that do not vary
/// over the grid folded in.
struct GraphTerms {
    terms: Vec<(u32, i32)>,
    /// Σ ± constant parts of the clique and separator marginal likelihoods.
    constant: f64,
    /// Σ ± 1: how many times ln Γ(N + δ·2^J) enters.
    coefficient: f64,
}

impl GraphTerms {
    fn new(graph: &DecomposableGraph, model: &Model) -> Self {
        let terms = graph.terms();
        let coefficient = terms.iter().map(|&(_, s)| f64::from(s)).sum();
        let constant = terms
            .iter()
            .map(|&(c, s)| f64::from(s) * model.constant[c as usize])
            .sum();
        Self {
            terms,
            constant,
            coefficient,
        }
    }
}

const BLOCK: usize = 2048;
/// Values more than this many nats below the best seen are treated as zero.
const NEGLIGIBLE: f64 = 50.0;

/// One block of the grid: Σ_g exp(row_g − reference) and each graph's (max, Σ exp(row − max)).
struct Block {
    reference: f64,
    sum: Vec<f64>,
    evidence: Vec<(f64, f64)>,
}

impl Block {
    fn compute(model: &Model, graphs: &[GraphTerms], start: usize, end: usize) -> Self {
        let len = end - start;
        let mut row = vec![0.0; len];
        let mut sum = vec![0.0; len];
        let mut reference = f64::NEG_INFINITY;
        let mut evidence = Vec::with_capacity(graphs.len());
        for g in graphs {
            model.row(g, start, &mut row);
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !max.is_finite() || max < reference - NEGLIGIBLE {
                evidence.push((max, 0.0));
                continue;
            }
            if max > reference {
                let shrink = (reference - max).exp();
                sum.iter_mut().for_each(|s| *s *= shrink);
                reference = max;
            }
            let factor = (max - reference).exp();
            let mut total = 0.0;
            for (s, &r) in sum.iter_mut().zip(&row) {
                let d = r - max;
                if d > -NEGLIGIBLE {
                    let e = d.exp();
                    total += e;
                    *s += e * factor;
                }
            }
            evidence.push((max, total));
        }
        Self {
            reference,
            sum,
            evidence,
        }
    }
}

/// Keeps only the bits of `cell` selected by `subset`, packed to the low end.
fn compress(cell: u32, subset: u32) -> u32 {
    let mut out = 0;
    let mut bit = 0;
    let mut s = subset;
    while s != 0 {
        let low = s.trailing_zeros();
        if cell & (1 << low) != 0 {
            out |= 1 << bit;
        }
        bit += 1;
        s &= s - 1;
    }
    out
}

fn normalize(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| w / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compress_packs_selected_bits() {
        assert_eq!(compress(0b1011, 0b1010), 0b11);
        assert_eq!(compress(0b0001, 0b1010), 0b00);
        assert_eq!(compress(0b1000, 0b1010), 0b10);
    }

    #[test]
    fn grid_defaults_stay_bounded() {
        let g = MissingGrid::default_for(100_000);
        assert!(g.values().len() <= 40_001);
        assert_eq!(MissingGrid::default_for(10).values().len(), 1001);
        let g = MissingGrid {
            start: 5,
            end: 105,
            step: 10,
        };
        assert_eq!(g.points(), g.values().len() as u64);
    }
}
