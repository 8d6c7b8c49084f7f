//! The vault's end-to-end benchmarks through the store (issue 6), each printed next to a
//! baseline measured in the same run:
//!
//! 1. **Ingest.** N scenario reports imported from JSON Lines by the service's import
//!    (validate, geocode, store, FTS, audit) into a fresh SQLite database, once plain
//!    and once where every report's witness is also registered in the vault: name,
//!    phone and ID number sealed under a per-record data key wrapped by the KEK, three
//!    blind indexes, a new pseudonymous person, two audit entries. The vault is unlocked
//!    once (key file) inside the timed run. A third run stores the same witnesses as the
//!    same rows (person, identity record, audit entries, three lookup-index rows) but
//!    unencrypted: the record in clear and the name, phone and ID number themselves in
//!    the lookup index, which is what the same "is this witness known?" lookup needs
//!    without encryption — a baseline that exists only here — to separate what
//!    encryption costs from what registering a witness at all costs. For the witness step it also
//!    prints the CPU time of the storing thread and of the whole process (Linux).
//! 2. **`aman audit verify`.** An SQLite log of M entries written through the store's
//!    normal append path (`insert_reports` without an import mark appends one
//!    `report.create` entry per report, here 50,000 reports per transaction), then the
//!    release binary's `aman audit verify` timed on it. Baseline: one SHA-256 per entry
//!    over the same canonical bytes, one thread.
//! 3. **Inclusion proofs** through the service's cached [`AuditTree`] on that log, per
//!    proof over random entries, next to the crate's `MerkleTree::inclusion_proof` on the
//!    same built tree.
//!
//! ```text
//! cargo build --release -p aman-cli
//! cargo run --release -p aman-service --example bench_vault_store -- [N] [M] [WORK_DIR]
//! ```
//!
//! Defaults: N = 20,000, M = 1,000,000, WORK_DIR = target/bench-vault. The filled log is
//! kept and reused by later runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aman_core::{PersonId, PersonRole, PlaceStatus, SystemClock};
use aman_geo::Geocoder;
use aman_service::import::{import_reports, Format};
use aman_service::vault::{self, AuditTree, IdentityFields, KekSource, NewPerson, Vault};
use aman_service::Intake;
use aman_store::{BlindToken, NewIdentity, NewReport, SealedIdentity, Store, Who};
use aman_vault::keys::KdfParams;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

const SEED: u64 = 6;
/// Reports per transaction while filling the audit log.
const FILL_CHUNK: usize = 50_000;
/// Witnesses per vault transaction during ingest.
const IDENTITY_BATCH: usize = 10_000;
const PROOFS: usize = 2_000;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let m: usize = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let work = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/bench-vault".to_string()),
    );
    std::fs::create_dir_all(&work)?;
    ingest(&work, n)?;
    let store = filled_log(&work, m)?;
    audit_verify(&work, store.as_ref())?;
    proofs(store)?;
    Ok(())
}

/// CPU seconds (user + system) of this thread and of the whole process, from Linux's
/// `/proc`; `None` elsewhere. On a shared machine these vary less than wall time.
fn cpu_seconds() -> Option<(f64, f64)> {
    let read = |path: &str| -> Option<f64> {
        let stat = std::fs::read_to_string(path).ok()?;
        let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        Some(ticks / 100.0)
    };
    Some((read("/proc/thread-self/stat")?, read("/proc/self/stat")?))
}

/// "CPU x s on this thread, y s in all threads" since `start`.
fn cpu_since(start: Option<(f64, f64)>) -> String {
    match (start, cpu_seconds()) {
        (Some((t0, p0)), Some((t1, p1))) => {
            format!(
                "CPU {:.2} s on the storing thread, {:.2} s in all",
                t1 - t0,
                p1 - p0
            )
        }
        _ => String::new(),
    }
}

fn start_date() -> chrono::NaiveDate {
    aman_scenario::ScenarioConfig::default().start
}

/// A fresh SQLite database in `dir` with the scenario's twelve sources.
fn fresh_store(dir: &Path) -> Result<Arc<dyn Store>> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let store = aman_store::open(
        &format!("sqlite:{}", dir.join("aman.db").display()),
        Arc::new(SystemClock),
    )?;
    for source in aman_scenario::sources() {
        store.create_source(&Who::system(), source)?;
    }
    Ok(store)
}

/// Distinct synthetic witness details for report `i`.
fn witness(i: usize) -> IdentityFields {
    IdentityFields {
        name: format!("Bench Witness {i:07} Kanarbekova"),
        phone: Some(format!("+996 555 {:03} {:03}", (i / 1000) % 1000, i % 1000)),
        id_number: Some(format!("AN{i:07}")),
        address: Some(format!("{} Lenin street, Osh", i % 300 + 1)),
    }
}

fn ingest(work: &Path, n: usize) -> Result<()> {
    let file = work.join("reports.jsonl");
    aman_scenario::write_reports_jsonl(
        std::io::BufWriter::new(std::fs::File::create(&file)?),
        aman_scenario::stream_reports(SEED, start_date(), n),
    )?;
    let geocoder = Arc::new(Geocoder::builtin());
    let by = Who::user("bench");
    let witnesses: Vec<IdentityFields> = (0..n).map(witness).collect();
    println!("== ingest: {n} scenario reports through the service import into fresh SQLite");
    let (mut plain, mut unencrypted, mut sealed) = (Duration::MAX, Duration::MAX, Duration::MAX);
    // The service's import of the report file into the store in `dir`.
    let import = |store: Arc<dyn Store>, dir: &Path| {
        import_reports(
            &Intake::new(store, geocoder.clone()),
            &by,
            &file,
            Format::JsonLines,
            &dir.join("rejects.csv"),
            &|_, _| {},
        )
    };
    // Alternate the three runs so that load from other processes falls on all alike.
    for round in 1..=2 {
        let dir = work.join("ingest-plain");
        let store = fresh_store(&dir)?;
        let t = Instant::now();
        let summary = import(store, &dir)?;
        let took = t.elapsed();
        plain = plain.min(took);
        println!(
            "  round {round} plain:          {:>8.0} reports/s ({} stored, {:.2} s)",
            n as f64 / took.as_secs_f64(),
            summary.imported,
            took.as_secs_f64()
        );

        let dir = work.join("ingest-unencrypted");
        let store = fresh_store(&dir)?;
        let t = Instant::now();
        import(store.clone(), &dir)?;
        let (registering, cpu) = (Instant::now(), cpu_seconds());
        for chunk in witnesses.chunks(IDENTITY_BATCH) {
            let rows: Vec<NewIdentity> = chunk
                .iter()
                .map(|fields| NewIdentity {
                    role: PersonRole::Witness,
                    sealed: SealedIdentity {
                        person_id: PersonId::from_random(rand::random()).as_str().to_string(),
                        incident_id: None,
                        envelope: serde_json::to_vec(fields).expect("fields serialise"),
                        kek_id: "none".into(),
                        created_by: by.username.clone(),
                        created_at: chrono::Utc::now(),
                    },
                    // The same exact-match lookup without encryption: the name, phone
                    // and ID number themselves in the index, where the vault puts keyed
                    // tokens.
                    tokens: [
                        ("name", Some(&fields.name)),
                        ("phone", fields.phone.as_ref()),
                        ("id_number", fields.id_number.as_ref()),
                    ]
                    .into_iter()
                    .filter_map(|(scope, value)| {
                        Some(BlindToken {
                            scope: scope.into(),
                            token: value?.to_lowercase(),
                        })
                    })
                    .collect(),
                })
                .collect();
            store.add_identities(&by, &mut rows.into_iter())?;
        }
        let took = t.elapsed();
        unencrypted = unencrypted.min(took);
        println!(
            "  round {round} unencrypted:    {:>8.0} reports/s (same witnesses as plain rows, {:.2} s, witnesses {:.2} s, {})",
            n as f64 / took.as_secs_f64(),
            took.as_secs_f64(),
            registering.elapsed().as_secs_f64(),
            cpu_since(cpu)
        );

        let dir = work.join("ingest-vault");
        let store = fresh_store(&dir)?;
        let key = KekSource::KeyFile(dir.join("vault.key"));
        vault::write_new_key_file(&dir.join("vault.key"))?;
        Vault::init(
            store.clone(),
            &key,
            KdfParams::default(),
            &dir,
            &Who::system(),
        )?;
        let t = Instant::now();
        let vault = Vault::open(store.clone(), std::slice::from_ref(&key), &dir)?;
        import(store, &dir)?;
        let imported = t.elapsed();
        let cpu = cpu_seconds();
        let mut registered = 0;
        for chunk in witnesses.chunks(IDENTITY_BATCH) {
            let persons: Vec<NewPerson> = chunk
                .iter()
                .map(|fields| NewPerson {
                    role: PersonRole::Witness,
                    incident_id: None,
                    fields,
                })
                .collect();
            registered += vault.add_identities(&by, &persons)?.len();
        }
        let took = t.elapsed();
        sealed = sealed.min(took);
        println!(
            "  round {round} with identities: {:>8.0} reports/s ({registered} witnesses sealed, {:.2} s, of which unlock + import {:.2} s, witnesses {:.2} s, {})",
            n as f64 / took.as_secs_f64(),
            took.as_secs_f64(),
            imported.as_secs_f64(),
            (took - imported).as_secs_f64(),
            cpu_since(cpu)
        );
    }
    let pct = |a: Duration, b: Duration| (a.as_secs_f64() / b.as_secs_f64() - 1.0) * 100.0;
    println!(
        "  best of 2: plain {:.2} s, witnesses unencrypted {:.2} s, witnesses sealed {:.2} s",
        plain.as_secs_f64(),
        unencrypted.as_secs_f64(),
        sealed.as_secs_f64()
    );
    println!(
        "  encrypting identity fields (seal + blind indexes) adds {:.1}% to ingest with witnesses (target < 20%); registering a witness per report at all adds {:.1}%, encrypted {:.1}%",
        pct(sealed, unencrypted),
        pct(unencrypted, plain),
        pct(sealed, plain)
    );
    Ok(())
}

/// The store at `work/audit`, holding at least `m` audit entries (filled on first use).
fn filled_log(work: &Path, m: usize) -> Result<Arc<dyn Store>> {
    let dir = work.join("audit");
    let url = format!("sqlite:{}", dir.join("aman.db").display());
    if dir.exists() {
        let store = aman_store::open(&url, Arc::new(SystemClock))?;
        if !store.audit_page(m as i64 - 1, 1)?.is_empty() {
            println!("== audit log: reusing {}", dir.display());
            return Ok(store);
        }
    }
    let store = fresh_store(&dir)?;
    let by = Who::user("bench");
    let now = store.clock().now();
    let t = Instant::now();
    let mut reports = aman_scenario::stream_reports(SEED, start_date(), m).map(|input| NewReport {
        received_at: input.received_at.unwrap_or(now),
        input: input.validate(now).expect("scenario reports are valid"),
        place_status: PlaceStatus::Unresolved,
        place: None,
    });
    let mut written = 0;
    loop {
        let ids = store.insert_reports(&by, &mut reports.by_ref().take(FILL_CHUNK), None)?;
        if ids.is_empty() {
            break;
        }
        written += ids.len();
    }
    println!(
        "== audit log: {written} reports, one report.create entry each, written through the store in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(store)
}

fn audit_verify(work: &Path, store: &dyn Store) -> Result<()> {
    let t = Instant::now();
    let entries = store.audit_log_entries()?;
    let read = t.elapsed();
    let t = Instant::now();
    let mut digest = [0u8; 32];
    for e in &entries {
        let d: [u8; 32] = Sha256::digest(&e.canonical).into();
        digest[0] ^= d[0];
    }
    let baseline = t.elapsed();
    std::hint::black_box(digest);

    let aman = ["target/release/aman", "../../target/release/aman"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or("build the binary first: cargo build --release -p aman-cli")?;
    let t = Instant::now();
    let out = Command::new(&aman)
        .arg("--data-dir")
        .arg(work.join("audit"))
        .args(["audit", "verify"])
        .output()?;
    let took = t.elapsed();
    println!(
        "== aman audit verify over {} entries (release binary)",
        entries.len()
    );
    print!("  {}", String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        return Err(format!(
            "aman audit verify failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    println!(
        "  aman audit verify: {:.2} s wall (target < 5 s)",
        took.as_secs_f64()
    );
    println!(
        "  baseline: SHA-256 of the same canonical bytes, one thread: {:.2} s ({:.2} s to read them through the store in this process)",
        baseline.as_secs_f64(),
        read.as_secs_f64()
    );
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e6
}

fn proofs(store: Arc<dyn Store>) -> Result<()> {
    let tree = AuditTree::new(store);
    let t = Instant::now();
    let size = tree.inclusion_proof(1)?.tree_size;
    let first = t.elapsed();
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);
    let seqs: Vec<u64> = (0..PROOFS).map(|_| rng.gen_range(1..=size)).collect();
    let mut service: Vec<Duration> = seqs
        .iter()
        .map(|&seq| {
            let t = Instant::now();
            std::hint::black_box(tree.inclusion_proof(seq).expect("in range"));
            t.elapsed()
        })
        .collect();
    let mut crate_level: Vec<Duration> = tree.with_current(|t| {
        Ok(seqs
            .iter()
            .map(|&seq| {
                let start = Instant::now();
                std::hint::black_box(t.inclusion_proof(seq - 1, t.len()).expect("in range"));
                start.elapsed()
            })
            .collect())
    })?;
    service.sort();
    crate_level.sort();
    println!("== inclusion proof through the service's cached tree, {size} entries, {PROOFS} random entries");
    println!(
        "  first call (reads the log, builds the tree): {:.2} s",
        first.as_secs_f64()
    );
    println!(
        "  per proof: median {:.1} µs, p99 {:.1} µs, max {:.1} µs (target < 1 ms)",
        percentile(&service, 0.5),
        percentile(&service, 0.99),
        percentile(&service, 1.0)
    );
    println!(
        "  baseline: MerkleTree::inclusion_proof on the built tree: median {:.1} µs, p99 {:.1} µs",
        percentile(&crate_level, 0.5),
        percentile(&crate_level, 0.99)
    );
    Ok(())
}
