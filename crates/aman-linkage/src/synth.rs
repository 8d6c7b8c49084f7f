//! A seeded FEBRL-style generator for scaling benchmarks: original person records
//! (given name, surname, street number, address, suburb, postcode, state, date of
//! birth, an identity number) plus corrupted duplicates (typos, dropped values,
//! swapped day and month, changed address), with the true entity of every record.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::LinkError;
use crate::record::{Dataset, FieldKind, FieldSpec, Schema, Value};

/// Generator settings.
#[derive(Clone, Debug)]
pub struct SynthOptions {
    /// Total records (originals plus duplicates).
    pub records: usize,
    /// Share of records that are duplicates.
    pub duplicate_share: f64,
    /// Most duplicates of one original.
    pub max_duplicates: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            records: 10_000,
            duplicate_share: 0.4,
            max_duplicates: 5,
            seed: 1,
        }
    }
}

const SYLLABLES: &[&str] = &[
    "an", "ber", "ca", "dan", "el", "fi", "gar", "ha", "is", "jo", "ka", "li", "mar", "ne", "ol",
    "pe", "qu", "ra", "sa", "ta", "ul", "va", "wil", "xa", "yo", "zi", "son", "ton", "ley", "den",
    "ric", "mor", "lin", "ber", "ski",
];
const STATES: &[&str] = &["nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"];
const STREET_TYPES: &[&str] = &[
    "street", "road", "avenue", "place", "crescent", "circuit", "close", "drive",
];

/// A pool of `n` made-up words with Zipf-like use frequencies.
struct Pool {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Pool {
    fn new(rng: &mut ChaCha8Rng, n: usize, syllables: std::ops::RangeInclusive<usize>) -> Self {
        let mut words = Vec::with_capacity(n);
        let mut seen = std::collections::HashSet::new();
        while words.len() < n {
            let k = rng.gen_range(syllables.clone());
            let w: String = (0..k)
                .map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())])
                .collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut acc = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                acc += 1.0 / (r as f64).powf(0.9);
                acc
            })
            .collect();
        Pool { words, cumulative }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> &str {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let x = rng.gen::<f64>() * total;
        let i = self
            .cumulative
            .partition_point(|&c| c < x)
            .min(self.words.len() - 1);
        &self.words[i]
    }
}

struct Person {
    fields: [String; 9],
}

fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.is_empty() {
        return String::new();
    }
    let i = rng.gen_range(0..c.len());
    let letter = if c[i].is_ascii_digit() {
        (b'0' + rng.gen_range(0..10)) as char
    } else {
        (b'a' + rng.gen_range(0..26)) as char
    };
    match rng.gen_range(0..4) {
        0 => c[i] = letter,
        1 => c.insert(i, letter),
        2 if c.len() > 1 => {
            c.remove(i);
        }
        _ if i + 1 < c.len() => c.swap(i, i + 1),
        _ => c[i] = letter,
    }
    c.into_iter().collect()
}

fn corrupt(rng: &mut ChaCha8Rng, p: &Person) -> Person {
    let mut f = p.fields.clone();
    let edits = 1 + usize::from(rng.gen_bool(0.5)) + usize::from(rng.gen_bool(0.2));
    for _ in 0..edits {
        let k = rng.gen_range(0..f.len());
        match rng.gen_range(0..10) {
            0 => f[k].clear(),
            1 if k == 7 && f[7].len() == 8 => {
                let d = f[7].clone();
                f[7] = format!("{}{}{}", &d[..4], &d[6..8], &d[4..6]);
            }
            _ => f[k] = typo(rng, &f[k]),
        }
    }
    Person { fields: f }
}

/// Generates a deduplication problem and the true entity of each record.
pub fn febrl_like(opts: &SynthOptions) -> Result<(Dataset, Vec<String>), LinkError> {
    if opts.records == 0 || !(0.0..1.0).contains(&opts.duplicate_share) || opts.max_duplicates == 0
    {
        return Err(LinkError::InvalidOption(
            "synthetic data needs records > 0, duplicate_share in [0, 1) and max_duplicates > 0"
                .into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let scale = (opts.records as f64).sqrt();
    let given = Pool::new(&mut rng, (scale * 3.0) as usize + 200, 1..=3);
    let surname = Pool::new(&mut rng, (scale * 10.0) as usize + 500, 2..=4);
    let streets = Pool::new(&mut rng, (scale * 8.0) as usize + 300, 2..=3);
    let suburbs = Pool::new(&mut rng, (scale * 2.0) as usize + 100, 2..=3);
    let schema = Schema::new(vec![
        FieldSpec::new("given_name", FieldKind::GivenName),
        FieldSpec::new("surname", FieldKind::FamilyName),
        FieldSpec::new("street_number", FieldKind::Identifier),
        FieldSpec::new("address_1", FieldKind::String),
        FieldSpec::new("suburb", FieldKind::String),
        FieldSpec::new("postcode", FieldKind::Identifier),
        FieldSpec::new("state", FieldKind::Category),
        FieldSpec::new("date_of_birth", FieldKind::Date),
        FieldSpec::new("soc_sec_id", FieldKind::Identifier),
    ]);
    let mut ds = Dataset::new(schema)?;
    let mut truth = Vec::with_capacity(opts.records);
    let mut entity = 0usize;
    // With q the chance that an original has duplicates (1..=max of them, mean (1 + max) / 2),
    // duplicates / originals = q (1 + max) / 2 = share / (1 - share).
    let share = opts.duplicate_share;
    let has_duplicates =
        (2.0 * share / ((1.0 - share) * (opts.max_duplicates as f64 + 1.0))).min(1.0);
    while ds.len() < opts.records {
        let p = Person {
            fields: [
                given.pick(&mut rng).to_string(),
                surname.pick(&mut rng).to_string(),
                rng.gen_range(1..400).to_string(),
                format!(
                    "{} {}",
                    streets.pick(&mut rng),
                    STREET_TYPES[rng.gen_range(0..STREET_TYPES.len())]
                ),
                suburbs.pick(&mut rng).to_string(),
                rng.gen_range(2000..8000).to_string(),
                STATES[rng.gen_range(0..STATES.len())].to_string(),
                format!(
                    "{:04}{:02}{:02}",
                    rng.gen_range(1920..2010),
                    rng.gen_range(1..13),
                    rng.gen_range(1..29)
                ),
                rng.gen_range(1_000_000..9_999_999).to_string(),
            ],
        };
        let dups = if rng.gen_bool(has_duplicates) {
            rng.gen_range(1..=opts.max_duplicates)
        } else {
            0
        };
        let mut copies = vec![(
            format!("rec-{entity}-org"),
            Person {
                fields: p.fields.clone(),
            },
        )];
        for d in 0..dups {
            copies.push((format!("rec-{entity}-dup-{d}"), corrupt(&mut rng, &p)));
        }
        for (id, c) in copies {
            if ds.len() >= opts.records {
                break;
            }
            let values = c
                .fields
                .into_iter()
                .map(|v| {
                    if v.is_empty() {
                        Value::Missing
                    } else {
                        Value::Text(v)
                    }
                })
                .collect();
            ds.push(id, 0, values)?;
            truth.push(entity.to_string());
        }
        entity += 1;
    }
    Ok((ds, truth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_seeded_and_sized() {
        let o = SynthOptions {
            records: 500,
            seed: 3,
            ..Default::default()
        };
        let (a, ta) = febrl_like(&o).unwrap();
        let (b, tb) = febrl_like(&o).unwrap();
        assert_eq!(a.len(), 500);
        assert_eq!(a.ids(), b.ids());
        assert_eq!(ta, tb);
        let entities: std::collections::HashSet<&String> = ta.iter().collect();
        assert!(
            entities.len() < 450 && entities.len() > 250,
            "{}",
            entities.len()
        );
    }
}
