//! Writes the synthetic scenario's files into a folder and prints what it wrote.
//!
//! `cargo run -p aman-scenario --example write_scenario -- OUT_DIR [SEED] [SCALE]`

use std::path::PathBuf;
use std::process::ExitCode;

use aman_scenario::{generate, ScenarioConfig};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: write_scenario OUT_DIR [SEED] [SCALE]");
        return ExitCode::from(2);
    };
    let mut config = ScenarioConfig::default();
    for (name, slot) in [("SEED", 0), ("SCALE", 1)] {
        let Some(arg) = args.next() else { break };
        let Ok(v) = arg.parse::<u64>() else {
            eprintln!("{name} must be a whole number, got {arg:?}");
            return ExitCode::from(2);
        };
        if slot == 0 {
            config.seed = v;
        } else {
            config.scale = v as usize;
        }
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let s = generate(&config);
    match s.write_to_dir(&dir) {
        Ok(paths) => {
            println!("{}", aman_core::SYNTHETIC_LABEL);
            println!(
                "seed {} scale {}: {} sources, {} reports ({} rumours, {} corrections, {} retractions), {} true events",
                config.seed,
                config.scale,
                s.sources.len(),
                s.reports.len(),
                s.reports.iter().filter(|r| r.true_event.is_none() && r.input.refers_to.is_none()).count(),
                s.reports.iter().filter(|r| r.input.kind == aman_core::ReportKind::Correction).count(),
                s.reports.iter().filter(|r| r.input.kind == aman_core::ReportKind::Retraction).count(),
                s.truth.events.len(),
            );
            let t = &s.truth;
            println!(
                "dead {} {:?}, injured {}, displaced {}, sexual violence {}, structures {:?}",
                t.total_dead(),
                t.deaths_by_ethnicity(),
                t.total_injured(),
                t.total_displaced(),
                t.sexual_violence_cases(),
                t.structures_by_place()
            );
            let sizes: Vec<String> = s
                .victim_lists
                .iter()
                .map(|l| format!("{} {}", l.name, l.records.len()))
                .collect();
            println!(
                "victim lists: {}; dead on no list {}",
                sizes.join(", "),
                t.undocumented()
            );
            println!("witnesses {}", s.witnesses.len());
            for p in paths {
                println!("wrote {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
