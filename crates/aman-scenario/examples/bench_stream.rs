//! How fast the streaming generator produces reports, next to the cost of only
//! serialising the same number of already-built reports (the floor for writing
//! JSON Lines), measured in the same run. Optionally writes the file for the import
//! benchmark.
//!
//! `cargo run --release -p aman-scenario --example bench_stream -- [N] [OUT.jsonl]`

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use aman_scenario::{stream_reports, write_reports_jsonl, ScenarioConfig};

/// Discards bytes but counts them, so the benchmark measures generation, not disk.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let n: usize = match args.next().map(|a| a.parse()) {
        None => 1_000_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: bench_stream [N] [OUT.jsonl]  (N a whole number)");
            return ExitCode::from(2);
        }
    };
    let out = args.next();
    let start = ScenarioConfig::default().start;
    let seed = 1_000_000;

    let t = Instant::now();
    let mut generated = Count(0);
    if let Err(e) = write_reports_jsonl(&mut generated, stream_reports(seed, start, n)) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let gen_s = t.elapsed().as_secs_f64();

    // Baseline: serialise a fixed set of 1,000 reports over and over.
    let sample: Vec<_> = stream_reports(seed, start, 1_000).collect();
    let t = Instant::now();
    let mut baseline = Count(0);
    if let Err(e) = write_reports_jsonl(&mut baseline, sample.iter().cycle().take(n)) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let base_s = t.elapsed().as_secs_f64();

    println!("{}", aman_core::SYNTHETIC_LABEL);
    println!(
        "generate + serialise {n} reports: {gen_s:.2} s, {:.0} reports/s, {:.0} MB of JSON Lines",
        n as f64 / gen_s,
        generated.0 as f64 / 1e6
    );
    println!(
        "baseline, serialise only (same count, prebuilt): {base_s:.2} s, {:.0} reports/s; generation costs {:.1}× serialisation",
        n as f64 / base_s,
        gen_s / base_s
    );

    if let Some(path) = out {
        let t = Instant::now();
        let written = File::create(&path)
            .map_err(aman_scenario::ScenarioError::from)
            .and_then(|f| {
                let mut w = BufWriter::with_capacity(1 << 20, f);
                let n = write_reports_jsonl(&mut w, stream_reports(seed, start, n))?;
                w.flush()?;
                Ok(n)
            });
        match written {
            Ok(lines) => println!(
                "wrote {lines} reports to {path} in {:.2} s",
                t.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("cannot write {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
