//! Benchmark of Aman's linkage on the FEBRL sets, fake_1000 and generated
//! FEBRL-like data. Run one case per process so peak memory is per case:
//!
//! ```text
//! cargo run --release -p aman-linkage --example bench_linkage -- febrl3 ../shared/data/linkage
//! cargo run --release -p aman-linkage --example bench_linkage -- scale 1000000
//! ```
//!
//! Prints one `RESULT` line (read by bench/linkage/run.sh) with pairwise F1 after
//! clustering, F1 of the pair decisions at p = 0.5 (Splink's measure), wall time
//! and peak resident memory, plus the stage times and blocking summary.

use std::path::{Path, PathBuf};
use std::time::Instant;

use aman_linkage::synth::{febrl_like, SynthOptions};
use aman_linkage::{
    evaluate, evaluate_pairs, link_csv, link_dataset, CsvLinkOutput, CsvMapping, LinkOptions,
    LinkOutput,
};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn summary(name: &str, out: &LinkOutput, f1: f64, pair_f1: f64, cluster_f1: f64, wall: f64) {
    let b = &out.blocking;
    println!(
        "{name}: {} records, {} rules, {} candidate pairs (of {}), pair completeness {}, {} oversized blocks",
        out.ids.len(),
        b.rules.len(),
        b.candidate_pairs,
        b.total_pairs,
        b.pair_completeness.map_or("n/a".to_string(), |p| format!("{p:.5}")),
        b.oversized_blocks
    );
    println!("  rules: {}", b.rules.join(" | "));
    let t = &out.times;
    println!(
        "  stages: blocking {:.2}s, comparing {:.2}s, training {:.2}s, clustering {:.2}s; repaired components {}, splits {}",
        t.blocking, t.comparing, t.training, t.clustering, out.cluster_stats.repaired_components, out.cluster_stats.splits
    );
    println!(
        "RESULT tool=aman data={name} f1={f1:.4} pair_f1={pair_f1:.4} cluster_f1={cluster_f1:.4} wall_s={wall:.2} peak_mb={:.0}",
        peak_rss_mb()
    );
}

fn csv_case(
    name: &str,
    files: &[PathBuf],
    truth: &str,
    id: &str,
    specs: &[&str],
) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut mapping = CsvMapping {
        id_column: Some(id.into()),
        truth_column: Some(truth.into()),
        ..Default::default()
    };
    for spec in specs {
        mapping.add_spec(spec)?;
    }
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    // As `aman link persons` does: place columns the built-in gazetteer covers are
    // compared as points.
    let geocoder = aman_geo::Geocoder::builtin();
    let points = |text: &str| geocoder.resolved_point(text);
    let out: CsvLinkOutput = link_csv(&paths, &mapping, &LinkOptions::default(), Some(&points))?;
    let wall = start.elapsed().as_secs_f64();
    let truth = out.truth.as_deref().unwrap_or_default();
    let metrics = out.metrics.clone().unwrap_or_default();
    let pair = evaluate_pairs(&out.output.pairs, truth, 0.5);
    if !out.skipped_rows.is_empty() {
        println!("  skipped rows: {}", out.skipped_rows.len());
    }
    summary(
        name,
        &out.output,
        metrics.pairwise.f1,
        pair.f1,
        metrics.cluster.f1,
        wall,
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = |i: usize| {
        PathBuf::from(
            args.get(i)
                .cloned()
                .unwrap_or_else(|| "../shared/data/linkage".into()),
        )
    };
    match args.first().map(String::as_str) {
        Some("febrl3") => csv_case(
            "febrl3",
            &[dir(1).join("febrl_dataset3.csv")],
            "rec_id",
            "rec_id",
            &[],
        ),
        Some("febrl4") => csv_case(
            "febrl4",
            &[
                dir(1).join("febrl_dataset4a.csv"),
                dir(1).join("febrl_dataset4b.csv"),
            ],
            "rec_id",
            "rec_id",
            &[],
        ),
        Some("fake1000") => csv_case(
            "fake1000",
            &[dir(1).join("fake_1000.csv")],
            "cluster",
            "unique_id",
            &[],
        ),
        // The synthetic scenario's five victim lists (written by
        // `cargo run -p aman-scenario --example write_scenario -- DIR`), linked the way
        // `aman link persons --input victims.csv --truth-column true_person` links them.
        Some("scenario_persons") => csv_case(
            "scenario_persons",
            &[dir(1).join("victims.csv")],
            "true_person",
            "record_id",
            &["ignore=list", "ignore=synthetic"],
        ),
        Some("scale") => {
            let n: usize = args
                .get(1)
                .and_then(|s| s.parse().ok())
                .ok_or("usage: scale N")?;
            let start = Instant::now();
            let (ds, truth) = febrl_like(&SynthOptions {
                records: n,
                seed: 7,
                ..Default::default()
            })?;
            let generated = start.elapsed().as_secs_f64();
            let out = link_dataset(&ds, &LinkOptions::default(), Some(&truth))?;
            let wall = start.elapsed().as_secs_f64();
            let metrics = evaluate(&out.clustering, &truth)?;
            let pair = evaluate_pairs(&out.pairs, &truth, 0.5);
            println!("  generating {n} records took {generated:.2}s");
            summary(
                &format!("synthetic_{n}"),
                &out,
                metrics.pairwise.f1,
                pair.f1,
                metrics.cluster.f1,
                wall,
            );
            Ok(())
        }
        _ => Err(
            "usage: bench_linkage febrl3|febrl4|fake1000|scenario_persons [DATA_DIR] | scale N"
                .into(),
        ),
    }
}
