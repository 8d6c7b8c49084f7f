//! Accuracy of the geocoder on a labelled set of place strings.
//!
//! The labelled file is TSV with a header: `text`, `expected_id`, `lang`, `script`,
//! `category` (see `eval/README.md`). Lines starting with `#` are comments.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::GeoError;
use crate::geocoder::{Geocoder, HIGH_CONFIDENCE};

/// One labelled place string.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelledPlace {
    pub text: String,
    pub expected_id: String,
    pub lang: String,
    pub script: String,
    pub category: String,
}

/// Parses the labelled TSV.
pub fn parse_labelled(tsv: &str, source: &str) -> Result<Vec<LabelledPlace>, GeoError> {
    let mut out = Vec::new();
    for (i, line) in tsv.lines().enumerate() {
        if i == 0 || line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 5 {
            return Err(GeoError::row(
                source,
                i + 1,
                "row",
                format!(
                    "has {} columns; expected text, expected_id, lang, script, category",
                    f.len()
                ),
            ));
        }
        out.push(LabelledPlace {
            text: f[0].to_owned(),
            expected_id: f[1].to_owned(),
            lang: f[2].to_owned(),
            script: f[3].to_owned(),
            category: f[4].to_owned(),
        });
    }
    if out.is_empty() {
        return Err(GeoError::Empty(source.to_owned()));
    }
    Ok(out)
}

/// Rates over one slice of the set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rates {
    pub n: usize,
    pub top1: f64,
    pub top3: f64,
    /// Share of all rows whose top answer was wrong with confidence ≥ [`HIGH_CONFIDENCE`].
    pub wrong_confident: f64,
    /// Share of rows flagged ambiguous or below high confidence (sent to a human).
    pub needs_review: f64,
}

/// The evaluation result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub overall: Rates,
    pub by_category: BTreeMap<String, Rates>,
    pub by_lang: BTreeMap<String, Rates>,
    /// Rows whose top answer was wrong: (text, expected, got, confidence).
    pub errors: Vec<(String, String, String, f64)>,
    /// Reliability by confidence band: how often the top answer was right.
    pub calibration: Vec<CalibrationBin>,
}

/// Accuracy of answers whose confidence fell in `[low, high)` (the last band includes 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    pub low: f64,
    pub high: f64,
    pub n: usize,
    pub accuracy: f64,
}

const BANDS: [f64; 6] = [0.0, 0.3, 0.5, 0.7, HIGH_CONFIDENCE, 1.0];

#[derive(Default)]
struct Tally {
    n: usize,
    top1: usize,
    top3: usize,
    wrong_conf: usize,
    review: usize,
}

impl Tally {
    fn rates(&self) -> Rates {
        let d = self.n.max(1) as f64;
        Rates {
            n: self.n,
            top1: self.top1 as f64 / d,
            top3: self.top3 as f64 / d,
            wrong_confident: self.wrong_conf as f64 / d,
            needs_review: self.review as f64 / d,
        }
    }
}

/// Runs every row through [`Geocoder::resolve`].
pub fn evaluate(geocoder: &Geocoder, rows: &[LabelledPlace]) -> EvalReport {
    let mut all = Tally::default();
    let mut cats: BTreeMap<String, Tally> = BTreeMap::new();
    let mut langs: BTreeMap<String, Tally> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut bands = [(0usize, 0usize); BANDS.len() - 1];
    for r in rows {
        let res = geocoder.resolve(&r.text);
        let got = res
            .best
            .as_ref()
            .map(|b| b.place_id.clone())
            .unwrap_or_default();
        let ok1 = got == r.expected_id;
        let ok3 = res
            .candidates
            .iter()
            .take(3)
            .any(|c| c.place_id == r.expected_id);
        let wrong_conf = !ok1 && !res.ambiguous && res.confidence >= HIGH_CONFIDENCE;
        let band = BANDS
            .windows(2)
            .position(|w| res.confidence < w[1])
            .unwrap_or(bands.len() - 1);
        bands[band].0 += 1;
        bands[band].1 += usize::from(ok1);
        if !ok1 {
            errors.push((r.text.clone(), r.expected_id.clone(), got, res.confidence));
        }
        for t in [
            &mut all,
            cats.entry(r.category.clone()).or_default(),
            langs.entry(r.lang.clone()).or_default(),
        ] {
            t.n += 1;
            t.top1 += usize::from(ok1);
            t.top3 += usize::from(ok3);
            t.wrong_conf += usize::from(wrong_conf);
            t.review += usize::from(res.needs_review);
        }
    }
    EvalReport {
        overall: all.rates(),
        by_category: cats.into_iter().map(|(k, v)| (k, v.rates())).collect(),
        by_lang: langs.into_iter().map(|(k, v)| (k, v.rates())).collect(),
        errors,
        calibration: bands
            .iter()
            .zip(BANDS.windows(2))
            .map(|(&(n, ok), w)| CalibrationBin {
                low: w[0],
                high: w[1],
                n,
                accuracy: if n == 0 { 0.0 } else { ok as f64 / n as f64 },
            })
            .collect(),
    }
}
