//! Consolidation and estimation commands: `aman link persons|reports|eval` and
//! `aman estimate`, over files or the database.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aman_service::estimation::{self, StratumVariable};
use aman_service::linking::{self, ClusteredRecord, RelinkProgress};
use aman_store::Who;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use crate::config::Config;
use crate::{geocoder, open_store};

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Link the records of one CSV (deduplicate) or two CSVs (link across) into persons,
    /// with transliteration-aware name comparison and weights learned without labels.
    Persons {
        /// One or two CSV files
        #[arg(long, required = true, num_args = 1..=2)]
        input: Vec<PathBuf>,
        /// Column holding the record id [default: one named like a record id: id, rec_id, record, record_no, key, uuid, …]
        #[arg(long)]
        id_column: Option<String>,
        /// Column holding the true entity: used only to score the result, never compared
        #[arg(long)]
        truth_column: Option<String>,
        /// Field mapping KIND=COLUMN, e.g. given_name=first_name, family_name=surname,
        /// date=dob, geo=lat,lon, place=place_of_death (also compared as a gazetteer
        /// point), ignore=email (repeatable; other columns are detected)
        #[arg(long = "column")]
        columns: Vec<String>,
        /// Match probability at or above which a pair is linked
        #[arg(long, default_value_t = 0.5)]
        threshold: f64,
        /// Write record id → cluster id to this CSV
        #[arg(long)]
        output: Option<PathBuf>,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
        /// Store which record is which pseudonymous person in the database (names are
        /// not stored), as input to `aman estimate` without --input
        #[arg(long)]
        save: bool,
        /// Column naming the list each record is on [default with --save: one list per input file]
        #[arg(long)]
        list_column: Option<String>,
    },
    /// Re-link every report in the database into incidents (weights learned from the
    /// data, reviewers' decisions as constraints); unsure pairs go to the review queue.
    Reports {
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
    },
    /// Score a clustering against the truth: pairwise and cluster precision, recall, F1.
    Eval {
        /// CSV with columns id,cluster (as written by `link persons --output`)
        #[arg(long)]
        clusters: PathBuf,
        /// CSV with columns id,<truth column>
        #[arg(long)]
        truth: PathBuf,
        /// Name of the truth column in the truth file [default: the second column]
        #[arg(long)]
        truth_column: Option<String>,
    },
}

/// Options of `aman estimate`.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Capture-pattern CSV: one 0/1 column per list, plus a count column (or one row per
    /// person). Without it, the victim lists linked in the database are used and the
    /// runs are stored.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Name of the count column [default: count, counts, freq, frequency or n if present]
    #[arg(long)]
    count_column: Option<String>,
    /// Stratify the linked persons by: sex, period (week of death), area, age_group
    /// (comma-separated; database only)
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Methods to run: loglinear, dga, lcmcr (comma-separated)
    #[arg(long, value_delimiter = ',', default_value = "loglinear,dga,lcmcr")]
    methods: Vec<String>,
    /// Seed of the LCMCR chains (the same seed reproduces the same figures)
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// LCMCR truncation level K*
    #[arg(long)]
    k_star: Option<usize>,
    /// Skip the sensitivity table (faster)
    #[arg(long)]
    no_sensitivity: bool,
    /// Also store a run made from --input in the database, with its capture table
    #[arg(long)]
    save: bool,
    /// Print the full report as JSON
    #[arg(long)]
    json: bool,
}

pub fn estimate(config: &Config, args: EstimateArgs) -> anyhow::Result<()> {
    let mut options = aman_estimate::EstimateOptions {
        methods: args
            .methods
            .iter()
            .map(|m| {
                aman_estimate::Method::parse(m)
                    .with_context(|| format!("unknown method '{m}'; use loglinear, dga or lcmcr"))
            })
            .collect::<anyhow::Result<_>>()?,
        seed: args.seed,
        sensitivity: !args.no_sensitivity,
        ..Default::default()
    };
    if let Some(k) = args.k_star {
        options.lcmcr.k_star = k;
    }
    let who = Who::user("cli");
    let print = |report: &aman_estimate::EstimateReport| {
        if args.json {
            println!("{}", report.to_json());
        } else {
            print!("{}", report.to_text());
        }
    };
    let Some(input) = &args.input else {
        let by = args
            .by
            .iter()
            .map(|v| {
                StratumVariable::parse(v).with_context(|| {
                    format!("unknown stratum '{v}'; use sex, period, area or age_group")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let store = open_store(config)?;
        for (run, report) in
            estimation::estimate_linked_persons(store.as_ref(), &who, &by, &options)?
        {
            print(&report);
            if !args.json {
                println!("(stored as estimate run {})\n", run.id);
            }
        }
        return Ok(());
    };
    if !args.by.is_empty() {
        bail!("--by stratifies the persons linked in the database; a capture-pattern file is one stratum (leave out --input, or split the file)");
    }
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let table = aman_estimate::CaptureTable::from_csv(
        file,
        &aman_estimate::CsvOptions {
            count_column: args.count_column.clone(),
        },
    )
    .with_context(|| format!("{} is not a capture-pattern table", input.display()))?;
    let report = aman_estimate::estimate(&table, &options)?;
    print(&report);
    if args.save {
        let store = open_store(config)?;
        let run = estimation::save_file_estimate(store.as_ref(), &who, &table, &report)?;
        if !args.json {
            println!("(stored as estimate run {})", run.id);
        }
    }
    Ok(())
}

pub fn link(config: &Config, command: LinkCommand) -> anyhow::Result<()> {
    match command {
        LinkCommand::Persons {
            input,
            id_column,
            truth_column,
            columns,
            threshold,
            output,
            json,
            save,
            list_column,
        } => {
            let mut mapping = aman_linkage::CsvMapping {
                id_column: id_column.clone(),
                truth_column,
                ..Default::default()
            };
            for spec in &columns {
                mapping.add_spec(spec)?;
            }
            let options = aman_linkage::LinkOptions {
                mode: if input.len() == 2 {
                    aman_linkage::LinkMode::LinkOnly
                } else {
                    aman_linkage::LinkMode::Dedupe
                },
                threshold,
                ..Default::default()
            };
            // Place columns are compared as points where the mission's gazetteer
            // resolves them, whatever language or script each list writes them in.
            let geocoder = geocoder(config)?;
            let points = |text: &str| geocoder.resolved_point(text);
            let started = std::time::Instant::now();
            let paths: Vec<&Path> = input.iter().map(PathBuf::as_path).collect();
            let out = aman_linkage::link_csv(&paths, &mapping, &options, Some(&points))?;
            let secs = started.elapsed().as_secs_f64();
            let records = out.output.ids.len();
            let clusters = out.output.clustering.cluster_count();
            if let Some(path) = &output {
                let mut w = csv::Writer::from_path(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                w.write_record(["id", "cluster"])?;
                for (id, c) in out.output.ids.iter().zip(&out.output.clustering.assignment) {
                    w.write_record([id.as_str(), &c.to_string()])?;
                }
                w.flush()?;
            }
            if json {
                let summary = serde_json::json!({
                    "records": records,
                    "clusters": clusters,
                    "seconds": secs,
                    "fields": out.fields.iter().map(|(n, k)| format!("{n}: {k:?}")).collect::<Vec<_>>(),
                    "skipped_rows": out.skipped_rows.iter().map(|r| format!("{}:{}: {}", r.source, r.line, r.reason)).collect::<Vec<_>>(),
                    "read_as": out.encoding_notes.iter().map(|(name, note)| format!("{name}: {note}")).collect::<Vec<_>>(),
                    "metrics": out.metrics,
                });
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                for (name, note) in &out.encoding_notes {
                    println!("Read {name} as {note}.");
                }
                println!("Linked {records} records into {clusters} persons in {secs:.2} s.");
                for (name, kind) in &out.fields {
                    println!("  compared {name} as {kind:?}");
                }
                for r in &out.skipped_rows {
                    println!("  skipped {}:{}: {}", r.source, r.line, r.reason);
                }
                if let Some(m) = &out.metrics {
                    print_metrics(m);
                }
            }
            if save {
                let records =
                    clustered_records(&input, &out, id_column.as_deref(), list_column.as_deref())?;
                let store = open_store(config)?;
                let persons = linking::save_person_clusters(
                    store.as_ref(),
                    &Who::user("cli"),
                    &records,
                    false,
                )?;
                if !json {
                    println!(
                        "Stored {} records as {persons} pseudonymous persons in {}.",
                        records.len(),
                        config.database_url
                    );
                }
            }
            Ok(())
        }
        LinkCommand::Reports { json } => link_reports(config, json),
        LinkCommand::Eval {
            clusters,
            truth,
            truth_column,
        } => {
            let read = |path: &Path,
                        column: Option<&str>|
             -> anyhow::Result<std::collections::HashMap<String, String>> {
                let mut r = csv::Reader::from_path(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let header = r.headers()?.clone();
                let col = match column {
                    Some(c) => header
                        .iter()
                        .position(|h| h == c)
                        .with_context(|| format!("{} has no column '{c}'", path.display()))?,
                    None => 1,
                };
                r.records()
                    .map(|rec| {
                        let rec = rec?;
                        Ok((
                            rec.get(0).unwrap_or_default().to_string(),
                            rec.get(col).unwrap_or_default().to_string(),
                        ))
                    })
                    .collect()
            };
            let predicted = read(&clusters, None)?;
            let truth = read(&truth, truth_column.as_deref())?;
            let ids: Vec<&String> = predicted
                .keys()
                .filter(|id| truth.contains_key(*id))
                .collect();
            if ids.len() < predicted.len() {
                eprintln!(
                    "{} clustered ids have no truth and are left out",
                    predicted.len() - ids.len()
                );
            }
            let mut label_of = std::collections::HashMap::new();
            let labels: Vec<usize> = ids
                .iter()
                .map(|id| {
                    let n = label_of.len();
                    *label_of.entry(predicted[*id].clone()).or_insert(n)
                })
                .collect();
            let truth_labels: Vec<&String> = ids.iter().map(|id| &truth[*id]).collect();
            let metrics = aman_linkage::evaluate(
                &aman_linkage::Clustering::from_labels(&labels),
                &truth_labels,
            )?;
            print_metrics(&metrics);
            Ok(())
        }
    }
}

fn link_reports(config: &Config, json: bool) -> anyhow::Result<()> {
    let store = open_store(config)?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            .expect("valid progress template"),
    );
    let started = std::time::Instant::now();
    let places = geocoder(config)?;
    let mut show = |p: RelinkProgress| match p {
        RelinkProgress::Loaded { reports } => bar.set_message(format!("linking {reports} reports")),
        RelinkProgress::Linked { incidents } => {
            bar.set_message(format!("applying {incidents} incidents"))
        }
        RelinkProgress::Applied { done, of } => {
            bar.set_length(of as u64);
            bar.set_position(done as u64);
        }
    };
    let summary = linking::relink_reports(store.as_ref(), &places, &Who::user("cli"), &mut show)?;
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "Re-linked {} reports into {} incidents in {:.1} s: {} new incidents, {} reports moved, {} newly linked, {} of {} unsure pairs queued for review ({} reviewer decisions used).",
            summary.reports,
            summary.incidents,
            started.elapsed().as_secs_f64(),
            summary.incidents_created,
            summary.reports_moved,
            summary.reports_linked,
            summary.queued_for_review,
            summary.unsure_pairs,
            summary.labels_used
        );
        match summary.learned_model {
            Some(id) => println!(
                "Kept the model learned from these reports (model {id}): intake scores new reports with it."
            ),
            None => println!(
                "Fewer than 200 reports: the hand-set model was used, and intake goes on with the model it had."
            ),
        }
    }
    Ok(())
}

/// Column names (lowercase) recognised for the fields estimation stratifies by.
const SEX_COLUMNS: &[&str] = &["sex", "gender", "пол", "jinsi"];
const AGE_COLUMNS: &[&str] = &["age", "возраст", "yosh"];
const DATE_COLUMNS: &[&str] = &["date_of_death", "death_date", "dod", "event_date", "date"];
const AREA_COLUMNS: &[&str] = &["district", "area", "raion", "район", "place", "city"];

/// The linked records with their list and stratum fields, read back from the input
/// files: a list column when named, else one list per file.
fn clustered_records(
    inputs: &[PathBuf],
    out: &aman_linkage::CsvLinkOutput,
    id_column: Option<&str>,
    list_column: Option<&str>,
) -> anyhow::Result<Vec<ClusteredRecord>> {
    if out.renamed_ids > 0 {
        bail!("{} record ids are not unique, so records cannot be stored by id; give each record a unique id", out.renamed_ids);
    }
    if list_column.is_none() && inputs.len() < 2 {
        bail!(
            "--save needs to know which list each record is on: name the column with --list-column"
        );
    }
    let cluster_of: HashMap<&str, usize> = out
        .output
        .ids
        .iter()
        .map(String::as_str)
        .zip(out.output.clustering.assignment.iter().map(|c| *c as usize))
        .collect();
    let mut records = Vec::with_capacity(cluster_of.len());
    for path in inputs {
        // Read as the linker read it, whatever its encoding.
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let decoded = aman_text::decode_text(&bytes);
        let text = decoded.text.as_bytes();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(aman_linkage::csv_delimiter(text))
            .from_reader(text);
        let header: Vec<String> = reader
            .headers()?
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect();
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| header.iter().position(|h| h == n))
        };
        let id = aman_linkage::id_column(&header, id_column).with_context(|| {
            format!(
                "{} has no id column; name it with --id-column",
                path.display()
            )
        })?;
        let list = match list_column {
            Some(c) => Some(
                header
                    .iter()
                    .position(|h| *h == c.to_lowercase())
                    .with_context(|| format!("{} has no column '{c}'", path.display()))?,
            ),
            None => None,
        };
        let file_list = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let (sex, age, date, area) = (
            find(SEX_COLUMNS),
            find(AGE_COLUMNS),
            find(DATE_COLUMNS),
            find(AREA_COLUMNS),
        );
        for row in reader.records() {
            let row = row?;
            let field = |i: Option<usize>| {
                i.and_then(|i| row.get(i))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            let Some(record_ref) = field(Some(id)) else {
                continue;
            };
            // Rows the linker skipped (reported above) are not stored either.
            let Some(&cluster) = cluster_of.get(record_ref.as_str()) else {
                continue;
            };
            records.push(ClusteredRecord {
                list: match list {
                    Some(_) => field(list).unwrap_or_else(|| "(no list)".into()),
                    None => file_list.clone(),
                },
                record_ref,
                cluster,
                sex: field(sex),
                age: field(age)
                    .and_then(|a| a.parse::<f64>().ok())
                    .filter(|a| (0.0..150.0).contains(a))
                    .map(|a| a as u32),
                event_date: field(date)
                    .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                area: field(area),
            });
        }
    }
    Ok(records)
}

fn print_metrics(m: &aman_linkage::Metrics) {
    println!("             precision  recall     F1");
    for (name, p) in [("pairwise", &m.pairwise), ("cluster", &m.cluster)] {
        println!(
            "  {name:<10} {:>9.4} {:>7.4} {:>6.4}",
            p.precision, p.recall, p.f1
        );
    }
    println!(
        "  true pairs {}, predicted pairs {}, correct {}",
        m.true_pairs, m.predicted_pairs, m.true_positive_pairs
    );
}
