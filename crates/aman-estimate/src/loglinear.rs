//! Log-linear capture–recapture models (Fienberg 1972; Cormack 1989; Rcapture's Mt/Mth
//! family): Poisson regression on the 2^J − 1 observable cells, the unobserved cell
//! extrapolated from the intercept, model choice by AIC or BIC, and a profile-likelihood
//! interval for N (Cormack 1992).

use serde::Serialize;

use crate::glm::{fit_poisson, FitError, PoissonFit};
use crate::special::{ln_gamma, normal_quantile};
use crate::table::CaptureTable;

/// Lists above which log-linear models are refused (2^J cells grow too fast).
pub const MAX_LOGLINEAR_LISTS: usize = 12;
/// Lists above which only independence and heterogeneity models are tried.
const MAX_INTERACTION_LISTS: usize = 10;
/// Lists above which stepwise selection is skipped.
const MAX_STEPWISE_LISTS: usize = 8;

/// A heterogeneity term in the number of captures k (Rcapture's Mth variants); each is 0 for
/// the unobserved cell, so the intercept still estimates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Heterogeneity {
    None,
    /// Darroch et al. (1993): k²/2.
    Darroch,
    /// Rivest & Lévesque (2001) Poisson: 2^k − 1.
    Poisson2,
    /// Gamma(3.5): −ln(3.5 + k) + ln 3.5.
    Gamma35,
}

impl Heterogeneity {
    fn column(self, k: u32) -> Option<f64> {
        let k = f64::from(k);
        match self {
            Heterogeneity::None => None,
            Heterogeneity::Darroch => Some(k * k / 2.0),
            Heterogeneity::Poisson2 => Some(k.exp2() - 1.0),
            Heterogeneity::Gamma35 => Some(-(3.5 + k).ln() + 3.5f64.ln()),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Heterogeneity::None => "",
            Heterogeneity::Darroch => " + het(Darroch)",
            Heterogeneity::Poisson2 => " + het(Poisson2)",
            Heterogeneity::Gamma35 => " + het(Gamma3.5)",
        }
    }
}

/// Model choice criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Criterion {
    #[default]
    Aic,
    Bic,
}

/// Which candidate models to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum ModelSet {
    /// Independence only (Mt).
    Independence,
    /// Independence with and without each heterogeneity term (Mt, Mth).
    Heterogeneity,
    /// Independence, each single two-way interaction and forward stepwise selection.
    Interactions,
    /// All of the above.
    #[default]
    Standard,
}

/// Settings of the log-linear estimator.
#[derive(Debug, Clone, Serialize)]
pub struct LogLinearOptions {
    pub criterion: Criterion,
    pub model_set: ModelSet,
    /// Confidence level of the profile-likelihood interval.
    pub interval: f64,
    /// How many of the best models to list.
    pub top_models: usize,
}

impl Default for LogLinearOptions {
    fn default() -> Self {
        Self {
            criterion: Criterion::Aic,
            model_set: ModelSet::Standard,
            interval: 0.95,
            top_models: 10,
        }
    }
}

/// One log-linear model: main effects for every list plus these terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub interactions: Vec<(usize, usize)>,
    pub heterogeneity: Heterogeneity,
}

impl ModelSpec {
    fn independence(h: Heterogeneity) -> Self {
        Self {
            interactions: Vec::new(),
            heterogeneity: h,
        }
    }

    fn name(&self, lists: &[String]) -> String {
        let mut s = String::from("independence");
        if !self.interactions.is_empty() {
            let terms: Vec<String> = self
                .interactions
                .iter()
                .map(|&(a, b)| format!("{}*{}", lists[a], lists[b]))
                .collect();
            s = format!("main + {}", terms.join(" + "));
        }
        s.push_str(self.heterogeneity.label());
        s
    }

    fn columns(&self, j: usize) -> usize {
        1 + j + self.interactions.len() + usize::from(self.heterogeneity != Heterogeneity::None)
    }

    /// Row-major design over the given patterns.
    fn design(&self, j: usize, patterns: &[u32]) -> Vec<f64> {
        let p = self.columns(j);
        let mut x = Vec::with_capacity(patterns.len() * p);
        for &pat in patterns {
            x.push(1.0);
            for l in 0..j {
                x.push(f64::from((pat >> l) & 1));
            }
            for &(a, b) in &self.interactions {
                x.push(f64::from((pat >> a) & (pat >> b) & 1));
            }
            if let Some(h) = self.heterogeneity.column(pat.count_ones()) {
                x.push(h);
            }
        }
        x
    }
}

/// One fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct FittedModel {
    pub model: String,
    pub parameters: usize,
    /// Estimated number of people no list recorded, exp(intercept).
    pub missing: f64,
    /// Estimated N = observed + missing.
    pub n_hat: f64,
    pub deviance: f64,
    pub df: i64,
    pub aic: f64,
    pub bic: f64,
    /// Heterogeneity coefficient, when the model has one (negative values are implausible).
    pub heterogeneity_coefficient: Option<f64>,
}

/// Result of the log-linear estimator.
#[derive(Debug, Clone, Serialize)]
pub struct LogLinearResult {
    pub assumptions: Vec<String>,
    pub lists: Vec<String>,
    pub observed: u64,
    pub criterion: Criterion,
    pub model_set: ModelSet,
    /// The model chosen by the criterion.
    pub chosen: FittedModel,
    /// Profile-likelihood interval for N under the chosen model (upper `None` if unbounded).
    pub level: f64,
    pub lower: f64,
    pub upper: Option<f64>,
    /// Best models by the criterion, best first.
    pub models: Vec<FittedModel>,
    /// Models that could not be fitted (boundary estimates, singular designs).
    pub not_fitted: usize,
    pub warnings: Vec<String>,
}

/// Why no log-linear estimate could be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogLinearError {
    #[error("log-linear models need the full 2^J table; {found} lists exceed the limit of {max}. Use LCMCR, or merge lists")]
    TooManyLists { found: usize, max: usize },
    #[error(
        "no candidate model could be fitted (every fit hit the boundary or a singular design)"
    )]
    NoModel,
    #[error("invalid log-linear setting: {0}")]
    BadOption(String),
}

/// What the log-linear estimate assumes, stated in every result.
pub fn assumptions() -> Vec<String> {
    vec![
        "closed population: nobody enters or leaves during the lists' coverage".into(),
        "records are linked without error across lists".into(),
        "the chosen model's terms capture all list dependence and heterogeneity; in particular the highest-order interaction is zero".into(),
        "the unobserved cell follows the same log-linear model as the observed cells".into(),
        "interval: profile likelihood under the chosen model only (model choice uncertainty is not included)".into(),
    ]
}

/// Fits the candidate models, chooses one and profiles N.
pub fn estimate(
    table: &CaptureTable,
    options: &LogLinearOptions,
) -> Result<LogLinearResult, LogLinearError> {
    let j = table.num_lists();
    if j > MAX_LOGLINEAR_LISTS {
        return Err(LogLinearError::TooManyLists {
            found: j,
            max: MAX_LOGLINEAR_LISTS,
        });
    }
    if !(options.interval > 0.0 && options.interval < 1.0) {
        return Err(LogLinearError::BadOption(
            "interval must be between 0 and 1".into(),
        ));
    }
    let data = Data::new(table);
    let mut warnings = Vec::new();
    let mut tried: Vec<ModelSpec> = Vec::new();
    let mut fitted: Vec<(ModelSpec, FittedModel, PoissonFit)> = Vec::new();
    let mut not_fitted = 0usize;
    let mut attempt =
        |spec: ModelSpec, fitted: &mut Vec<(ModelSpec, FittedModel, PoissonFit)>| -> Option<f64> {
            if let Some(pos) = tried.iter().position(|t| *t == spec) {
                return fitted
                    .iter()
                    .find(|(s, _, _)| *s == tried[pos])
                    .map(|(_, m, _)| score(m, options.criterion));
            }
            tried.push(spec.clone());
            match data.fit(&spec) {
                Ok((model, fit)) => {
                    let s = score(&model, options.criterion);
                    fitted.push((spec, model, fit));
                    Some(s)
                }
                Err(_) => {
                    not_fitted += 1;
                    None
                }
            }
        };
    let hets = [
        Heterogeneity::Darroch,
        Heterogeneity::Poisson2,
        Heterogeneity::Gamma35,
    ];
    attempt(ModelSpec::independence(Heterogeneity::None), &mut fitted);
    if matches!(
        options.model_set,
        ModelSet::Heterogeneity | ModelSet::Standard
    ) {
        for h in hets {
            attempt(ModelSpec::independence(h), &mut fitted);
        }
    }
    if matches!(
        options.model_set,
        ModelSet::Interactions | ModelSet::Standard
    ) {
        if j > MAX_INTERACTION_LISTS {
            warnings.push(format!(
                "{j} lists: interaction models skipped (at most {MAX_INTERACTION_LISTS})"
            ));
        } else {
            let pairs = data.estimable_pairs();
            for &pair in &pairs {
                attempt(
                    ModelSpec {
                        interactions: vec![pair],
                        heterogeneity: Heterogeneity::None,
                    },
                    &mut fitted,
                );
            }
            if j <= MAX_STEPWISE_LISTS {
                // Forward stepwise: add the two-way term that most improves the criterion.
                let mut current = ModelSpec::independence(Heterogeneity::None);
                let mut best = attempt(current.clone(), &mut fitted).unwrap_or(f64::INFINITY);
                loop {
                    let mut step: Option<(f64, ModelSpec)> = None;
                    for &pair in &pairs {
                        if current.interactions.contains(&pair) {
                            continue;
                        }
                        let mut cand = current.clone();
                        cand.interactions.push(pair);
                        cand.interactions.sort_unstable();
                        if let Some(s) = attempt(cand.clone(), &mut fitted) {
                            if s < step.as_ref().map_or(best, |b| b.0) {
                                step = Some((s, cand));
                            }
                        }
                    }
                    match step {
                        Some((s, cand)) => {
                            best = s;
                            current = cand;
                        }
                        None => break,
                    }
                }
            } else {
                warnings.push(format!(
                    "{j} lists: stepwise selection skipped (at most {MAX_STEPWISE_LISTS})"
                ));
            }
        }
    }
    if fitted.is_empty() {
        return Err(LogLinearError::NoModel);
    }
    fitted
        .sort_by(|a, b| score(&a.1, options.criterion).total_cmp(&score(&b.1, options.criterion)));
    let (spec, chosen, fit) = &fitted[0];
    if let Some(c) = chosen.heterogeneity_coefficient.filter(|&c| c < 0.0) {
        warnings.push(format!(
            "the chosen model's heterogeneity coefficient is negative ({c:.3}), which Rcapture treats as implausible"
        ));
    }
    let crit = normal_quantile(0.5 + options.interval / 2.0).powi(2) / 2.0;
    let (lower, upper) = data.profile_interval(spec, fit, crit);
    if upper.is_none() {
        warnings.push(
            "the profile likelihood does not fall enough above N̂: the upper limit is unbounded"
                .into(),
        );
    }
    if chosen.n_hat > 20.0 * data.n {
        warnings.push(format!(
            "the chosen model extrapolates to {:.0} people, over 20 times the {} recorded; treat it as unreliable",
            chosen.n_hat, data.n
        ));
    }
    Ok(LogLinearResult {
        assumptions: assumptions(),
        lists: table.lists().to_vec(),
        observed: table.total(),
        criterion: options.criterion,
        model_set: options.model_set,
        chosen: chosen.clone(),
        level: options.interval,
        lower,
        upper,
        models: fitted
            .iter()
            .take(options.top_models.max(1))
            .map(|f| f.1.clone())
            .collect(),
        not_fitted,
        warnings,
    })
}

fn score(m: &FittedModel, c: Criterion) -> f64 {
    match c {
        Criterion::Aic => m.aic,
        Criterion::Bic => m.bic,
    }
}

/// The observable cells of one table.
struct Data {
    j: usize,
    lists: Vec<String>,
    /// Patterns 1 … 2^J − 1.
    patterns: Vec<u32>,
    y: Vec<f64>,
    n: f64,
    /// Σ ln y! over observable cells (for the Poisson log-likelihood).
    ln_fact: f64,
}

impl Data {
    fn new(table: &CaptureTable) -> Self {
        let j = table.num_lists();
        let patterns: Vec<u32> = (1..(1u32 << j)).collect();
        let y: Vec<f64> = patterns.iter().map(|&p| table.count(p) as f64).collect();
        let ln_fact = y.iter().map(|&v| ln_gamma(v + 1.0)).sum();
        Self {
            j,
            lists: table.lists().to_vec(),
            patterns,
            n: table.total() as f64,
            y,
            ln_fact,
        }
    }

    /// Pairs of lists that share at least one person (others put the MLE on the boundary).
    fn estimable_pairs(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for a in 0..self.j {
            for b in a + 1..self.j {
                let both: f64 = self
                    .patterns
                    .iter()
                    .zip(&self.y)
                    .filter(|(&p, _)| p & (1 << a) != 0 && p & (1 << b) != 0)
                    .map(|(_, &y)| y)
                    .sum();
                if both > 0.0 {
                    out.push((a, b));
                }
            }
        }
        out
    }

    fn fit(&self, spec: &ModelSpec) -> Result<(FittedModel, PoissonFit), FitError> {
        let p = spec.columns(self.j);
        if p > self.patterns.len() {
            return Err(FitError::Singular);
        }
        let x = spec.design(self.j, &self.patterns);
        let fit = fit_poisson(&x, p, &self.y, None)?;
        let loglik: f64 = self
            .y
            .iter()
            .zip(&fit.mu)
            .map(|(&y, &m)| if y > 0.0 { y * m.ln() } else { 0.0 } - m)
            .sum::<f64>()
            - self.ln_fact;
        let missing = fit.beta[0].exp();
        let model = FittedModel {
            model: spec.name(&self.lists),
            parameters: p,
            missing,
            n_hat: self.n + missing,
            deviance: fit.deviance,
            df: self.patterns.len() as i64 - p as i64,
            aic: -2.0 * loglik + 2.0 * p as f64,
            bic: -2.0 * loglik + p as f64 * self.n.ln(),
            heterogeneity_coefficient: (spec.heterogeneity != Heterogeneity::None)
                .then(|| fit.beta[p - 1]),
        };
        Ok((model, fit))
    }

    /// Profile multinomial log-likelihood of N: the model refitted to the complete table with
    /// N − n people in the unobserved cell.
    fn profile(&self, spec: &ModelSpec, big_n: f64, warm: &mut Vec<f64>) -> Option<f64> {
        let mut patterns = Vec::with_capacity(self.patterns.len() + 1);
        patterns.push(0u32);
        patterns.extend_from_slice(&self.patterns);
        let mut y = Vec::with_capacity(patterns.len());
        let missing = (big_n - self.n).max(0.0);
        y.push(missing);
        y.extend_from_slice(&self.y);
        let p = spec.columns(self.j);
        let x = spec.design(self.j, &patterns);
        let fit = fit_poisson(&x, p, &y, Some(warm))
            .or_else(|_| fit_poisson(&x, p, &y, None))
            .ok()?;
        *warm = fit.beta.clone();
        let total: f64 = fit.mu.iter().sum();
        let mut ll = ln_gamma(big_n + 1.0) - ln_gamma(missing + 1.0);
        for (&yc, &m) in y.iter().zip(&fit.mu) {
            if yc > 0.0 {
                ll += yc * (m / total).ln();
            }
        }
        Some(ll)
    }

    /// Profile-likelihood interval: N with 2·(ℓ(N̂) − ℓ(N)) ≤ χ²₁(level).
    fn profile_interval(
        &self,
        spec: &ModelSpec,
        fit: &PoissonFit,
        crit: f64,
    ) -> (f64, Option<f64>) {
        let mut warm = fit.beta.clone();
        let m_hat = fit.beta[0].exp();
        let ell = |m: f64, warm: &mut Vec<f64>| {
            self.profile(spec, self.n + m, warm)
                .unwrap_or(f64::NEG_INFINITY)
        };
        // Maximise over the missing count by golden section around the Poisson estimate.
        let (mut a, mut b) = (0.0f64, 3.0 * m_hat + 10.0);
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let mut c = b - g * (b - a);
        let mut d = a + g * (b - a);
        let (mut fc, mut fd) = (ell(c, &mut warm), ell(d, &mut warm));
        for _ in 0..60 {
            if fc > fd {
                b = d;
                d = c;
                fd = fc;
                c = b - g * (b - a);
                fc = ell(c, &mut warm);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + g * (b - a);
                fd = ell(d, &mut warm);
            }
            if b - a < 1e-3 {
                break;
            }
        }
        let m_star = (a + b) / 2.0;
        let top = ell(m_star, &mut warm);
        let target = top - crit;
        let lower = if ell(0.0, &mut warm) >= target {
            self.n
        } else {
            let (mut lo, mut hi) = (0.0, m_star);
            for _ in 0..60 {
                let mid = (lo + hi) / 2.0;
                if ell(mid, &mut warm) >= target {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            self.n + hi
        };
        let mut hi = m_star * 2.0 + 10.0;
        let mut found = false;
        for _ in 0..40 {
            if ell(hi, &mut warm) < target {
                found = true;
                break;
            }
            hi *= 2.0;
        }
        if !found {
            return (lower, None);
        }
        let mut lo = m_star;
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if ell(mid, &mut warm) >= target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lower, Some(self.n + lo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_lists(n11: u64, n10: u64, n01: u64) -> CaptureTable {
        CaptureTable::new(
            vec!["A".into(), "B".into()],
            [(0b11, n11), (0b01, n10), (0b10, n01)],
        )
        .unwrap()
    }

    #[test]
    fn independence_on_two_lists_is_lincoln_petersen() {
        let t = two_lists(30, 70, 50);
        let opts = LogLinearOptions {
            model_set: ModelSet::Independence,
            ..Default::default()
        };
        let r = estimate(&t, &opts).unwrap();
        // Lincoln–Petersen: n1·n2/m = 100·80/30.
        assert!((r.chosen.n_hat - 100.0 * 80.0 / 30.0).abs() < 1e-6);
        assert!(r.lower < r.chosen.n_hat && r.upper.unwrap() > r.chosen.n_hat);
    }

    #[test]
    fn stepwise_finds_a_real_interaction() {
        // Lists A and B strongly positively dependent, C independent.
        let t = CaptureTable::new(
            vec!["A".into(), "B".into(), "C".into()],
            [
                (0b001, 40),
                (0b010, 35),
                (0b011, 120),
                (0b100, 90),
                (0b101, 12),
                (0b110, 10),
                (0b111, 30),
            ],
        )
        .unwrap();
        let r = estimate(&t, &LogLinearOptions::default()).unwrap();
        assert!(r.models.iter().any(|m| m.model.contains("A*B")));
        assert!(r.chosen.n_hat > t.total() as f64);
    }
}
