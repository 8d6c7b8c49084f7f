//! Convergence diagnostics for MCMC chains: split R-hat and effective sample size
//! (Gelman et al., Bayesian Data Analysis 3rd ed., §11.4–11.5).

/// Splits each chain into halves (Stan's convention) so within-chain drift also shows.
fn split(chains: &[Vec<f64>]) -> Vec<&[f64]> {
    chains
        .iter()
        .flat_map(|c| {
            let half = c.len() / 2;
            [&c[..half], &c[c.len() - half..]]
        })
        .filter(|c| !c.is_empty())
        .collect()
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Within-chain variance W, between-chain B/n term and the pooled variance estimate.
fn variances(chains: &[&[f64]]) -> Option<(f64, f64)> {
    let m = chains.len();
    let n = chains.first()?.len();
    if m < 2 || n < 2 {
        return None;
    }
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let grand = mean(&means);
    let b_over_n = means.iter().map(|x| (x - grand).powi(2)).sum::<f64>() / (m - 1) as f64;
    let w = chains
        .iter()
        .zip(&means)
        .map(|(c, mu)| c.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1) as f64)
        .sum::<f64>()
        / m as f64;
    let var_plus = w * (n - 1) as f64 / n as f64 + b_over_n;
    Some((w, var_plus))
}

/// Split R-hat; near 1 when chains agree (values above 1.01–1.05 signal non-convergence).
/// `None` with fewer than 4 draws in total or constant draws.
pub fn split_rhat(chains: &[Vec<f64>]) -> Option<f64> {
    let s = split(chains);
    let (w, var_plus) = variances(&s)?;
    if w <= 0.0 {
        return None;
    }
    Some((var_plus / w).sqrt())
}

/// Effective sample size of the pooled draws (split chains, Geyer's initial monotone
/// sequence estimator of the autocorrelation time).
pub fn effective_sample_size(chains: &[Vec<f64>]) -> Option<f64> {
    let s = split(chains);
    let (w, var_plus) = variances(&s)?;
    if w <= 0.0 {
        return None;
    }
    let m = s.len();
    let n = s[0].len();
    let centred: Vec<Vec<f64>> = s
        .iter()
        .map(|c| {
            let mu = mean(c);
            c.iter().map(|x| x - mu).collect()
        })
        .collect();
    let autocov = |lag: usize| -> f64 {
        centred
            .iter()
            .map(|c| {
                c[..n - lag]
                    .iter()
                    .zip(&c[lag..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    / n as f64
            })
            .sum::<f64>()
            / m as f64
    };
    // ρ_t = 1 − (W − mean autocovariance_t) / var⁺, with W on the 1/n scale.
    let w_biased = w * (n - 1) as f64 / n as f64;
    let rho = |lag: usize| 1.0 - (w_biased - autocov(lag)) / var_plus;
    let mut tau = -1.0;
    let mut previous = f64::INFINITY;
    let mut t = 0;
    while t + 1 < n {
        let pair = rho(t) + rho(t + 1);
        if pair <= 0.0 {
            break;
        }
        let pair = pair.min(previous);
        tau += 2.0 * pair;
        previous = pair;
        t += 2;
    }
    let total = (m * n) as f64;
    // Antithetic chains can make τ tiny; cap the ESS at total·log10(total) as Stan does.
    let tau_floor = 1.0 / total.log10().max(1.0);
    Some(total / tau.max(tau_floor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn independent_draws_have_rhat_one_and_full_ess() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let chains: Vec<Vec<f64>> = (0..4)
            .map(|_| (0..1000).map(|_| rng.gen::<f64>()).collect())
            .collect();
        let r = split_rhat(&chains).unwrap();
        assert!((r - 1.0).abs() < 0.01, "{r}");
        let ess = effective_sample_size(&chains).unwrap();
        assert!(ess > 3000.0 && ess < 5000.0, "{ess}");
    }

    #[test]
    fn autocorrelated_and_disagreeing_chains_are_flagged() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let ar = |rng: &mut ChaCha8Rng, offset: f64| {
            let mut x = 0.0;
            (0..1000)
                .map(|_| {
                    x = 0.95 * x + rng.gen::<f64>() - 0.5;
                    x + offset
                })
                .collect::<Vec<f64>>()
        };
        let chains = vec![ar(&mut rng, 0.0), ar(&mut rng, 0.0)];
        let ess = effective_sample_size(&chains).unwrap();
        // AR(1) with φ = 0.95: τ ≈ (1 + φ)/(1 − φ) = 39, so ESS ≈ 2000/39 ≈ 51.
        assert!(ess > 20.0 && ess < 120.0, "{ess}");
        let apart = vec![ar(&mut rng, 0.0), ar(&mut rng, 5.0)];
        assert!(split_rhat(&apart).unwrap() > 1.5);
        assert!(split_rhat(&[vec![1.0; 10], vec![1.0; 10]]).is_none());
    }
}
