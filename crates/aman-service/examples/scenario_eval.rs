//! Scores report → incident and victim → person linkage on the synthetic scenario for
//! several seeds, without loading a database: reports are validated and geocoded by
//! the same `Intake::prepare` the demo uses, and turned into linkage features by the
//! same `linking::features`. Prints pairwise precision / recall / F1 and the blocking's
//! pair completeness per seed.
//!
//! `cargo run --release -p aman-service --example scenario_eval -- [SEED ...] [--dump DIR]`
//!
//! With `--dump DIR` it writes, per seed, `reports-SEED.tsv` (one row per original
//! report: truth, predicted incident, features) for error analysis and for Splink's
//! side of the benchmark, and `events-SEED.csv` (the true events the truth column
//! names), and prints a `RESULT` line scored on those original reports.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use aman_core::{Report, ReportKind, SystemClock};
use aman_linkage::incidents::{
    pair_completeness, IncidentDecision, IncidentLinker, IncidentThresholds, OpenIncident,
    ReportFeatures,
};
use aman_linkage::{evaluate, Clustering};
use aman_scenario::{generate, ScenarioConfig};
use aman_service::{demo, linking, Intake};

/// The true events each report is compatible with, as an oracle that knows the list of
/// true events with their place, local day, types, landmark and death toll sees it:
/// reports of events that are indistinguishable from the report's fields can then
/// land with the wrong event. With `hour_and_point`, the oracle also knows each event's
/// time and point and how far off each source may be: a report dated to the hour (or
/// minute) fits only events within that error of its window, and a report with
/// coordinates only events within its source's error of its point.
fn compatible_events(scenario: &aman_scenario::Scenario, hour_and_point: bool) -> Vec<Vec<u64>> {
    use aman_scenario::Lang;
    let events = &scenario.truth.events;
    let roles = aman_scenario::source_roles();
    let local_day =
        |t: chrono::DateTime<chrono::Utc>| (t + chrono::Duration::hours(6)).date_naive();
    let langs = [
        Lang::Ru,
        Lang::Ky,
        Lang::UzLatin,
        Lang::UzCyrillic,
        Lang::En,
        Lang::Adhoc,
    ];
    let hour_error = chrono::Duration::minutes(aman_scenario::HOUR_REPORT_ERROR_MINUTES);
    scenario
        .reports
        .iter()
        .map(|r| {
            let Some(id) = r.true_event else {
                return Vec::new();
            };
            let e = &events[id as usize - 1];
            let i = &r.input;
            let mentions = langs
                .iter()
                .any(|&l| i.place_text.contains(&e.landmark.render(l)));
            let (d0, d1) = (local_day(i.event_time.start), local_day(i.event_time.end));
            let timed = i.event_time.end - i.event_time.start <= chrono::Duration::hours(1);
            let point_error = aman_scenario::point_error_km(roles[r.source_index]);
            events
                .iter()
                .filter(|x| {
                    let day = local_day(x.time);
                    let near_time = !hour_and_point
                        || !timed
                        || (x.time >= i.event_time.start - hour_error
                            && x.time <= i.event_time.end + hour_error);
                    let near_point = !hour_and_point
                        || match (i.latitude, i.longitude) {
                            (Some(la), Some(lo)) => {
                                aman_linkage::haversine_km(la, lo, x.latitude, x.longitude)
                                    <= point_error + 1e-6
                            }
                            _ => true,
                        };
                    x.id == e.id
                        || (x.place == e.place
                            && day >= d0
                            && day <= d1
                            && near_time
                            && near_point
                            && (x.category == e.category
                                || i.event_types.iter().any(|t| x.types.contains(t)))
                            && (!mentions || x.landmark == e.landmark)
                            && i.counts.killed.is_none_or(|k| {
                                x.killed > 0
                                    && f64::from(k.min) <= 2.0 * f64::from(x.killed) + 1.0
                                    && f64::from(k.max) >= 0.3 * f64::from(x.killed) - 1.0
                            }))
                })
                .map(|x| x.id)
                .collect()
        })
        .collect()
}

/// Mean pairwise F1 when each report goes to one of its compatible events picked
/// uniformly at random (20 draws), and the F1 when it goes to the one with the most
/// reports, which the oracle also knows. Neither is a strict upper bound (a best
/// assignment of all reports at once could do a little better), but the second shows
/// how far knowing each event's size carries.
fn oracle_f1(candidates: &[Vec<u64>], truth: &[u64]) -> (f64, f64) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut total = 0.0;
    let draws = 20;
    for _ in 0..draws {
        let labels: Vec<usize> = candidates
            .iter()
            .enumerate()
            .map(|(k, c)| {
                if c.is_empty() {
                    truth[k] as usize
                } else {
                    c[rng.gen_range(0..c.len())] as usize
                }
            })
            .collect();
        let m = evaluate(&Clustering::from_labels(&labels), truth).expect("evaluate");
        total += m.pairwise.f1;
    }
    let mut size = std::collections::HashMap::<u64, usize>::new();
    for &t in truth {
        *size.entry(t).or_default() += 1;
    }
    let largest: Vec<usize> = candidates
        .iter()
        .enumerate()
        .map(|(k, c)| {
            c.iter()
                .copied()
                .max_by_key(|x| (size.get(x).copied().unwrap_or(0), std::cmp::Reverse(*x)))
                .unwrap_or(truth[k]) as usize
        })
        .collect();
    let m = evaluate(&Clustering::from_labels(&largest), truth).expect("evaluate");
    (total / f64::from(draws), m.pairwise.f1)
}

/// What intake makes of the original reports, one at a time in the order they were
/// received, as `linking::link_new_report` does: each is scored against the incidents
/// with a report within three days of it; above the link threshold it joins the
/// best, between the thresholds it waits for a reviewer, below it starts an incident.
/// Without a reviewer a waiting report stays in no incident (and so cannot be joined);
/// with one who knows the truth, it joins the offered incident that holds its event
/// at once, else starts one. Returns the pairwise F1 and how many reports were
/// linked, queued and started incidents.
fn intake_f1(
    linker: &IncidentLinker,
    feats: &[ReportFeatures],
    received: &[chrono::DateTime<chrono::Utc>],
    truth: &[String],
    reviewer: bool,
) -> (f64, [usize; 3]) {
    let window = chrono::Duration::days(linking::INTAKE_WINDOW_DAYS);
    let mut order: Vec<usize> = (0..feats.len()).collect();
    order.sort_by_key(|&k| (received[k], k));
    let mut members: Vec<Vec<usize>> = Vec::new();
    // A report left waiting is an incident of its own until someone decides.
    let mut label: Vec<usize> = (0..feats.len()).map(|k| usize::MAX / 2 + k).collect();
    let mut counts = [0usize; 3];
    for &k in &order {
        let r = &feats[k];
        let open: Vec<OpenIncident> = (0..members.len())
            .filter(|&c| {
                members[c].iter().any(|&m| {
                    feats[m].time_end >= r.time_start - window
                        && feats[m].time_start <= r.time_end + window
                })
            })
            .map(|c| OpenIncident {
                id: c.to_string(),
                reports: members[c].iter().map(|&m| feats[m].clone()).collect(),
            })
            .collect();
        let index = |id: &str| id.parse::<usize>().expect("numeric id");
        let joins = match linker.score(r, &open).expect("score") {
            IncidentDecision::Link(m) => {
                counts[0] += 1;
                Some(index(&m.incident_id))
            }
            IncidentDecision::Review(offered) => {
                counts[1] += 1;
                if !reviewer {
                    continue;
                }
                offered
                    .iter()
                    .map(|m| index(&m.incident_id))
                    .find(|&c| members[c].iter().any(|&m| truth[m] == truth[k]))
            }
            IncidentDecision::NewIncident(_) => {
                counts[2] += 1;
                None
            }
        };
        let c = joins.unwrap_or_else(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        members[c].push(k);
        label[k] = c;
    }
    let f1 = evaluate(&Clustering::from_labels(&label), truth)
        .expect("evaluate")
        .pairwise
        .f1;
    (f1, counts)
}

fn main() -> ExitCode {
    let mut seeds: Vec<u64> = Vec::new();
    let mut dump: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--dump" {
            dump = args.next().map(PathBuf::from);
        } else if let Ok(s) = a.parse() {
            seeds.push(s);
        } else {
            eprintln!("usage: scenario_eval [SEED ...] [--dump DIR]");
            return ExitCode::from(2);
        }
    }
    if seeds.is_empty() {
        seeds = vec![ScenarioConfig::default().seed, 1, 2, 3, 4];
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = aman_store::open(
        &format!("sqlite:{}", dir.path().join("eval.db").display()),
        Arc::new(SystemClock),
    )
    .expect("store");
    let intake = Intake::new(store, Arc::new(aman_geo::Geocoder::builtin()));
    let mut sums = [0.0f64; 3];
    for &seed in &seeds {
        let config = ScenarioConfig {
            seed,
            ..ScenarioConfig::default()
        };
        let scenario = generate(&config);
        let truth = scenario.report_labels();
        let mut reports: Vec<Report> = Vec::with_capacity(scenario.reports.len());
        for (k, r) in scenario.reports.iter().enumerate() {
            let prepared = intake.prepare(r.input.clone()).expect("valid report");
            reports.push(Report {
                id: k as i64 + 1,
                input: prepared.input.into_inner(),
                received_at: prepared.received_at,
                created_by: "eval".into(),
                created_at: prepared.received_at,
                place_status: prepared.place_status,
                place: prepared.place,
                incident_id: None,
            });
        }
        let originals: Vec<usize> = (0..reports.len())
            .filter(|&k| reports[k].input.kind == ReportKind::Original)
            .collect();
        let feats: Vec<_> = originals
            .iter()
            .map(|&k| linking::features(&reports[k], intake.geocoder()))
            .collect();
        let orig_truth: Vec<String> = originals.iter().map(|&k| truth[k].to_string()).collect();
        let completeness = pair_completeness(&feats, &orig_truth).expect("blocking");
        let mut thresholds = IncidentThresholds::default();
        if let Some(t) = std::env::var("LINK_THRESHOLD")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            thresholds.link = t;
            thresholds.review = thresholds.review.min(t);
        }
        let linker = IncidentLinker::new(thresholds).expect("thresholds");
        let t0 = Instant::now();
        let batch = linker.relink_all(&feats, true, &[]).expect("linkage");
        let secs = t0.elapsed().as_secs_f64();
        if std::env::var_os("SHOW_MODEL").is_some() {
            println!("prior {:.3e}", batch.model.prior);
            for f in &batch.model.fields {
                let w: Vec<String> = (1..f.m.len())
                    .map(|l| format!("{}={:+.1}", f.labels[l], f.weight(l as u8)))
                    .collect();
                println!("  {:<12} {}", f.field, w.join(" | "));
            }
        }
        // Corrections and retractions join the incident of the report they refer to,
        // as in the demo.
        let mut label = vec![usize::MAX; reports.len()];
        for (c, members) in batch.incidents.iter().enumerate() {
            for id in members {
                let id: usize = id.parse().expect("numeric id");
                label[id - 1] = c;
            }
        }
        for k in 0..reports.len() {
            if let Some(t) = reports[k].input.refers_to {
                label[k] = label[t as usize - 1];
            }
        }
        let m = evaluate(&Clustering::from_labels(&label), &truth).expect("evaluate");
        let victims = demo::link_scenario_victims(&scenario).expect("persons");
        println!(
            "seed {seed}: incidents P {:.3} R {:.3} F1 {:.3} ({} incidents / {} events, pair completeness {:.4}, {:.2} s) | persons F1 {:.3}",
            m.pairwise.precision,
            m.pairwise.recall,
            m.pairwise.f1,
            batch.incidents.len(),
            scenario.truth.events.len(),
            completeness,
            secs,
            victims.f1
        );
        if std::env::var_os("SHOW_PAIRS").is_some() {
            let trained = IncidentLinker {
                model: batch.model.clone(),
                thresholds: linker.thresholds,
            };
            let mut shown = 0;
            for a in 0..feats.len() {
                for b in a + 1..feats.len() {
                    if orig_truth[a] != orig_truth[b] || shown >= 12 || (a * 7 + b) % 13 != 0 {
                        continue;
                    }
                    shown += 1;
                    let inc = aman_linkage::incidents::OpenIncident {
                        id: "x".into(),
                        reports: vec![feats[b].clone()],
                    };
                    use aman_linkage::incidents::IncidentDecision as D;
                    let best = match trained.score(&feats[a], &[inc]).expect("score") {
                        D::Link(m) => Some(m),
                        D::Review(v) => v.into_iter().next(),
                        D::NewIncident(m) => m,
                    };
                    if let Some(m) = best {
                        println!(
                            "{} | {}\n{}",
                            feats[a].place_text,
                            feats[b].place_text,
                            m.explanation.to_text()
                        );
                    }
                }
            }
        }
        let received: Vec<_> = originals.iter().map(|&k| reports[k].received_at).collect();
        let learned = IncidentLinker::with_model(batch.model.clone(), linker.thresholds)
            .expect("the batch's model fits");
        for (name, l) in [
            ("the model the batch learned", &learned),
            ("the hand-set model", &linker),
        ] {
            let (auto, [linked, queued, started]) =
                intake_f1(l, &feats, &received, &orig_truth, false);
            let (reviewed, _) = intake_f1(l, &feats, &received, &orig_truth, true);
            println!("  intake with {name}, one report at a time in the order received: F1 {auto:.3} ({linked} linked, {queued} queued for review, {started} new incidents); {reviewed:.3} once every queued report is decided");
        }
        let (uniform, largest) = oracle_f1(&compatible_events(&scenario, false), &truth);
        println!("  oracle (knows every true event's place, day, type, landmark and toll): pairwise F1 {uniform:.3} picking at random among the events a report fits, {largest:.3} picking the most reported");
        let (uniform, largest) = oracle_f1(&compatible_events(&scenario, true), &truth);
        println!("  oracle that also knows each event's time and point and each source's error: {uniform:.3} at random, {largest:.3} picking the most reported");
        sums[0] += m.pairwise.f1;
        sums[1] += victims.f1;
        sums[2] += completeness;
        if let Some(dir) = &dump {
            // The same original reports Splink links from the dump (bench/linkage/run.sh).
            let orig_label: Vec<usize> = originals.iter().map(|&k| label[k]).collect();
            let om =
                evaluate(&Clustering::from_labels(&orig_label), &orig_truth).expect("evaluate");
            println!(
                "RESULT tool=aman data=scenario_incidents f1={:.4} pair_f1=- inner_wall_s={secs:.2}",
                om.pairwise.f1
            );
            std::fs::create_dir_all(dir).expect("dump directory");
            let events =
                std::fs::File::create(dir.join(format!("events-{seed}.csv"))).expect("events file");
            aman_scenario::write_events_csv(events, &scenario.truth.events).expect("events");
            let path = dir.join(format!("reports-{seed}.tsv"));
            let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("dump file"));
            writeln!(f, "id\ttruth\tpred\tsource\tplace_text\tfeatures").expect("write");
            for (i, &k) in originals.iter().enumerate() {
                let r = &reports[k];
                writeln!(
                    f,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    r.id,
                    truth[k],
                    label[k],
                    r.input.source_id,
                    r.input.place_text,
                    serde_json::to_string(&feats[i]).expect("json")
                )
                .expect("write");
            }
        }
    }
    let n = seeds.len() as f64;
    println!(
        "mean over {} seeds: incidents F1 {:.3}, persons F1 {:.3}, pair completeness {:.4}",
        seeds.len(),
        sums[0] / n,
        sums[1] / n,
        sums[2] / n
    );
    ExitCode::SUCCESS
}
