//! Random variates for the Gibbs sampler, written for speed in the inner loop: gamma (in log
//! space, safe for tiny shapes), beta as a pair of gammas, and multinomial by sequential
//! conditional binomials.

use rand::Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};

/// ln X for X ~ Gamma(shape, 1) (Marsaglia & Tsang 2000); shapes below 1 use the boost
/// Gamma(shape) = Gamma(shape + 1)·U^(1/shape), kept in logs so it never underflows to 0.
pub fn ln_gamma_variate<R: Rng + ?Sized>(rng: &mut R, shape: f64) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.gen();
        return ln_gamma_variate(rng, shape + 1.0) + u.ln() / shape;
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x: f64 = rng.sample(StandardNormal);
        let t = 1.0 + c * x;
        if t <= 0.0 {
            continue;
        }
        let v = t * t * t;
        let u: f64 = rng.gen();
        let x2 = x * x;
        if u < 1.0 - 0.0331 * x2 * x2 {
            return d.ln() + v.ln();
        }
        let lv = v.ln();
        if u.ln() < 0.5 * x2 + d * (1.0 - v + lv) {
            return d.ln() + lv;
        }
    }
}

/// X ~ Gamma(shape, 1) for shape ≥ 1 without leaving linear space.
pub fn gamma_variate<R: Rng + ?Sized>(rng: &mut R, shape: f64) -> f64 {
    if shape < 1.0 {
        return ln_gamma_variate(rng, shape).exp();
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x: f64 = rng.sample(StandardNormal);
        let t = 1.0 + c * x;
        if t <= 0.0 {
            continue;
        }
        let v = t * t * t;
        let u: f64 = rng.gen();
        let x2 = x * x;
        if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// (ln V, ln(1 − V)) for V ~ Beta(a, b).
pub fn ln_beta_variate<R: Rng + ?Sized>(rng: &mut R, a: f64, b: f64) -> (f64, f64) {
    let lx = ln_gamma_variate(rng, a);
    let ly = ln_gamma_variate(rng, b);
    let m = lx.max(ly);
    let lse = m + ((lx - m).exp() + (ly - m).exp()).ln();
    (lx - lse, ly - lse)
}

/// Y ~ NegativeBinomial: failures before `successes` successes of probability 1 − `fail_prob`
/// (drawn as a gamma–Poisson mixture).
pub fn negative_binomial<R: Rng + ?Sized>(rng: &mut R, successes: f64, fail_prob: f64) -> u64 {
    if fail_prob <= 0.0 {
        return 0;
    }
    let odds = fail_prob / (1.0 - fail_prob).max(f64::MIN_POSITIVE);
    let rate = gamma_variate(rng, successes) * odds;
    if rate.is_nan() || rate <= 0.0 {
        return 0;
    }
    // Poisson::new fails only for non-finite or non-positive rates, handled above.
    match Poisson::new(rate.min(1e15)) {
        Ok(p) => {
            let y: f64 = p.sample(rng);
            y as u64
        }
        Err(_) => 0,
    }
}

/// Draws counts of `m` items over categories with unnormalised weights `w` into `out`;
/// `suffix` is scratch space of the same length.
///
/// Exact: conditional binomials in index order (stick-breaking puts the heavy classes first),
/// stopping once nothing remains, and placing the last few items by categorical draws.
pub fn multinomial<R: Rng + ?Sized>(
    rng: &mut R,
    m: u64,
    w: &[f64],
    suffix: &mut [f64],
    out: &mut [u64],
) {
    out.fill(0);
    let k = w.len();
    if m == 0 || k == 0 {
        return;
    }
    let mut acc = 0.0;
    for i in (0..k).rev() {
        acc += w[i];
        suffix[i] = acc;
    }
    let mut remaining = m;
    for i in 0..k - 1 {
        if remaining <= 3 {
            for _ in 0..remaining {
                let mut u = rng.gen::<f64>() * suffix[i];
                let mut chosen = k - 1;
                for (c, &wc) in w.iter().enumerate().skip(i) {
                    if u < wc {
                        chosen = c;
                        break;
                    }
                    u -= wc;
                }
                out[chosen] += 1;
            }
            return;
        }
        let x = binomial(rng, remaining, w[i] / suffix[i]);
        out[i] = x;
        remaining -= x;
    }
    out[k - 1] = remaining;
}

/// Y ~ Binomial(n, p): inversion when n·p is small, otherwise Hörmann's BTRD (transformed
/// rejection with decomposition, 1993), whose setup is cheap enough to redo on every call.
#[inline]
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial(rng, n, 1.0 - p);
    }
    let t = n as f64;
    if (t + 1.0) * p < 11.0 {
        return binomial_inversion(rng, n, p);
    }
    let q = 1.0 - p;
    let m = ((t + 1.0) * p).floor();
    let r = p / q;
    let nr = (t + 1.0) * r;
    let npq = t * p * q;
    let sqrt_npq = npq.sqrt();
    let b = 1.15 + 2.53 * sqrt_npq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = t * p + 0.5;
    let alpha = (2.83 + 5.1 / b) * sqrt_npq;
    let v_r = 0.92 - 4.2 / b;
    let u_rv_r = 0.86 * v_r;
    loop {
        let mut v: f64 = rng.gen();
        let u;
        if v <= u_rv_r {
            let u = v / v_r - 0.43;
            // The region-1 formula never goes below 0 (Hörmann 1993); `as` saturates anyway.
            return (((2.0 * a / (0.5 - u.abs()) + b) * u + c) as u64).min(n);
        }
        if v >= v_r {
            u = rng.gen::<f64>() - 0.5;
        } else {
            let w = v / v_r - 0.93;
            u = if w < 0.0 { -0.5 } else { 0.5 } - w;
            v = rng.gen::<f64>() * v_r;
        }
        let us = 0.5 - u.abs();
        let y = (2.0 * a / us + b) * u + c;
        if y < 0.0 {
            continue;
        }
        // Truncation equals floor for y ≥ 0 and avoids a libm call.
        let kf = (y as u64) as f64;
        if kf > t {
            continue;
        }
        v = v * alpha / (a / (us * us) + b);
        let km = (kf - m).abs();
        if km <= 15.0 {
            // Recursive evaluation of f(k)/f(m).
            let mut f = 1.0;
            let (k, mi) = (kf as u64, m as u64);
            if mi < k {
                for i in mi + 1..=k {
                    f *= nr / i as f64 - r;
                }
            } else if mi > k {
                for i in k + 1..=mi {
                    v *= nr / i as f64 - r;
                }
            }
            if v <= f {
                return k;
            }
            continue;
        }
        let v = v.ln();
        let rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5);
        let tt = -km * km / (2.0 * npq);
        if v < tt - rho {
            return kf as u64;
        }
        if v > tt + rho {
            continue;
        }
        let nm = t - m + 1.0;
        let h = (m + 0.5) * ((m + 1.0) / (r * nm)).ln() + stirling_tail(m) + stirling_tail(t - m);
        let nk = t - kf + 1.0;
        if v <= h + (t + 1.0) * (nm / nk).ln() + (kf + 0.5) * (nk * r / (kf + 1.0)).ln()
            - stirling_tail(kf)
            - stirling_tail(t - kf)
        {
            return kf as u64;
        }
    }
}

fn binomial_inversion<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    let q = 1.0 - p;
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    let q_n = if n < i32::MAX as u64 {
        q.powi(n as i32)
    } else {
        (n as f64 * q.ln()).exp()
    };
    'draw: loop {
        let mut r = q_n;
        let mut u: f64 = rng.gen();
        let mut x = 0u64;
        while u > r {
            u -= r;
            x += 1;
            if x > n {
                // Rounding left u unexhausted; draw again rather than bias the tail.
                continue 'draw;
            }
            r *= a / x as f64 - s;
        }
        return x;
    }
}

/// ln k! − [(k + ½) ln(k + 1) − (k + 1) + ½ ln 2π], the Stirling remainder used by BTRD.
fn stirling_tail(k: f64) -> f64 {
    const TABLE: [f64; 10] = [
        0.081_061_466_795_327_26,
        0.041_340_695_955_409_29,
        0.027_677_925_684_998_34,
        0.020_790_672_103_765_09,
        0.016_644_691_189_821_19,
        0.013_876_128_823_070_75,
        0.011_896_709_945_891_77,
        0.010_411_265_261_972_09,
        0.009_255_462_182_712_733,
        0.008_330_563_433_362_87,
    ];
    if k < 10.0 {
        return TABLE[k as usize];
    }
    let k1 = k + 1.0;
    let k2 = k1 * k1;
    (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / k2) / k2) / k1
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gamma_and_beta_moments() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for &shape in &[0.25, 1.0, 3.5, 40.0] {
            let n = 40_000;
            let mean: f64 = (0..n)
                .map(|_| ln_gamma_variate(&mut rng, shape).exp())
                .sum::<f64>()
                / n as f64;
            assert!(
                (mean - shape).abs() < 0.05 * shape.max(1.0),
                "shape {shape}: {mean}"
            );
            let lin: f64 = (0..n).map(|_| gamma_variate(&mut rng, shape)).sum::<f64>() / n as f64;
            assert!(
                (lin - shape).abs() < 0.05 * shape.max(1.0),
                "shape {shape}: {lin}"
            );
        }
        let n = 40_000;
        let mean: f64 = (0..n)
            .map(|_| ln_beta_variate(&mut rng, 2.0, 6.0).0.exp())
            .sum::<f64>()
            / n as f64;
        assert!((mean - 0.25).abs() < 0.01);
    }

    #[test]
    fn multinomial_preserves_total_and_means() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let w = [0.5, 0.0, 1.5, 2.0];
        let mut scratch = [0.0; 4];
        let mut out = [0u64; 4];
        let mut sums = [0u64; 4];
        for _ in 0..2000 {
            multinomial(&mut rng, 100, &w, &mut scratch, &mut out);
            assert_eq!(out.iter().sum::<u64>(), 100);
            assert_eq!(out[1], 0);
            for i in 0..4 {
                sums[i] += out[i];
            }
        }
        let share = sums[3] as f64 / 200_000.0;
        assert!((share - 0.5).abs() < 0.01);
        multinomial(&mut rng, 3, &w, &mut scratch, &mut out);
        assert_eq!(out.iter().sum::<u64>(), 3);
    }

    #[test]
    fn binomial_matches_exact_probabilities() {
        use crate::special::ln_gamma;
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        for &(n, p) in &[
            (5u64, 0.3),
            (40, 0.2),
            (300, 0.45),
            (1000, 0.9),
            (57, 0.5),
            (10_000, 0.013),
        ] {
            let draws = 60_000;
            let mut hist = std::collections::BTreeMap::new();
            for _ in 0..draws {
                let x = binomial(&mut rng, n, p);
                assert!(x <= n);
                *hist.entry(x).or_insert(0u64) += 1;
            }
            let pmf = |k: u64| {
                (ln_gamma(n as f64 + 1.0)
                    - ln_gamma(k as f64 + 1.0)
                    - ln_gamma((n - k) as f64 + 1.0)
                    + k as f64 * p.ln()
                    + (n - k) as f64 * (1.0 - p).ln())
                .exp()
            };
            // Chi-square over cells with expected count ≥ 20, the rest pooled.
            let (mut chi2, mut cells, mut pooled_obs, mut pooled_exp) = (0.0, 0, 0.0, 0.0);
            for k in 0..=n {
                let e = pmf(k) * draws as f64;
                let o = *hist.get(&k).unwrap_or(&0) as f64;
                if e >= 20.0 {
                    chi2 += (o - e).powi(2) / e;
                    cells += 1;
                } else {
                    pooled_obs += o;
                    pooled_exp += e;
                }
            }
            if pooled_exp > 5.0 {
                chi2 += (pooled_obs - pooled_exp).powi(2) / pooled_exp;
                cells += 1;
            }
            // Mean + 5 sd of a chi-square with `cells` − 1 degrees of freedom.
            let df = (cells - 1) as f64;
            assert!(
                chi2 < df + 5.0 * (2.0 * df).sqrt(),
                "n={n} p={p}: chi2 {chi2} df {df}"
            );
        }
    }

    #[test]
    fn negative_binomial_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        // Mean failures = r·q/(1 − q) = 50·0.2/0.8 = 12.5.
        let n = 20_000;
        let mean = (0..n)
            .map(|_| negative_binomial(&mut rng, 50.0, 0.2) as f64)
            .sum::<f64>()
            / n as f64;
        assert!((mean - 12.5).abs() < 0.3, "{mean}");
    }
}
