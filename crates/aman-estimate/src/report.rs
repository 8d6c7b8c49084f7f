//! The entry point for the CLI and API: run the chosen estimators behind the guard rails,
//! add a sensitivity table, and return one report that serialises to JSON and renders as
//! plain text with everything needed to reproduce the run.

use std::fmt::Write as _;

use serde::Serialize;

use crate::dga::{self, DgaOptions, DgaResult};
use crate::guard::{self, GuardOptions, Refusal};
use crate::lcmcr::{self, LcmcrOptions, LcmcrResult};
use crate::loglinear::{self, Criterion, LogLinearOptions, LogLinearResult, ModelSet};
use crate::table::{CaptureTable, Stratum};

/// The estimators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    LogLinear,
    Dga,
    Lcmcr,
}

impl Method {
    /// All three, in report order.
    pub const ALL: [Method; 3] = [Method::LogLinear, Method::Dga, Method::Lcmcr];

    pub fn name(self) -> &'static str {
        match self {
            Method::LogLinear => "log-linear",
            Method::Dga => "dga",
            Method::Lcmcr => "lcmcr",
        }
    }

    /// Parses `loglinear`/`log-linear`, `dga`, `lcmcr`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "loglinear" | "log-linear" | "llm" => Some(Method::LogLinear),
            "dga" | "bma" => Some(Method::Dga),
            "lcmcr" => Some(Method::Lcmcr),
            _ => None,
        }
    }
}

/// Everything that determines a run.
#[derive(Debug, Clone, Serialize)]
pub struct EstimateOptions {
    pub methods: Vec<Method>,
    /// Seed of the LCMCR chains (chain c uses stream c).
    pub seed: u64,
    pub chains: usize,
    /// Interval probability / confidence level for all estimators.
    pub interval: f64,
    pub loglinear: LogLinearOptions,
    pub dga: DgaOptions,
    /// LCMCR settings; its `seed`, `chains` and `interval` are taken from the fields above.
    pub lcmcr: LcmcrOptions,
    pub guard: GuardOptions,
    /// Also rerun each estimator under other settings (delta, K*, model set).
    pub sensitivity: bool,
}

impl Default for EstimateOptions {
    fn default() -> Self {
        Self {
            methods: Method::ALL.to_vec(),
            seed: 1,
            chains: 4,
            interval: 0.95,
            loglinear: LogLinearOptions::default(),
            dga: DgaOptions::default(),
            lcmcr: LcmcrOptions::default(),
            guard: GuardOptions::default(),
            sensitivity: true,
        }
    }
}

/// Errors in the request itself (per-method failures are reported in the report instead).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    #[error("the capture table holds no records; nothing to estimate")]
    EmptyTable,
    #[error("invalid option: {0}")]
    BadOption(String),
}

/// The observed data, as summarised in the report.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    pub lists: Vec<String>,
    pub list_totals: Vec<u64>,
    /// People recorded by at least one list.
    pub observed: u64,
    /// People recorded by two or more lists.
    pub overlap: u64,
    /// Capture patterns as bit strings (first character = first list) with their counts.
    pub cells: Vec<(String, u64)>,
}

/// A method that did not run, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub method: Method,
    pub reason: String,
}

/// One estimate under an alternative setting.
#[derive(Debug, Clone, Serialize)]
pub struct SensitivityRow {
    pub method: Method,
    pub setting: String,
    pub estimate: f64,
    pub lower: f64,
    pub upper: Option<f64>,
}

/// The full, reproducible outcome of [`estimate`].
#[derive(Debug, Clone, Serialize)]
pub struct EstimateReport {
    pub software: String,
    pub version: String,
    /// Stratum label, `all` when not stratified.
    pub stratum: String,
    pub seed: u64,
    pub input: InputSummary,
    pub options: EstimateOptions,
    /// Set when the guard rails withheld every estimate.
    pub refused: Option<Refusal>,
    pub loglinear: Option<LogLinearResult>,
    pub dga: Option<DgaResult>,
    pub lcmcr: Option<LcmcrResult>,
    pub skipped: Vec<Skipped>,
    pub sensitivity: Vec<SensitivityRow>,
    pub warnings: Vec<String>,
}

/// Runs the chosen estimators on one capture table.
pub fn estimate(
    table: &CaptureTable,
    options: &EstimateOptions,
) -> Result<EstimateReport, EstimateError> {
    estimate_labelled(table, "all", options)
}

/// Runs [`estimate`] for every stratum; a failing stratum does not stop the others.
pub fn estimate_strata(
    strata: &[Stratum],
    options: &EstimateOptions,
) -> Vec<(String, Result<EstimateReport, EstimateError>)> {
    strata
        .iter()
        .map(|s| {
            (
                s.label.clone(),
                estimate_labelled(&s.table, &s.label, options),
            )
        })
        .collect()
}

fn estimate_labelled(
    original: &CaptureTable,
    stratum: &str,
    options: &EstimateOptions,
) -> Result<EstimateReport, EstimateError> {
    validate(options)?;
    if original.total() == 0 {
        return Err(EstimateError::EmptyTable);
    }
    let mut warnings = Vec::new();
    let totals = original.list_totals();
    let empty: Vec<&str> = original
        .lists()
        .iter()
        .zip(&totals)
        .filter(|(_, &t)| t == 0)
        .map(|(l, _)| l.as_str())
        .collect();
    if !empty.is_empty() {
        warnings.push(format!(
            "list(s) {} recorded nobody and were left out of the models",
            empty.join(", ")
        ));
    }
    let table = original.without_empty_lists();
    let mut report = EstimateReport {
        software: env!("CARGO_PKG_NAME").into(),
        version: env!("CARGO_PKG_VERSION").into(),
        stratum: stratum.into(),
        seed: options.seed,
        input: summarize_input(original),
        options: options.clone(),
        refused: None,
        loglinear: None,
        dga: None,
        lcmcr: None,
        skipped: Vec::new(),
        sensitivity: Vec::new(),
        warnings,
    };
    if let Some(refusal) = guard::check(&table, &options.guard) {
        report.refused = Some(refusal);
        return Ok(report);
    }
    let ll_opts = LogLinearOptions {
        interval: options.interval,
        ..options.loglinear.clone()
    };
    let dga_opts = DgaOptions {
        interval: options.interval,
        ..options.dga.clone()
    };
    let lc_opts = LcmcrOptions {
        seed: options.seed,
        chains: options.chains,
        interval: options.interval,
        ..options.lcmcr.clone()
    };
    for &method in &options.methods {
        match method {
            Method::LogLinear => match loglinear::estimate(&table, &ll_opts) {
                Ok(r) => report.loglinear = Some(r),
                Err(e) => report.skipped.push(Skipped {
                    method,
                    reason: e.to_string(),
                }),
            },
            Method::Dga => match dga::estimate(&table, &dga_opts) {
                Ok(r) => report.dga = Some(r),
                Err(e) => report.skipped.push(Skipped {
                    method,
                    reason: e.to_string(),
                }),
            },
            Method::Lcmcr => match lcmcr::estimate(&table, &lc_opts) {
                Ok(r) => report.lcmcr = Some(r),
                Err(e) => report.skipped.push(Skipped {
                    method,
                    reason: e.to_string(),
                }),
            },
        }
    }
    for w in report
        .loglinear
        .iter()
        .flat_map(|r| r.warnings.iter().map(|w| format!("log-linear: {w}")))
        .chain(
            report
                .dga
                .iter()
                .flat_map(|r| r.warnings.iter().map(|w| format!("dga: {w}"))),
        )
        .chain(
            report
                .lcmcr
                .iter()
                .flat_map(|r| r.warnings.iter().map(|w| format!("lcmcr: {w}"))),
        )
        .collect::<Vec<_>>()
    {
        report.warnings.push(w);
    }
    if options.sensitivity {
        report.sensitivity = sensitivity(&table, &report, &ll_opts, &dga_opts, &lc_opts);
    }
    Ok(report)
}

fn validate(o: &EstimateOptions) -> Result<(), EstimateError> {
    let bad = |m: &str| Err(EstimateError::BadOption(m.into()));
    if o.methods.is_empty() {
        return bad("choose at least one method (loglinear, dga, lcmcr)");
    }
    if o.chains == 0 {
        return bad("chains must be at least 1");
    }
    if !(o.interval > 0.0 && o.interval < 1.0) {
        return bad("interval must be between 0 and 1, e.g. 0.95");
    }
    if o.lcmcr.draws == 0 || o.lcmcr.thin == 0 || o.lcmcr.k_star == 0 {
        return bad("LCMCR draws, thin and K* must be at least 1");
    }
    if let Some(g) = o.dga.grid {
        if g.step == 0 || g.end < g.start {
            return bad("the N grid needs start ≤ end and a positive step");
        }
    }
    if let Some(d) = o.dga.delta {
        if !(d > 0.0 && d.is_finite()) {
            return bad("delta must be positive");
        }
    }
    Ok(())
}

fn summarize_input(t: &CaptureTable) -> InputSummary {
    InputSummary {
        lists: t.lists().to_vec(),
        list_totals: t.list_totals(),
        observed: t.total(),
        overlap: t.overlap_total(),
        cells: t
            .cells()
            .iter()
            .map(|&(p, c)| {
                let bits: String = (0..t.num_lists())
                    .map(|j| if p & (1 << j) != 0 { '1' } else { '0' })
                    .collect();
                (bits, c)
            })
            .collect(),
    }
}

/// Reruns each estimator under alternative settings; the setting of the main run is reused
/// rather than recomputed.
fn sensitivity(
    table: &CaptureTable,
    report: &EstimateReport,
    ll: &LogLinearOptions,
    dg: &DgaOptions,
    lc: &LcmcrOptions,
) -> Vec<SensitivityRow> {
    let mut rows = Vec::new();
    if let Some(main) = &report.loglinear {
        for set in [
            ModelSet::Independence,
            ModelSet::Heterogeneity,
            ModelSet::Interactions,
            ModelSet::Standard,
        ] {
            let o = LogLinearOptions {
                model_set: set,
                ..ll.clone()
            };
            let r = if set == ll.model_set {
                Some(main.clone())
            } else {
                loglinear::estimate(table, &o).ok()
            };
            if let Some(r) = r {
                rows.push(SensitivityRow {
                    method: Method::LogLinear,
                    setting: format!("model set {set:?}: {}", r.chosen.model),
                    estimate: r.chosen.n_hat,
                    lower: r.lower,
                    upper: r.upper,
                });
            }
        }
    }
    if let Some(main) = &report.dga {
        let j = table.num_lists() as i32;
        for delta in [0.5f64.powi(j), 0.5, 1.0] {
            let o = DgaOptions {
                delta: Some(delta),
                ..dg.clone()
            };
            let summary = if delta == main.delta {
                Some(main.averaged.clone())
            } else {
                dga::estimate(table, &o).ok().map(|r| r.averaged)
            };
            if let Some(a) = summary {
                rows.push(SensitivityRow {
                    method: Method::Dga,
                    setting: format!("delta = {delta:.4}"),
                    estimate: a.median,
                    lower: a.lower,
                    upper: Some(a.upper),
                });
            }
        }
    }
    if let Some(main) = &report.lcmcr {
        for k in [5usize, 10, 20] {
            let o = LcmcrOptions {
                k_star: k,
                ..lc.clone()
            };
            let summary = if k == lc.k_star {
                Some(main.summary.clone())
            } else {
                lcmcr::estimate(table, &o).ok().map(|r| r.summary)
            };
            if let Some(a) = summary {
                rows.push(SensitivityRow {
                    method: Method::Lcmcr,
                    setting: format!("K* = {k}"),
                    estimate: a.median,
                    lower: a.lower,
                    upper: Some(a.upper),
                });
            }
        }
    }
    rows
}

impl EstimateReport {
    /// JSON for the API and `--json` output.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("reports contain only serialisable values")
    }

    /// A plain-text table for people, with the settings needed to reproduce the run.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let pct = self.options.interval * 100.0;
        let _ = writeln!(
            s,
            "{} {} — multiple systems estimation",
            self.software, self.version
        );
        let _ = writeln!(s, "stratum: {}", self.stratum);
        let _ = writeln!(
            s,
            "input: {} lists, {} people recorded, {} on two or more lists",
            self.input.lists.len(),
            self.input.observed,
            self.input.overlap
        );
        let totals: Vec<String> = self
            .input
            .lists
            .iter()
            .zip(&self.input.list_totals)
            .map(|(l, t)| format!("{l}={t}"))
            .collect();
        let _ = writeln!(s, "list totals: {}", totals.join(", "));
        let methods: Vec<&str> = self.options.methods.iter().map(|m| m.name()).collect();
        let _ = writeln!(
            s,
            "methods: {}; seed {}; chains {}; interval {pct:.0}%",
            methods.join(", "),
            self.seed,
            self.options.chains
        );
        if let Some(r) = &self.refused {
            let _ = writeln!(
                s,
                "\nNO ESTIMATE: {}.\ndocumented count: {} (a minimum, not an estimate)",
                r.reason, r.documented_count
            );
            self.write_warnings(&mut s);
            return s;
        }
        let _ = writeln!(
            s,
            "\n{:<34} {:>10} {:>10} {:>10}  detail",
            "method", "estimate", "lower", "upper"
        );
        let row = |s: &mut String, name: &str, est: f64, lo: f64, hi: Option<f64>, detail: &str| {
            let hi = hi.map_or("unbounded".to_string(), |h| format!("{h:.0}"));
            let _ = writeln!(s, "{name:<34} {est:>10.0} {lo:>10.0} {hi:>10}  {detail}");
        };
        if let Some(r) = &self.loglinear {
            row(
                &mut s,
                &format!(
                    "log-linear ({}, MLE)",
                    match r.criterion {
                        Criterion::Aic => "AIC",
                        Criterion::Bic => "BIC",
                    }
                ),
                r.chosen.n_hat,
                r.lower,
                r.upper,
                &format!("model: {}; profile-likelihood interval", r.chosen.model),
            );
        }
        if let Some(r) = &self.dga {
            row(
                &mut s,
                &format!("dga BMA ({} graphs, median)", r.graphs),
                r.averaged.median,
                r.averaged.lower,
                Some(r.averaged.upper),
                &format!(
                    "delta {:.4}; {}; mode {}; E[1/N]/E[1/N²] {:.0}; top graph {} (p = {:.2})",
                    r.delta,
                    r.prior,
                    r.averaged.mode.unwrap_or(0),
                    r.averaged.bayes_relative,
                    r.top_graphs.first().map_or("", |g| g.graph.as_str()),
                    r.top_graphs.first().map_or(0.0, |g| g.probability)
                ),
            );
        }
        if let Some(r) = &self.lcmcr {
            row(
                &mut s,
                &format!("LCMCR (K* = {}, median)", r.options.k_star),
                r.summary.median,
                r.summary.lower,
                Some(r.summary.upper),
                &format!(
                    "mean {:.0}; R-hat {}; ESS {}; {} chains × {} draws (burn-in {}, thin {})",
                    r.summary.mean,
                    r.r_hat.map_or("n/a".into(), |v| format!("{v:.3}")),
                    r.ess.map_or("n/a".into(), |v| format!("{v:.0}")),
                    r.options.chains,
                    r.options.draws,
                    r.options.burn_in,
                    r.options.thin
                ),
            );
        }
        for k in &self.skipped {
            let _ = writeln!(s, "{:<34} not run: {}", k.method.name(), k.reason);
        }
        if !self.sensitivity.is_empty() {
            let _ = writeln!(s, "\nsensitivity:");
            for r in &self.sensitivity {
                row(
                    &mut s,
                    &format!("  {}", r.method.name()),
                    r.estimate,
                    r.lower,
                    r.upper,
                    &r.setting,
                );
            }
        }
        self.write_warnings(&mut s);
        let _ = writeln!(s, "\nassumptions:");
        let mut seen = Vec::new();
        for (name, list) in [
            (
                "log-linear",
                self.loglinear.as_ref().map(|r| &r.assumptions),
            ),
            ("dga", self.dga.as_ref().map(|r| &r.assumptions)),
            ("lcmcr", self.lcmcr.as_ref().map(|r| &r.assumptions)),
        ] {
            for a in list.into_iter().flatten() {
                if seen.contains(a) {
                    continue;
                }
                seen.push(a.clone());
                let _ = writeln!(s, "  [{name}] {a}");
            }
        }
        s
    }

    fn write_warnings(&self, s: &mut String) {
        if !self.warnings.is_empty() {
            let _ = writeln!(s, "\nwarnings:");
            for w in &self.warnings {
                let _ = writeln!(s, "  - {w}");
            }
        }
    }
}
