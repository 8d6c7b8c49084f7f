//! Benchmarks for the performance targets, with the R packages' timings (given
//! constants measured on this machine class, not re-measured here) beside ours, and an
//! in-run single-thread baseline for the parallel parts.
//!
//! `cargo run --release -p aman-estimate --example bench_estimate` (`-- --dga-only` for the dga part).
//!
//! Wall-clock time on a shared machine includes waiting for a core, so each chain also
//! reports the CPU time its thread actually ran (from /proc/thread-self/schedstat).

use std::time::Instant;

use aman_estimate::dga::{self, DgaOptions, MissingGrid};
use aman_estimate::lcmcr::{self, LcmcrOptions};
use aman_estimate::loglinear::{self, LogLinearOptions, ModelSet};
use aman_estimate::simulate::{simulate, SimClass};
use aman_estimate::CaptureTable;

/// R reference figures from the issue (LCMCR's C++ sampler and dga, on this machine class).
const R_LCMCR_SECONDS: f64 = 2.8;
const R_DGA5_SECONDS: f64 = 5.1;
const R_DGA4_SECONDS: f64 = 0.22;

fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// CPU seconds used by the whole process so far (user + system, from /proc/self/stat).
fn process_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = s.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn timed_chain(
    table: &CaptureTable,
    options: &LcmcrOptions,
    chain: u64,
) -> (f64, Option<f64>, f64) {
    let cpu0 = thread_cpu_seconds();
    let start = Instant::now();
    let draws = lcmcr::run_chain(table, options, chain);
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu0.and_then(|c0| thread_cpu_seconds().map(|c1| c1 - c0));
    let mean = draws.iter().sum::<f64>() / draws.len() as f64;
    (wall, cpu, mean)
}

fn main() {
    println!(
        "aman-estimate {} benchmarks (release build)\n",
        env!("CARGO_PKG_VERSION")
    );
    if std::env::args().any(|a| a == "--dga-only") {
        bench_dga();
        return;
    }
    bench_lcmcr();
    bench_dga();
    coverage_study();
}

fn bench_lcmcr() {
    // Two latent groups, 4 lists; N chosen so about 4,400 people are recorded.
    let classes = [
        SimClass {
            share: 0.6,
            capture: vec![0.35, 0.30, 0.40, 0.25],
        },
        SimClass {
            share: 0.4,
            capture: vec![0.10, 0.15, 0.08, 0.12],
        },
    ];
    let table = simulate(7_000, &classes, 7).expect("valid simulation");
    let options = LcmcrOptions::default();
    let sweeps = options.sweeps();
    println!(
        "LCMCR: {} lists, {} records, {} patterns, K* = {}, warm-up {} + burn-in {} + {} draws × thin {} = {} sweeps",
        table.num_lists(),
        table.total(),
        table.cells().len(),
        options.k_star,
        lcmcr::WARM_UP,
        options.burn_in,
        options.draws,
        options.thin,
        sweeps
    );
    let (wall, cpu, mean) = timed_chain(&table, &options, 0);
    let cpu_text = cpu.map_or("n/a".into(), |c| format!("{c:.2} s"));
    println!(
        "  one chain alone:      wall {wall:.2} s, thread CPU {cpu_text}; {:.0} sweeps/s (CPU: {}); posterior mean N {mean:.0}",
        sweeps as f64 / wall,
        cpu.map_or("n/a".into(), |c| format!("{:.0}", sweeps as f64 / c))
    );
    println!(
        "  R LCMCR reference (given constant, not measured here): {R_LCMCR_SECONDS} s per chain; target ≤ {:.1} s",
        R_LCMCR_SECONDS / 2.0
    );
    let start = Instant::now();
    let results: Vec<(f64, Option<f64>, f64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2u64)
            .map(|c| {
                let table = &table;
                let options = &options;
                s.spawn(move || timed_chain(table, options, c))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("chain thread"))
            .collect()
    });
    let both = start.elapsed().as_secs_f64();
    for (c, (wall, cpu, mean)) in results.iter().enumerate() {
        println!(
            "  chain {c} of 2 in parallel: wall {wall:.2} s, thread CPU {}, mean N {mean:.0}",
            cpu.map_or("n/a".into(), |c| format!("{c:.2} s"))
        );
    }
    println!(
        "  both chains in parallel: {both:.2} s wall ({:.0} sweeps/s in total)\n",
        2.0 * sweeps as f64 / both
    );
}

fn bench_dga() {
    let grid = MissingGrid {
        start: 0,
        end: 40_000,
        step: 1,
    };
    for (lists, r_seconds) in [(5usize, R_DGA5_SECONDS), (4, R_DGA4_SECONDS)] {
        let classes = [SimClass {
            share: 1.0,
            capture: vec![0.3, 0.25, 0.2, 0.35, 0.3][..lists].to_vec(),
        }];
        let table = simulate(1_000, &classes, 3).expect("valid simulation");
        let options = DgaOptions {
            grid: Some(grid),
            ..DgaOptions::default()
        };
        let cpu0 = process_cpu_seconds();
        let start = Instant::now();
        let r = dga::estimate(&table, &options).expect("valid dga input");
        let parallel = start.elapsed().as_secs_f64();
        let cpu = cpu0
            .and_then(|c0| process_cpu_seconds().map(|c1| c1 - c0))
            .map_or("n/a".into(), |c| format!("{c:.2} s"));
        let (single, single_cpu) = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool")
            .install(|| {
                let cpu0 = thread_cpu_seconds();
                let start = Instant::now();
                dga::estimate(&table, &options).expect("valid dga input");
                let cpu = cpu0.and_then(|c0| thread_cpu_seconds().map(|c1| c1 - c0));
                (
                    start.elapsed().as_secs_f64(),
                    cpu.map_or("n/a".into(), |c| format!("{c:.3} s")),
                )
            });
        println!(
            "dga: {lists} lists, {} graphs, {} grid values: {parallel:.3} s wall (rayon, 2 cores; process CPU {cpu}), one-thread in-run baseline {single:.3} s wall (thread CPU {single_cpu}); R dga reference (given constant): {r_seconds} s; median N {:.0}",
            r.graphs,
            grid.values().len(),
            r.averaged.median
        );
    }
    println!("  target for 5 lists: ≤ {:.2} s\n", R_DGA5_SECONDS / 10.0);
}

/// Heterogeneous capture with known N: independence log-linear bias and LCMCR coverage over
/// more replicates than the test suite runs.
fn coverage_study() {
    let n = 2_000u64;
    let classes = [
        SimClass {
            share: 0.5,
            capture: vec![0.20, 0.25, 0.15, 0.20, 0.25],
        },
        SimClass {
            share: 0.5,
            capture: vec![0.60, 0.50, 0.65, 0.55, 0.60],
        },
    ];
    let replicates = 50u64;
    let (mut covered, mut indep_below, mut indep_sum, mut lc_sum) = (0u64, 0u64, 0.0, 0.0);
    let start = Instant::now();
    for seed in 1..=replicates {
        let table = simulate(n, &classes, 1_000 + seed).expect("valid simulation");
        let indep = loglinear::estimate(
            &table,
            &LogLinearOptions {
                model_set: ModelSet::Independence,
                ..Default::default()
            },
        )
        .expect("independence fits");
        indep_sum += indep.chosen.n_hat;
        indep_below += u64::from(indep.upper.is_some_and(|u| u < n as f64));
        let lc = lcmcr::estimate(
            &table,
            &LcmcrOptions {
                seed,
                ..Default::default()
            },
        )
        .expect("valid options");
        lc_sum += lc.summary.median;
        covered += u64::from(lc.summary.lower <= n as f64 && lc.summary.upper >= n as f64);
    }
    println!(
        "coverage study (N = {n}, 5 lists, two capture classes, {replicates} replicates, {:.1} s):",
        start.elapsed().as_secs_f64()
    );
    println!(
        "  independence log-linear: mean estimate {:.0}; 95% interval entirely below N in {indep_below}/{replicates}",
        indep_sum / replicates as f64
    );
    println!(
        "  LCMCR (the defaults: K* = 10, 4 chains × 1,000 draws thinned by 100): mean posterior median {:.0}; 95% interval covers N in {covered}/{replicates}",
        lc_sum / replicates as f64
    );
}
