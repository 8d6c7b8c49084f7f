//! Poisson regression with log link fitted by iteratively reweighted least squares (IRLS),
//! the engine of the log-linear capture–recapture models.

/// A fitted Poisson GLM.
#[derive(Debug, Clone)]
pub struct PoissonFit {
    pub beta: Vec<f64>,
    pub mu: Vec<f64>,
    /// Residual deviance 2 Σ [y ln(y/μ) − (y − μ)].
    pub deviance: f64,
}

/// Why a fit failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("the design matrix is singular (the model is not identifiable from these cells)")]
    Singular,
    #[error("IRLS did not converge in {0} iterations")]
    NotConverged(usize),
    #[error("a coefficient diverged (the maximum likelihood estimate is on the boundary)")]
    Boundary,
}

const MAX_ITER: usize = 100;
/// Coefficients beyond this magnitude mean a fitted cell is being driven to zero.
const BOUNDARY: f64 = 25.0;

/// Fits log E[y] = Xβ. `x` is row-major with `p` columns; `start` warm-starts β.
pub fn fit_poisson(
    x: &[f64],
    p: usize,
    y: &[f64],
    start: Option<&[f64]>,
) -> Result<PoissonFit, FitError> {
    let rows = y.len();
    debug_assert_eq!(x.len(), rows * p);
    let mut eta: Vec<f64> = match start {
        Some(b) => (0..rows).map(|r| dot(&x[r * p..r * p + p], b)).collect(),
        None => y.iter().map(|&v| (v + 0.5).ln()).collect(),
    };
    let mut mu: Vec<f64> = eta.iter().map(|e| e.min(700.0).exp()).collect();
    let mut dev_old = deviance(y, &mu);
    let mut beta = vec![0.0; p];
    let mut xtwx = vec![0.0; p * p];
    let mut xtwz = vec![0.0; p];
    for _ in 0..MAX_ITER {
        xtwx.fill(0.0);
        xtwz.fill(0.0);
        for r in 0..rows {
            let w = mu[r];
            if w <= 0.0 {
                continue;
            }
            let z = eta[r] + (y[r] - mu[r]) / mu[r];
            let row = &x[r * p..r * p + p];
            for a in 0..p {
                let wa = w * row[a];
                if wa == 0.0 {
                    continue;
                }
                xtwz[a] += wa * z;
                for b in 0..=a {
                    xtwx[a * p + b] += wa * row[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                xtwx[b * p + a] = xtwx[a * p + b];
            }
        }
        beta = cholesky_solve(&mut xtwx, &xtwz, p).ok_or(FitError::Singular)?;
        for r in 0..rows {
            eta[r] = dot(&x[r * p..r * p + p], &beta);
            mu[r] = eta[r].min(700.0).exp();
        }
        let dev = deviance(y, &mu);
        if (dev - dev_old).abs() < 1e-10 * (dev.abs() + 0.1) {
            if beta.iter().skip(1).any(|b| b.abs() > BOUNDARY) {
                return Err(FitError::Boundary);
            }
            return Ok(PoissonFit {
                beta,
                mu,
                deviance: dev,
            });
        }
        dev_old = dev;
    }
    if beta.iter().skip(1).any(|b| b.abs() > BOUNDARY) {
        return Err(FitError::Boundary);
    }
    Err(FitError::NotConverged(MAX_ITER))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Poisson deviance; cells with y = 0 contribute 2μ.
pub fn deviance(y: &[f64], mu: &[f64]) -> f64 {
    2.0 * y
        .iter()
        .zip(mu)
        .map(|(&y, &m)| {
            if y > 0.0 {
                y * (y / m).ln() - (y - m)
            } else {
                m
            }
        })
        .sum::<f64>()
}

/// Solves A x = b for symmetric positive definite A (overwritten by its Cholesky factor).
fn cholesky_solve(a: &mut [f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let scale = (0..p)
        .map(|i| a[i * p + i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        if d <= 1e-13 * scale {
            return None;
        }
        let d = d.sqrt();
        a[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
    let mut z = vec![0.0; p];
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * p + k] * z[k];
        }
        z[i] = s / a[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = z[i];
        for k in i + 1..p {
            s -= a[k * p + i] * z[k];
        }
        z[i] = s / a[i * p + i];
    }
    Some(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_saturated_two_group_fit() {
        // Two groups: intercept + indicator; fitted means equal the group means.
        let x = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let y = [3.0, 5.0, 10.0, 14.0];
        let fit = fit_poisson(&x, 2, &y, None).unwrap();
        assert!((fit.beta[0] - 4.0f64.ln()).abs() < 1e-9);
        assert!((fit.beta[1] - 3.0f64.ln()).abs() < 1e-9);
        assert!((fit.mu.iter().sum::<f64>() - 32.0).abs() < 1e-9);
    }

    #[test]
    fn collinear_design_is_reported() {
        let x = [1.0, 1.0, 1.0, 1.0];
        let y = [3.0, 4.0];
        assert_eq!(
            fit_poisson(&x, 2, &y, None).unwrap_err(),
            FitError::Singular
        );
    }
}
