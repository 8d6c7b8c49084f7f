//! The latent-class Dirichlet-process capture–recapture model (LCMCR, Manrique-Vallier 2016,
//! Biometrics 72(4)), sampled by Gibbs with data augmentation for the unobserved cell.
//!
//! Model: each person belongs to a latent class k with probability π_k; within a class the
//! lists record independently with probabilities λ_jk ~ Beta(1, 1). π follows a stick-breaking
//! prior truncated at K* classes with concentration α ~ Gamma(a_α, b_α); p(N) ∝ 1/N.
//!
//! Speed: class assignments of the people sharing a capture pattern are exchangeable, so each
//! pattern's class counts are drawn as one multinomial instead of one draw per person; the
//! sampler's state lives in flat arrays allocated once per chain.

use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostics::{effective_sample_size, split_rhat};
use crate::summary::{summarize_draws, PosteriorSummary};
use crate::table::CaptureTable;
use crate::variates::{
    gamma_variate, ln_beta_variate, ln_gamma_variate, multinomial, negative_binomial,
};

/// Settings of the LCMCR sampler; defaults follow the R package (K* = 10 as in its examples).
#[derive(Debug, Clone, Serialize)]
pub struct LcmcrOptions {
    /// Truncation K* of the stick-breaking prior (maximum number of latent classes).
    pub k_star: usize,
    /// Sweeps discarded before recording.
    pub burn_in: u64,
    /// Draws recorded per chain.
    pub draws: usize,
    /// Sweeps between recorded draws.
    pub thin: u64,
    /// Gamma prior on the stick-breaking concentration α (shape, rate).
    pub a_alpha: f64,
    pub b_alpha: f64,
    pub chains: usize,
    pub seed: u64,
    /// Posterior probability of the reported interval.
    pub interval: f64,
}

impl Default for LcmcrOptions {
    fn default() -> Self {
        Self {
            k_star: 10,
            burn_in: 10_000,
            draws: 1_000,
            thin: 100,
            a_alpha: 0.25,
            b_alpha: 0.25,
            // Four rather than two: on multimodal posteriors (HRDAG's Colombia stratum) two
            // chains can sit in the same slow regime and agree, hiding the Monte Carlo error.
            chains: 4,
            seed: 1,
            interval: 0.95,
        }
    }
}

impl LcmcrOptions {
    /// K* as HRDAG uses in production: min(2^J − 1, 15).
    pub fn hrdag_k_star(lists: usize) -> usize {
        if lists >= 4 {
            15
        } else {
            (1usize << lists) - 1
        }
    }

    /// Sweeps per chain: the fixed warm-up, burn-in, and draws × thinning.
    pub fn sweeps(&self) -> u64 {
        WARM_UP + self.burn_in + self.draws as u64 * self.thin
    }
}

/// Why LCMCR could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LcmcrError {
    #[error("invalid LCMCR setting: {0}")]
    BadOption(String),
    #[error("the table holds no records")]
    Empty,
}

/// Result of the LCMCR sampler over several chains.
#[derive(Debug, Clone, Serialize)]
pub struct LcmcrResult {
    pub assumptions: Vec<String>,
    pub lists: Vec<String>,
    pub observed: u64,
    pub options: LcmcrOptions,
    /// Pooled posterior of N over all chains.
    pub summary: PosteriorSummary,
    /// Posterior mean of N per chain.
    pub chain_means: Vec<f64>,
    /// Split R-hat of N over chains (None with one short chain).
    pub r_hat: Option<f64>,
    /// Effective sample size of the pooled N draws.
    pub ess: Option<f64>,
    /// Wall-clock seconds per chain and sweeps per second (not part of the reproducible result).
    pub seconds_per_chain: Vec<f64>,
    pub sweeps_per_second: f64,
    pub warnings: Vec<String>,
    /// Recorded draws of N, one vector per chain.
    #[serde(skip)]
    pub draws: Vec<Vec<f64>>,
}

/// What the LCMCR estimate assumes, stated in every result.
pub fn assumptions() -> Vec<String> {
    vec![
        "closed population: nobody enters or leaves during the lists' coverage".into(),
        "records are linked without error across lists".into(),
        "people fall into latent classes; within a class, lists record independently (heterogeneity and list dependence arise only through the classes)".into(),
        "the unobserved share the class structure of the observed (the model extrapolates from the observed patterns)".into(),
        "priors: truncated stick-breaking with alpha ~ Gamma(a_alpha, b_alpha), lambda ~ Beta(1,1), p(N) ∝ 1/N".into(),
    ]
}

/// Runs `options.chains` chains in parallel and pools their draws.
pub fn estimate(table: &CaptureTable, options: &LcmcrOptions) -> Result<LcmcrResult, LcmcrError> {
    check(options)?;
    if table.total() == 0 {
        return Err(LcmcrError::Empty);
    }
    let runs: Vec<(Vec<f64>, f64)> = (0..options.chains)
        .into_par_iter()
        .map(|chain| {
            let start = Instant::now();
            let draws = run_chain(table, options, chain as u64);
            (draws, start.elapsed().as_secs_f64())
        })
        .collect();
    let seconds_per_chain: Vec<f64> = runs.iter().map(|r| r.1).collect();
    let draws: Vec<Vec<f64>> = runs.into_iter().map(|r| r.0).collect();
    let pooled: Vec<f64> = draws.iter().flatten().copied().collect();
    let summary = summarize_draws(&pooled, options.interval);
    let r_hat = split_rhat(&draws);
    let ess = effective_sample_size(&draws);
    let mut warnings = Vec::new();
    if let Some(r) = r_hat.filter(|&r| r > 1.05) {
        warnings.push(format!(
            "R-hat {r:.3} > 1.05: chains disagree; run longer chains (burn-in/draws/thin)"
        ));
    }
    if let Some(e) = ess.filter(|&e| e < 100.0) {
        warnings.push(format!(
            "effective sample size {e:.0} < 100: the interval is imprecise; raise draws or thinning"
        ));
    }
    let mean_seconds = seconds_per_chain.iter().sum::<f64>() / seconds_per_chain.len() as f64;
    Ok(LcmcrResult {
        assumptions: assumptions(),
        lists: table.lists().to_vec(),
        observed: table.total(),
        options: options.clone(),
        summary,
        chain_means: draws
            .iter()
            .map(|d| d.iter().sum::<f64>() / d.len() as f64)
            .collect(),
        r_hat,
        ess,
        seconds_per_chain,
        sweeps_per_second: options.sweeps() as f64 / mean_seconds.max(1e-9),
        warnings,
        draws,
    })
}

fn check(o: &LcmcrOptions) -> Result<(), LcmcrError> {
    let bad = |m: &str| Err(LcmcrError::BadOption(m.to_string()));
    if o.k_star < 1 || o.k_star > 1000 {
        return bad("k_star must be between 1 and 1000");
    }
    if o.draws == 0 || o.thin == 0 {
        return bad("draws and thin must be at least 1");
    }
    if o.chains == 0 {
        return bad("chains must be at least 1");
    }
    if !(o.a_alpha > 0.0 && o.b_alpha > 0.0) {
        return bad("a_alpha and b_alpha must be positive");
    }
    if !(o.interval > 0.0 && o.interval < 1.0) {
        return bad("interval must be between 0 and 1");
    }
    Ok(())
}

/// One chain: returns the recorded draws of N. Chain `c` uses stream `c` of the seed.
pub fn run_chain(table: &CaptureTable, options: &LcmcrOptions, chain: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    rng.set_stream(chain);
    let mut s = Sampler::new(table, options);
    // Warm-up as in the reference implementation: α held small so the chain starts from a
    // few dominant classes, then classes relabelled by decreasing weight.
    for _ in 0..WARM_UP {
        s.sweep(&mut rng, false);
    }
    s.relabel_by_weight();
    for _ in 0..options.burn_in {
        s.sweep(&mut rng, true);
    }
    let mut out = Vec::with_capacity(options.draws);
    for _ in 0..options.draws {
        for _ in 0..options.thin {
            s.sweep(&mut rng, true);
        }
        out.push((s.n + s.n0) as f64);
    }
    out
}

/// Sweeps before the burn-in with α fixed (the reference implementation's warm-up).
pub const WARM_UP: u64 = 500;

/// Sampler state in flat arrays; `[j * k_star + k]` indexes list j, class k.
struct Sampler {
    j: usize,
    k: usize,
    patterns: Vec<u32>,
    counts: Vec<u64>,
    n: u64,
    n0: u64,
    a_alpha: f64,
    b_alpha: f64,
    alpha: f64,
    /// λ_jk / (1 − λ_jk).
    odds: Vec<f64>,
    /// Π_j (1 − λ_jk): the chance class k escapes every list.
    miss: Vec<f64>,
    ln_pi: Vec<f64>,
    class_n: Vec<u64>,
    class_x: Vec<u64>,
    /// π_k · Π_j (1 − λ_jk), this sweep.
    escape: Vec<f64>,
    weights: Vec<f64>,
    suffix: Vec<f64>,
    drawn: Vec<u64>,
    /// Class counts of the unobserved.
    count0: Vec<u64>,
}

impl Sampler {
    fn new(table: &CaptureTable, o: &LcmcrOptions) -> Self {
        let (j, k) = (table.num_lists(), o.k_star);
        let mut s = Self {
            j,
            k,
            patterns: table.cells().iter().map(|c| c.0).collect(),
            counts: table.cells().iter().map(|c| c.1).collect(),
            n: table.total(),
            n0: 0,
            a_alpha: o.a_alpha,
            b_alpha: o.b_alpha,
            alpha: 1.0,
            odds: vec![0.0; j * k],
            miss: vec![1.0; k],
            ln_pi: vec![-(k as f64).ln(); k],
            class_n: vec![0; k],
            class_x: vec![0; j * k],
            escape: vec![0.0; k],
            weights: vec![0.0; k],
            suffix: vec![0.0; k],
            drawn: vec![0; k],
            count0: vec![0; k],
        };
        // Start every class at the lists' marginal recording rates, four classes holding 90%
        // of the weight, and α small (the reference implementation's starting point).
        let n = s.n.max(1) as f64;
        for (jj, &total) in table.list_totals().iter().enumerate() {
            let p = (total as f64 / n).clamp(1e-3, 1.0 - 1e-3);
            for kk in 0..k {
                s.odds[jj * k + kk] = p / (1.0 - p);
                s.miss[kk] *= 1.0 - p;
            }
        }
        if k > 4 {
            for (kk, lp) in s.ln_pi.iter_mut().enumerate() {
                *lp = if kk < 4 {
                    0.225f64.ln()
                } else {
                    (0.1 / (k - 4) as f64).ln()
                };
            }
        }
        s.alpha = 0.3 / k as f64;
        s
    }

    /// Relabels classes by decreasing weight π_k (the stick-breaking prior favours that order).
    fn relabel_by_weight(&mut self) {
        let k = self.k;
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| self.ln_pi[b].total_cmp(&self.ln_pi[a]));
        let permute = |v: &[f64]| order.iter().map(|&o| v[o]).collect::<Vec<f64>>();
        self.ln_pi = permute(&self.ln_pi);
        self.miss = permute(&self.miss);
        self.count0 = order.iter().map(|&o| self.count0[o]).collect();
        for jj in 0..self.j {
            let row = permute(&self.odds[jj * k..jj * k + k]);
            self.odds[jj * k..jj * k + k].copy_from_slice(&row);
        }
    }

    /// Class weights π_k Π_j λ_jk^x_j (1 − λ_jk)^(1 − x_j) for one pattern, in linear space;
    /// false when they under- or overflow.
    fn pattern_weights(&mut self, pattern: u32) -> bool {
        let k = self.k;
        let w = &mut self.weights;
        w.copy_from_slice(&self.escape);
        let mut bits = pattern;
        while bits != 0 {
            let jj = bits.trailing_zeros() as usize;
            let row = &self.odds[jj * k..jj * k + k];
            for kk in 0..k {
                w[kk] *= row[kk];
            }
            bits &= bits - 1;
        }
        let total: f64 = w.iter().sum();
        total.is_finite() && total > 1e-280
    }

    /// The same weights computed in logs, for extreme parameter values.
    fn pattern_weights_in_logs(&mut self, pattern: u32) {
        let k = self.k;
        let w = &mut self.weights;
        for ((x, lp), m) in w.iter_mut().zip(&self.ln_pi).zip(&self.miss) {
            *x = lp + m.ln();
        }
        let mut bits = pattern;
        while bits != 0 {
            let jj = bits.trailing_zeros() as usize;
            for (x, o) in w.iter_mut().zip(&self.odds[jj * k..jj * k + k]) {
                *x += o.ln();
            }
            bits &= bits - 1;
        }
        let max = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for x in w.iter_mut() {
            *x = (*x - max).exp();
        }
    }

    fn sweep(&mut self, rng: &mut ChaCha8Rng, update_alpha: bool) {
        let (j, k) = (self.j, self.k);
        self.class_n.fill(0);
        self.class_x.fill(0);

        // 1. Latent classes of the observed, one multinomial per capture pattern.
        for kk in 0..k {
            self.escape[kk] = self.ln_pi[kk].exp() * self.miss[kk];
        }
        for c in 0..self.patterns.len() {
            let pattern = self.patterns[c];
            if !self.pattern_weights(pattern) {
                self.pattern_weights_in_logs(pattern);
            }
            multinomial(
                rng,
                self.counts[c],
                &self.weights,
                &mut self.suffix,
                &mut self.drawn,
            );
            let mut bits = pattern;
            while bits != 0 {
                let jj = bits.trailing_zeros() as usize;
                for (x, d) in self.class_x[jj * k..jj * k + k].iter_mut().zip(&self.drawn) {
                    *x += d;
                }
                bits &= bits - 1;
            }
            for kk in 0..k {
                self.class_n[kk] += self.drawn[kk];
            }
        }

        // The unobserved keep their class counts from the previous sweep until step 5
        // (the reference implementation's order).
        for kk in 0..k {
            self.class_n[kk] += self.count0[kk];
        }

        // 3. λ_jk ~ Beta(1 + recorded, 1 + not recorded) within class k, as X/(X + Y).
        self.miss.fill(1.0);
        for jj in 0..j {
            for kk in 0..k {
                let yes = self.class_x[jj * k + kk] as f64;
                let no = (self.class_n[kk] - self.class_x[jj * k + kk]) as f64;
                let x = gamma_variate(rng, 1.0 + yes);
                let y = gamma_variate(rng, 1.0 + no);
                self.odds[jj * k + kk] = x / y;
                self.miss[kk] *= y / (x + y);
            }
        }

        // 4. Stick-breaking weights: V_k ~ Beta(1 + n_k, α + Σ_{l>k} n_l), V_K = 1.
        let mut above: u64 = self.class_n.iter().sum();
        let mut ln_rest = 0.0;
        let mut sum_ln_1mv = 0.0;
        for kk in 0..k - 1 {
            above -= self.class_n[kk];
            let (lv, l1mv) = ln_beta_variate(
                rng,
                1.0 + self.class_n[kk] as f64,
                self.alpha + above as f64,
            );
            self.ln_pi[kk] = lv + ln_rest;
            ln_rest += l1mv;
            sum_ln_1mv += l1mv;
        }
        self.ln_pi[k - 1] = ln_rest;

        // 5. The unobserved: n0 | θ ~ NegBin(n, 1 − π0) under p(N) ∝ 1/N, then their classes.
        let mut pi0 = 0.0;
        for kk in 0..k {
            self.escape[kk] = self.ln_pi[kk].exp() * self.miss[kk];
            pi0 += self.escape[kk];
        }
        self.n0 = negative_binomial(rng, self.n as f64, pi0.min(1.0));
        multinomial(
            rng,
            self.n0,
            &self.escape,
            &mut self.suffix,
            &mut self.count0,
        );

        // 6. α ~ Gamma(a + K* − 1, rate b − Σ ln(1 − V_k)).
        if update_alpha && k > 1 {
            let rate = self.b_alpha - sum_ln_1mv;
            self.alpha = (ln_gamma_variate(rng, self.a_alpha + (k - 1) as f64) - rate.ln())
                .exp()
                .max(1e-300);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{simulate, SimClass};
    use crate::special::ln_gamma;

    /// With one latent class LCMCR is the independence model with Beta(1, 1) priors and
    /// p(N) ∝ 1/N, whose posterior of N is a one-dimensional sum.
    #[test]
    fn one_class_matches_the_exact_posterior() {
        let classes = [SimClass {
            share: 1.0,
            capture: vec![0.3, 0.2, 0.25],
        }];
        let table = simulate(600, &classes, 9).expect("valid simulation");
        let n = table.total() as f64;
        let totals: Vec<f64> = table.list_totals().iter().map(|&t| t as f64).collect();
        let log_post = |big_n: f64| {
            -big_n.ln() + ln_gamma(big_n + 1.0) - ln_gamma(big_n - n + 1.0)
                + totals
                    .iter()
                    .map(|&nj| ln_gamma(big_n - nj + 1.0) - ln_gamma(big_n + 2.0))
                    .sum::<f64>()
        };
        let grid: Vec<f64> = (0..20_000).map(|m| n + f64::from(m)).collect();
        let lp: Vec<f64> = grid.iter().map(|&g| log_post(g)).collect();
        let max = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = lp.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = w.iter().sum();
        let exact_mean = grid.iter().zip(&w).map(|(g, w)| g * w).sum::<f64>() / total;
        let options = LcmcrOptions {
            k_star: 1,
            burn_in: 500,
            draws: 4_000,
            thin: 2,
            chains: 2,
            ..LcmcrOptions::default()
        };
        let r = estimate(&table, &options).unwrap();
        println!("exact mean {exact_mean:.1}, sampler {:.1}", r.summary.mean);
        assert!((r.summary.mean - exact_mean).abs() < 0.01 * exact_mean);
    }
}
