//! Every dataset in ../shared/data/mse: our estimates beside the published or reference
//! figures (the table for the project's note).
//!
//! `cargo run --release -p aman-estimate --example mse_reference`
//! `cargo run --release -p aman-estimate --example mse_reference -- colombia-chains`
//! (eight chains at HRDAG's own settings on the Colombia stratum: chain-to-chain spread)

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use aman_estimate::dga::{self, DgaOptions, MissingGrid, NPrior};
use aman_estimate::formats::{read_bitstring_patterns, read_r_arrays};
use aman_estimate::lcmcr::{self, LcmcrOptions};
use aman_estimate::loglinear::{self, LogLinearOptions};
use aman_estimate::special::ln_gamma;
use aman_estimate::summary::{quantile_sorted, summarize_draws};
use aman_estimate::CaptureTable;

fn main() {
    let Some(shared) = aman_testkit::shared_dir("mse_reference") else {
        return;
    };
    let mse = shared.join("data/mse");
    if std::env::args().any(|a| a == "colombia-chains") {
        colombia_chains(&mse);
        return;
    }
    println!(
        "aman-estimate {} — reference comparison (seed 1, 4 chains per LCMCR run)\n",
        env!("CARGO_PKG_VERSION")
    );
    println!("| dataset | reference (published / R package) | ours |");
    println!("|---|---|---|");
    madigan_york(&mse);
    philippines(&mse);
    colombia(&mse);
    sparsemse(&mse);
}

fn lcmcr_hrdag(table: &CaptureTable) -> lcmcr::LcmcrResult {
    lcmcr_k(table, LcmcrOptions::hrdag_k_star(table.num_lists()))
}

fn lcmcr_k(table: &CaptureTable, k_star: usize) -> lcmcr::LcmcrResult {
    let o = LcmcrOptions {
        k_star,
        ..LcmcrOptions::default()
    };
    lcmcr::estimate(table, &o).expect("valid options")
}

fn madigan_york(mse: &Path) {
    let strata =
        read_r_arrays(File::open(mse.join("dga_madigan_york_examples.csv")).unwrap()).unwrap();
    let (a, b) = (13.14f64, 55.17f64);
    let prior = NPrior::custom("Madigan & York prior", move |n: f64| {
        n * b.ln() - (n + a) * (1.0 + b).ln() + ln_gamma(n + a) - ln_gamma(n + 1.0) - ln_gamma(a)
    });
    let my3 = &strata[0].table;
    let o = DgaOptions {
        delta: Some(1.0),
        grid: Some(MissingGrid {
            start: 1,
            end: 300,
            step: 1,
        }),
        prior,
        ..DgaOptions::default()
    };
    let r = dga::estimate(my3, &o).unwrap();
    println!(
        "| Madigan & York 3 lists (dga unit test) | top model p 0.37; top E[1/N]/E[1/N²] 731, mode 729; averaged 731, mode 728 | top model {} p {:.2}; top {:.0}, mode {}; averaged {:.0}, mode {} |",
        r.top_graphs[0].graph,
        r.top_graphs[0].probability,
        r.top_model.bayes_relative,
        r.top_model.mode.unwrap_or(0),
        r.averaged.bayes_relative,
        r.averaged.mode.unwrap_or(0)
    );
    let my5 = &strata[1].table;
    let r = dga::estimate(my5, &DgaOptions::default()).unwrap();
    println!(
        "| Madigan & York 5 lists (n = {}) | no published N in SOURCES.md | dga (δ = 2^-5, 1/N) median {:.0} ({:.0}–{:.0}); {} graphs |",
        my5.total(),
        r.averaged.median,
        r.averaged.lower,
        r.averaged.upper,
        r.graphs
    );
}

fn philippines(mse: &Path) {
    let strata = read_bitstring_patterns(
        File::open(mse.join("ph_drug_killings_2016_2017_capture_patterns.csv")).unwrap(),
    )
    .unwrap();
    let reference = read_psv(&mse.join("ph_drug_killings_lcmcr_posterior_samples.psv"));
    let mut ours_total: Vec<f64> = Vec::new();
    let mut theirs_total: Vec<f64> = Vec::new();
    for s in &strata {
        let region = &s.key["region"][..3];
        let perp = &s.key["perp"][..3];
        let column = format!("{}_{}", region, if perp == "pol" { "pol" } else { "uni" });
        let Some(theirs) = reference.get(&column) else {
            continue;
        };
        let r = lcmcr_k(&s.table, 5);
        let r15 = lcmcr_hrdag(&s.table);
        let mut t = theirs.clone();
        t.sort_by(f64::total_cmp);
        println!(
            "| Philippines {} (n = {}, {} lists) | HRDAG LCMCR median {:.0} (95% {:.0}–{:.0}) | LCMCR K*={} median {:.0} ({:.0}–{:.0}), R-hat {:.3}, ESS {:.0}; K*={}: {:.0} ({:.0}–{:.0}) |",
            s.label,
            s.table.total(),
            s.table.num_lists(),
            quantile_sorted(&t, 0.5),
            quantile_sorted(&t, 0.025),
            quantile_sorted(&t, 0.975),
            r.options.k_star,
            r.summary.median,
            r.summary.lower,
            r.summary.upper,
            r.r_hat.unwrap_or(f64::NAN),
            r.ess.unwrap_or(f64::NAN),
            r15.options.k_star,
            r15.summary.median,
            r15.summary.lower,
            r15.summary.upper
        );
        let pooled: Vec<f64> = r.draws.iter().flatten().copied().collect();
        add_drawwise(&mut ours_total, &pooled);
        add_drawwise(&mut theirs_total, theirs);
    }
    let ours = summarize_draws(&ours_total, 0.95);
    let theirs = summarize_draws(&theirs_total, 0.95);
    println!(
        "| Philippines total (6 strata) | published 2,841 (2,649–3,111); HRDAG draws summed: median {:.0} ({:.0}–{:.0}) | K*=5 draws summed: median {:.0} ({:.0}–{:.0}) |",
        theirs.median, theirs.lower, theirs.upper, ours.median, ours.lower, ours.upper
    );
}

fn add_drawwise(total: &mut Vec<f64>, draws: &[f64]) {
    if total.is_empty() {
        total.extend_from_slice(draws);
    } else {
        let len = total.len().min(draws.len());
        total.truncate(len);
        for (t, d) in total.iter_mut().zip(draws) {
            *t += d;
        }
    }
}

fn read_psv(path: &Path) -> BTreeMap<String, Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('|')
        .map(str::to_string)
        .collect();
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        for (h, v) in header.iter().zip(line.split('|')) {
            out.entry(h.clone())
                .or_default()
                .push(v.trim().parse().unwrap());
        }
    }
    out
}

fn colombia_table(mse: &Path) -> CaptureTable {
    let strata = read_bitstring_patterns(
        File::open(mse.join("colombia_recruitment_R1_hombre_1999_capture_patterns.csv")).unwrap(),
    )
    .unwrap();
    strata[0].table.clone()
}

/// HRDAG's production settings (verdata: K* = 15, burn-in 10,000, 10,000 samples thinned
/// by 500, thinned again to 1,000), one chain per seed stream, to show how far one chain's
/// mean can sit from another's on this bimodal posterior.
fn colombia_chains(mse: &Path) {
    let t = colombia_table(mse);
    let o = LcmcrOptions {
        k_star: 15,
        burn_in: 10_000,
        draws: 1_000,
        thin: 500,
        chains: 8,
        ..LcmcrOptions::default()
    };
    let r = lcmcr::estimate(&t, &o).expect("valid options");
    let means = &r.chain_means;
    let pooled = means.iter().sum::<f64>() / means.len() as f64;
    let sd =
        (means.iter().map(|m| (m - pooled).powi(2)).sum::<f64>() / (means.len() - 1) as f64).sqrt();
    println!(
        "Colombia, {} chains × {} sweeps: chain means {:.0?}; pooled mean {pooled:.0}, chain-to-chain sd {sd:.0}; median {:.0} ({:.0}–{:.0}); R-hat {:.3}; HRDAG (one chain) mean 2,066",
        o.chains,
        o.sweeps(),
        means,
        r.summary.median,
        r.summary.lower,
        r.summary.upper,
        r.r_hat.unwrap_or(f64::NAN)
    );
}

fn colombia(mse: &Path) {
    let table = colombia_table(mse);
    let t = &table;
    let theirs: Vec<f64> = std::fs::read_to_string(
        mse.join("colombia_recruitment_R1_hombre_1999_lcmcr_posterior.csv"),
    )
    .unwrap()
    .lines()
    .skip(1)
    .filter_map(|l| l.trim().parse().ok())
    .collect();
    let th = summarize_draws(&theirs, 0.95);
    let r = lcmcr_hrdag(t);
    println!(
        "| Colombia recruitment, men 1999 (n = {}, {} lists) | HRDAG LCMCR mean 2,066; draws: median {:.0} ({:.0}–{:.0}) | LCMCR K*={} mean {:.0}, median {:.0} ({:.0}–{:.0}), R-hat {:.3} |",
        t.total(),
        t.num_lists(),
        th.median,
        th.lower,
        th.upper,
        r.options.k_star,
        r.summary.mean,
        r.summary.median,
        r.summary.lower,
        r.summary.upper,
        r.r_hat.unwrap_or(f64::NAN)
    );
}

fn sparsemse(mse: &Path) {
    let strata =
        read_bitstring_patterns(File::open(mse.join("sparsemse_capture_counts.csv")).unwrap())
            .unwrap();
    for s in &strata {
        let t = &s.table;
        let reference = if s.label == "dataset=UKdat" {
            "Home Office: 10,000–13,000"
        } else {
            "no published figure in SOURCES.md"
        };
        let ll = loglinear::estimate(t, &LogLinearOptions::default());
        let ll = match ll {
            Ok(r) => format!(
                "log-linear {:.0} ({:.0}–{}) [{}]",
                r.chosen.n_hat,
                r.lower,
                r.upper.map_or("∞".into(), |u| format!("{u:.0}")),
                r.chosen.model
            ),
            Err(e) => format!("log-linear: {e}"),
        };
        let dg = match dga::estimate(t, &DgaOptions::default()) {
            Ok(r) => format!(
                "dga median {:.0} ({:.0}–{:.0})",
                r.averaged.median, r.averaged.lower, r.averaged.upper
            ),
            Err(e) => format!("dga: {e}"),
        };
        let lc = lcmcr_hrdag(t);
        println!(
            "| SparseMSE {} (n = {}, {} lists) | {} | {}; {}; LCMCR K*={} median {:.0} ({:.0}–{:.0}) |",
            s.label,
            t.total(),
            t.num_lists(),
            reference,
            ll,
            dg,
            lc.options.k_star,
            lc.summary.median,
            lc.summary.lower,
            lc.summary.upper
        );
    }
}
