//! Blocking: which record pairs are compared at all. A pair is a candidate when the
//! two records share a key under at least one rule (a union of rules); each rule's
//! key is built from one or more fields (exact value, phonetic code, transliterated
//! form, name tokens, prefix, year, time window, grid cell). Rules can be chosen
//! automatically from the data under a pair budget. Oversized blocks are skipped and
//! counted, never silently.

use std::fmt;

use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::Comparator;
use crate::error::LinkError;
use crate::hashing::FastSet;
use crate::names;
use crate::record::{hash_str, Dataset, FieldKind, Prepared};

/// How one field is turned into blocking keys.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// The folded value itself.
    Exact,
    /// Phonetic code of a name or string.
    Phonetic,
    /// Transliterated, ending-folded name ("Усмонова" and "Usmonov" share it).
    Loose,
    /// Each word of a name, transliterated and ending-folded (one key per word).
    Tokens,
    /// Phonetic code of each word of a name (one key per word).
    TokenPhonetic,
    /// The first n characters.
    Prefix(u8),
    /// The year of a date or the number rounded to a whole year.
    Year,
    /// Overlapping windows: days for dates, hours for time ranges. Records closer
    /// than the width always share a key.
    Window(f64),
    /// Overlapping grid cells of this size in km: points closer than the size share a key.
    GridCell(f64),
}

/// One part of a rule's key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyPart {
    /// Field name in the schema.
    pub field: String,
    /// How the field becomes keys.
    pub key: KeyKind,
}

/// A conjunction of key parts: records must share all parts to be compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockingRule {
    /// The parts, all of which must agree.
    pub parts: Vec<KeyPart>,
}

impl BlockingRule {
    /// A rule on one field.
    pub fn on(field: &str, key: KeyKind) -> Self {
        BlockingRule {
            parts: vec![KeyPart {
                field: field.into(),
                key,
            }],
        }
    }

    /// The same rule with one more part.
    pub fn and(mut self, field: &str, key: KeyKind) -> Self {
        self.parts.push(KeyPart {
            field: field.into(),
            key,
        });
        self
    }
}

impl fmt::Display for BlockingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(" & ")?;
            }
            let k = match p.key {
                KeyKind::Exact => "exact".to_string(),
                KeyKind::Phonetic => "phonetic".to_string(),
                KeyKind::Loose => "loose".to_string(),
                KeyKind::Tokens => "tokens".to_string(),
                KeyKind::TokenPhonetic => "token_phonetic".to_string(),
                KeyKind::Prefix(n) => format!("prefix{n}"),
                KeyKind::Year => "year".to_string(),
                KeyKind::Window(w) => format!("window{w}"),
                KeyKind::GridCell(km) => format!("grid{km}km"),
            };
            write!(f, "{k}({})", p.field)?;
        }
        Ok(())
    }
}

/// What blocking did, for the run summary.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BlockingStats {
    /// The rules used, in order.
    pub rules: Vec<String>,
    /// Candidate pairs produced by each rule that no earlier rule had produced.
    pub pairs_per_rule: Vec<u64>,
    /// Distinct candidate pairs compared.
    pub candidate_pairs: u64,
    /// All pairs that could have been compared.
    pub total_pairs: u64,
    /// Blocks larger than the limit, skipped, and the pairs they would have produced.
    pub oversized_blocks: u64,
    /// Pairs not compared because their block was oversized.
    pub skipped_pairs: u64,
    /// Share of true matching pairs that are candidates, when ground truth is known.
    pub pair_completeness: Option<f64>,
}

/// Compared candidate pairs: record indices, comparison levels (one byte per field)
/// and which rules each pair satisfies (bit r = rule r).
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    pub pairs: Vec<(u32, u32)>,
    pub levels: Vec<u8>,
    pub masks: Vec<u32>,
    /// Keys each pair shares under the rule that emitted it.
    pub shared_keys: Vec<u32>,
}

/// Keys of every record under every rule, kept to find pairs and to test membership.
pub(crate) struct Blocker {
    rules: Vec<Vec<(usize, KeyKind)>>,
    /// Per rule: offsets into `keys` per record (n + 1 entries) and the keys.
    offsets: Vec<Vec<u32>>,
    keys: Vec<Vec<u64>>,
    oversized: Vec<FastSet<u64>>,
    cross_source_only: bool,
    pub(crate) stats: BlockingStats,
}

const MAX_KEYS_PER_PART: usize = 12;

impl Blocker {
    pub(crate) fn new(
        ds: &Dataset,
        rules: &[BlockingRule],
        cross_source_only: bool,
        max_block: usize,
    ) -> Result<Self, LinkError> {
        if rules.len() > 32 {
            return Err(LinkError::InvalidOption(format!(
                "{} blocking rules; at most 32 are supported",
                rules.len()
            )));
        }
        let resolved = resolve(ds, rules)?;
        let n = ds.len();
        let mut offsets = Vec::with_capacity(rules.len());
        let mut keys = Vec::with_capacity(rules.len());
        let mut oversized = Vec::with_capacity(rules.len());
        let mut stats = BlockingStats {
            rules: rules.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        };
        for rule in &resolved {
            let per_record: Vec<Vec<u64>> = (0..n)
                .into_par_iter()
                .map(|i| rule_keys(ds, i, rule))
                .collect();
            let mut off = Vec::with_capacity(n + 1);
            let mut flat = Vec::new();
            off.push(0u32);
            for k in per_record {
                flat.extend(k);
                off.push(flat.len() as u32);
            }
            // Find oversized keys with a sorted copy.
            let mut sorted: Vec<u64> = flat.clone();
            sorted.par_sort_unstable();
            let mut big = FastSet::default();
            for run in sorted.chunk_by(|a, b| a == b) {
                if run.len() > max_block {
                    big.insert(run[0]);
                    stats.oversized_blocks += 1;
                    stats.skipped_pairs += (run.len() as u64) * (run.len() as u64 - 1) / 2;
                }
            }
            offsets.push(off);
            keys.push(flat);
            oversized.push(big);
        }
        stats.total_pairs = total_pairs(ds, cross_source_only);
        Ok(Blocker {
            rules: resolved,
            offsets,
            keys,
            oversized,
            cross_source_only,
            stats,
        })
    }

    fn keys_of(&self, r: usize, i: usize) -> &[u64] {
        &self.keys[r][self.offsets[r][i] as usize..self.offsets[r][i + 1] as usize]
    }

    /// The smallest (not oversized) key records i and j share under rule r, and how
    /// many they share.
    fn shared_keys(&self, r: usize, i: usize, j: usize) -> (Option<u64>, u32) {
        let (a, b) = (self.keys_of(r, i), self.keys_of(r, j));
        a.iter()
            .filter(|k| b.contains(k) && !self.oversized[r].contains(k))
            .fold((None, 0), |(first, n), &k| {
                (Some(first.map_or(k, |f: u64| f.min(k))), n + 1)
            })
    }

    fn shares(&self, r: usize, i: usize, j: usize) -> bool {
        self.shared_keys(r, i, j).1 > 0
    }

    /// Bit r set when the pair shares a (not oversized) key under rule r.
    pub(crate) fn mask(&self, i: usize, j: usize) -> u32 {
        (0..self.rules.len()).fold(0, |m, r| {
            if self.shares(r, i, j) {
                m | (1 << r)
            } else {
                m
            }
        })
    }

    /// Whether a pair is a candidate (used to measure pair completeness).
    pub(crate) fn is_candidate(&self, ds: &Dataset, i: usize, j: usize) -> bool {
        (!self.cross_source_only || ds.sources[i] != ds.sources[j]) && self.mask(i, j) != 0
    }

    /// Generates and compares every candidate pair once, in parallel.
    pub(crate) fn compare_all(&mut self, ds: &Dataset, cmp: &Comparator) -> Candidates {
        let nf = ds.schema.fields.len();
        let mut out = Candidates::default();
        for r in 0..self.rules.len() {
            let mut entries: Vec<(u64, u32)> = Vec::with_capacity(self.keys[r].len());
            for i in 0..ds.len() {
                for &k in self.keys_of(r, i) {
                    if !self.oversized[r].contains(&k) {
                        entries.push((k, i as u32));
                    }
                }
            }
            entries.par_sort_unstable();
            entries.dedup();
            let mut blocks: Vec<(usize, usize)> = Vec::new();
            let mut start = 0;
            for e in 1..=entries.len() {
                if e == entries.len() || entries[e].0 != entries[start].0 {
                    if e - start > 1 {
                        blocks.push((start, e));
                    }
                    start = e;
                }
            }
            let this = &*self;
            let parts: Vec<Candidates> = blocks
                .par_iter()
                .fold(Candidates::default, |mut acc, &(s, e)| {
                    let block = &entries[s..e];
                    let mut lv = vec![0u8; nf];
                    for x in 0..block.len() {
                        for y in x + 1..block.len() {
                            let (i, j) = (block[x].1 as usize, block[y].1 as usize);
                            if this.cross_source_only && ds.sources[i] == ds.sources[j] {
                                continue;
                            }
                            // Emit only from the first rule the pair satisfies, and
                            // within it from the smallest key the two share (a time
                            // window or a grid cell gives a record several keys).
                            let mask = this.mask(i, j);
                            let (first, shared) = this.shared_keys(r, i, j);
                            if mask & ((1u32 << r) - 1) != 0 || first != Some(block[0].0) {
                                continue;
                            }
                            cmp.levels(ds.row(i), ds.row(j), &mut lv);
                            acc.pairs.push((i as u32, j as u32));
                            acc.levels.extend_from_slice(&lv);
                            acc.masks.push(mask);
                            acc.shared_keys.push(shared);
                        }
                    }
                    acc
                })
                .collect();
            let before = out.pairs.len();
            for p in parts {
                out.pairs.extend(p.pairs);
                out.levels.extend(p.levels);
                out.masks.extend(p.masks);
                out.shared_keys.extend(p.shared_keys);
            }
            self.stats
                .pairs_per_rule
                .push((out.pairs.len() - before) as u64);
        }
        self.stats.candidate_pairs = out.pairs.len() as u64;
        out
    }

    /// Fields used by rule r (their weights are not learned from that rule's pairs).
    pub(crate) fn rule_fields(&self, r: usize) -> Vec<usize> {
        self.rules[r].iter().map(|p| p.0).collect()
    }

    pub(crate) fn rule_count(&self) -> usize {
        self.rules.len()
    }
}

fn total_pairs(ds: &Dataset, cross_source_only: bool) -> u64 {
    let n = ds.len() as u64;
    if !cross_source_only {
        return n * n.saturating_sub(1) / 2;
    }
    let mut counts = std::collections::HashMap::<u16, u64>::new();
    for &s in &ds.sources {
        *counts.entry(s).or_default() += 1;
    }
    let same: u64 = counts.values().map(|c| c * c.saturating_sub(1) / 2).sum();
    n * n.saturating_sub(1) / 2 - same
}

fn resolve(ds: &Dataset, rules: &[BlockingRule]) -> Result<Vec<Vec<(usize, KeyKind)>>, LinkError> {
    rules
        .iter()
        .map(|r| {
            if r.parts.is_empty() {
                return Err(LinkError::InvalidOption(
                    "a blocking rule has no parts".into(),
                ));
            }
            r.parts
                .iter()
                .map(|p| {
                    ds.schema
                        .index_of(&p.field)
                        .map(|i| (i, p.key))
                        .ok_or_else(|| {
                            LinkError::InvalidOption(format!(
                                "blocking rule {r} names unknown field {:?}",
                                p.field
                            ))
                        })
                })
                .collect()
        })
        .collect()
}

/// Keys of record i under one rule: the product of its parts' keys (none when a part is missing).
fn rule_keys(ds: &Dataset, i: usize, rule: &[(usize, KeyKind)]) -> Vec<u64> {
    let mut acc: Vec<u64> = vec![0x9e37_79b9_7f4a_7c15];
    for (n, &(f, kind)) in rule.iter().enumerate() {
        let part = part_keys(ds.field(i, f), kind);
        if part.is_empty() {
            return Vec::new();
        }
        let salt = (n as u64 + 1).wrapping_mul(0xff51_afd7_ed55_8ccd);
        if let [only] = part.as_slice() {
            // The usual case: one key per part, combined in place.
            for a in acc.iter_mut() {
                *a = mix(*a ^ salt, *only);
            }
        } else {
            acc = acc
                .iter()
                .flat_map(|a| part.iter().map(move |p| mix(*a ^ salt, *p)))
                .take(MAX_KEYS_PER_PART * 4)
                .collect();
        }
    }
    if acc.len() > 1 {
        acc.sort_unstable();
        acc.dedup();
    }
    acc
}

fn mix(a: u64, b: u64) -> u64 {
    let mut h = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 29)
}

fn part_keys(v: &Prepared, kind: KeyKind) -> Vec<u64> {
    let text: Option<&str> = match v {
        Prepared::Str(s) => Some(s),
        Prepared::Name(n) => Some(&n.folded),
        _ => None,
    };
    match (kind, v) {
        (_, Prepared::Missing) => Vec::new(),
        (KeyKind::Exact, Prepared::Date { digits, .. }) => vec![hash_bytes(digits)],
        (KeyKind::Exact, Prepared::Num(x)) => vec![x.to_bits()],
        (KeyKind::Exact, Prepared::Path(ids)) => vec![u64::from(ids[0])],
        (KeyKind::Exact, Prepared::Set(ids)) => ids
            .iter()
            .take(MAX_KEYS_PER_PART)
            .map(|&x| u64::from(x))
            .collect(),
        (KeyKind::Exact, _) => text.map(hash_str).into_iter().collect(),
        (KeyKind::Phonetic, Prepared::Name(n)) => vec![hash_str(&n.phonetic)],
        (KeyKind::Phonetic, Prepared::Str(s)) => vec![hash_str(&names::phonetic(s))],
        (KeyKind::Loose, Prepared::Name(n)) => vec![hash_str(&n.loose)],
        (KeyKind::Tokens, Prepared::Name(n)) => n
            .loose
            .split(' ')
            .take(MAX_KEYS_PER_PART)
            .map(hash_str)
            .collect(),
        (KeyKind::TokenPhonetic, Prepared::Name(n)) => n
            .loose
            .split(' ')
            .take(MAX_KEYS_PER_PART)
            .map(|t| hash_str(&names::phonetic(t)))
            .collect(),
        (KeyKind::Tokens | KeyKind::TokenPhonetic | KeyKind::Loose, Prepared::Str(s)) => {
            s.split(' ').take(MAX_KEYS_PER_PART).map(hash_str).collect()
        }
        (KeyKind::Prefix(k), Prepared::Date { digits, .. }) => {
            vec![hash_bytes(&digits[..(k as usize).min(8)])]
        }
        (KeyKind::Prefix(k), _) => text
            .map(|s| hash_str(&s.chars().take(k as usize).collect::<String>()))
            .into_iter()
            .collect(),
        (KeyKind::Year, Prepared::Date { digits, .. }) => vec![hash_bytes(&digits[..4])],
        (KeyKind::Year, Prepared::Num(x)) => vec![x.round().to_bits()],
        (KeyKind::Window(w), Prepared::Date { days, .. }) if *days != i32::MIN && w > 0.0 => {
            windows(f64::from(*days), f64::from(*days), w)
        }
        (KeyKind::Window(w), Prepared::Time(s, e)) if w > 0.0 => {
            windows(*s as f64 / 3600.0, *e as f64 / 3600.0, w)
        }
        (KeyKind::Window(w), Prepared::Num(x)) if w > 0.0 => windows(*x, *x, w),
        (KeyKind::GridCell(km), Prepared::Point(lat, lon)) if km > 0.0 => {
            let c = km / 111.0;
            // Longitude cells are widened so that the grid stays complete up to 60° latitude.
            let (i, j) = ((lat / c).floor() as i64, (lon / (2.0 * c)).floor() as i64);
            let mut v = Vec::with_capacity(4);
            for di in 0..2 {
                for dj in 0..2 {
                    v.push(mix(i.wrapping_add(di) as u64, j.wrapping_add(dj) as u64));
                }
            }
            v
        }
        _ => Vec::new(),
    }
}

/// Buckets b-1 ..= b_end of width w, so intervals closer than w share a bucket.
fn windows(start: f64, end: f64, w: f64) -> Vec<u64> {
    let b0 = ((start / w).floor() as i64).saturating_sub(1);
    let b1 = (end / w).floor() as i64;
    (b0..=b1.min(b0.saturating_add(MAX_KEYS_PER_PART as i64)))
        .map(|b| b as u64)
        .collect()
}

fn hash_bytes(b: &[u8]) -> u64 {
    hash_str(std::str::from_utf8(b).unwrap_or(""))
}

/// Chooses blocking rules from the data: single-field keys whose estimated pair
/// count fits the budget, then pairs of coarser keys. Costs are estimated on a
/// seeded sample and scaled up.
pub(crate) fn auto_rules(
    ds: &Dataset,
    cross_source_only: bool,
    pairs_per_record: f64,
    seed: u64,
) -> Vec<BlockingRule> {
    let n = ds.len();
    if n < 2 {
        return Vec::new();
    }
    let budget = (pairs_per_record * n as f64).max(50_000.0);
    let sample_n = n.min(10_000);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let idx: Vec<usize> = if sample_n == n {
        (0..n).collect()
    } else {
        sample(&mut rng, n, sample_n).into_vec()
    };
    let scale = (n as f64 / sample_n as f64).powi(2);
    let cost = |rule: &BlockingRule| -> f64 {
        let Ok(r) = resolve(ds, std::slice::from_ref(rule)) else {
            return f64::INFINITY;
        };
        let mut keys: Vec<(u64, u16)> = idx
            .iter()
            .flat_map(|&i| {
                rule_keys(ds, i, &r[0])
                    .into_iter()
                    .map(move |k| (k, ds.sources[i]))
            })
            .collect();
        keys.sort_unstable();
        let mut total = 0.0;
        for run in keys.chunk_by(|a, b| a.0 == b.0) {
            let c = run.len() as f64;
            let mut same = 0.0;
            if cross_source_only {
                for s in run.chunk_by(|a, b| a.1 == b.1) {
                    same += (s.len() as f64) * (s.len() as f64 - 1.0) / 2.0;
                }
            }
            total += c * (c - 1.0) / 2.0 - same;
        }
        total * scale
    };
    let mut singles: Vec<(BlockingRule, f64, usize)> = Vec::new();
    for (f, spec) in ds.schema.fields.iter().enumerate() {
        let keys: &[KeyKind] = match spec.kind {
            FieldKind::GivenName | FieldKind::FamilyName | FieldKind::Patronymic => {
                &[KeyKind::Exact, KeyKind::Phonetic]
            }
            FieldKind::FullName => &[KeyKind::Loose, KeyKind::TokenPhonetic],
            FieldKind::Date => &[KeyKind::Exact],
            FieldKind::Identifier | FieldKind::String => &[KeyKind::Exact],
            FieldKind::Year => &[KeyKind::Year],
            FieldKind::Category => &[KeyKind::Exact],
            FieldKind::Geo => &[KeyKind::GridCell(2.0)],
            FieldKind::TimeRange => &[KeyKind::Window(24.0)],
            _ => &[],
        };
        for &k in keys {
            let rule = BlockingRule::on(&spec.name, k);
            let c = cost(&rule);
            singles.push((rule, c, f));
        }
    }
    let mut chosen: Vec<(BlockingRule, f64)> = Vec::new();
    let mut coarse: Vec<(BlockingRule, usize)> = Vec::new();
    for (rule, c, f) in &singles {
        if *c <= budget {
            chosen.push((rule.clone(), *c));
        } else {
            coarse.push((rule.clone(), *f));
        }
    }
    let mut pairs: Vec<(BlockingRule, f64)> = Vec::new();
    for a in 0..coarse.len() {
        for b in a + 1..coarse.len() {
            if coarse[a].1 == coarse[b].1 {
                continue;
            }
            let mut rule = coarse[a].0.clone();
            rule.parts.extend(coarse[b].0.parts.clone());
            let c = cost(&rule);
            if c <= budget {
                pairs.push((rule, c));
            }
        }
    }
    pairs.sort_by(|x, y| x.1.total_cmp(&y.1));
    chosen.sort_by(|x, y| x.1.total_cmp(&y.1));
    // A phonetic rule already covers the exact rule on the same field(s): drop the exact one.
    let covers = |wide: &BlockingRule, narrow: &BlockingRule| {
        wide.parts.len() == narrow.parts.len()
            && wide.parts.iter().zip(&narrow.parts).all(|(w, n)| {
                w.field == n.field
                    && (w.key == n.key || (w.key == KeyKind::Phonetic && n.key == KeyKind::Exact))
            })
            && wide != narrow
    };
    let mut all: Vec<(BlockingRule, f64)> = chosen;
    let mut spent: f64 = all.iter().map(|x| x.1).sum();
    for (rule, c) in pairs {
        if all.len() >= 10 || spent + c > budget * 4.0 {
            break;
        }
        spent += c;
        all.push((rule, c));
    }
    let kept: Vec<BlockingRule> = all.iter().map(|x| x.0.clone()).collect();
    kept.iter()
        .filter(|r| !kept.iter().any(|w| covers(w, r)))
        .take(32)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FieldSpec, Schema, Value};

    #[test]
    fn windows_overlap_for_close_values() {
        let a = windows(10.0, 10.0, 24.0);
        let b = windows(33.0, 33.0, 24.0);
        assert!(a.iter().any(|k| b.contains(k)));
        let c = windows(100.0, 100.0, 24.0);
        assert!(!a.iter().any(|k| c.contains(k)));
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        assert!(!windows(f64::MAX, f64::MAX, 1e-300).is_empty());
        assert!(!windows(-f64::MAX, f64::MAX, 1.0).is_empty());
        assert_eq!(
            part_keys(&Prepared::Point(89.9, 179.9), KeyKind::GridCell(1e-300)).len(),
            4
        );
        assert!(
            part_keys(&Prepared::Time(i64::MIN, i64::MAX), KeyKind::Window(1.0)).len()
                <= MAX_KEYS_PER_PART + 1
        );
    }

    #[test]
    fn grid_cells_overlap_for_near_points() {
        let a = part_keys(&Prepared::Point(40.53, 72.80), KeyKind::GridCell(2.0));
        let b = part_keys(&Prepared::Point(40.54, 72.81), KeyKind::GridCell(2.0));
        assert!(a.iter().any(|k| b.contains(k)));
    }

    #[test]
    fn pairs_sharing_several_keys_are_compared_once() {
        let schema = Schema::new(vec![
            FieldSpec::new("time", FieldKind::TimeRange),
            FieldSpec::new("place", FieldKind::Geo),
        ]);
        let mut ds = Dataset::new(schema.clone()).unwrap();
        for i in 0..4 {
            let t = 1_276_000_000 + i * 600;
            ds.push(
                i.to_string(),
                0,
                vec![Value::Time(t, t + 3_600), Value::Point(40.53, 72.80)],
            )
            .unwrap();
        }
        let rules = vec![
            BlockingRule::on("time", KeyKind::Window(48.0)).and("place", KeyKind::GridCell(25.0)),
            BlockingRule::on("time", KeyKind::Window(24.0)),
        ];
        let mut b = Blocker::new(&ds, &rules, false, 100).unwrap();
        assert!((0..4).any(|i| b.keys_of(0, i).len() > 1));
        let c = b.compare_all(&ds, &Comparator::new(&schema.fields));
        let mut pairs = c.pairs.clone();
        pairs.sort_unstable();
        pairs.dedup();
        assert_eq!(pairs.len(), 6);
        assert_eq!(c.pairs.len(), 6);
    }

    #[test]
    fn oversized_blocks_are_counted_not_compared() {
        let schema = Schema::new(vec![FieldSpec::new("name", FieldKind::GivenName)]);
        let mut ds = Dataset::new(schema.clone()).unwrap();
        for i in 0..10 {
            ds.push(i.to_string(), 0, vec![Value::Text("same".into())])
                .unwrap();
        }
        let rules = vec![BlockingRule::on("name", KeyKind::Exact)];
        let mut b = Blocker::new(&ds, &rules, false, 5).unwrap();
        let c = b.compare_all(&ds, &Comparator::new(&schema.fields));
        assert_eq!(c.pairs.len(), 0);
        assert_eq!(b.stats.oversized_blocks, 1);
        assert_eq!(b.stats.skipped_pairs, 45);
        let mut b = Blocker::new(&ds, &rules, false, 10).unwrap();
        assert_eq!(
            b.compare_all(&ds, &Comparator::new(&schema.fields))
                .pairs
                .len(),
            45
        );
    }
}
