//! The identity vault end to end over real databases: a planted canary never reaches
//! the database in plaintext, grants are the only way to read an identity (admin
//! included) and every read is audited with its purpose, rotation keeps everything
//! readable, evidence keeps a verifiable signed custody chain, audit tampering made with
//! raw SQL is located, and case bundles verify offline and report alterations.
//!
//! Each test runs on SQLite, and on PostgreSQL when `AMAN_TEST_PG_URL` is set.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aman_core::{FixedClock, PersonRole, Role, User};
use aman_service::vault::{
    self, BundleRequest, EvidenceIntake, IdentityFields, IdentityQuery, KekSource, NewPerson,
    Vault, VaultError,
};
use aman_store::{GrantTarget, SqlStore, Store, Who};
use aman_vault::access::{Consent, DenialReason, Recipient};
use aman_vault::keys::KdfParams;
use aman_vault::SecretString;
use chrono::{DateTime, Duration, TimeZone, Utc};

const CANARY_NAME: &str = "Zarina Canarybekova";
const CANARY_PHONE: &str = "+996 555 314 159";
const CANARY_ID: &str = "AN7788123";

enum Raw {
    Sqlite(PathBuf),
    Postgres { url: String, schema: String },
}

struct Backend {
    store: Arc<dyn Store>,
    clock: Arc<FixedClock>,
    raw: Raw,
    dir: tempfile::TempDir,
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Raw::Postgres { url, schema } = &self.raw {
            if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

impl Backend {
    fn raw_exec(&self, sql: &str) {
        match &self.raw {
            Raw::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Raw::Postgres { url, schema } => {
                postgres::Client::connect(url, postgres::NoTls)
                    .unwrap()
                    .batch_execute(&format!("SET search_path TO {schema}; {sql}"))
                    .unwrap();
            }
        }
    }

    /// Every byte the database holds for this store: the SQLite file and its WAL, or
    /// every row of every table of the PostgreSQL schema cast to text.
    fn raw_contents(&self) -> Vec<u8> {
        match &self.raw {
            Raw::Sqlite(path) => {
                let mut bytes = std::fs::read(path).unwrap();
                let wal = path.with_extension("db-wal");
                if let Ok(w) = std::fs::read(&wal) {
                    bytes.extend(w);
                }
                assert!(bytes.len() > 4096, "the database file was read");
                bytes
            }
            Raw::Postgres { url, schema } => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
                let tables: Vec<String> = c
                    .query(
                        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1",
                        &[schema],
                    )
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                assert!(tables.iter().any(|t| t == "vault_identities"));
                let mut out = Vec::new();
                for t in tables {
                    for row in c
                        .query(&format!("SELECT t::text FROM {schema}.{t} t"), &[])
                        .unwrap()
                    {
                        let text: String = row.get(0);
                        out.extend(text.into_bytes());
                    }
                }
                out
            }
        }
    }
}

fn unique(name: &str) -> String {
    format!("{name}_{}_{}", std::process::id(), rand::random::<u32>())
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2010, 6, 20, 9, 0, 0).unwrap()
}

fn backends(test: &str) -> Vec<Backend> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aman.db");
    let clock = Arc::new(FixedClock::new(start()));
    out.push(Backend {
        store: Arc::new(SqlStore::sqlite(&path, clock.clone()).unwrap()),
        clock,
        raw: Raw::Sqlite(path),
        dir,
    });
    if let Some(url) = aman_testkit::postgres_url(test) {
        let schema = unique(&format!("t_{test}")).to_lowercase();
        let clock = Arc::new(FixedClock::new(start()));
        out.push(Backend {
            store: Arc::new(SqlStore::postgres(&url, Some(&schema), clock.clone()).unwrap()),
            clock,
            raw: Raw::Postgres { url, schema },
            dir: tempfile::tempdir().unwrap(),
        });
    }
    out
}

/// A fresh random key file in `dir`.
fn key_file(dir: &Path, name: &str) -> KekSource {
    let path = dir.join(name);
    vault::write_new_key_file(&path).unwrap();
    KekSource::KeyFile(path)
}

fn user(store: &dyn Store, name: &str, role: Role) -> User {
    store
        .create_user(&Who::system(), name, role, "not-a-real-hash")
        .unwrap()
}

fn init(b: &Backend) -> (Vault, KekSource) {
    let key = key_file(b.dir.path(), "kek-1");
    let (vault, _) = Vault::init(
        b.store.clone(),
        &key,
        KdfParams::default(),
        b.dir.path(),
        &Who::system(),
    )
    .unwrap();
    (vault, key)
}

fn canary() -> IdentityFields {
    IdentityFields {
        name: CANARY_NAME.into(),
        phone: Some(CANARY_PHONE.into()),
        id_number: Some(CANARY_ID.into()),
        address: Some("Canary street 7, Osh".into()),
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn actions(store: &dyn Store) -> Vec<(String, Option<String>)> {
    store
        .audit_page(0, 1000)
        .unwrap()
        .into_iter()
        .map(|e| (e.record.action, e.record.reason))
        .collect()
}

#[test]
fn a_canary_identity_never_reaches_the_database_in_plaintext() {
    for b in backends("vault_canary") {
        let s = b.store.as_ref();
        let (vault, _) = init(&b);
        let admin = user(s, "admin", Role::Admin);
        user(s, "inv", Role::Investigator);
        let person = vault
            .add_identity(&Who::user("inv"), PersonRole::Witness, Some(7), &canary())
            .unwrap();
        vault
            .set_consent(&Who::user("inv"), person.as_str(), &[Consent::Ohchr])
            .unwrap();
        // Exact lookup by any spelling of the phone or name finds the person…
        for query in [
            IdentityQuery {
                phone: Some("0555314159".into()),
                ..Default::default()
            },
            IdentityQuery {
                name: Some("canarybekova,  ZARINA".into()),
                ..Default::default()
            },
        ] {
            assert_eq!(
                vault.find(&query).unwrap(),
                vec![person.as_str().to_string()]
            );
        }
        // …and a granted read decrypts it, so the plaintext really went through the store.
        vault::grant(
            s,
            &admin,
            "inv",
            GrantTarget::Person(person.as_str().into()),
            "interview follow-up",
            start() + Duration::days(1),
        )
        .unwrap();
        assert_eq!(
            vault
                .read_identity("inv", person.as_str(), "interview follow-up")
                .unwrap(),
            canary()
        );

        let raw = b.raw_contents();
        for needle in [
            CANARY_NAME,
            "Canarybekova",
            CANARY_PHONE,
            "555314159",
            "314 159",
            CANARY_ID,
            "Canary street",
        ] {
            assert!(
                !contains(&raw, needle),
                "{}: '{needle}' found in the raw database",
                s.backend()
            );
        }
        println!(
            "canary search ({}): {} bytes scanned, 0 occurrences of name, phone, ID or address",
            s.backend(),
            raw.len()
        );
    }
}

/// A batch larger than the sealing thread's chunks is stored whole, in order, each person
/// findable by their own tokens; a batch with one bad record stores nothing.
#[test]
fn a_batch_of_witnesses_is_sealed_ahead_of_the_store_and_stored_whole() {
    for b in backends("vault_batch") {
        let (vault, _) = init(&b);
        let by = Who::user("inv");
        let fields: Vec<IdentityFields> = (0..600)
            .map(|i| IdentityFields {
                name: format!("Batch Witness {i:04}"),
                phone: Some(format!("+996 555 100 {i:03}")),
                id_number: Some(format!("AN{i:07}")),
                address: None,
            })
            .collect();
        let persons: Vec<NewPerson> = fields
            .iter()
            .map(|f| NewPerson {
                role: PersonRole::Witness,
                incident_id: None,
                fields: f,
            })
            .collect();
        let ids = vault.add_identities(&by, &persons).unwrap();
        assert_eq!(ids.len(), 600);
        for i in [0, 255, 256, 599] {
            let found = vault
                .find(&IdentityQuery {
                    phone: Some(format!("0555100{i:03}")),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(found, vec![ids[i].as_str().to_string()]);
        }
        let entries = b.store.audit_page(0, 10_000).unwrap();
        let created: Vec<&str> = entries
            .iter()
            .filter(|e| e.record.action == "identity.create")
            .map(|e| e.record.entity_id.as_str())
            .collect();
        let expected: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
        assert_eq!(created, expected);

        let empty = IdentityFields::default();
        let mut bad = persons.clone();
        bad.push(NewPerson {
            role: PersonRole::Witness,
            incident_id: None,
            fields: &empty,
        });
        assert!(matches!(
            vault.add_identities(&by, &bad),
            Err(VaultError::Invalid(_))
        ));
        assert_eq!(b.store.audit_page(0, 10_000).unwrap().len(), entries.len());
    }
}

#[test]
fn only_a_live_grant_opens_an_identity_and_every_attempt_is_audited() {
    for b in backends("vault_grants") {
        let s = b.store.as_ref();
        let (vault, _) = init(&b);
        let admin = user(s, "admin", Role::Admin);
        let inv = user(s, "inv", Role::Investigator);
        let analyst = user(s, "analyst", Role::Analyst);
        let person = vault
            .add_identity(&Who::user("inv"), PersonRole::Witness, Some(3), &canary())
            .unwrap();
        let p = person.as_str();

        // No grant: refused, for the admin too, and the refusal is audited.
        for who in ["admin", "inv"] {
            let e = vault.read_identity(who, p, "curiosity").unwrap_err();
            assert!(
                matches!(e, VaultError::Denied(ref d) if d.reason == DenialReason::Missing),
                "{e}"
            );
        }
        let refused = actions(s)
            .iter()
            .filter(|(a, _)| a == "identity.read_refused")
            .count();
        assert_eq!(refused, 2, "{}", s.backend());

        // Who may grant: not an analyst, and nobody to themselves.
        assert!(matches!(
            vault::grant(
                s,
                &analyst,
                "admin",
                GrantTarget::Person(p.into()),
                "x",
                start() + Duration::days(1)
            ),
            Err(VaultError::Forbidden(_))
        ));
        assert!(matches!(
            vault::grant(
                s,
                &admin,
                "admin",
                GrantTarget::Person(p.into()),
                "x",
                start() + Duration::days(1)
            ),
            Err(VaultError::Grant(_))
        ));

        // A case grant to the admin, given by the investigator, opens it; the read is
        // audited with its purpose and the grant id.
        let g = vault::grant(
            s,
            &inv,
            "admin",
            GrantTarget::Incident(3),
            "prepare witness protection",
            start() + Duration::hours(2),
        )
        .unwrap();
        assert_eq!(
            vault.read_identity("admin", p, "relocation call").unwrap(),
            canary()
        );
        let entries = s.audit_page(0, 1000).unwrap();
        let read = entries
            .iter()
            .find(|e| e.record.action == "identity.read")
            .expect("the read is audited");
        assert_eq!(read.record.actor, "admin");
        assert_eq!(read.record.reason.as_deref(), Some("relocation call"));
        assert!(read
            .record
            .details
            .contains(&format!("\"grant_id\":{}", g.id)));

        // Expired: refused.
        b.clock.advance(Duration::hours(3));
        let e = vault.read_identity("admin", p, "again").unwrap_err();
        assert!(
            matches!(e, VaultError::Denied(ref d) if d.reason == DenialReason::Expired),
            "{e}"
        );

        // Revoked: refused.
        let g2 = vault::grant(
            s,
            &inv,
            "admin",
            GrantTarget::Person(p.into()),
            "second look",
            b.clock.as_ref().now_plus(Duration::days(1)),
        )
        .unwrap();
        vault.read_identity("admin", p, "second look").unwrap();
        vault::revoke(s, &inv, g2.id, "no longer needed").unwrap();
        let e = vault.read_identity("admin", p, "third look").unwrap_err();
        assert!(
            matches!(e, VaultError::Denied(ref d) if d.reason == DenialReason::Revoked),
            "{e}"
        );
        // Each refusal (missing twice, expired, revoked) is in the log with its reason.
        let refusals: Vec<String> = s
            .audit_page(0, 1000)
            .unwrap()
            .into_iter()
            .filter(|e| e.record.action == "identity.read_refused" && e.record.entity_id == p)
            .map(|e| e.record.details)
            .collect();
        assert_eq!(
            refusals,
            ["Missing", "Missing", "Expired", "Revoked"].map(|r| format!("{{\"reason\":\"{r}\"}}")),
            "{}",
            s.backend()
        );

        // No purpose: refused before anything is decrypted.
        assert!(matches!(
            vault.read_identity("admin", p, "  "),
            Err(VaultError::Invalid(_))
        ));
        // Nothing of the identity entered the audit log.
        let log = serde_json::to_string(&s.audit_page(0, 1000).unwrap()).unwrap();
        for needle in ["Canarybekova", "555 314 159", "555314159", CANARY_ID] {
            assert!(
                !log.contains(needle),
                "{needle} in the audit log ({})",
                s.backend()
            );
        }
        assert!(s.verify_audit().unwrap().is_ok());
    }
}

trait NowPlus {
    fn now_plus(&self, d: Duration) -> DateTime<Utc>;
}

impl NowPlus for FixedClock {
    fn now_plus(&self, d: Duration) -> DateTime<Utc> {
        aman_core::Clock::now(self) + d
    }
}

#[test]
fn rotation_keeps_every_record_readable_and_retires_the_old_key() {
    for b in backends("vault_rotation") {
        let s = b.store.as_ref();
        let (mut vault, old_key) = init(&b);
        let admin = user(s, "admin", Role::Admin);
        user(s, "inv", Role::Investigator);
        let mut people = Vec::new();
        for i in 0..5 {
            let fields = IdentityFields {
                name: format!("Person Number{i}"),
                phone: Some(format!("0555 00{i} 111")),
                ..Default::default()
            };
            let p = vault
                .add_identity(&Who::user("inv"), PersonRole::Victim, Some(1), &fields)
                .unwrap();
            people.push((p, fields));
        }
        let evidence = b.dir.path().join("photo.jpg");
        std::fs::write(&evidence, b"JPEG bytes of a burnt house").unwrap();
        let item = vault
            .add_evidence(&Who::user("inv"), &evidence, intake(Some(1)))
            .unwrap();
        vault::grant(
            s,
            &admin,
            "inv",
            GrantTarget::Incident(1),
            "rotation check",
            start() + Duration::days(1),
        )
        .unwrap();

        let new_key = key_file(b.dir.path(), "kek-2");
        let summary = vault
            .rotate(&Who::user("admin"), &new_key, KdfParams::default())
            .unwrap();
        assert_eq!(summary.identities, 5);
        assert_eq!(summary.keys, 3, "blind index, node and inv signing keys");
        assert_eq!(summary.evidence_files, 1);
        assert_eq!(summary.retired.len(), 1);

        // Only the new key is needed now; the old one alone is refused.
        let reopened = Vault::open(
            b.store.clone(),
            std::slice::from_ref(&new_key),
            b.dir.path(),
        )
        .unwrap();
        for (p, fields) in &people {
            assert_eq!(
                &reopened
                    .read_identity("inv", p.as_str(), "rotation check")
                    .unwrap(),
                fields
            );
            assert_eq!(
                reopened
                    .find(&IdentityQuery {
                        phone: fields.phone.clone(),
                        ..Default::default()
                    })
                    .unwrap(),
                vec![p.as_str().to_string()]
            );
        }
        let mut copy = Vec::new();
        reopened
            .copy_evidence(&Who::user("inv"), &item.sha256, &mut copy)
            .unwrap();
        assert_eq!(copy, b"JPEG bytes of a burnt house");
        assert!(matches!(
            Vault::open(
                b.store.clone(),
                std::slice::from_ref(&old_key),
                b.dir.path()
            ),
            Err(VaultError::NotCurrentKey { .. })
        ));
        assert!(s.verify_audit().unwrap().is_ok());
    }
}

#[test]
fn a_passphrase_unlocks_and_a_wrong_one_is_named() {
    let b = backends("vault_passphrase").remove(0);
    let weak = KdfParams::new(1024, 1, 1).unwrap();
    let pass = KekSource::Passphrase(SecretString::from("correct horse battery staple"));
    Vault::init(b.store.clone(), &pass, weak, b.dir.path(), &Who::system()).unwrap();
    Vault::open(b.store.clone(), std::slice::from_ref(&pass), b.dir.path()).unwrap();
    let wrong = KekSource::Passphrase(SecretString::from("incorrect horse battery"));
    let e = Vault::open(b.store.clone(), &[wrong], b.dir.path()).unwrap_err();
    assert!(
        matches!(
            e,
            VaultError::Key(aman_vault::keys::KeyError::WrongPassphrase)
        ),
        "{e}"
    );
    let kdf = b.store.kek_records().unwrap()[0].kdf_json.clone().unwrap();
    assert!(kdf.contains("argon2id") && !kdf.contains("horse"));
}

fn intake(incident: Option<i64>) -> EvidenceIntake {
    EvidenceIntake {
        incident_id: incident,
        media_type: "image/jpeg".into(),
        collected_by: "inv".into(),
        collected_at: start() - Duration::hours(1),
        place: Some("Osh".into()),
        device: Some("phone-12".into()),
    }
}

#[test]
fn evidence_is_hashed_at_intake_encrypted_at_rest_and_its_custody_verifies() {
    let b = backends("vault_evidence").remove(0);
    let s = b.store.as_ref();
    let (vault, _) = init(&b);
    user(s, "inv", Role::Investigator);
    let file = b.dir.path().join("statement.txt");
    let content = b"Statement of a witness: the plaintext marker EVIDENCE-CANARY-42";
    std::fs::write(&file, content).unwrap();
    let item = vault
        .add_evidence(&Who::user("inv"), &file, intake(Some(2)))
        .unwrap();
    assert_eq!(item.sha256, aman_vault::Hash256::of(content).to_hex());
    let stored = std::fs::read(
        b.dir
            .path()
            .join("evidence")
            .join(format!("{}.enc", item.sha256)),
    )
    .unwrap();
    assert!(!contains(&stored, "EVIDENCE-CANARY-42"));
    // The same file again is refused: the original is never replaced.
    assert!(vault
        .add_evidence(&Who::user("inv"), &file, intake(Some(2)))
        .is_err());

    vault
        .record_custody(
            &Who::user("inv"),
            &item.sha256,
            aman_vault::custody::CustodyAction::Transferred,
            Some("OHCHR".into()),
            None,
        )
        .unwrap();
    let view = vault::evidence_view(s, &item.sha256).unwrap();
    assert_eq!(view.custody.len(), 2);
    assert_eq!(view.custody_problem, None);

    // A custody row edited in the database no longer verifies.
    b.raw_exec(&format!(
        "UPDATE vault_custody SET event_json = replace(event_json, 'OHCHR', 'nobody') WHERE sha256 = '{}'",
        item.sha256
    ));
    let view = vault::evidence_view(s, &item.sha256).unwrap();
    assert!(view.custody_problem.unwrap().contains("signature"));
}

/// Writes `n` audited changes (grants) so the log has entries to tamper with.
fn log_with_entries(b: &Backend) {
    let s = b.store.as_ref();
    let admin = user(s, "admin", Role::Admin);
    user(s, "inv", Role::Investigator);
    for i in 0..4 {
        vault::grant(
            s,
            &admin,
            "inv",
            GrantTarget::Incident(i),
            "review",
            start() + Duration::days(1),
        )
        .unwrap();
    }
}

fn first_bad(store: &dyn Store) -> i64 {
    store.verify_audit().unwrap().unwrap_err().seq
}

#[test]
fn edited_deleted_inserted_and_reordered_audit_rows_are_located() {
    let cases: [(&str, &str, i64); 4] = [
        ("edit", "UPDATE audit_log SET actor = 'someone_else' WHERE seq = 3", 3),
        ("delete", "DELETE FROM audit_log WHERE seq = 3", 4),
        (
            "insert",
            "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 4; \
             UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000; \
             INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, reason, details, prev_hash, entry_hash) \
             SELECT 4, at, 'intruder', action, entity, entity_id, reason, details, entry_hash, entry_hash FROM audit_log WHERE seq = 3",
            4,
        ),
        (
            "reorder",
            "UPDATE audit_log SET seq = -1 WHERE seq = 3; \
             UPDATE audit_log SET seq = 3 WHERE seq = 4; \
             UPDATE audit_log SET seq = 4 WHERE seq = -1",
            3,
        ),
    ];
    for (name, sql, expected) in cases {
        for b in backends(&format!("vault_tamper_{name}")) {
            log_with_entries(&b);
            let s = b.store.as_ref();
            assert_eq!(s.verify_audit().unwrap(), Ok(6), "{}", s.backend());
            b.raw_exec(sql);
            assert_eq!(first_bad(s), expected, "{name} on {}", s.backend());
        }
    }
}

#[test]
fn a_checkpoint_exposes_a_recomputed_chain_and_a_truncated_log() {
    for b in backends("vault_checkpoint") {
        let s = b.store.as_ref();
        let (vault, _) = init(&b);
        log_with_entries(&b);
        let head = vault.checkpoint(&Who::system(), "test mission").unwrap();
        let size = head.head.tree_size as i64;
        let report = s.audit_report().unwrap();
        assert!(report.is_intact(), "{report}");
        assert_eq!(report.checkpoints_matched, 1);

        // Inclusion and consistency proofs verify against the log.
        let proof = vault.audit_tree().inclusion_proof(2).unwrap();
        assert_eq!(proof.tree_size, size as u64 + 1);
        vault
            .audit_tree()
            .consistency_proof(3, size as u64)
            .unwrap();

        // Deleting the entries after and including the checkpointed tail leaves a valid
        // chain; only the signed head shows it.
        b.raw_exec(&format!("DELETE FROM audit_log WHERE seq >= {size}"));
        let report = s.audit_report().unwrap();
        assert!(!report.is_intact(), "{}", s.backend());
        assert_eq!(report.first().unwrap().seq, None);
        assert_eq!(
            report.first().unwrap().position,
            Some(size as u64 - 1),
            "{report}"
        );
    }
}

#[test]
fn the_cached_audit_tree_follows_appends_and_rebuilds_when_the_end_changes() {
    for b in backends("vault_tree_cache") {
        let s = b.store.as_ref();
        log_with_entries(&b);
        let cached = vault::AuditTree::new(b.store.clone());
        let fresh = |seq| vault::AuditTree::new(b.store.clone()).inclusion_proof(seq);
        assert_eq!(cached.inclusion_proof(2).unwrap(), fresh(2).unwrap());
        assert_eq!(cached.inclusion_proof(6).unwrap().tree_size, 6);

        // Appended entries are picked up.
        user(s, "later", Role::Analyst);
        user(s, "later2", Role::Analyst);
        let after_append = cached.inclusion_proof(8).unwrap();
        assert_eq!(after_append, fresh(8).unwrap(), "{}", s.backend());
        assert_eq!(after_append.tree_size, 8);

        // The last entry edited in place: the tree is rebuilt from the stored log.
        b.raw_exec("UPDATE audit_log SET actor = 'someone_else' WHERE seq = 8");
        let after_edit = cached.inclusion_proof(2).unwrap();
        assert_ne!(after_edit.root_hash, after_append.root_hash);
        assert_eq!(after_edit, fresh(2).unwrap(), "{}", s.backend());

        // The end truncated: rebuilt, and the removed entries are gone.
        b.raw_exec("DELETE FROM audit_log WHERE seq >= 7");
        assert!(matches!(
            cached.inclusion_proof(7),
            Err(VaultError::NotFound { .. })
        ));
        assert_eq!(cached.inclusion_proof(3).unwrap(), fresh(3).unwrap());
        assert_eq!(cached.consistency_proof(2, 6).unwrap().len(), 2);
    }
}

/// One source, one report and an incident resting on it.
fn incident(s: &dyn Store) -> i64 {
    let source = s
        .create_source(
            &Who::user("inv"),
            aman_core::SourceInput {
                name: "Patrol 1".into(),
                organisation: "Mission".into(),
                kind: aman_core::SourceKind::MissionPatrol,
                reliability: aman_core::Reliability::B,
                synthetic: true,
            },
        )
        .unwrap();
    let t = Utc.with_ymd_and_hms(2010, 6, 12, 12, 0, 0).unwrap();
    let input: aman_core::ReportInput = serde_json::from_value(serde_json::json!({
        "source_id": source.id,
        "event_time": {"start": t, "end": t + Duration::hours(1), "precision": "hour"},
        "place_text": "Cheremushki, Osh",
        "event_types": ["arson"],
        "narrative": {"text": "Houses burning", "language": "en"},
        "credibility": 2,
    }))
    .unwrap();
    let report = aman_store::NewReport {
        input: input.validate(s.clock().now()).unwrap(),
        received_at: s.clock().now(),
        place_status: aman_core::PlaceStatus::Unresolved,
        place: None,
    };
    let ids = s
        .insert_reports(&Who::user("inv"), &mut std::iter::once(report), None)
        .unwrap();
    s.create_incident(
        &Who::user("inv"),
        "Arson in Cheremushki",
        &ids,
        "one report",
    )
    .unwrap()
}

#[test]
fn a_bundle_verifies_offline_and_alterations_are_reported() {
    let b = backends("vault_bundle").remove(0);
    let s = b.store.as_ref();
    let (vault, _) = init(&b);
    let admin = user(s, "admin", Role::Admin);
    user(s, "inv", Role::Investigator);
    let incident = incident(s);
    let file = b.dir.path().join("photo.jpg");
    std::fs::write(&file, b"photo bytes").unwrap();
    vault
        .add_evidence(&Who::user("inv"), &file, intake(Some(incident)))
        .unwrap();
    let consenting = vault
        .add_identity(
            &Who::user("inv"),
            PersonRole::Witness,
            Some(incident),
            &canary(),
        )
        .unwrap();
    vault
        .set_consent(&Who::user("inv"), consenting.as_str(), &[Consent::Ohchr])
        .unwrap();
    let refusing = vault
        .add_identity(
            &Who::user("inv"),
            PersonRole::Witness,
            Some(incident),
            &IdentityFields {
                name: "Private Person".into(),
                ..Default::default()
            },
        )
        .unwrap();
    vault
        .set_consent(&Who::user("inv"), refusing.as_str(), &[Consent::Nobody])
        .unwrap();
    vault::grant(
        s,
        &admin,
        "inv",
        GrantTarget::Incident(incident),
        "bundle for OHCHR",
        start() + Duration::days(1),
    )
    .unwrap();

    let recipient = aman_vault::AgeIdentity::generate();
    let bytes = vault
        .create_bundle(
            &Who::user("inv"),
            &BundleRequest {
                incidents: vec![incident],
                recipients: vec![recipient.to_public()],
                released_to: Some(Recipient::Ohchr),
                origin: "test mission".into(),
            },
        )
        .unwrap();
    let node = vault.node_public_key().unwrap();
    let report = vault::verify_bundle_file(&bytes, &recipient, &[node]);
    assert!(report.is_valid(), "{report}");
    assert!(
        report.proofs_checked >= 1 && report.custody_histories_checked == 1,
        "{report}"
    );
    let archive = report.archive.unwrap();
    assert!(archive
        .files
        .contains_key(&format!("identities/{}.json", consenting.as_str())));
    assert!(
        !archive
            .files
            .contains_key(&format!("identities/{}.json", refusing.as_str())),
        "consent 'nobody' keeps the identity out"
    );

    // The wrong recipient cannot open it.
    let stranger = aman_vault::AgeIdentity::generate();
    let report = vault::verify_bundle_file(&bytes, &stranger, &[node]);
    assert!(report.to_string().contains("cannot decrypt"), "{report}");

    // A changed evidence file is named.
    let mut archive = archive;
    let path = archive
        .files
        .keys()
        .find(|k| k.starts_with("evidence/"))
        .unwrap()
        .clone();
    archive.files.insert(path.clone(), b"edited photo".to_vec());
    let tampered = archive.encrypt_to(&[recipient.to_public()]).unwrap();
    let report = vault::verify_bundle_file(&tampered, &recipient, &[node]);
    assert!(!report.is_valid());
    assert!(report.to_string().contains(&path), "{report}");

    // Exporting is part of the custody history.
    assert!(actions(s).iter().any(|(a, _)| a == "evidence.custody"));
}
