//! The identity-leak canary (issue 6). The demo scenario is loaded, the vault keyed,
//! and the scenario's planted witnesses sealed in it with the CLI, each filed under the
//! incident of the report they support. Then every role calls the API and the web UI
//! without a grant, the incidents are exported in every format, and everything is
//! logged at debug level. The planted names (Latin and Cyrillic), phone numbers (as
//! written and in E.164), addresses and ID numbers are then searched byte-wise in every
//! file of the data folder (database, WAL, evidence, vault), the server's and the
//! commands' logs, the exports and every HTTP answer: zero occurrences.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};
use support::{free_port, http, logins, wait_for, Running};

mod support;

fn aman(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aman"));
    c.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("AMAN_LOG", "debug")
        .env("AMAN_VAULT_KEY_FILE", data.join("kek"))
        .env_remove("AMAN_DATABASE_URL")
        .env_remove("AMAN_VAULT_PASSPHRASE")
        .env_remove("RUST_BACKTRACE");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs a command, keeps its output in `seen`, and returns its stdout.
fn run(seen: &mut Vec<u8>, mut c: Command) -> String {
    let out: Output = c.output().expect("aman runs");
    seen.extend_from_slice(&out.stdout);
    seen.extend_from_slice(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "aman failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn files_under(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
}

fn occurrences(haystack: &[u8], needle: &str) -> usize {
    let n = needle.as_bytes();
    haystack.windows(n.len()).filter(|w| *w == n).count()
}

#[test]
fn planted_witness_identities_appear_nowhere_outside_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut seen = Vec::new();
    let demo = run(&mut seen, aman(d, &["demo", "--no-serve"], &[]));
    let users = logins(&demo);
    assert_eq!(users.len(), 5, "{demo}");
    run(
        &mut seen,
        aman(
            d,
            &[
                "keys",
                "init",
                "--new-key-file",
                d.join("kek").to_str().unwrap(),
            ],
            &[],
        ),
    );

    // The scenario the demo loaded (default seed): its planted witnesses, each filed
    // under the incident of the report their testimony supports (report k has id k + 1).
    let scenario = aman_scenario::generate(&aman_scenario::ScenarioConfig::default());
    assert!(!scenario.witnesses.is_empty());
    let db = rusqlite::Connection::open(d.join("aman.db")).unwrap();
    let mut incidents = Vec::new();
    for w in &scenario.witnesses {
        let incident: Option<i64> = db
            .query_row(
                "SELECT incident_id FROM reports WHERE id = ?",
                [w.report as i64 + 1],
                |r| r.get(0),
            )
            .unwrap();
        let identity = json!({
            "name": w.name, "phone": w.phone, "address": w.address, "id_number": w.document_number,
        })
        .to_string();
        let mut args = vec!["identity", "add", "--role", "witness", "--as", "admin"];
        let incident_arg;
        if let Some(i) = incident {
            incident_arg = i.to_string();
            args.extend(["--incident", incident_arg.as_str()]);
            incidents.push(i);
        }
        run(
            &mut seen,
            aman(d, &args, &[("AMAN_IDENTITY_JSON", &identity)]),
        );
    }
    drop(db);
    assert!(!incidents.is_empty(), "witness reports are in incidents");

    let mut exports = Vec::new();
    for format in ["csv", "jsonl", "geojson"] {
        exports.push(run(
            &mut seen,
            aman(d, &["export", "incidents", "--format", format], &[]),
        ));
    }

    // The server at debug level, called by every role without any grant.
    let port = free_port();
    let log_path = d.join("..").join(format!("canary-serve-{port}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Running(
        aman(d, &["--bind", &format!("127.0.0.1:{port}"), "serve"], &[])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    wait_for("aman serve", || {
        http(port, "GET", "/healthz", None, &[]).is_ok_and(|(s, _)| s == 200)
    });
    let mut answers = String::new();
    let mut refused_reads = 0;
    for (user, password) in &users {
        let (status, body) = http(
            port,
            "POST",
            "/api/v1/login",
            Some(&json!({"username": user, "password": password})),
            &[],
        )
        .unwrap();
        assert_eq!(status, 200, "{user}: {body}");
        let token = serde_json::from_str::<Value>(&body).unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let bearer = format!("Bearer {token}");
        let cookie = format!("aman_session={token}");
        let auth: [(&str, &str); 2] = [("Authorization", &bearer), ("Cookie", &cookie)];
        let mut paths: Vec<String> = [
            "/api/v1/me",
            "/api/v1/stats",
            "/api/v1/sources",
            "/api/v1/reports?limit=1000",
            "/api/v1/reports?limit=1000&q=Kanar",
            "/api/v1/incidents?limit=1000",
            "/api/v1/review?state=all&limit=1000",
            "/api/v1/estimates",
            "/api/v1/audit?limit=1000",
            "/api/v1/grants",
            "/dashboard",
            "/overview",
            "/incidents",
            "/reports",
            "/audit",
        ]
        .map(String::from)
        .to_vec();
        for i in &incidents {
            paths.push(format!("/api/v1/incidents/{i}"));
            paths.push(format!("/incidents/{i}"));
        }
        for path in &paths {
            let (_, body) = http(port, "GET", path, None, &auth).unwrap();
            answers.push_str(&body);
        }
        for w in &scenario.witnesses {
            let (status, body) = http(
                port,
                "POST",
                &format!("/api/v1/identities/{}/read", w.person_id().as_str()),
                Some(&json!({"purpose": "canary test"})),
                &auth,
            )
            .unwrap();
            assert!(
                status >= 400,
                "{user} read an identity without a grant: {body}"
            );
            refused_reads += 1;
            answers.push_str(&body);
            let (_, body) = http(
                port,
                "POST",
                "/api/v1/identities/search",
                Some(&json!({"phone": w.phone})),
                &auth,
            )
            .unwrap();
            answers.push_str(&body);
        }
    }
    drop(server);
    assert_eq!(refused_reads, users.len() * scenario.witnesses.len());

    let mut haystacks: Vec<(String, Vec<u8>)> = Vec::new();
    files_under(d, &mut haystacks);
    haystacks.retain(|(name, _)| !name.ends_with("/kek"));
    haystacks.push(("server log".into(), std::fs::read(&log_path).unwrap()));
    let _ = std::fs::remove_file(&log_path);
    haystacks.push(("command output and logs".into(), seen));
    haystacks.push(("exports".into(), exports.concat().into_bytes()));
    haystacks.push(("HTTP answers".into(), answers.into_bytes()));

    // The search must be able to find text in these encodings: a report's narrative
    // word and a place name in Cyrillic are found in the database and the answers.
    let all: usize = haystacks.iter().map(|(_, h)| h.len()).sum();
    let control = &scenario.reports[0].input.place_text;
    assert!(
        haystacks.iter().any(|(_, h)| occurrences(h, control) > 0),
        "the control string {control:?} was not found: the search is broken"
    );
    let mut leaks = Vec::new();
    for w in &scenario.witnesses {
        for needle in w.needles() {
            for (name, h) in &haystacks {
                let n = occurrences(h, &needle);
                if n > 0 {
                    leaks.push(format!("{needle:?} ×{n} in {name}"));
                }
            }
        }
    }
    println!(
        "canary search: {} witnesses × 6 needles over {} haystacks ({all} bytes): {} occurrences",
        scenario.witnesses.len(),
        haystacks.len(),
        leaks.len()
    );
    assert!(leaks.is_empty(), "identity data leaked: {leaks:#?}");
}
