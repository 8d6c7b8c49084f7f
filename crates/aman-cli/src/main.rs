//! `aman`: the one binary. Sets up a database, serves the web UI and API, runs the
//! synthetic demo, imports and exports, and verifies the audit log.

mod config;
mod consolidate;
mod vault_cmd;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aman_core::{Role, SystemClock};
use aman_service::{auth, demo, export, import, places, Intake};
use aman_store::{IncidentFilter, Store, Who};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use config::{Config, Overrides};

#[derive(Debug, Parser)]
#[command(
    name = "aman",
    version,
    about = "Aman: documentation, consolidation and protection for a civilian-protection mission"
)]
struct Cli {
    #[command(flatten)]
    settings: Overrides,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the data folder and database and an admin account.
    Init {
        /// Admin username
        #[arg(long, default_value = "admin")]
        admin: String,
    },
    /// Serve the web UI and the JSON API.
    Serve,
    /// Load the synthetic June 2010 scenario into a fresh database and serve it.
    Demo {
        /// Scenario seed (the same seed gives the same data)
        #[arg(long, default_value_t = aman_scenario::ScenarioConfig::default().seed)]
        seed: u64,
        /// Load and print logins, then exit instead of serving
        #[arg(long)]
        no_serve: bool,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data to files.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Check the audit log, sign tree heads, prove entries.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The vault's key-encryption key: set up, rotate.
    #[command(subcommand)]
    Keys(vault_cmd::KeysCommand),
    /// Sealed identity records: add, find without decrypting, show under a grant.
    #[command(subcommand)]
    Identity(vault_cmd::IdentityCommand),
    /// Need-to-know grants for reading identities.
    #[command(subcommand)]
    Grant(vault_cmd::GrantCommand),
    /// Evidence files with signed chains of custody.
    #[command(subcommand)]
    Evidence(vault_cmd::EvidenceCommand),
    /// Verifiable case bundles for partners.
    #[command(subcommand)]
    Bundle(vault_cmd::BundleCommand),
    /// Resolve place text to gazetteer places (offline).
    Geocode {
        /// Place text; `-` reads one text per line from standard input
        text: String,
        /// Print the full resolution as JSON (one line per text)
        #[arg(long)]
        json: bool,
        /// Number of candidates to show
        #[arg(long, default_value_t = 5)]
        limit: usize,
    },
    /// Manage the mission's gazetteer.
    #[command(subcommand)]
    Places(PlacesCommand),
    /// Record linkage: link lists of people into persons, and score a linkage.
    #[command(subcommand)]
    Link(consolidate::LinkCommand),
    /// Estimate how many victims no list recorded (multiple systems estimation), from a
    /// capture-pattern CSV or from the victim lists linked in the database.
    Estimate(consolidate::EstimateArgs),
}

#[derive(Debug, Subcommand)]
enum PlacesCommand {
    /// Add a GeoNames dump (KG.txt or alternateNames), admin boundaries (GeoJSON with
    /// P-codes, ADM1/ADM2) or curated places (CSV) to the gazetteer. A bad file changes nothing.
    Import {
        /// geonames, boundaries or csv
        kind: String,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from AMAN_PASSWORD or generated and printed once.
    Add {
        username: String,
        /// admin, field_monitor, investigator, analyst or partner
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import reports from CSV or JSON Lines: all good rows in one transaction, bad rows
    /// listed (row, field, reason) in a reject file; a file imported before is refused.
    Reports {
        file: PathBuf,
        /// csv or jsonl [default: from the file extension]
        #[arg(long)]
        format: Option<String>,
        /// Where to write rejected rows [default: FILE.rejects.csv]
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Username recorded in the audit log as the importer
        #[arg(long = "as", default_value = "importer")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Export incidents (pseudonymous; never identity data).
    Incidents {
        /// csv (ACLED-style columns with HXL hashtags), jsonl or geojson
        #[arg(long)]
        format: String,
        /// Output file [default: standard output]
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain, the Merkle tree and every signed tree head; name the first
    /// edited, deleted, inserted or reordered entry, if any.
    Verify,
    /// Sign a tree head (size and Merkle root of the log now), store it and print it for
    /// publishing or handing to a partner.
    Checkpoint {
        /// Origin line of the head (the mission's name)
        #[arg(long, default_value = "aman")]
        origin: String,
    },
    /// Print the Merkle inclusion proof of audit entry SEQ in the current log.
    Proof { seq: u64 },
    /// Print the consistency proof between two log sizes.
    Consistency { old: u64, new: u64 },
}

fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    aman_store::open(&config.database_url, Arc::new(SystemClock))
        .with_context(|| format!("cannot open the database {}", config.database_url))
}

fn geocoder(config: &Config) -> anyhow::Result<Arc<aman_geo::Geocoder>> {
    Ok(Arc::new(places::load_geocoder(&config.data_dir)?))
}

fn intake(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Intake> {
    Ok(Intake::new(store, geocoder(config)?))
}

// An import allocates its values on the reading thread and frees them on another;
// glibc's allocator serialises such frees on the reading thread's arena lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AMAN_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { seed, no_serve } => run_demo(
            &cli.settings.resolve(Path::new("aman-demo"))?,
            seed,
            no_serve,
        ),
        command => run(command, &cli.settings.resolve(Path::new("aman-data"))?),
    }
}

fn run(command: Command, config: &Config) -> anyhow::Result<()> {
    match command {
        Command::Init { admin } => {
            std::fs::create_dir_all(&config.data_dir)
                .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
            let store = open_store(config)?;
            if store.find_user(&admin)?.is_some() {
                println!(
                    "Database ready at {}; user '{admin}' already exists.",
                    config.database_url
                );
                return Ok(());
            }
            let password = password_from_env_or_new();
            store.create_user(
                &Who::system(),
                &admin,
                Role::Admin,
                &auth::hash_password(&password.0)?,
            )?;
            println!("Database ready at {}.", config.database_url);
            print_login(&admin, Role::Admin, &password);
            Ok(())
        }
        Command::Serve => serve(config, open_store(config)?),
        Command::User(UserCommand::Add { username, role }) => {
            let role = Role::from_code(&role).with_context(|| {
                format!("unknown role '{role}'; use admin, field_monitor, investigator, analyst or partner")
            })?;
            let store = open_store(config)?;
            let password = password_from_env_or_new();
            store.create_user(
                &Who::system(),
                &username,
                role,
                &auth::hash_password(&password.0)?,
            )?;
            print_login(&username, role, &password);
            Ok(())
        }
        Command::Import(ImportCommand::Reports {
            file,
            format,
            rejects,
            user,
        }) => {
            let format = match format.as_deref() {
                Some("csv") => import::Format::Csv,
                Some("jsonl") => import::Format::JsonLines,
                Some(other) => bail!("unknown format '{other}'; use csv or jsonl"),
                None => import::Format::from_path(&file).with_context(|| {
                    format!(
                        "cannot tell the format of {}; pass --format csv|jsonl",
                        file.display()
                    )
                })?,
            };
            let rejects = rejects.unwrap_or_else(|| file.with_extension("rejects.csv"));
            let intake = intake(config, open_store(config)?)?;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} rows ({per_sec})")
                    .expect("valid progress template"),
            );
            let started = std::time::Instant::now();
            let summary = import::import_reports(
                &intake,
                &Who::user(user),
                &file,
                format,
                &rejects,
                &|stage, n| {
                    bar.set_message(stage);
                    bar.set_position(n);
                },
            );
            bar.finish_and_clear();
            let summary = summary?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "Imported {} of {} rows in {secs:.1} s ({:.0} rows/s); {} rejected; places: {} ambiguous, {} unresolved (flagged for review).",
                summary.imported,
                summary.rows,
                summary.imported as f64 / secs.max(1e-9),
                summary.rejected,
                summary.ambiguous_places,
                summary.unresolved_places
            );
            if let Some(path) = summary.reject_file {
                println!(
                    "Rejected rows, with the field and the reason: {}",
                    path.display()
                );
            }
            Ok(())
        }
        Command::Export(ExportCommand::Incidents { format, output }) => {
            let format = export::ExportFormat::parse(&format)
                .with_context(|| format!("unknown format '{format}'; use csv, jsonl or geojson"))?;
            let store = open_store(config)?;
            let mut out: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let n = export::export_incidents(
                store.as_ref(),
                &IncidentFilter::default(),
                format,
                &mut out,
            )?;
            out.flush()?;
            if let Some(path) = output {
                eprintln!("Exported {n} incidents to {}.", path.display());
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let store = open_store(config)?;
            let report = store.audit_report()?;
            match report.first().or(report.findings.first()) {
                None => {
                    println!(
                        "Audit log intact: {} entries, hash chain, Merkle root {} and {} signed checkpoint(s) verified.",
                        report.entries, report.root, report.checkpoints_matched
                    );
                    Ok(())
                }
                Some(first) => {
                    let at = first
                        .seq
                        .map_or_else(|| "a checkpoint".to_string(), |s| format!("entry {s}"));
                    println!("AUDIT LOG BROKEN at {at}: {}", first.detail);
                    print!("{report}");
                    std::process::exit(2);
                }
            }
        }
        Command::Audit(AuditCommand::Checkpoint { origin }) => {
            vault_cmd::checkpoint(config, open_store(config)?, &origin)
        }
        Command::Audit(AuditCommand::Proof { seq }) => vault_cmd::proof(open_store(config)?, seq),
        Command::Audit(AuditCommand::Consistency { old, new }) => {
            vault_cmd::consistency(open_store(config)?, old, new)
        }
        Command::Keys(c) => vault_cmd::keys(c, config, open_store(config)?),
        Command::Identity(c) => vault_cmd::identity(c, config, open_store(config)?),
        Command::Grant(c) => vault_cmd::grant(c, open_store(config)?),
        Command::Evidence(c) => vault_cmd::evidence(c, config, open_store(config)?),
        Command::Bundle(vault_cmd::BundleCommand::Create {
            incident,
            recipient,
            release_identities_to,
            output,
            user,
        }) => vault_cmd::bundle_create(
            config,
            open_store(config)?,
            incident,
            &recipient,
            release_identities_to.as_deref(),
            &output,
            &user,
        ),
        Command::Bundle(vault_cmd::BundleCommand::Verify {
            file,
            identity,
            trust,
        }) => vault_cmd::bundle_verify(&file, &identity, &trust),
        Command::Geocode { text, json, limit } => {
            let geocoder = geocoder(config)?;
            let texts: Vec<String> = if text == "-" {
                std::io::stdin()
                    .lines()
                    .collect::<Result<_, _>>()
                    .context("cannot read standard input")?
            } else {
                vec![text]
            };
            let mut out = std::io::stdout().lock();
            for t in texts {
                let mut r = geocoder.resolve(&t);
                r.candidates.truncate(limit);
                if json {
                    writeln!(out, "{}", serde_json::to_string(&r)?)?;
                } else {
                    writeln!(out, "{t}: {:?} (confidence {:.2})", r.status, r.confidence)?;
                    for c in &r.candidates {
                        writeln!(
                            out,
                            "  {:<12} {:<28} {:<10} {:.4},{:.4}  {} / {}  conf {:.2}",
                            c.place_id,
                            c.name,
                            c.precision.code(),
                            c.lat,
                            c.lon,
                            c.admin1_name.as_deref().unwrap_or("-"),
                            c.admin2_name.as_deref().unwrap_or("-"),
                            c.confidence
                        )?;
                    }
                }
            }
            Ok(())
        }
        Command::Places(PlacesCommand::Import { kind, file }) => {
            let summary = places::import_file(&config.data_dir, &kind, &file)?;
            println!(
                "Imported {} into the gazetteer in {}:",
                file.display(),
                config.data_dir.display()
            );
            println!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
        Command::Estimate(args) => consolidate::estimate(config, args),
        Command::Link(command) => consolidate::link(config, command),
        Command::Demo { .. } => unreachable!("handled in main"),
    }
}

/// The first `lines` lines of `text`, indented.
fn indent(text: &str, prefix: &str, lines: usize) -> String {
    text.lines()
        .take(lines)
        .map(|l| format!("{prefix}{l}\n"))
        .collect()
}

/// A password that is printed once and never logged.
struct Password(String, bool);

fn password_from_env_or_new() -> Password {
    match std::env::var("AMAN_PASSWORD") {
        Ok(p) if !p.is_empty() => Password(p, false),
        _ => Password(auth::random_password(), true),
    }
}

fn print_login(username: &str, role: Role, password: &Password) {
    if password.1 {
        println!(
            "  {:<14} {:<14} password: {}",
            username,
            role.code(),
            password.0
        );
    } else {
        println!(
            "  {:<14} {:<14} password: (from AMAN_PASSWORD)",
            username,
            role.code()
        );
    }
}

fn run_demo(config: &Config, seed: u64, no_serve: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    if config.database_url.starts_with("sqlite:") {
        // The demo always starts from a fresh database so it is the same every time.
        let path = config.database_url.trim_start_matches("sqlite:");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    let store = open_store(config)?;
    if store.counts()?.reports > 0 {
        bail!(
            "the demo needs an empty database, and {} already holds reports",
            config.database_url
        );
    }
    println!(
        "Loading the SYNTHETIC June 2010 scenario (seed {seed}) into {} …",
        config.database_url
    );
    let started = std::time::Instant::now();
    let scenario_config = aman_scenario::ScenarioConfig {
        seed,
        ..Default::default()
    };
    let (scenario, summary) = demo::load(&intake(config, store.clone())?, &scenario_config)?;
    println!(
        "Loaded {} sources, {} reports → {} incidents by record linkage ({} true events, {} true deaths in the generator) in {:.1} s.",
        summary.sources,
        summary.reports,
        summary.incidents,
        summary.true_events,
        summary.true_dead,
        started.elapsed().as_secs_f64()
    );
    let options = aman_estimate::EstimateOptions {
        sensitivity: false,
        ..Default::default()
    };
    let victims = demo::estimate_victims(store.as_ref(), &scenario, &options)?;
    println!(
        "Victim lists linked into {} documented persons (linkage pairwise F1 {:.3} against the generator's truth).",
        victims.documented, victims.linkage_f1
    );
    print!("{}", indent(&victims.report.to_text(), "    ", 12));
    println!(
        "  → true total of dead in the scenario: {} (documented {}). Stored as estimate run {} (GET /api/v1/estimates).",
        victims.true_total, victims.documented, victims.run.id
    );
    println!("{}", aman_core::SYNTHETIC_LABEL);
    println!("\nLogins (generated for this demo run):");
    let demo_users = [
        ("admin", Role::Admin),
        ("monitor", Role::FieldMonitor),
        ("investigator", Role::Investigator),
        ("analyst", Role::Analyst),
        ("partner", Role::Partner),
    ];
    let mut first = None;
    for (name, role) in demo_users {
        let password = Password(auth::random_password(), true);
        store.create_user(
            &Who::system(),
            name,
            role,
            &auth::hash_password(&password.0)?,
        )?;
        print_login(name, role, &password);
        first.get_or_insert((name, password.0));
    }
    let (user, pass) = first.expect("at least one demo user");
    println!("\nWeb UI: http://{}/", config.bind);
    println!(
        "API:    curl -s -X POST http://{0}/api/v1/login -H 'content-type: application/json' -d '{{\"username\":\"{user}\",\"password\":\"{pass}\"}}'",
        config.bind
    );
    println!(
        "        curl -s http://{}/api/v1/incidents -H \"authorization: Bearer $TOKEN\"",
        config.bind
    );
    if no_serve {
        return Ok(());
    }
    serve(config, store)
}

fn serve(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    // The PostgreSQL client runs its own runtime: the store must outlive the async one
    // and be dropped outside it.
    let keep_alive = store.clone();
    let mut state = aman_server::AppState::new(store.clone(), geocoder(config)?);
    if let Some(vault) = vault_cmd::unlock_for_serving(config, store)? {
        state = state.with_vault(Arc::new(vault));
    }
    // Store calls run on blocking threads. Tokio would start one per waiting request
    // (up to 512), and 32 concurrent lists kept 32 threads queueing for 8–16 pooled
    // connections: a third of the server's CPU went to switching between them. Eight
    // (SQLite's pool; two cores) measured better than sixteen on PostgreSQL too; further
    // calls wait in tokio's queue, not on a thread.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(8)
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        println!("Serving on http://{} (Ctrl-C to stop)", config.bind);
        aman_server::serve(state, config.bind, shutdown)
            .await
            .with_context(|| format!("cannot serve on {}; is another program using that port? Set --bind or AMAN_BIND", config.bind))
    })?;
    drop(runtime);
    drop(keep_alive);
    Ok(())
}
