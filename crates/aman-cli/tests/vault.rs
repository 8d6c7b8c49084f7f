//! The vault's commands driven as an operator would: keys, identities under grants,
//! evidence, checkpoints, rotation, and a case bundle verified offline with each kind of
//! alteration (file, manifest, proof, recipient) reported by what it is; tampering done
//! with sqlite3-style raw SQL is named by `aman audit verify`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use aman_vault::bundle::{AuditProof, BundleArchive};
use aman_vault::Hash256;

/// A decrypted bundle's files by path.
type Files = BTreeMap<String, Vec<u8>>;

fn aman(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aman"));
    c.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("AMAN_LOG", "warn")
        .env("AMAN_VAULT_KEY_FILE", data.join("kek"))
        .env_remove("AMAN_DATABASE_URL")
        .env_remove("AMAN_VAULT_PASSPHRASE")
        .env_remove("AMAN_VAULT_NEW_PASSPHRASE")
        .env_remove("RUST_BACKTRACE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("aman runs")
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "aman failed: {}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn failed(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A data folder with users and an initialised vault keyed by `DATA/kek`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&aman(
        d,
        &["init"],
        &[("AMAN_PASSWORD", "admin-password-1")],
    ));
    for (name, role) in [("inv", "investigator"), ("ana", "analyst")] {
        ok(&aman(
            d,
            &["user", "add", name, "--role", role],
            &[("AMAN_PASSWORD", "some-password-1")],
        ));
    }
    let out = ok(&aman(
        d,
        &[
            "keys",
            "init",
            "--new-key-file",
            d.join("kek").to_str().unwrap(),
        ],
        &[],
    ));
    assert!(out.contains("Node public key"), "{out}");
    dir
}

const IDENTITY: &str =
    r#"{"name": "Bakyt Canaryuulu", "phone": "+996 700 271 828", "id_number": "ID-4242"}"#;

fn add_identity(d: &Path, incident: &str) -> String {
    ok(&aman(
        d,
        &[
            "identity",
            "add",
            "--role",
            "witness",
            "--incident",
            incident,
            "--consent",
            "ohchr",
            "--as",
            "inv",
        ],
        &[("AMAN_IDENTITY_JSON", IDENTITY)],
    ))
    .trim()
    .to_string()
}

#[test]
fn every_vault_command_has_help() {
    let d = tempfile::tempdir().unwrap();
    for cmd in [
        vec!["keys", "init"],
        vec!["keys", "rotate"],
        vec!["identity", "add"],
        vec!["identity", "find"],
        vec!["identity", "show"],
        vec!["grant", "add"],
        vec!["grant", "revoke"],
        vec!["evidence", "add"],
        vec!["evidence", "show"],
        vec!["audit", "checkpoint"],
        vec!["audit", "proof"],
        vec!["bundle", "create"],
        vec!["bundle", "verify"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let out = ok(&aman(d.path(), &args, &[]));
        assert!(out.contains("Usage: aman"), "{cmd:?}: {out}");
    }
}

#[test]
fn identities_are_found_blind_and_shown_only_under_a_grant() {
    let dir = setup();
    let d = dir.path();
    let person = add_identity(d, "5");
    assert!(person.starts_with("P-"), "{person}");

    let found = ok(&aman(
        d,
        &["identity", "find", "--phone", "0700271828"],
        &[],
    ));
    assert_eq!(found.trim(), person);
    assert_eq!(
        ok(&aman(
            d,
            &["identity", "find", "--name", "Nobody Known"],
            &[]
        ))
        .trim(),
        "No match."
    );

    // Admin without a grant: refused.
    let show = [
        "identity",
        "show",
        &person,
        "--purpose",
        "check",
        "--as",
        "admin",
    ];
    let refused = failed(&aman(d, &show, &[]));
    assert!(refused.contains("refused"), "{refused}");
    assert!(!refused.contains("Canaryuulu"));

    // An analyst cannot grant; the investigator grants the admin the case.
    let grant = |by: &str| {
        aman(
            d,
            &[
                "grant",
                "add",
                "admin",
                "--incident",
                "5",
                "--purpose",
                "protection review",
                "--expires",
                "2099-01-01T00:00:00Z",
                "--as",
                by,
            ],
            &[],
        )
    };
    assert!(failed(&grant("ana")).contains("cannot give grants"));
    assert!(ok(&grant("inv")).contains("Grant 1 given to admin"));
    let shown = ok(&aman(d, &show, &[]));
    assert!(shown.contains("Bakyt Canaryuulu"), "{shown}");

    ok(&aman(
        d,
        &["grant", "revoke", "1", "--reason", "done", "--as", "inv"],
        &[],
    ));
    assert!(failed(&aman(d, &show, &[])).contains("revoked"));

    // Nothing of the identity is in the database file or its WAL.
    for file in ["aman.db", "aman.db-wal"] {
        if let Ok(bytes) = std::fs::read(d.join(file)) {
            for needle in ["Canaryuulu", "271 828", "271828", "ID-4242"] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle} in {file}"
                );
            }
        }
    }
    assert!(ok(&aman(d, &["audit", "verify"], &[])).contains("Audit log intact"));
}

#[test]
fn checkpoint_rotation_and_tampering() {
    let dir = setup();
    let d = dir.path();
    let person = add_identity(d, "1");
    let head = ok(&aman(d, &["audit", "checkpoint"], &[]));
    assert!(head.starts_with("aman-tree-head/v1\naman\n"), "{head}");
    let proof = ok(&aman(d, &["audit", "proof", "3"], &[]));
    assert!(proof.contains("\"leaf_index\": 2"), "{proof}");

    let rotated = ok(&aman(
        d,
        &[
            "keys",
            "rotate",
            "--new-key-file",
            d.join("kek2").to_str().unwrap(),
            "--as",
            "admin",
        ],
        &[],
    ));
    assert!(
        rotated.contains("rewrapped 1 identity records"),
        "{rotated}"
    );
    // The old key no longer opens the vault; the new one does and finds the person.
    let old = failed(&aman(
        d,
        &["identity", "find", "--id-number", "id 4242"],
        &[],
    ));
    assert!(old.contains("current key"), "{old}");
    let kek2 = d.join("kek2");
    let found = ok(&aman(
        d,
        &["identity", "find", "--id-number", "id 4242"],
        &[("AMAN_VAULT_KEY_FILE", kek2.to_str().unwrap())],
    ));
    assert_eq!(found.trim(), person);

    assert!(ok(&aman(d, &["audit", "verify"], &[])).contains("1 signed checkpoint(s)"));
    let c = rusqlite::Connection::open(d.join("aman.db")).unwrap();
    c.execute("UPDATE audit_log SET reason = 'forged' WHERE seq = 4", [])
        .unwrap();
    drop(c);
    let out = aman(d, &["audit", "verify"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("AUDIT LOG BROKEN at entry 4"), "{text}");
}

#[test]
fn a_bundle_is_created_and_verified_offline_and_each_alteration_is_reported() {
    let dir = setup();
    let d = dir.path();
    // An incident needs a report: one source and one imported row.
    let c = rusqlite::Connection::open(d.join("aman.db")).unwrap();
    c.execute(
        "INSERT INTO sources (name, organisation, kind, reliability, synthetic, created_at) VALUES ('Patrol 1', 'Mission', 'mission_patrol', 'A', 0, 0)",
        [],
    )
    .unwrap();
    drop(c);
    let csv = d.join("r.csv");
    std::fs::write(
        &csv,
        "source_id,event_start,event_end,place_text,event_types,killed,actors,narrative,language,credibility\n\
         1,2010-06-11,,Osh,arson,1,,Houses burning,en,2\n",
    )
    .unwrap();
    ok(&aman(d, &["import", "reports", csv.to_str().unwrap()], &[]));
    // Linking makes the report an incident (audited, so the bundle carries its proof).
    let linked = ok(&aman(d, &["link", "reports"], &[]));
    assert!(linked.contains('1'), "{linked}");
    let photo = d.join("photo.jpg");
    std::fs::write(&photo, b"jpeg bytes").unwrap();
    let sha = ok(&aman(
        d,
        &[
            "evidence",
            "add",
            photo.to_str().unwrap(),
            "--incident",
            "1",
            "--as",
            "inv",
        ],
        &[],
    ))
    .trim()
    .to_string();
    let shown = ok(&aman(d, &["evidence", "show", &sha], &[]));
    assert!(
        shown.contains("Custody history verified: 1 signed events"),
        "{shown}"
    );

    let age = aman_vault::AgeIdentity::generate();
    let key_file = d.join("partner.key");
    std::fs::write(
        &key_file,
        format!(
            "# partner key\n{}\n",
            aman_vault::ExposeSecret::expose_secret(&age.to_string())
        ),
    )
    .unwrap();
    let bundle = d.join("case.age");
    let created = ok(&aman(
        d,
        &[
            "bundle",
            "create",
            "--incident",
            "1",
            "--recipient",
            &age.to_public().to_string(),
            "-o",
            bundle.to_str().unwrap(),
            "--as",
            "inv",
        ],
        &[],
    ));
    let node = created
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches('.');

    // Offline: a folder with no database and no key.
    let elsewhere = tempfile::tempdir().unwrap();
    let verify = |file: &Path| {
        aman(
            elsewhere.path(),
            &[
                "bundle",
                "verify",
                file.to_str().unwrap(),
                "--identity",
                key_file.to_str().unwrap(),
                "--trust",
                node,
            ],
            &[],
        )
    };
    let out = ok(&verify(&bundle));
    assert!(out.contains("VALID"), "{out}");
    assert!(!elsewhere.path().join("aman.db").exists());

    let mut bytes = std::fs::read(&bundle).unwrap();
    let n = bytes.len();
    bytes[n - 20] ^= 1;
    let broken = d.join("broken.age");
    std::fs::write(&broken, bytes).unwrap();
    let out = verify(&broken);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL"));

    // Alterations inside the encryption, made as a recipient could: decrypt with the
    // identity, edit, encrypt again to the same recipient. Each is reported by what it is.
    let original = BundleArchive::decrypt(&std::fs::read(&bundle).unwrap(), &age).unwrap();
    let altered = |name: &str, edit: &dyn Fn(&mut Files)| -> Vec<String> {
        let mut archive = original.clone();
        edit(&mut archive.files);
        let path = d.join(format!("{name}.age"));
        std::fs::write(&path, archive.encrypt_to(&[age.to_public()]).unwrap()).unwrap();
        let out = verify(&path);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let fails: Vec<String> = stdout
            .lines()
            .filter(|l| l.starts_with("FAIL "))
            .map(str::to_string)
            .collect();
        let code = if fails.is_empty() { 0 } else { 2 };
        assert_eq!(out.status.code(), Some(code), "{name}: {stdout}");
        fails
    };
    assert!(
        altered("unchanged", &|_| {}).is_empty(),
        "re-encrypting alone changes nothing"
    );

    // An evidence file changed: that file is named, nothing else.
    let evidence = format!("evidence/{sha}");
    let fails = altered("evidence", &|files| {
        files.insert(evidence.clone(), b"other jpeg bytes".to_vec());
    });
    assert_eq!(fails.len(), 1, "{fails:?}");
    assert!(
        fails[0].starts_with(&format!("FAIL {evidence} hashes to "))
            && fails[0].ends_with("the file was changed"),
        "{fails:?}"
    );

    // The manifest edited (one letter of its title): its signature no longer holds.
    let fails = altered("manifest", &|files| {
        let manifest = files.get_mut("manifest.json").unwrap();
        let text = String::from_utf8(manifest.clone()).unwrap();
        assert!(text.contains("Aman case bundle"));
        *manifest = text
            .replacen("Aman case bundle", "Aman case bundIe", 1)
            .into_bytes();
    });
    // Keys the manifest vouched for are no longer trusted, so the custody history signed
    // by the investigator's key is reported as unverifiable too, and nothing else.
    const EDITED: &str =
        "FAIL the manifest signature is invalid: the manifest was edited after signing";
    let custody_untrusted = |line: &str| {
        line.starts_with(&format!(
            "FAIL custody history of evidence {sha} is invalid: "
        )) && line.ends_with("which the verifier does not trust")
    };
    assert_eq!(fails[0], EDITED, "{fails:?}");
    assert!(fails[1..].iter().all(|l| custody_untrusted(l)), "{fails:?}");

    // A proof replaced by a forged one: the file no longer matches the manifest, and the
    // proof does not lead to the signed tree head's root.
    let forge = |files: &mut Files| -> Vec<u8> {
        let mut proofs: Vec<AuditProof> =
            serde_json::from_slice(&files["audit/proofs.json"]).unwrap();
        assert!(!proofs.is_empty() && !proofs[0].proof.is_empty());
        proofs[0].proof[0] = Hash256::of(b"forged sibling");
        let forged = serde_json::to_vec_pretty(&proofs).unwrap();
        files.insert("audit/proofs.json".into(), forged.clone());
        forged
    };
    let proofs: Vec<AuditProof> =
        serde_json::from_slice(&original.files["audit/proofs.json"]).unwrap();
    let bad_proof = format!(
        "FAIL the inclusion proof for audit entry {} does not match the tree head: the proof leads to a different root than the tree head's",
        proofs[0].leaf_index
    );
    let fails = altered("proof", &|files| {
        forge(files);
    });
    assert_eq!(fails.len(), 2, "{fails:?}");
    assert!(
        fails[0].starts_with("FAIL audit/proofs.json hashes to ")
            && fails[0].ends_with("the file was changed"),
        "{fails:?}"
    );
    assert_eq!(fails[1], bad_proof);
    // ... and with the manifest's hash updated to match, the signature fails and the
    // proof itself is checked against the signed tree head.
    let fails = altered("proof_and_manifest", &|files| {
        let forged = forge(files);
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&files["manifest.json"]).unwrap();
        for file in manifest["files"].as_array_mut().unwrap() {
            if file["path"] == "audit/proofs.json" {
                file["sha256"] = Hash256::of(&forged).to_hex().into();
                file["size"] = forged.len().into();
            }
        }
        files.insert(
            "manifest.json".into(),
            serde_json::to_vec_pretty(&manifest).unwrap(),
        );
    });
    assert_eq!(fails[0], EDITED, "{fails:?}");
    assert_eq!(fails.last(), Some(&bad_proof), "{fails:?}");
    assert!(
        fails[1..fails.len() - 1]
            .iter()
            .all(|l| custody_untrusted(l)),
        "{fails:?}"
    );

    // The wrong recipient: it cannot be opened, and the report says so.
    let stranger = d.join("stranger.key");
    std::fs::write(
        &stranger,
        aman_vault::ExposeSecret::expose_secret(&aman_vault::AgeIdentity::generate().to_string())
            .as_bytes(),
    )
    .unwrap();
    let out = aman(
        elsewhere.path(),
        &[
            "bundle",
            "verify",
            bundle.to_str().unwrap(),
            "--identity",
            stranger.to_str().unwrap(),
            "--trust",
            node,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "FAIL cannot decrypt: this bundle was not encrypted to this identity, or it is damaged"
        ),
        "{stdout}"
    );
}
