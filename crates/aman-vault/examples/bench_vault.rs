//! Benchmarks of the vault's hot paths, each next to a baseline measured in the same run.
//!
//! Run: `cargo run --release -p aman-vault --example bench_vault [entries]`
//! (default 1,000,000 audit entries).

use std::hint::black_box;
use std::time::{Duration, Instant};

use aman_vault::audit::{verify_audit_log, StoredAuditEntry};
use aman_vault::blind_index::{BlindIndexKey, Normalise};
use aman_vault::checkpoint::{sign_tree_head, TreeHead};
use aman_vault::envelope::{open_json, seal_json, FieldContext};
use aman_vault::evidence::{decrypt_evidence, encrypt_evidence, DEFAULT_CHUNK_SIZE};
use aman_vault::keys::{KdfParams, Kek, Keyring, PassphraseKdf};
use aman_vault::merkle::MerkleTree;
use aman_vault::signing::{SignerKey, TrustedKeys};
use aman_vault::Hash256;
use chrono::{TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = ChaCha20Rng::seed_from_u64(2010);
    println!(
        "aman-vault benchmark ({} worker threads)",
        rayon::current_num_threads()
    );

    // --- Audit log verification -------------------------------------------------------
    let t = Instant::now();
    let mut entries: Vec<StoredAuditEntry> = Vec::with_capacity(n);
    for i in 0..n {
        let seq = i as u64 + 1;
        let canonical = format!(
            r#"{{"action":"identity.read","actor":"user-{}","at":"2010-06-{:02}T{:02}:{:02}:00Z","object":"person/p-{:06}","purpose":"corroborate incident {}","seq":{seq}}}"#,
            i % 40,
            10 + (i / 100_000) % 20,
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 500_000,
            i % 9000
        );
        let e = StoredAuditEntry::append(entries.last(), seq, canonical.into_bytes());
        entries.push(e);
    }
    let bytes: usize = entries.iter().map(|e| e.canonical.len()).sum();
    println!(
        "built {n} audit entries ({:.1} MB canonical JSON) in {:.2} s",
        bytes as f64 / 1e6,
        secs(t.elapsed())
    );

    let t = Instant::now();
    let mut acc = 0u8;
    for e in &entries {
        acc ^= Hash256::of(&e.canonical).0[0];
    }
    black_box(acc);
    let baseline = t.elapsed();

    let key = SignerKey::generate(&mut rng);
    let trusted: TrustedKeys = [key.public()].into_iter().collect();
    let tree = MerkleTree::from_leaf_hashes(
        entries
            .iter()
            .map(|e| aman_vault::merkle::leaf_hash(&e.canonical))
            .collect(),
    );
    let heads: Vec<_> = [n as u64 / 4, n as u64 / 2, n as u64]
        .iter()
        .map(|&size| {
            sign_tree_head(
                TreeHead {
                    origin: "aman bench".into(),
                    tree_size: size,
                    root_hash: tree.root_at(size).unwrap(),
                    timestamp: Utc.timestamp_opt(1_276_000_000, 0).unwrap(),
                },
                &key,
            )
            .unwrap()
        })
        .collect();

    let t = Instant::now();
    let report = verify_audit_log(&entries, &heads, &trusted, 1);
    let verify = t.elapsed();
    assert!(report.is_intact(), "{report}");
    println!(
        "audit verify: {n} entries in {:.3} s (chain + Merkle root + {} checkpoints); baseline one plain SHA-256 per entry, 1 thread: {:.3} s; target < 5 s",
        secs(verify),
        report.checkpoints_matched,
        secs(baseline)
    );

    // --- Inclusion and consistency proofs --------------------------------------------
    let rounds = 20_000;
    let picks: Vec<(u64, u64)> = (0..rounds)
        .map(|_| {
            let size = rng.gen_range(1..=n as u64);
            (rng.gen_range(0..size), size)
        })
        .collect();
    let t = Instant::now();
    let mut total_len = 0;
    for &(index, size) in &picks {
        total_len += tree.inclusion_proof(index, size).unwrap().len();
    }
    let proofs = t.elapsed();
    let t = Instant::now();
    for &(_, size) in &picks {
        black_box(tree.root_at(size).unwrap());
    }
    let roots = t.elapsed();
    let t = Instant::now();
    for &(index, size) in &picks {
        black_box(tree.consistency_proof(index + 1, size).unwrap());
    }
    let consistency = t.elapsed();
    let t = Instant::now();
    for e in entries.iter().take(rounds) {
        black_box(Hash256::of(&e.canonical));
    }
    let one_hash = t.elapsed();
    println!(
        "inclusion proof: {:.2} µs each (random index and tree size over {n} leaves, avg {:.1} hashes); root at a past size {:.2} µs; consistency proof {:.2} µs; baseline one SHA-256 of an entry {:.2} µs; target < 1000 µs",
        secs(proofs) * 1e6 / rounds as f64,
        total_len as f64 / rounds as f64,
        secs(roots) * 1e6 / rounds as f64,
        secs(consistency) * 1e6 / rounds as f64,
        secs(one_hash) * 1e6 / rounds as f64
    );
    drop(entries);

    // --- Envelope encryption of identity records -------------------------------------
    let keyring = Keyring::new(Kek::generate(&mut rng));
    let index_key = BlindIndexKey::generate(&mut rng);
    let records: Vec<serde_json::Value> = (0..50_000)
        .map(|i| {
            serde_json::json!({
                "full_name": format!("Witness Number {i} Karimova"),
                "aliases": ["Gulya", "G. K."],
                "phone": format!("+996 555 {:06}", i),
                "address": "Osh, Cheremushki mahalla, 14 Navoi street",
                "id_number": format!("AN{:07}", i),
                "date_of_birth": "1981-03-02",
                "notes": "met at mobile police reception, prefers contact via sister",
            })
        })
        .collect();
    let count = records.len();
    let t = Instant::now();
    let mut serial_bytes = 0;
    for r in &records {
        serial_bytes += serde_json::to_vec(r).unwrap().len();
    }
    let serialise = t.elapsed();
    let t = Instant::now();
    let sealed: Vec<Vec<u8>> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            seal_json(
                &keyring,
                &FieldContext::new("person_identity", "identity", i),
                r,
                &mut rng,
            )
        })
        .collect();
    let seal = t.elapsed();
    let t = Instant::now();
    for (i, s) in sealed.iter().enumerate() {
        let v: serde_json::Value = open_json(
            &keyring,
            &FieldContext::new("person_identity", "identity", i),
            s,
        )
        .unwrap();
        black_box(v);
    }
    let open = t.elapsed();
    // The scope keys are derived once per unlocked vault, as the service does.
    let scopes = [
        (index_key.scope("person.name"), "full_name", Normalise::Name),
        (index_key.scope("person.phone"), "phone", Normalise::Phone),
        (
            index_key.scope("person.id"),
            "id_number",
            Normalise::Identifier,
        ),
    ];
    let t = Instant::now();
    for r in &records {
        for (key, field, how) in &scopes {
            black_box(key.index(r[*field].as_str().unwrap(), *how));
        }
    }
    let index = t.elapsed();
    println!(
        "identity envelopes ({count} records, avg {} B JSON): seal {:.2} µs/record ({:.0}/s), open {:.2} µs/record, 3 blind indexes {:.2} µs/record; baseline JSON serialisation alone {:.2} µs/record",
        serial_bytes / count,
        secs(seal) * 1e6 / count as f64,
        count as f64 / secs(seal),
        secs(open) * 1e6 / count as f64,
        secs(index) * 1e6 / count as f64,
        secs(serialise) * 1e6 / count as f64
    );

    // --- Passphrase unlock (deliberately slow) ---------------------------------------
    let pass = aman_vault::SecretString::from("a long mission passphrase".to_owned());
    let t = Instant::now();
    let (record, _) = PassphraseKdf::create(&pass, KdfParams::default(), &mut rng).unwrap();
    let create = t.elapsed();
    let t = Instant::now();
    record.derive(&pass).unwrap();
    let derive = t.elapsed();
    let t = Instant::now();
    black_box(Hash256::of(b"a long mission passphrase"));
    let plain = t.elapsed();
    println!(
        "passphrase unlock, Argon2id {} KiB x {} passes: {:.0} ms (setup {:.0} ms); baseline one SHA-256 {:.2} µs (the gap is the point: it is what a guess costs)",
        record.params.memory_kib,
        record.params.iterations,
        secs(derive) * 1e3,
        secs(create) * 1e3,
        secs(plain) * 1e6
    );

    // --- Evidence streaming ----------------------------------------------------------
    let mut file = vec![0u8; 64 * 1024 * 1024];
    rng.fill(&mut file[..]);
    let ctx = FieldContext::new("evidence", "file", "e-bench");
    let t = Instant::now();
    black_box(Hash256::of(&file));
    let hash_only = t.elapsed();
    let mut stored = Vec::with_capacity(file.len() + file.len() / 1000 + 256);
    let t = Instant::now();
    let sealed = encrypt_evidence(
        &keyring,
        &ctx,
        &file[..],
        &mut stored,
        DEFAULT_CHUNK_SIZE,
        &mut rng,
    )
    .unwrap();
    let enc = t.elapsed();
    let mut back = Vec::with_capacity(file.len());
    let t = Instant::now();
    decrypt_evidence(
        &keyring,
        &ctx,
        &stored[..],
        &mut back,
        Some(sealed.content_hash),
    )
    .unwrap();
    let dec = t.elapsed();
    assert_eq!(back, file);
    let mb = file.len() as f64 / 1e6;
    println!(
        "evidence stream (64 MiB, 64 KiB chunks): encrypt+hash {:.0} MB/s, decrypt+verify {:.0} MB/s; baseline SHA-256 alone {:.0} MB/s",
        mb / secs(enc),
        mb / secs(dec),
        mb / secs(hash_only)
    );
}
