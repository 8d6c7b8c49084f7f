//! Seeded simulation of capture tables from a known population, for tests, benchmarks and
//! demonstrations of bias (e.g. heterogeneous capture).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::table::{CaptureTable, TableError};

/// A group of people sharing capture probabilities (one per list).
#[derive(Debug, Clone, PartialEq)]
pub struct SimClass {
    /// Share of the population in this class (shares are normalised).
    pub share: f64,
    /// Probability that each list records a member of this class.
    pub capture: Vec<f64>,
}

/// Simulates who each list records in a population of `population` people and returns the
/// observed capture table (lists named `list1` …). All classes must have the same number of
/// lists (between 1 and 30) and positive shares.
pub fn simulate(
    population: u64,
    classes: &[SimClass],
    seed: u64,
) -> Result<CaptureTable, TableError> {
    let j = classes.first().map_or(0, |c| c.capture.len());
    if !(1..=30).contains(&j)
        || classes
            .iter()
            .any(|c| c.capture.len() != j || c.share.is_nan() || c.share <= 0.0)
    {
        return Err(TableError::Format(
            "every simulated class needs a positive share and the same number (1–30) of capture probabilities".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total_share: f64 = classes.iter().map(|c| c.share).sum();
    let mut cum = Vec::with_capacity(classes.len());
    let mut acc = 0.0;
    for c in classes {
        acc += c.share / total_share;
        cum.push(acc);
    }
    let mut counts = vec![0u64; 1 << j];
    for _ in 0..population {
        let u: f64 = rng.gen();
        let class = cum.iter().position(|&c| u < c).unwrap_or(classes.len() - 1);
        let mut pattern = 0usize;
        for (l, &p) in classes[class].capture.iter().enumerate() {
            if rng.gen::<f64>() < p {
                pattern |= 1 << l;
            }
        }
        counts[pattern] += 1;
    }
    let lists = (1..=j).map(|i| format!("list{i}")).collect();
    let cells = counts
        .iter()
        .enumerate()
        .skip(1)
        .map(|(p, &c)| (p as u32, c));
    CaptureTable::new(lists, cells)
}
