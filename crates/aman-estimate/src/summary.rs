//! Posterior summaries of N, from a probability vector over a grid (dga) or from draws
//! (LCMCR), in one shape so reports can put estimators side by side.

use serde::Serialize;

/// Point estimates and an equal-tailed interval for N.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PosteriorSummary {
    pub mean: f64,
    pub median: f64,
    /// Posterior mode (grid posteriors only).
    pub mode: Option<u64>,
    /// Bayes estimate under relative squared error loss, E[1/N] / E[1/N²].
    pub bayes_relative: f64,
    pub sd: f64,
    /// Probability of the interval, e.g. 0.95.
    pub level: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Summary of a posterior given as probabilities over sorted N values.
pub fn summarize_grid(n_values: &[u64], probs: &[f64], level: f64) -> PosteriorSummary {
    let mut mean = 0.0;
    let mut second = 0.0;
    let mut inv = 0.0;
    let mut inv2 = 0.0;
    let mut mode = (0u64, f64::NEG_INFINITY);
    for (&n, &p) in n_values.iter().zip(probs) {
        let x = n as f64;
        mean += p * x;
        second += p * x * x;
        if x > 0.0 {
            inv += p / x;
            inv2 += p / (x * x);
        }
        if p > mode.1 {
            mode = (n, p);
        }
    }
    let quantile = |q: f64| {
        let mut cum = 0.0;
        for (&n, &p) in n_values.iter().zip(probs) {
            cum += p;
            if cum >= q - 1e-12 {
                return n as f64;
            }
        }
        n_values.last().map_or(f64::NAN, |&n| n as f64)
    };
    let tail = (1.0 - level) / 2.0;
    PosteriorSummary {
        mean,
        median: quantile(0.5),
        mode: Some(mode.0),
        bayes_relative: inv / inv2,
        sd: (second - mean * mean).max(0.0).sqrt(),
        level,
        lower: quantile(tail),
        upper: quantile(1.0 - tail),
    }
}

/// Summary of posterior draws of N.
pub fn summarize_draws(draws: &[f64], level: f64) -> PosteriorSummary {
    let mut sorted = draws.to_vec();
    sorted.sort_by(f64::total_cmp);
    let len = sorted.len().max(1) as f64;
    let mean = sorted.iter().sum::<f64>() / len;
    let var = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (len - 1.0).max(1.0);
    let inv = sorted.iter().map(|x| 1.0 / x).sum::<f64>();
    let inv2 = sorted.iter().map(|x| 1.0 / (x * x)).sum::<f64>();
    let tail = (1.0 - level) / 2.0;
    PosteriorSummary {
        mean,
        median: quantile_sorted(&sorted, 0.5),
        mode: None,
        bayes_relative: inv / inv2,
        sd: var.sqrt(),
        level,
        lower: quantile_sorted(&sorted, tail),
        upper: quantile_sorted(&sorted, 1.0 - tail),
    }
}

/// Quantile with linear interpolation between order statistics (R's default, type 7).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_summary_of_a_point_mass() {
        let s = summarize_grid(&[10, 11, 12], &[0.0, 1.0, 0.0], 0.95);
        assert_eq!(s.mode, Some(11));
        assert_eq!((s.median, s.lower, s.upper), (11.0, 11.0, 11.0));
        assert!((s.bayes_relative - 11.0).abs() < 1e-12);
    }

    #[test]
    fn draw_quantiles_follow_type_7() {
        let d: Vec<f64> = (1..=5).map(f64::from).collect();
        assert_eq!(quantile_sorted(&d, 0.5), 3.0);
        assert_eq!(quantile_sorted(&d, 0.1), 1.4);
        let s = summarize_draws(&d, 0.5);
        assert_eq!((s.lower, s.upper), (2.0, 4.0));
    }
}
