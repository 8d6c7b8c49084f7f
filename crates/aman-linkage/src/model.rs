//! The Fellegi–Sunter model: for each field and comparison level, m = P(level | match)
//! and u = P(level | non-match); a pair's match weight is the prior log-odds plus the
//! sum of log2(m/u) over its fields. Trained without labels the way Splink does it:
//! u from random pairs (nearly all non-matches), m by EM over the pairs of each
//! blocking rule with that rule's own fields left out, and the prior λ by EM over all
//! pairs. Reviewers' labels, when there are some, sharpen m.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blocking::{Blocker, Candidates};
use crate::compare::{level_labels, Comparator, NULL_LEVEL};
use crate::hashing::FastMap;
use crate::record::{hash_str, Dataset, FieldKind, FieldSpec, Prepared};

/// m and u probabilities of one field's levels (index 0, the null level, is unused).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldWeights {
    /// Field name.
    pub field: String,
    /// Field kind.
    pub kind: FieldKind,
    /// Level labels, index = level.
    pub labels: Vec<String>,
    /// P(level | match).
    pub m: Vec<f64>,
    /// P(level | non-match).
    pub u: Vec<f64>,
}

impl FieldWeights {
    /// Weight in bits (log2 m/u) of a level; 0 for the null level. The last level
    /// (full disagreement) is never evidence for a match: where estimates say otherwise
    /// (a value nearly every record shares, so that random pairs almost never differ)
    /// they reflect the sample, not the field.
    pub fn weight(&self, level: u8) -> f64 {
        let l = level as usize;
        if level == NULL_LEVEL || l >= self.m.len() {
            return 0.0;
        }
        let w = (self.m[l].max(1e-9) / self.u[l].max(1e-12))
            .log2()
            .clamp(-40.0, 40.0);
        if l + 1 == self.m.len() {
            w.min(0.0)
        } else {
            w
        }
    }
}

/// A trained (or hand-set) Fellegi–Sunter model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Per-field m and u.
    pub fields: Vec<FieldWeights>,
    /// Prior probability that a random pair (over all possible pairs) is a match.
    pub prior: f64,
}

/// One field's part in a pair's score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldContribution {
    /// Field name.
    pub field: String,
    /// Comparison level (0 = missing on one side).
    pub level: u8,
    /// What the level means.
    pub label: String,
    /// Contribution to the match weight in bits (positive supports a match).
    pub weight: f64,
    /// A continuous similarity in [0, 1] for display, when both sides have a value.
    pub similarity: Option<f64>,
}

/// Why the model scores a pair as it does: the prior and each field's contribution.
/// It carries no field values, so it can be shown or logged without personal data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Prior log-odds in bits.
    pub prior_weight: f64,
    /// Per-field contributions, in schema order.
    pub fields: Vec<FieldContribution>,
    /// Prior plus all contributions.
    pub match_weight: f64,
    /// `1 / (1 + 2^-match_weight)`.
    pub probability: f64,
}

impl Explanation {
    /// One line per field, strongest evidence first, for terminals and review pages.
    pub fn to_text(&self) -> String {
        let mut f: Vec<&FieldContribution> = self.fields.iter().collect();
        f.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        let mut s = format!(
            "match probability {:.4} (weight {:+.2} bits; prior {:+.2})\n",
            self.probability, self.match_weight, self.prior_weight
        );
        for c in f {
            s.push_str(&format!(
                "  {:<16} {:+7.2}  {}\n",
                c.field, c.weight, c.label
            ));
        }
        s
    }
}

/// Probability from a match weight in bits.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

impl Model {
    /// A model with neutral starting m and u for each field.
    pub fn initial(fields: &[FieldSpec]) -> Self {
        let fields = fields
            .iter()
            .map(|spec| {
                let labels = level_labels(spec);
                let n = labels.len() - 1;
                let mut m = vec![0.0; n + 1];
                let mut u = vec![0.0; n + 1];
                for l in 1..=n {
                    // Matches mostly agree exactly, non-matches mostly disagree.
                    m[l] = 0.5f64.powi(l as i32 - 1) * if l == 1 { 4.0 } else { 1.0 };
                    u[l] = 0.5f64.powi((n - l) as i32) * if l == n { 4.0 } else { 1.0 };
                }
                normalise(&mut m);
                normalise(&mut u);
                FieldWeights {
                    field: spec.name.clone(),
                    kind: spec.kind,
                    labels,
                    m,
                    u,
                }
            })
            .collect();
        Model {
            fields,
            prior: 1e-4,
        }
    }

    /// Prior log-odds in bits.
    pub fn prior_weight(&self) -> f64 {
        let p = self.prior.clamp(1e-15, 1.0 - 1e-15);
        (p / (1.0 - p)).log2()
    }

    /// Match weight of a level vector.
    pub fn match_weight(&self, levels: &[u8]) -> f64 {
        self.prior_weight()
            + self
                .fields
                .iter()
                .zip(levels)
                .map(|(f, &l)| f.weight(l))
                .sum::<f64>()
    }

    pub(crate) fn explain_levels(&self, levels: &[u8], sims: &[Option<f64>]) -> Explanation {
        let fields: Vec<FieldContribution> = self
            .fields
            .iter()
            .zip(levels)
            .zip(sims)
            .map(|((f, &l), s)| FieldContribution {
                field: f.field.clone(),
                level: l,
                label: f.labels.get(l as usize).cloned().unwrap_or_default(),
                weight: f.weight(l),
                similarity: *s,
            })
            .collect();
        let match_weight = self.match_weight(levels);
        Explanation {
            prior_weight: self.prior_weight(),
            fields,
            match_weight,
            probability: probability(match_weight),
        }
    }
}

fn normalise(v: &mut [f64]) {
    let s: f64 = v.iter().skip(1).sum();
    if s > 0.0 {
        for x in v.iter_mut().skip(1) {
            *x /= s;
        }
    }
}

/// Training settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Random pairs drawn to estimate u.
    pub random_pairs: usize,
    /// Seed for drawing them.
    pub seed: u64,
    /// EM iterations at most per session.
    pub max_iterations: usize,
    /// Stop when no parameter moves more than this.
    pub tolerance: f64,
    /// Weight of the EM estimate of m, in pseudo-pairs, when blended with labelled matches.
    pub label_prior_strength: f64,
    /// Below this many records nothing is estimated and neutral weights are used.
    pub min_records: usize,
    /// m given from domain knowledge for some fields (by name; one value per level,
    /// the null level included), kept instead of estimated. EM can mistake namesakes
    /// for matches on small lists and then learn that matches often differ in age.
    pub fixed_m: Vec<(String, Vec<f64>)>,
    /// Prior match probability (over all pairs) given from domain knowledge instead of
    /// estimated. Where fields depend on each other (one place, one day, one template)
    /// their summed weights overstate agreement and the estimate runs away.
    pub fixed_prior: Option<f64>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            random_pairs: 50_000,
            seed: 42,
            max_iterations: 100,
            tolerance: 1e-6,
            label_prior_strength: 50.0,
            min_records: 50,
            fixed_m: Vec::new(),
            fixed_prior: None,
        }
    }
}

/// u from random pairs (respecting cross-source linkage), with add-one smoothing so
/// rare agreements never get u = 0.
pub(crate) fn estimate_u(
    ds: &Dataset,
    cmp: &Comparator,
    model: &mut Model,
    cross_source_only: bool,
    opts: &TrainOptions,
) {
    let n = ds.len();
    if n < 2 {
        return;
    }
    let nf = model.fields.len();
    let counts: Vec<Vec<f64>> = (0..opts.random_pairs.max(1))
        .into_par_iter()
        .chunks(4096)
        .map(|chunk| {
            let mut rng =
                ChaCha8Rng::seed_from_u64(opts.seed ^ (chunk[0] as u64).wrapping_mul(0x9e37_79b9));
            let mut c: Vec<Vec<f64>> = model.fields.iter().map(|f| vec![0.0; f.m.len()]).collect();
            let mut lv = vec![0u8; nf];
            let mut drawn = 0;
            let mut tries = 0;
            while drawn < chunk.len() && tries < chunk.len() * 20 {
                tries += 1;
                let i = rng.gen_range(0..n);
                let j = rng.gen_range(0..n);
                if i == j || (cross_source_only && ds.sources[i] == ds.sources[j]) {
                    continue;
                }
                drawn += 1;
                cmp.levels(ds.row(i), ds.row(j), &mut lv);
                for f in 0..nf {
                    c[f][lv[f] as usize] += 1.0;
                }
            }
            c
        })
        .reduce(
            || model.fields.iter().map(|f| vec![0.0; f.m.len()]).collect(),
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    for (p, q) in x.iter_mut().zip(y) {
                        *p += q;
                    }
                }
                a
            },
        );
    for (fi, (f, c)) in model.fields.iter_mut().zip(counts).enumerate() {
        match exact_agreement(ds, fi, cross_source_only) {
            // Level 1 is exact equality: take its u from value frequencies, which is
            // exact, and share the rest among the other levels as sampled.
            Some(u1) => {
                let rest: f64 = c.iter().skip(2).sum::<f64>() + (c.len() - 2) as f64;
                f.u[1] = u1.max(1e-12);
                let keep = 1.0 - f.u[1];
                for (u, &count) in f.u.iter_mut().zip(&c).skip(2) {
                    *u = keep * (count + 1.0) / rest;
                }
            }
            None => {
                let total: f64 = c.iter().skip(1).sum::<f64>() + (c.len() - 1) as f64;
                for (u, &count) in f.u.iter_mut().zip(&c).skip(1) {
                    *u = (count + 1.0) / total;
                }
            }
        }
    }
}

/// Share of pairs (with both values present) that agree exactly on field `f`, from
/// value frequencies; `None` for kinds whose first level is not exact equality.
fn exact_agreement(ds: &Dataset, f: usize, cross_source_only: bool) -> Option<f64> {
    let key = |p: &Prepared| -> Option<u64> {
        match p {
            Prepared::Name(n) => Some(hash_str(&n.folded)),
            Prepared::Str(s) => Some(hash_str(s)),
            Prepared::Date { digits, .. } => {
                Some(hash_str(std::str::from_utf8(digits).unwrap_or("")))
            }
            Prepared::Num(x) => Some(x.to_bits()),
            Prepared::Set(ids) => Some(
                ids.iter()
                    .fold(17u64, |h, &x| h.wrapping_mul(31).wrapping_add(u64::from(x))),
            ),
            _ => None,
        }
    };
    if !matches!(
        ds.schema.fields[f].kind,
        FieldKind::GivenName
            | FieldKind::FamilyName
            | FieldKind::Patronymic
            | FieldKind::FullName
            | FieldKind::Date
            | FieldKind::Number
            | FieldKind::Category
            | FieldKind::Identifier
            | FieldKind::String
            | FieldKind::Set
    ) {
        return None;
    }
    let mut by_value: FastMap<u64, f64> = FastMap::default();
    let mut by_value_source: FastMap<(u64, u16), f64> = FastMap::default();
    let mut by_source: FastMap<u16, f64> = FastMap::default();
    let mut n = 0.0;
    for i in 0..ds.len() {
        if let Some(k) = key(ds.field(i, f)) {
            let s = ds.sources[i];
            *by_value.entry(k).or_default() += 1.0;
            *by_source.entry(s).or_default() += 1.0;
            if cross_source_only {
                *by_value_source.entry((k, s)).or_default() += 1.0;
            }
            n += 1.0;
        }
    }
    let (agree, pairs) = if cross_source_only {
        let same_v: f64 = by_value_source.values().map(|c| c * c).sum();
        let same_s: f64 = by_source.values().map(|c| c * c).sum();
        (
            by_value.values().map(|c| c * c).sum::<f64>() - same_v,
            n * n - same_s,
        )
    } else {
        (
            by_value.values().map(|c| c * (c - 1.0)).sum::<f64>(),
            n * (n - 1.0),
        )
    };
    (pairs > 0.0).then(|| agree / pairs)
}

/// Distinct level vectors of a set of pairs with their counts: EM runs on these, not on
/// pairs. A pair counts once per blocking key it shares under the rule that found it:
/// two records that share several name words or adjacent windows are closer than their
/// comparison levels alone show, and weighing them so keeps EM's match class sharp
/// (counting every pair once lowered person F1 on the multilingual fixture from 0.934
/// to 0.903 and on the scenario's victim CSV from 0.942 to 0.933; FEBRL unchanged).
type Patterns = Vec<(Vec<u8>, f64)>;

fn patterns(c: &Candidates, nf: usize, keep: impl Fn(usize) -> bool + Sync) -> Patterns {
    let map = (0..c.pairs.len())
        .into_par_iter()
        .filter(|&p| keep(p))
        .fold(FastMap::<&[u8], f64>::default, |mut m, p| {
            *m.entry(&c.levels[p * nf..(p + 1) * nf]).or_default() += f64::from(c.shared_keys[p]);
            m
        })
        .reduce(FastMap::default, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        });
    map.into_iter().map(|(k, v)| (k.to_vec(), v)).collect()
}

/// EM for m and λ with u fixed, over the fields marked active. Returns (m, λ).
/// Fields marked `fixed` count in the likelihood but keep their m.
fn em_session(
    model: &Model,
    pats: &Patterns,
    active: &[bool],
    fixed: &[bool],
    opts: &TrainOptions,
) -> (Vec<Vec<f64>>, f64) {
    let mut m: Vec<Vec<f64>> = model.fields.iter().map(|f| f.m.clone()).collect();
    let mut lambda: f64 = 0.3;
    for _ in 0..opts.max_iterations {
        let mut acc: Vec<Vec<f64>> = m.iter().map(|v| vec![0.0; v.len()]).collect();
        let (mut post_sum, mut total) = (0.0, 0.0);
        for (lv, count) in pats {
            let mut lm = lambda.ln();
            let mut lu = (1.0 - lambda).ln();
            for (f, &l) in lv.iter().enumerate() {
                if active[f] && l != NULL_LEVEL {
                    lm += m[f][l as usize].max(1e-300).ln();
                    lu += model.fields[f].u[l as usize].max(1e-300).ln();
                }
            }
            let post = 1.0 / (1.0 + (lu - lm).exp());
            post_sum += post * count;
            total += count;
            for (f, &l) in lv.iter().enumerate() {
                acc[f][l as usize] += post * count;
            }
        }
        if total == 0.0 || post_sum <= 0.0 {
            break;
        }
        let new_lambda = (post_sum / total).clamp(1e-9, 1.0 - 1e-9);
        let mut delta = (new_lambda - lambda).abs();
        for f in 0..m.len() {
            if !active[f] || fixed[f] {
                continue;
            }
            let s: f64 = acc[f].iter().skip(1).sum();
            if s <= 0.0 {
                continue;
            }
            for l in 1..m[f].len() {
                let v = (acc[f][l] / s).max(1e-6);
                delta = delta.max((v - m[f][l]).abs());
                m[f][l] = v;
            }
            normalise(&mut m[f]);
        }
        lambda = new_lambda;
        if delta < opts.tolerance {
            break;
        }
    }
    (m, lambda)
}

/// A labelled pair by record index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IndexLabel {
    pub a: usize,
    pub b: usize,
    pub is_match: bool,
}

/// Full unsupervised training (u, then m per rule, then λ), then label blending.
pub(crate) fn train(
    ds: &Dataset,
    cmp: &Comparator,
    blocker: &Blocker,
    cands: &Candidates,
    cross_source_only: bool,
    labels: &[IndexLabel],
    opts: &TrainOptions,
) -> Model {
    let nf = ds.schema.fields.len();
    let mut model = Model::initial(&ds.schema.fields);
    if ds.len() < opts.min_records {
        // Too few records to estimate anything: keep the neutral starting weights
        // (exact agreement about +6 bits, disagreement about -6) and assume about
        // two records per entity.
        model.prior = (1.0 / ds.len().max(2) as f64).min(0.5);
        apply_fixed_m(&mut model, opts);
        blend_labels(ds, cmp, &mut model, labels, opts);
        return model;
    }
    estimate_u(ds, cmp, &mut model, cross_source_only, opts);
    apply_fixed_m(&mut model, opts);
    let fixed: Vec<bool> = model
        .fields
        .iter()
        .map(|f| opts.fixed_m.iter().any(|(n, _)| n == &f.field))
        .collect();
    let mut sums: Vec<Vec<f64>> = model.fields.iter().map(|f| vec![0.0; f.m.len()]).collect();
    let mut sessions = vec![0usize; nf];
    for r in 0..blocker.rule_count() {
        let excluded = blocker.rule_fields(r);
        let active: Vec<bool> = (0..nf).map(|f| !excluded.contains(&f)).collect();
        let pats = patterns(cands, nf, |p| cands.masks[p] & (1 << r) != 0);
        if pats.is_empty() {
            continue;
        }
        let (m, _) = em_session(&model, &pats, &active, &fixed, opts);
        for f in 0..nf {
            if active[f] {
                for l in 1..m[f].len() {
                    sums[f][l] += m[f][l];
                }
                sessions[f] += 1;
            }
        }
    }
    // Fields that every rule blocks on get one session over all candidates.
    let all_pats = patterns(cands, nf, |_| true);
    if sessions.contains(&0) && !all_pats.is_empty() {
        let (m, _) = em_session(&model, &all_pats, &vec![true; nf], &fixed, opts);
        for f in 0..nf {
            if sessions[f] == 0 {
                sums[f] = m[f].clone();
                sessions[f] = 1;
            }
        }
    }
    for ((field, sum), &k) in model.fields.iter_mut().zip(&sums).zip(&sessions) {
        if k > 0 {
            for (m, &s) in field.m.iter_mut().zip(sum).skip(1) {
                *m = s / k as f64;
            }
            normalise(&mut field.m);
        }
    }
    apply_fixed_m(&mut model, opts);
    blend_labels(ds, cmp, &mut model, labels, opts);
    model.prior = opts
        .fixed_prior
        .unwrap_or_else(|| estimate_prior(&model, &all_pats, blocker.stats.total_pairs));
    model
}

fn apply_fixed_m(model: &mut Model, opts: &TrainOptions) {
    for (name, m) in &opts.fixed_m {
        if let Some(f) = model.fields.iter_mut().find(|f| &f.field == name) {
            if m.len() == f.m.len() && m.iter().all(|x| x.is_finite() && *x >= 0.0) {
                f.m = m.clone();
                normalise(&mut f.m);
            }
        }
    }
}

/// λ over all pairs: the expected number of matches among candidates (non-candidates
/// are taken as non-matches) over the number of pairs, iterated to its fixed point.
fn estimate_prior(model: &Model, pats: &Patterns, total_pairs: u64) -> f64 {
    if total_pairs == 0 || pats.is_empty() {
        return model.prior;
    }
    let base: Vec<(f64, f64)> = pats
        .iter()
        .map(|(lv, c)| {
            (
                model
                    .fields
                    .iter()
                    .zip(lv)
                    .map(|(f, &l)| f.weight(l))
                    .sum::<f64>(),
                *c,
            )
        })
        .collect();
    let mut lambda = 1.0 / total_pairs as f64;
    for _ in 0..200 {
        let lo = (lambda / (1.0 - lambda)).log2();
        let expected: f64 = base.iter().map(|(w, c)| probability(w + lo) * c).sum();
        let next = (expected / total_pairs as f64).clamp(1e-15, 0.5);
        if (next - lambda).abs() <= lambda * 1e-9 {
            lambda = next;
            break;
        }
        lambda = next;
    }
    lambda
}

/// Blends labelled matches into m as extra observations; the EM estimate counts as
/// `label_prior_strength` pseudo-pairs so a handful of labels nudge rather than overturn.
fn blend_labels(
    ds: &Dataset,
    cmp: &Comparator,
    model: &mut Model,
    labels: &[IndexLabel],
    opts: &TrainOptions,
) {
    let nf = model.fields.len();
    let mut lv = vec![0u8; nf];
    let mut counts: Vec<Vec<f64>> = model.fields.iter().map(|f| vec![0.0; f.m.len()]).collect();
    let mut any = false;
    for l in labels
        .iter()
        .filter(|l| l.is_match && l.a < ds.len() && l.b < ds.len())
    {
        any = true;
        cmp.levels(ds.row(l.a), ds.row(l.b), &mut lv);
        for f in 0..nf {
            counts[f][lv[f] as usize] += 1.0;
        }
    }
    if !any {
        return;
    }
    let k = opts.label_prior_strength.max(0.0);
    for (f, c) in model.fields.iter_mut().zip(counts) {
        let n: f64 = c.iter().skip(1).sum();
        for l in 1..c.len() {
            f.m[l] = (k * f.m[l] + c[l] + 1e-6) / (k + n + 1e-6 * (c.len() - 1) as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_probabilities() {
        let spec = FieldSpec::new("f", FieldKind::Category);
        let mut m = Model::initial(&[spec]);
        m.fields[0].m = vec![0.0, 0.9, 0.1];
        m.fields[0].u = vec![0.0, 0.1, 0.9];
        m.prior = 0.5;
        assert!((m.match_weight(&[1]) - 9f64.log2()).abs() < 1e-9);
        assert_eq!(m.match_weight(&[0]), 0.0);
        let e = m.explain_levels(&[2], &[Some(0.0)]);
        assert!(e.probability < 0.2);
        assert!(e.to_text().contains("different"));
    }

    #[test]
    fn em_recovers_two_populations() {
        // Two fields, matches agree on both 90% of the time, non-matches 10%.
        let fields = vec![
            FieldSpec::new("a", FieldKind::Category),
            FieldSpec::new("b", FieldKind::Category),
        ];
        let mut model = Model::initial(&fields);
        for f in &mut model.fields {
            f.u = vec![0.0, 0.1, 0.9];
        }
        let pats: Patterns = vec![
            (vec![1, 1], 0.3 * 0.81 + 0.7 * 0.01),
            (vec![1, 2], 0.3 * 0.09 + 0.7 * 0.09),
            (vec![2, 1], 0.3 * 0.09 + 0.7 * 0.09),
            (vec![2, 2], 0.3 * 0.01 + 0.7 * 0.81),
        ];
        let pats: Patterns = pats.into_iter().map(|(l, c)| (l, c * 10_000.0)).collect();
        let (m, lambda) = em_session(
            &model,
            &pats,
            &[true, true],
            &[false, false],
            &TrainOptions::default(),
        );
        assert!((lambda - 0.3).abs() < 0.02, "λ = {lambda}");
        assert!((m[0][1] - 0.9).abs() < 0.03, "m = {m:?}");
    }
}
