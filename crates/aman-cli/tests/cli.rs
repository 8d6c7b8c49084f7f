//! The `aman` binary driven as a user would: import with rejects, duplicate refusal,
//! export formats, and an audit row edited behind Aman's back being named by
//! `aman audit verify`.

use std::path::Path;
use std::process::{Command, Output};

fn aman(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aman"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("AMAN_LOG", "warn")
        .env_remove("AMAN_DATABASE_URL")
        .output()
        .expect("aman runs")
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

/// A database with one source (id 1) and the demo-free schema.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(&aman(dir.path(), &["init"]));
    let c = rusqlite::Connection::open(dir.path().join("aman.db")).unwrap();
    c.execute(
        "INSERT INTO sources (name, organisation, kind, reliability, synthetic, created_at) VALUES ('Patrol 1', 'Mission', 'mission_patrol', 'A', 0, 0)",
        [],
    )
    .unwrap();
    dir
}

const HEADER: &str = "source_id,event_start,event_end,place_text,event_types,killed,actors,narrative,language,credibility";

#[test]
fn csv_import_keeps_good_rows_rejects_bad_ones_by_row_and_field_and_refuses_a_second_run() {
    let dir = setup();
    let csv = dir.path().join("reports.csv");
    let mut body = format!("{HEADER}\n");
    body.push_str(
        "1,2010-06-11,,мкр. Черемушки г. Ош,arson;looting,2-4,mob:armed men,Дома горят,ru,2\n",
    );
    body.push_str("1,2010-06-31,,Osh,killing,1,,impossible date,en,2\n");
    body.push_str("1,2010-06-12,,Jalal-Abad,killing,1,,bad grade,en,7\n");
    body.push_str("1,2010-06-12,,Bazar-Korgon,killing,5-3,,backwards range,en,2\n");
    let mut bytes = body.into_bytes();
    bytes.extend_from_slice(b"1,2010-06-12,,Osh \xff\xfe,killing,1,,bad bytes,en,2\n");
    bytes.extend_from_slice(
        "1,2010-06-13 14:00,,Базар-Коргон,beating_torture,,police:district police,Избиение,ru,3\n"
            .as_bytes(),
    );
    std::fs::write(&csv, bytes).unwrap();

    let out = ok(&aman(
        dir.path(),
        &["import", "reports", csv.to_str().unwrap()],
    ));
    assert!(out.contains("Imported 2 of 6 rows"), "{out}");
    assert!(out.contains("4 rejected"), "{out}");
    let rejects = std::fs::read_to_string(dir.path().join("reports.rejects.csv")).unwrap();
    for expected in ["2,event_start", "3,credibility", "4,killed", "5,place_text"] {
        assert!(
            rejects.contains(expected),
            "reject file lacks {expected}:\n{rejects}"
        );
    }

    let again = aman(dir.path(), &["import", "reports", csv.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already imported"),
        "{again:?}"
    );

    let out = ok(&aman(
        dir.path(),
        &["export", "incidents", "--format", "csv"],
    ));
    assert!(out.starts_with("incident_id,title"), "{out}");
    assert!(
        out.lines().nth(1).unwrap().starts_with("#event+id"),
        "HXL row: {out}"
    );
}

#[test]
fn an_unknown_column_is_refused_before_anything_is_stored() {
    let dir = setup();
    let csv = dir.path().join("odd.csv");
    std::fs::write(
        &csv,
        format!("{HEADER},victim_name\n1,2010-06-11,,Osh,arson,,,x,en,2,Someone\n"),
    )
    .unwrap();
    let out = aman(dir.path(), &["import", "reports", csv.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown column 'victim_name'"),
        "{out:?}"
    );
    let c = rusqlite::Connection::open(dir.path().join("aman.db")).unwrap();
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn an_unwritable_reject_file_stores_nothing() {
    let dir = setup();
    let csv = dir.path().join("mixed.csv");
    std::fs::write(
        &csv,
        format!("{HEADER}\n1,2010-06-11,,Osh,arson,,,fine,en,2\n1,2010-06-31,,Osh,arson,,,bad date,en,2\n"),
    )
    .unwrap();
    let rejects = dir.path().join("no such folder").join("r.csv");
    let out = aman(
        dir.path(),
        &[
            "import",
            "reports",
            csv.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot write the reject file"),
        "{out:?}"
    );
    let c = rusqlite::Connection::open(dir.path().join("aman.db")).unwrap();
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "the good row was stored without its reject file");
}

#[test]
fn jsonl_import_and_geojson_export() {
    let dir = setup();
    let file = dir.path().join("r.jsonl");
    let line = r#"{"source_id":1,"event_time":{"start":"2010-06-11T10:00:00Z","end":"2010-06-11T12:00:00Z","precision":"hour"},"place_text":"Jalal-Abad","event_types":["killing"],"narrative":{"text":"shots","language":"en"},"credibility":2}"#;
    let bad = r#"{"source_id":1,"event_time":{"start":"2010-06-11T10:00:00Z","end":"2010-06-11T12:00:00Z","precision":"hour"},"place_text":"Osh","event_types":["killing"],"narrative":{"text":"x","language":"en"},"credibility":2,"victim":"name"}"#;
    std::fs::write(&file, format!("{line}\n{bad}\n")).unwrap();
    let out = ok(&aman(
        dir.path(),
        &["import", "reports", file.to_str().unwrap()],
    ));
    assert!(out.contains("Imported 1 of 2 rows"), "{out}");
    let rejects = std::fs::read_to_string(dir.path().join("r.rejects.csv")).unwrap();
    assert!(rejects.contains("2,victim"), "{rejects}");
    let geojson = ok(&aman(
        dir.path(),
        &["export", "incidents", "--format", "geojson"],
    ));
    let v: serde_json::Value = serde_json::from_str(&geojson).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
}

#[test]
fn audit_verify_names_an_entry_edited_in_the_database() {
    let dir = setup();
    let out = ok(&aman(dir.path(), &["audit", "verify"]));
    assert!(out.contains("Audit log intact"), "{out}");
    ok(&aman(
        dir.path(),
        &["user", "add", "monitor1", "--role", "field_monitor"],
    ));
    ok(&aman(
        dir.path(),
        &["user", "add", "analyst1", "--role", "analyst"],
    ));
    let c = rusqlite::Connection::open(dir.path().join("aman.db")).unwrap();
    c.execute(
        "UPDATE audit_log SET details = '{\"role\":\"admin\"}' WHERE seq = 2",
        [],
    )
    .unwrap();
    let out = aman(dir.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("BROKEN at entry 2"), "{stdout}");
}

#[test]
fn geocode_json_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&aman(dir.path(), &["geocode", "Базар-Коргон", "--json"]));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["status"], "resolved", "{v}");
    assert!(v["best"]["place_id"].is_string());
}

#[test]
fn estimate_reads_a_capture_pattern_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("capture.csv");
    // Three independent lists over 1,000 people, capture probability 0.3 / 0.4 / 0.5.
    let mut body = String::from("a,b,c,count\n");
    for (a, b, c) in [
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
        (1, 1, 0),
        (1, 0, 1),
        (0, 1, 1),
        (1, 1, 1),
    ] {
        let p = |x: i32, q: f64| if x == 1 { q } else { 1.0 - q };
        let n = (1000.0 * p(a, 0.3) * p(b, 0.4) * p(c, 0.5)).round();
        body.push_str(&format!("{a},{b},{c},{n}\n"));
    }
    std::fs::write(&csv, body).unwrap();
    let out = ok(&aman(
        dir.path(),
        &[
            "estimate",
            "--input",
            csv.to_str().unwrap(),
            "--methods",
            "loglinear,dga",
            "--no-sensitivity",
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (lower, upper) = (
        v["loglinear"]["lower"].as_f64().unwrap(),
        v["loglinear"]["upper"].as_f64().unwrap(),
    );
    assert!(
        lower < 1000.0 && 1000.0 < upper,
        "interval {lower}–{upper} misses the true 1,000"
    );
    assert_eq!(v["seed"], 1);
}

#[test]
fn imported_reports_are_linked_into_incidents_on_demand() {
    let dir = setup();
    let csv = dir.path().join("reports.csv");
    let mut body = format!("{HEADER}\n");
    for _ in 0..3 {
        body.push_str("1,2010-06-11 02:00,,мкр. Черемушки г. Ош,arson,2,mob:armed men,Дома на улице Ленина горят,ru,2\n");
    }
    body.push_str("1,2010-06-25,,Jalal-Abad,looting,,,shops looted,en,3\n");
    std::fs::write(&csv, body).unwrap();
    ok(&aman(
        dir.path(),
        &["import", "reports", csv.to_str().unwrap()],
    ));
    let out = ok(&aman(dir.path(), &["link", "reports", "--json"]));
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["reports"], 4);
    assert_eq!(summary["incidents"], 2, "{out}");
    assert_eq!(summary["incidents_created"], 2);
    // Running it again changes nothing.
    let again: serde_json::Value =
        serde_json::from_str(&ok(&aman(dir.path(), &["link", "reports", "--json"]))).unwrap();
    assert_eq!(again["incidents_created"], 0);
    assert_eq!(again["reports_moved"], 0);
    let geojson = ok(&aman(
        dir.path(),
        &["export", "incidents", "--format", "geojson"],
    ));
    let features: serde_json::Value = serde_json::from_str(&geojson).unwrap();
    assert_eq!(features["features"].as_array().unwrap().len(), 2);
    ok(&aman(dir.path(), &["audit", "verify"]));
}

#[test]
fn victim_lists_linked_and_saved_are_estimated_from_the_database_by_stratum() {
    let dir = setup();
    let lists = dir.path().join("lists.csv");
    let mut body = String::from("id,list,name,sex,age\n");
    // Three lists over 60 people with overlapping coverage; names in two scripts.
    let given = ["Sherzod", "Dilnoza", "Bakyt", "Aigul", "Rustam", "Gulnara"];
    let family = [
        "Usmonov",
        "Karimova",
        "Toktogulov",
        "Asanova",
        "Yuldashev",
        "Mamatova",
        "Sadykov",
        "Ismailova",
        "Abdullaev",
        "Tursunova",
    ];
    let mut n = 0;
    for (i, f) in family.iter().enumerate() {
        for (j, g) in given.iter().enumerate() {
            let person = i * given.len() + j;
            let sex = if j.is_multiple_of(2) { "m" } else { "f" };
            let age = 20 + person % 40;
            for (k, list) in ["morgue", "commission", "ngo"].iter().enumerate() {
                if !(person + k).is_multiple_of(3) || k == 1 {
                    n += 1;
                    body.push_str(&format!("{n},{list},{g} {f},{sex},{age}\n"));
                }
            }
        }
    }
    std::fs::write(&lists, body).unwrap();
    let out = ok(&aman(
        dir.path(),
        &[
            "link",
            "persons",
            "--input",
            lists.to_str().unwrap(),
            "--list-column",
            "list",
            "--column",
            "ignore=list",
            "--save",
        ],
    ));
    assert!(out.contains("pseudonymous persons"), "{out}");
    let out = ok(&aman(
        dir.path(),
        &[
            "estimate",
            "--by",
            "sex",
            "--methods",
            "loglinear",
            "--no-sensitivity",
        ],
    ));
    assert_eq!(out.matches("stored as estimate run").count(), 2, "{out}");
    assert!(out.contains("sex=f") && out.contains("sex=m"), "{out}");
    let err = aman(dir.path(), &["estimate", "--by", "colour"]);
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("unknown stratum 'colour'"));
    ok(&aman(dir.path(), &["audit", "verify"]));
}
