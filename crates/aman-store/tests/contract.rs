//! Store contract: the same behaviour checked against SQLite and PostgreSQL.
//!
//! Every test runs on a fresh SQLite file; when `AMAN_TEST_PG_URL` is set it runs again
//! in a fresh PostgreSQL schema (CI sets it and `AMAN_REQUIRE_PG`, so there a missing
//! server fails rather than skips).

use std::sync::Arc;

use aman_core::{
    Actor, ActorKind, Clock, CountRange, Counts, Credibility, EventTime, EventType, FixedClock,
    GeoPrecision, Narrative, PersonId, PlaceStatus, Reliability, ReportInput, ReportKind,
    ResolvedPlace, Role, SourceInput, SourceKind, TimePrecision, VerificationStatus,
};
use aman_store::{
    ImportMark, IncidentFilter, ListRecord, NewEstimateRun, NewReport, NewReviewCandidate,
    PageRequest, ReportFilter, ReviewDecision, ReviewFilter, ReviewKind, ReviewLabel, SqlStore,
    Store, StoreError, Who,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// A store under test plus a way to reach its raw tables (for tamper tests).
struct Backend {
    store: Arc<dyn Store>,
    clock: Arc<FixedClock>,
    raw: Raw,
    _dir: Option<TempDir>,
}

enum Raw {
    Sqlite(std::path::PathBuf),
    Postgres { url: String, schema: String },
}

impl Backend {
    fn raw_exec(&self, sql: &str) {
        match &self.raw {
            Raw::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.execute_batch(sql).unwrap();
            }
            Raw::Postgres { url, schema } => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
                c.batch_execute(&format!("SET search_path TO {schema}; {sql}"))
                    .unwrap();
            }
        }
    }
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

/// A temporary folder removed on drop (no extra dependency for one struct).
struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
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
    let dir = std::env::temp_dir().join(unique(&format!("aman-store-{test}")));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("aman.db");
    let clock = Arc::new(FixedClock::new(start()));
    out.push(Backend {
        store: Arc::new(SqlStore::sqlite(&path, clock.clone()).unwrap()),
        clock,
        raw: Raw::Sqlite(path),
        _dir: Some(TempDir(dir)),
    });
    if let Some(url) = aman_testkit::postgres_url(test) {
        let schema = unique(&format!("t_{test}"));
        let clock = Arc::new(FixedClock::new(start()));
        out.push(Backend {
            store: Arc::new(SqlStore::postgres(&url, Some(&schema), clock.clone()).unwrap()),
            clock,
            raw: Raw::Postgres { url, schema },
            _dir: None,
        });
    }
    out
}

fn source(store: &dyn Store, name: &str, r: Reliability) -> i64 {
    store
        .create_source(
            &Who::user("admin"),
            SourceInput {
                name: name.into(),
                organisation: "Test org".into(),
                kind: SourceKind::Ngo,
                reliability: r,
                synthetic: true,
            },
        )
        .unwrap()
        .id
}

fn input(source_id: i64, day: u32, text: &str) -> ReportInput {
    let t = Utc.with_ymd_and_hms(2010, 6, day, 12, 0, 0).unwrap();
    ReportInput {
        source_id,
        external_ref: None,
        event_time: EventTime {
            start: t,
            end: t + Duration::hours(2),
            precision: TimePrecision::Hour,
        },
        received_at: None,
        place_text: "Cheremushki, Osh".into(),
        latitude: None,
        longitude: None,
        event_types: vec![EventType::Arson],
        counts: Counts {
            killed: Some(CountRange { min: 1, max: 3 }),
            ..Counts::default()
        },
        actors: vec![Actor {
            name: "armed group".into(),
            kind: ActorKind::Mob,
        }],
        narrative: Narrative {
            text: text.into(),
            language: "en".into(),
        },
        credibility: Credibility::new(2).unwrap(),
        kind: ReportKind::Original,
        refers_to: None,
        synthetic: true,
    }
}

fn place(lat: f64, lon: f64, admin2: &str) -> ResolvedPlace {
    ResolvedPlace {
        place_id: Some("1527534".into()),
        name: Some("Osh".into()),
        latitude: lat,
        longitude: lon,
        precision: GeoPrecision::Settlement,
        admin1_code: Some("KG08".into()),
        admin1_name: Some("Osh".into()),
        admin2_code: Some(admin2.into()),
        admin2_name: Some("Osh city".into()),
        confidence: Some(0.9),
    }
}

fn new_report(store: &dyn Store, i: ReportInput, place: Option<ResolvedPlace>) -> NewReport {
    NewReport {
        input: i.validate(store.clock().now()).unwrap(),
        received_at: store.clock().now(),
        place_status: if place.is_some() {
            PlaceStatus::Resolved
        } else {
            PlaceStatus::Unresolved
        },
        place,
    }
}

fn insert(store: &dyn Store, reports: Vec<NewReport>) -> Vec<i64> {
    store
        .insert_reports(&Who::user("monitor"), &mut reports.into_iter(), None)
        .unwrap()
}

/// The ids of every report the filter lists, following pages of `size` to the end.
fn all_pages(store: &dyn Store, filter: &ReportFilter, size: u32) -> Vec<i64> {
    let mut got = Vec::new();
    let mut page = PageRequest::first(size);
    loop {
        let p = store.list_reports(filter, page).unwrap();
        got.extend(p.items.iter().map(|r| r.id));
        match p.next_before {
            Some(before) => page.before = Some(before),
            None => return got,
        }
    }
}

#[test]
fn users_and_sessions() {
    for b in backends("users_and_sessions") {
        let s = b.store.as_ref();
        let u = s
            .create_user(&Who::system(), "monitor1", Role::FieldMonitor, "hash")
            .unwrap();
        assert!(matches!(
            s.create_user(&Who::system(), "monitor1", Role::Admin, "h"),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.create_user(&Who::system(), "bad name!", Role::Admin, "h"),
            Err(StoreError::Invalid(_))
        ));
        let (found, hash) = s.find_user("monitor1").unwrap().unwrap();
        assert_eq!((found.id, hash.as_str()), (u.id, "hash"));
        assert!(s.find_user("nobody").unwrap().is_none());

        s.create_session(u.id, "tokenhash", b.clock.now() + Duration::hours(1))
            .unwrap();
        assert_eq!(
            s.session_user("tokenhash").unwrap().unwrap().username,
            "monitor1"
        );
        b.clock.advance(Duration::hours(2));
        assert!(
            s.session_user("tokenhash").unwrap().is_none(),
            "{}: expired session accepted",
            s.backend()
        );
        s.create_session(u.id, "second", b.clock.now() + Duration::hours(1))
            .unwrap();
        s.delete_session("second").unwrap();
        assert!(s.session_user("second").unwrap().is_none());
    }
}

#[test]
fn reports_are_kept_as_received_and_filtered() {
    for b in backends("reports_filters") {
        let s = b.store.as_ref();
        let src = source(s, "NGO A", Reliability::B);
        let mut killing = input(src, 11, "Two men were shot near the bazaar");
        killing.event_types = vec![EventType::Killing];
        killing.narrative.language = "en".into();
        let ru = input(src, 12, "Подожгли дома на улице Ленина");
        let ids = insert(
            s,
            vec![
                new_report(s, killing.clone(), Some(place(40.52, 72.80, "KG08-OSH"))),
                new_report(s, ru.clone(), Some(place(40.93, 73.00, "KG03-JAL"))),
                new_report(s, input(src, 14, "Looting of a warehouse"), None),
            ],
        );
        assert_eq!(ids.len(), 3);
        let got = s.get_report(ids[0]).unwrap().unwrap();
        assert_eq!(
            got.input,
            killing,
            "{}: report changed on the way through",
            s.backend()
        );
        assert_eq!(got.place.unwrap().admin2_code.as_deref(), Some("KG08-OSH"));

        let list = |f: ReportFilter| -> Vec<i64> {
            s.list_reports(&f, PageRequest::first(50))
                .unwrap()
                .items
                .iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(
            list(ReportFilter::default()),
            vec![ids[2], ids[1], ids[0]],
            "newest first"
        );
        assert_eq!(
            list(ReportFilter {
                event_types: vec![EventType::Killing],
                ..Default::default()
            }),
            vec![ids[0]]
        );
        assert_eq!(
            list(ReportFilter {
                from: Some(Utc.with_ymd_and_hms(2010, 6, 12, 0, 0, 0).unwrap()),
                to: Some(Utc.with_ymd_and_hms(2010, 6, 13, 0, 0, 0).unwrap()),
                ..Default::default()
            }),
            vec![ids[1]]
        );
        assert_eq!(
            list(ReportFilter {
                admin2: Some("KG03-JAL".into()),
                ..Default::default()
            }),
            vec![ids[1]]
        );
        let bbox = aman_core::BoundingBox::parse("72.7,40.4,72.9,40.6").unwrap();
        assert_eq!(
            list(ReportFilter {
                bbox: Some(bbox),
                ..Default::default()
            }),
            vec![ids[0]]
        );
        assert_eq!(
            list(ReportFilter {
                text: Some("bazaar".into()),
                ..Default::default()
            }),
            vec![ids[0]],
            "{}",
            s.backend()
        );
        assert_eq!(
            list(ReportFilter {
                text: Some("дома".into()),
                ..Default::default()
            }),
            vec![ids[1]],
            "{}",
            s.backend()
        );
        // Every word must match, not only the one a backend's index is walked by.
        for (words, want) in [
            ("Bazaar MEN", vec![ids[0]]),
            ("warehouse men", vec![]),
            ("looting warehouse", vec![ids[2]]),
        ] {
            assert_eq!(
                list(ReportFilter {
                    text: Some(words.into()),
                    ..Default::default()
                }),
                want,
                "{}: {words}",
                s.backend()
            );
        }
        assert_eq!(
            list(ReportFilter {
                text: Some("\"unbalanced OR (".into()),
                ..Default::default()
            }),
            Vec::<i64>::new()
        );
        assert_eq!(
            list(ReportFilter {
                place_status: Some(PlaceStatus::Unresolved),
                ..Default::default()
            }),
            vec![ids[2]]
        );
    }
}

#[test]
fn pagination_is_stable_under_inserts() {
    for b in backends("pagination") {
        let s = b.store.as_ref();
        let src = source(s, "Patrol", Reliability::A);
        let ids = insert(
            s,
            (0..25)
                .map(|i| new_report(s, input(src, 11, &format!("report {i}")), None))
                .collect(),
        );
        let first = s
            .list_reports(&ReportFilter::default(), PageRequest::first(10))
            .unwrap();
        insert(s, vec![new_report(s, input(src, 11, "late arrival"), None)]);
        let second = s
            .list_reports(
                &ReportFilter::default(),
                PageRequest {
                    limit: 10,
                    before: first.next_before,
                },
            )
            .unwrap();
        let third = s
            .list_reports(
                &ReportFilter::default(),
                PageRequest {
                    limit: 10,
                    before: second.next_before,
                },
            )
            .unwrap();
        let mut seen: Vec<i64> = [first.items, second.items, third.items]
            .concat()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(third.next_before, None);
        seen.sort();
        assert_eq!(seen, ids, "every report exactly once");
        // The same walk when the text index drives the order, and with a filter.
        for filter in [
            ReportFilter {
                text: Some("report".into()),
                ..Default::default()
            },
            ReportFilter {
                text: Some("report".into()),
                source_id: Some(src),
                ..Default::default()
            },
        ] {
            let mut walked = Vec::new();
            let mut before = None;
            loop {
                let page = s
                    .list_reports(&filter, PageRequest { limit: 7, before })
                    .unwrap();
                walked.extend(page.items.iter().map(|r| r.id));
                match page.next_before {
                    Some(next) => before = Some(next),
                    None => break,
                }
            }
            let mut newest_first = ids.clone();
            newest_first.reverse();
            assert_eq!(walked, newest_first, "{}: text pages", s.backend());
        }
        assert!(matches!(
            s.list_reports(&ReportFilter::default(), PageRequest::first(0)),
            Err(StoreError::Invalid(_))
        ));
    }
}

#[test]
fn a_bad_batch_stores_nothing_and_a_duplicate_import_is_refused() {
    for b in backends("all_or_nothing") {
        let s = b.store.as_ref();
        let src = source(s, "Hotline", Reliability::E);
        let before = s.verify_audit().unwrap().unwrap();
        let err = s
            .insert_reports(
                &Who::user("importer"),
                &mut [
                    new_report(s, input(src, 11, "fine"), None),
                    new_report(s, input(999, 11, "unknown source"), None),
                ]
                .into_iter(),
                None,
            )
            .unwrap_err();
        assert!(err.to_string().contains("source_id 999"), "{err}");
        assert_eq!(
            s.counts().unwrap().reports,
            0,
            "{}: half a batch was stored",
            s.backend()
        );
        assert_eq!(
            s.verify_audit().unwrap().unwrap(),
            before,
            "a failed write left an audit entry"
        );

        let mark = || ImportMark {
            file_sha256: "ab".repeat(32),
            file_name: "reports.csv".into(),
        };
        s.insert_reports(
            &Who::user("importer"),
            &mut std::iter::once(new_report(s, input(src, 11, "one"), None)),
            Some(mark()),
        )
        .unwrap();
        let err = s
            .insert_reports(
                &Who::user("importer"),
                &mut std::iter::once(new_report(s, input(src, 11, "one"), None)),
                Some(mark()),
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::DuplicateImport { .. }), "{err}");
        assert_eq!(s.counts().unwrap().reports, 1);
    }
}

/// SQLite writes an import alone on the file with a rollback journal and otherwise in WAL
/// mode: both must store a file all or nothing, check its references, keep it searchable,
/// and leave the database in WAL mode.
#[test]
fn an_import_is_all_or_nothing_alone_on_the_file_or_not() {
    for b in backends("bulk_import") {
        let s = b.store.as_ref();
        let src = source(s, "Hotline", Reliability::E);
        let import = |n: u32, reports: Vec<NewReport>| {
            s.insert_reports(
                &Who::user("importer"),
                &mut reports.into_iter(),
                Some(ImportMark {
                    file_sha256: format!("{n:064}"),
                    file_name: format!("file{n}.jsonl"),
                }),
            )
        };
        let with_ref = |r: &str, text: &str| {
            let mut i = input(src, 11, text);
            i.external_ref = Some(r.into());
            new_report(s, i, None)
        };
        for (n, other_open) in [(1, false), (2, true)] {
            let other = match (&b.raw, other_open) {
                (Raw::Sqlite(path), true) => {
                    let c = rusqlite::Connection::open(path).unwrap();
                    c.query_row("SELECT COUNT(*) FROM reports", [], |r| r.get::<_, i64>(0))
                        .unwrap();
                    Some(c)
                }
                _ => None,
            };
            let before = s.counts().unwrap().reports;
            let audit = s.verify_audit().unwrap().unwrap();
            let err = import(
                n * 10,
                vec![
                    with_ref(&format!("R{n}-1"), "fine"),
                    with_ref(&format!("R{n}-2"), "fine"),
                    with_ref(&format!("R{n}-1"), "same ref again"),
                ],
            )
            .unwrap_err();
            assert!(matches!(err, StoreError::Conflict(_)), "{err}");
            let err = import(
                n * 10 + 1,
                vec![
                    with_ref(&format!("R{n}-1"), "fine"),
                    new_report(s, input(999, 11, "unknown source"), None),
                ],
            )
            .unwrap_err();
            assert!(err.to_string().contains("source_id 999"), "{err}");
            assert_eq!(
                s.counts().unwrap().reports,
                before,
                "{}: half a file was stored",
                s.backend()
            );
            assert_eq!(
                s.verify_audit().unwrap().unwrap(),
                audit,
                "a failed import left an audit entry"
            );

            let word = format!("marigold{n}");
            let ids = import(
                n * 10 + 2,
                vec![
                    with_ref(&format!("R{n}-1"), &format!("{word} market burned")),
                    with_ref(&format!("R{n}-2"), "fine"),
                ],
            )
            .unwrap();
            assert_eq!(ids.len(), 2);
            let found = s
                .list_reports(
                    &ReportFilter {
                        text: Some(word),
                        ..ReportFilter::default()
                    },
                    PageRequest::first(10),
                )
                .unwrap();
            assert_eq!(
                found.items.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![ids[0]]
            );
            if let Some(c) = other {
                let seen: i64 = c
                    .query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(seen as u64, before + 2);
            }
        }
        if let Raw::Sqlite(path) = &b.raw {
            let c = rusqlite::Connection::open(path).unwrap();
            let mode: String = c
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        }
    }
}

#[test]
fn incidents_link_unlink_and_verification_history() {
    for b in backends("incidents") {
        let s = b.store.as_ref();
        let patrol = source(s, "Patrol", Reliability::A);
        let media = source(s, "Media", Reliability::D);
        let ids = insert(
            s,
            vec![
                new_report(
                    s,
                    input(patrol, 11, "patrol saw fires"),
                    Some(place(40.52, 72.80, "KG08-OSH")),
                ),
                new_report(s, input(media, 11, "press: houses burned"), None),
                new_report(s, input(media, 13, "unrelated"), None),
            ],
        );
        let who = Who::user("investigator");
        let inc = s
            .create_incident(&who, "Arson in Cheremushki", &ids[..1], "first report")
            .unwrap();
        let one = s.get_incident(inc).unwrap().unwrap().summary.confidence;
        s.link_report(&who, inc, ids[1], "same street, same hour")
            .unwrap();
        let got = s.get_incident(inc).unwrap().unwrap();
        assert_eq!(got.reports.len(), 2);
        assert_eq!(got.summary.source_count, 2);
        assert!(
            got.summary.confidence > one,
            "a second source must raise confidence"
        );
        assert_eq!(got.summary.admin2_code.as_deref(), Some("KG08-OSH"));
        assert_eq!(got.summary.killed, Some(CountRange { min: 1, max: 3 }));

        assert!(matches!(
            s.link_report(&who, inc, ids[1], "again"),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.link_report(&who, inc, ids[2], " "),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.link_report(&who, 9999, ids[2], "x"),
            Err(StoreError::NotFound { .. })
        ));
        s.unlink_report(&who, inc, ids[1], "different event after all")
            .unwrap();
        assert_eq!(
            s.get_incident(inc).unwrap().unwrap().summary.confidence,
            one
        );
        assert!(matches!(
            s.unlink_report(&who, inc, ids[1], "twice"),
            Err(StoreError::Conflict(_))
        ));

        assert!(matches!(
            s.change_status(&who, inc, VerificationStatus::Verified, "skip a step"),
            Err(StoreError::Conflict(_))
        ));
        s.change_status(
            &who,
            inc,
            VerificationStatus::Corroborated,
            "patrol and press agree",
        )
        .unwrap();
        b.clock.advance(Duration::hours(1));
        s.change_status(&who, inc, VerificationStatus::Verified, "site visit")
            .unwrap();
        let history = s.get_incident(inc).unwrap().unwrap().history;
        let path: Vec<_> = history.iter().map(|h| h.to.code()).collect();
        assert_eq!(path, ["reported", "corroborated", "verified"]);
        assert_eq!(history[2].reason, "site visit");
        assert_eq!(history[2].by, "investigator");

        let listed = s
            .list_incidents(
                &IncidentFilter {
                    status: Some(VerificationStatus::Verified),
                    ..Default::default()
                },
                PageRequest::first(10),
            )
            .unwrap();
        assert_eq!(
            listed.items.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![inc]
        );
        let by_status = s
            .list_reports(
                &ReportFilter {
                    status: Some(VerificationStatus::Verified),
                    ..Default::default()
                },
                PageRequest::first(10),
            )
            .unwrap();
        assert_eq!(
            by_status.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![ids[0]]
        );
    }
}

#[test]
fn every_write_is_in_the_audit_chain_and_tampering_is_located() {
    for b in backends("audit_tamper") {
        let s = b.store.as_ref();
        let src = source(s, "Patrol", Reliability::A);
        let ids = insert(
            s,
            (0..3)
                .map(|i| new_report(s, input(src, 11, &format!("r{i}")), None))
                .collect(),
        );
        s.create_incident(&Who::user("inv"), "Fire", &ids, "three accounts")
            .unwrap();
        let entries = s.audit_page(0, 100).unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e.record.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "source.create",
                "report.create",
                "report.create",
                "report.create",
                "incident.create",
                "incident.link",
                "incident.link",
                "incident.link"
            ]
        );
        assert_eq!(entries[4].record.actor, "inv");
        assert_eq!(s.verify_audit().unwrap(), Ok(8));

        b.raw_exec("UPDATE audit_log SET actor = 'nobody' WHERE seq = 3");
        let broken = s.verify_audit().unwrap().unwrap_err();
        assert_eq!(broken.seq, 3, "{}: {broken}", s.backend());
    }
}

#[test]
fn deleting_an_audit_row_is_located() {
    for b in backends("audit_delete") {
        let s = b.store.as_ref();
        for i in 0..4 {
            source(s, &format!("S{i}"), Reliability::C);
        }
        b.raw_exec("DELETE FROM audit_log WHERE seq = 2");
        assert_eq!(
            s.verify_audit().unwrap().unwrap_err().seq,
            3,
            "{}",
            s.backend()
        );
    }
}

#[test]
fn concurrent_writers_lose_nothing() {
    for b in backends("concurrency") {
        let src = source(b.store.as_ref(), "Patrol", Reliability::A);
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = b.store.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        let s = store.as_ref();
                        let r =
                            new_report(s, input(src, 11, &format!("thread {t} report {i}")), None);
                        s.insert_reports(
                            &Who::user(format!("m{t}")),
                            &mut std::iter::once(r),
                            None,
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let s = b.store.as_ref();
        assert_eq!(s.counts().unwrap().reports, 80);
        assert_eq!(s.verify_audit().unwrap(), Ok(81), "{}", s.backend());
    }
}

#[test]
fn broad_filters_page_the_same_as_narrow_ones() {
    // Thousands of matches across several full pages: every match exactly once, in order.
    for b in backends("broad_filters") {
        let s = b.store.as_ref();
        let src = source(s, "Patrol", Reliability::A);
        let ids = insert(
            s,
            (0..3300)
                .map(|i| {
                    let mut r = input(src, 11 + (i % 2) as u32, &format!("report {i}"));
                    if i % 3 == 0 {
                        r.event_types = vec![EventType::Looting];
                    }
                    new_report(s, r, Some(place(40.52, 72.80, "KG08-OSH")))
                })
                .collect(),
        );
        let filter = ReportFilter {
            event_types: vec![EventType::Arson],
            bbox: Some(aman_core::BoundingBox::parse("72.7,40.4,72.9,40.6").unwrap()),
            ..Default::default()
        };
        let mut expected: Vec<i64> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 != 0)
            .map(|(_, id)| *id)
            .collect();
        expected.reverse();
        let got = all_pages(s, &filter, 1000);
        assert_eq!(got, expected, "{}", s.backend());
    }
}

#[test]
fn review_decisions_are_audited_reversible_and_become_labels() {
    for b in backends("review") {
        let s = b.store.as_ref();
        let src = source(s, "Patrol", Reliability::B);
        let ids = insert(
            s,
            vec![
                new_report(s, input(src, 11, "fires on Lenin street"), None),
                new_report(s, input(src, 11, "houses burned on Lenin street"), None),
            ],
        );
        let who = Who::user("investigator");
        let inc = s
            .create_incident(&who, "Arson", &ids[..1], "first report")
            .unwrap();
        let pair = |p: f64| NewReviewCandidate {
            kind: ReviewKind::ReportIncident,
            left_ref: ids[1].to_string(),
            right_ref: inc.to_string(),
            probability: p,
            explanation: serde_json::json!({"time": 2.1, "place": -0.4}),
        };
        let first = s.queue_for_review(&who, &[pair(0.6)]).unwrap();
        // Queuing the same pair again refreshes it instead of duplicating it.
        let again = s.queue_for_review(&who, &[pair(0.7)]).unwrap();
        assert_eq!(first, again);
        let reports_pair = NewReviewCandidate {
            kind: ReviewKind::ReportPair,
            left_ref: ids[0].to_string(),
            right_ref: ids[1].to_string(),
            probability: 0.5,
            explanation: serde_json::json!({}),
        };
        s.queue_for_review(&who, &[reports_pair]).unwrap();
        assert!(matches!(
            s.queue_for_review(&who, &[pair(1.5)]),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.pending_review_count().unwrap(), 2);
        let pending = s
            .list_review_candidates(
                ReviewFilter {
                    kind: Some(ReviewKind::ReportIncident),
                    pending: Some(true),
                },
                PageRequest::first(10),
            )
            .unwrap();
        assert_eq!(pending.items.len(), 1);
        assert_eq!(pending.items[0].probability, 0.7);
        assert_eq!(pending.items[0].explanation["time"], 2.1);

        let id = first[0];
        let decided = s
            .decide_review(&who, id, ReviewDecision::Match, "same street, same hour")
            .unwrap();
        assert_eq!(decided.decision, Some(ReviewDecision::Match));
        assert_eq!(
            s.get_report(ids[1]).unwrap().unwrap().incident_id,
            Some(inc)
        );
        assert_eq!(s.get_incident(inc).unwrap().unwrap().reports.len(), 2);
        assert_eq!(
            s.review_labels(ReviewKind::ReportIncident).unwrap(),
            vec![ReviewLabel {
                left_ref: ids[1].to_string(),
                right_ref: inc.to_string(),
                is_match: true
            }]
        );

        // A later decision reverses the link; both decisions stay in the history.
        let reversed = s
            .decide_review(&who, id, ReviewDecision::NotAMatch, "different night")
            .unwrap();
        assert_eq!(reversed.history.len(), 2);
        assert_eq!(reversed.history[0].decision, ReviewDecision::Match);
        assert_eq!(s.get_report(ids[1]).unwrap().unwrap().incident_id, None);
        assert!(!s.review_labels(ReviewKind::ReportIncident).unwrap()[0].is_match);
        assert_eq!(s.pending_review_count().unwrap(), 1);

        assert!(matches!(
            s.decide_review(&who, id, ReviewDecision::Match, "  "),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.decide_review(&who, 999_999, ReviewDecision::Match, "x"),
            Err(StoreError::NotFound { .. })
        ));
        let audit = s.audit_page(0, 1000).unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.record.action == "review.decide")
                .count(),
            2
        );
        assert!(s.verify_audit().unwrap().is_ok());
    }
}

#[test]
fn linked_lists_are_replaced_per_list_and_estimate_runs_are_kept() {
    for b in backends("lists_estimates") {
        let s = b.store.as_ref();
        let who = Who::user("analyst");
        let p1 = PersonId::parse("P-00000001").unwrap();
        let p2 = PersonId::parse("P-00000002").unwrap();
        let record = |list: &str, r: &str, p: &PersonId| ListRecord {
            list_name: list.into(),
            record_ref: r.into(),
            person_id: p.clone(),
            sex: Some("f".into()),
            age: Some(34),
            event_date: chrono::NaiveDate::from_ymd_opt(2010, 6, 11),
            area: Some("Osh".into()),
        };
        let lists = vec!["morgue".to_string(), "ngo".to_string()];
        s.save_list_linkage(
            &who,
            &lists,
            &[
                record("morgue", "m1", &p1),
                record("ngo", "n1", &p1),
                record("ngo", "n2", &p2),
            ],
            true,
            "first linkage",
        )
        .unwrap();
        assert_eq!(s.list_records().unwrap().len(), 3);
        // Re-linking one list replaces only that list's records.
        s.save_list_linkage(
            &who,
            &lists[1..],
            &[record("ngo", "n1", &p2)],
            true,
            "relinked",
        )
        .unwrap();
        let got = s.list_records().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], record("morgue", "m1", &p1));
        assert_eq!(got[1], record("ngo", "n1", &p2));
        assert!(matches!(
            s.save_list_linkage(&who, &lists[..1], &[record("ngo", "n9", &p1)], true, "x"),
            Err(StoreError::Invalid(_))
        ));

        let run = NewEstimateRun {
            stratum: "sex=f".into(),
            input_kind: "linked_persons".into(),
            capture_table: serde_json::json!({"lists": ["morgue", "ngo"], "cells": [[1, 1], [3, 1]]}),
            options: serde_json::json!({"methods": ["LogLinear"]}),
            seed: u64::MAX,
            software_version: "aman-estimate 0.1.0".into(),
            result: serde_json::json!({"loglinear": {"estimate": 2.0}}),
        };
        let saved = s.save_estimate_run(&who, &run).unwrap();
        assert_eq!(saved.seed, u64::MAX);
        assert_eq!(saved.capture_table, run.capture_table);
        assert_eq!(s.get_estimate_run(saved.id).unwrap().unwrap(), saved);
        let page = s.list_estimate_runs(PageRequest::first(10)).unwrap();
        assert_eq!(page.items, vec![saved]);
        assert!(s.verify_audit().unwrap().is_ok());
    }
}

#[test]
fn learned_linkage_models_are_kept_and_the_newest_is_used() {
    for b in backends("linkage_models") {
        let s = b.store.as_ref();
        let who = Who::user("analyst");
        assert_eq!(
            s.latest_linkage_model(ReviewKind::ReportPair).unwrap(),
            None
        );
        let first = serde_json::json!({"prior": 0.001, "fields": []});
        let second = serde_json::json!({"prior": 0.002, "fields": [{"field": "time"}]});
        let a = s
            .save_linkage_model(&who, ReviewKind::ReportPair, &first, 700)
            .unwrap();
        let b2 = s
            .save_linkage_model(&Who::system(), ReviewKind::ReportPair, &second, 900)
            .unwrap();
        assert!(b2.id > a.id);
        let latest = s
            .latest_linkage_model(ReviewKind::ReportPair)
            .unwrap()
            .unwrap();
        assert_eq!(latest, b2);
        assert_eq!(
            (latest.model, latest.trained_on, latest.created_by.as_str()),
            (second, 900, "system")
        );
        // Kinds are kept apart, and what is not a model is refused without a trace.
        assert_eq!(
            s.latest_linkage_model(ReviewKind::PersonPair).unwrap(),
            None
        );
        let entries = s.audit_page(0, 1000).unwrap().len();
        assert!(matches!(
            s.save_linkage_model(&who, ReviewKind::PersonPair, &serde_json::json!([1]), 1),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.audit_page(0, 1000).unwrap().len(), entries);
        let audit = s.audit_page(0, 1000).unwrap();
        let saved: Vec<&str> = audit
            .iter()
            .filter(|e| e.record.action == "linkage.model")
            .map(|e| e.record.actor.as_str())
            .collect();
        assert_eq!(saved, ["analyst", "system"]);
        assert!(s.verify_audit().unwrap().is_ok());
    }
}

#[test]
fn box_lists_equal_a_brute_force_filter() {
    // Reports scattered over a degree square (some unlocated), listed through boxes that
    // are sparse (read through their grid cells), empty, on cell edges, taller than the
    // cell ranges, and, after a crowd lands in one spot, dense (walked newest first):
    // every page sequence equals the brute-force filter of what was inserted.
    for b in backends("box_lists") {
        let s = b.store.as_ref();
        let src = source(s, "Patrol", Reliability::A);
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        // (id, lat/lon, day, arson?, "school"?) of every report inserted.
        type Spec = (Option<(f64, f64)>, u32, bool, bool);
        type Kept = Vec<(i64, Option<(f64, f64)>, u32, bool, bool)>;
        let add = |s: &dyn Store, kept: &mut Kept, rows: Vec<Spec>| {
            let reports = rows
                .iter()
                .map(|&(at, day, arson, school)| {
                    let mut r = input(
                        src,
                        day,
                        if school {
                            "the school burned"
                        } else {
                            "a market"
                        },
                    );
                    if !arson {
                        r.event_types = vec![EventType::Looting];
                    }
                    new_report(s, r, at.map(|(lat, lon)| place(lat, lon, "KG08-OSH")))
                })
                .collect();
            let ids = insert(s, reports);
            kept.extend(
                ids.into_iter()
                    .zip(rows)
                    .map(|(id, (at, d, a, t))| (id, at, d, a, t)),
            );
        };
        let mut kept = Kept::new();
        let scattered = (0..400)
            .map(|i| {
                let at = (i % 9 != 0).then(|| (40.0 + next(), 72.0 + next()));
                (at, 1 + (i % 19) as u32, i % 3 != 0, i % 4 == 0)
            })
            .collect();
        add(s, &mut kept, scattered);
        // Points exactly on cell edges.
        add(
            s,
            &mut kept,
            vec![
                (Some((40.5, 72.5)), 5, true, true),
                (Some((40.6, 72.6)), 6, true, false),
            ],
        );
        let boxes = [
            "72.35,40.25,72.45,40.31",
            "72.5,40.5,72.6,40.6",
            "72.0,40.0,73.0,41.0",
            "60.0,30.0,80.0,50.0",
            "70.0,41.5,70.1,41.6",
            "72.799,40.519,72.801,40.521",
        ];
        let check = |s: &dyn Store, kept: &Kept| {
            for bbox in boxes {
                let bb = aman_core::BoundingBox::parse(bbox).unwrap();
                for (types, text, days) in [
                    (vec![], None, None),
                    (vec![EventType::Arson], None, Some((3, 9))),
                    (vec![], Some("school"), None),
                    (vec![EventType::Arson], Some("school"), Some((10, 12))),
                ] {
                    let filter = ReportFilter {
                        bbox: Some(bb),
                        event_types: types.clone(),
                        text: text.map(str::to_string),
                        from: days.map(|(d, _)| Utc.with_ymd_and_hms(2010, 6, d, 0, 0, 0).unwrap()),
                        to: days.map(|(_, d)| Utc.with_ymd_and_hms(2010, 6, d, 23, 0, 0).unwrap()),
                        ..Default::default()
                    };
                    let mut expected: Vec<i64> = kept
                        .iter()
                        .filter(|(_, at, day, arson, school)| {
                            at.is_some_and(|(lat, lon)| {
                                (bb.min_lat..=bb.max_lat).contains(&lat)
                                    && (bb.min_lon..=bb.max_lon).contains(&lon)
                            }) && (types.is_empty() || *arson)
                                && (text.is_none() || *school)
                                && days.is_none_or(|(a, z)| (a..=z).contains(day))
                        })
                        .map(|r| r.0)
                        .collect();
                    expected.reverse();
                    let got = all_pages(s, &filter, 7);
                    assert_eq!(
                        got,
                        expected,
                        "{} {bbox} {types:?} {text:?} {days:?}",
                        s.backend()
                    );
                }
            }
        };
        check(s, &kept);
        // More reports in one spot than a box may hold to be read through its cells.
        add(
            s,
            &mut kept,
            (0..4200)
                .map(|i| (Some((40.52, 72.80)), 11, i % 2 == 0, i % 5 == 0))
                .collect(),
        );
        check(s, &kept);
    }
}

#[test]
fn report_lists_as_json_are_the_reports_serialised() {
    // The API writes lists from the stored JSON without parsing it: the text must be
    // exactly what serialising the listed `Report`s gives, page by page and whatever
    // path the query takes (text, box cells, incident filter).
    for b in backends("report_json") {
        let s = b.store.as_ref();
        let src = source(s, "Monitors", Reliability::B);
        let mut quoted = input(src, 11, "He said \"run\" — Cheremushki\n\tburned \\ school");
        // A source's own receipt time is the report's; it appears once in its JSON.
        quoted.received_at = Some(start() - Duration::days(1));
        quoted.external_ref = Some("MON/11/\"7\"".into());
        quoted.latitude = Some(40.515);
        quoted.longitude = Some(72.805);
        let mut detained = input(src, 12, "Задержаны трое мужчин у школы");
        detained.event_types = vec![EventType::ArbitraryDetention, EventType::Threat];
        detained.counts = Counts::default();
        detained.actors.clear();
        let ids = insert(
            s,
            vec![
                new_report(s, quoted, Some(place(40.515, 72.805, "KG08-OSH"))),
                new_report(s, detained, None),
                new_report(
                    s,
                    input(src, 13, "school fire"),
                    Some(place(40.93, 73.0, "KG03-JAL")),
                ),
            ],
        );
        let incident = s
            .create_incident(&Who::user("inv"), "Fire", &ids[..1], "first account")
            .unwrap();
        let bbox = aman_core::BoundingBox::parse("72.7,40.4,72.9,40.6").unwrap();
        let filters = [
            ReportFilter::default(),
            ReportFilter {
                text: Some("school".into()),
                ..Default::default()
            },
            ReportFilter {
                bbox: Some(bbox),
                ..Default::default()
            },
            ReportFilter {
                incident_id: Some(incident),
                ..Default::default()
            },
        ];
        for filter in &filters {
            let mut page = PageRequest::first(2);
            loop {
                let typed = s.list_reports(filter, page).unwrap();
                let json = s.list_reports_json(filter, page).unwrap();
                for r in &json.items {
                    assert_eq!(
                        r.0.get().matches("\"received_at\":").count(),
                        1,
                        "{}: one received_at in {}",
                        s.backend(),
                        r.0.get()
                    );
                }
                let as_text: Vec<serde_json::Value> = json
                    .items
                    .iter()
                    .map(|r| serde_json::from_str(r.0.get()).unwrap())
                    .collect();
                assert_eq!(
                    as_text,
                    serde_json::to_value(&typed.items)
                        .unwrap()
                        .as_array()
                        .unwrap()
                        .clone(),
                    "{}: {filter:?}",
                    s.backend()
                );
                assert_eq!(json.next_before, typed.next_before);
                match typed.next_before {
                    Some(before) => page.before = Some(before),
                    None => break,
                }
            }
        }
    }
}
