//! The web UI's aggregate queries (`incident_breakdown`, `incident_clusters`) give the
//! same answers on SQLite and PostgreSQL, agree with the incident list they summarise,
//! and honour the same filters.

use std::sync::Arc;

use aman_core::{
    Credibility, EventTime, EventType, FixedClock, GeoPrecision, Narrative, PlaceStatus,
    Reliability, ReportInput, ReportKind, ResolvedPlace, SourceInput, SourceKind, TimePrecision,
    VerificationStatus,
};
use aman_store::{IncidentFilter, NewReport, PageRequest, SqlStore, Store, StoreError, Who};
use chrono::{NaiveDate, TimeZone, Utc};

struct Backend {
    store: Arc<dyn Store>,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.cleanup {
            if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

fn backends(test: &str) -> Vec<Backend> {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2010, 7, 1, 0, 0, 0).unwrap(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![Backend {
        store: Arc::new(SqlStore::sqlite(&dir.path().join("aman.db"), clock.clone()).unwrap()),
        cleanup: None,
        _dir: Some(dir),
    }];
    if let Some(url) = aman_testkit::postgres_url(test) {
        let schema = format!("t_dash_{}_{}", std::process::id(), rand::random::<u32>());
        out.push(Backend {
            store: Arc::new(SqlStore::postgres(&url, Some(&schema), clock).unwrap()),
            cleanup: Some((url, schema)),
            _dir: None,
        });
    }
    out
}

/// A report on `day` of June 2010 at a point in `admin1`/`admin2` (or unlocated).
fn report(
    store: &dyn Store,
    source: i64,
    day: u32,
    types: &[EventType],
    at: Option<(f64, f64, &str, &str)>,
) -> i64 {
    let t = Utc.with_ymd_and_hms(2010, 6, day, 22, 30, 0).unwrap();
    let input = ReportInput {
        source_id: source,
        external_ref: None,
        event_time: EventTime {
            start: t,
            end: t + chrono::Duration::hours(1),
            precision: TimePrecision::Hour,
        },
        received_at: None,
        place_text: "somewhere".into(),
        latitude: None,
        longitude: None,
        event_types: types.to_vec(),
        counts: Default::default(),
        actors: vec![],
        narrative: Narrative {
            text: "account".into(),
            language: "en".into(),
        },
        credibility: Credibility::new(2).unwrap(),
        kind: ReportKind::Original,
        refers_to: None,
        synthetic: true,
    };
    let place = at.map(|(lat, lon, a1, a2)| ResolvedPlace {
        place_id: None,
        name: Some("P".into()),
        latitude: lat,
        longitude: lon,
        precision: GeoPrecision::Point,
        admin1_code: Some(a1.into()),
        admin1_name: Some(format!("{a1} oblast")),
        admin2_code: Some(a2.into()),
        admin2_name: Some(format!("{a2} raion")),
        confidence: None,
    });
    let new = NewReport {
        input: input.validate(store.clock().now()).unwrap(),
        received_at: store.clock().now(),
        place_status: if place.is_some() {
            PlaceStatus::Resolved
        } else {
            PlaceStatus::Unresolved
        },
        place,
    };
    let id = store
        .insert_reports(&Who::system(), &mut std::iter::once(new), None)
        .unwrap()[0];
    store
        .create_incident(&Who::system(), "incident", &[id], "test")
        .unwrap()
}

#[test]
fn breakdown_and_clusters_agree_with_the_incidents_on_both_backends() {
    let mut answers = Vec::new();
    for b in backends("dashboard_breakdown") {
        let s = b.store.as_ref();
        let src = s
            .create_source(
                &Who::system(),
                SourceInput {
                    name: "S".into(),
                    organisation: "O".into(),
                    kind: SourceKind::Ngo,
                    reliability: Reliability::B,
                    synthetic: true,
                },
            )
            .unwrap()
            .id;
        use EventType::*;
        // Two close together in Osh city (one grid cell), one in Kara-Suu, one unlocated.
        let a = report(
            s,
            src,
            11,
            &[Arson, Looting],
            Some((40.5301, 72.8001, "KG08", "KG0801")),
        );
        report(
            s,
            src,
            11,
            &[Arson],
            Some((40.5302, 72.8003, "KG08", "KG0801")),
        );
        report(
            s,
            src,
            13,
            &[Killing],
            Some((40.7000, 72.8900, "KG08", "KG0802")),
        );
        report(s, src, 13, &[Threat], None);
        s.change_status(
            &Who::system(),
            a,
            VerificationStatus::Corroborated,
            "two sources",
        )
        .unwrap();

        let all = s.incident_breakdown(&IncidentFilter::default()).unwrap();
        assert_eq!(all.total, 4);
        let listed = s
            .list_incidents(&IncidentFilter::default(), PageRequest::first(100))
            .unwrap()
            .items
            .len() as u64;
        assert_eq!(
            all.total, listed,
            "the breakdown counts what the list shows"
        );
        assert_eq!(
            all.by_status,
            vec![
                (VerificationStatus::Reported, 3),
                (VerificationStatus::Corroborated, 1)
            ]
        );
        assert_eq!(
            all.by_type,
            vec![(Killing, 1), (Arson, 2), (Looting, 1), (Threat, 1)]
        );
        let d = |day| NaiveDate::from_ymd_opt(2010, 6, day).unwrap();
        assert_eq!(all.by_day, vec![(d(11), 2), (d(13), 2)]);
        assert_eq!(all.by_admin1.len(), 1);
        assert_eq!(
            (all.by_admin1[0].code.as_str(), all.by_admin1[0].count),
            ("KG08", 3)
        );
        assert_eq!(all.by_admin1[0].name.as_deref(), Some("KG08 oblast"));
        assert_eq!(
            all.by_admin2
                .iter()
                .map(|a| (a.code.as_str(), a.count))
                .collect::<Vec<_>>(),
            vec![("KG0801", 2), ("KG0802", 1)]
        );
        assert_eq!(all.unlocated, 1);

        // Filters are the list's filters.
        let arson = IncidentFilter {
            event_types: vec![Arson],
            ..Default::default()
        };
        let only = s.incident_breakdown(&arson).unwrap();
        assert_eq!(only.total, 2);
        assert_eq!(only.by_day, vec![(d(11), 2)]);
        let reported = IncidentFilter {
            status: Some(VerificationStatus::Reported),
            admin2: Some("KG0801".into()),
            ..Default::default()
        };
        assert_eq!(s.incident_breakdown(&reported).unwrap().total, 1);

        let clusters = s
            .incident_clusters(&IncidentFilter::default(), 0.05)
            .unwrap();
        assert_eq!(
            clusters.iter().map(|c| c.count).sum::<u64>(),
            3,
            "located only"
        );
        let big = clusters
            .iter()
            .find(|c| c.count == 2)
            .expect("one cell of two");
        assert_eq!(big.first_id, a);
        assert!((big.latitude - 40.53015).abs() < 1e-6);
        assert!((big.longitude - 72.8002).abs() < 1e-6);
        let fine = s
            .incident_clusters(&IncidentFilter::default(), 0.00001)
            .unwrap();
        assert_eq!(fine.len(), 3, "a fine grid keeps every incident apart");
        assert!(s
            .incident_clusters(&arson, 0.05)
            .unwrap()
            .iter()
            .all(|c| c.count == 2));
        assert!(matches!(
            s.incident_clusters(&IncidentFilter::default(), 0.0),
            Err(StoreError::Invalid(_))
        ));
        let empty = s
            .incident_breakdown(&IncidentFilter {
                event_types: vec![Protest],
                ..Default::default()
            })
            .unwrap();
        assert_eq!(empty.total, 0);
        assert!(empty.by_day.is_empty() && empty.by_admin1.is_empty());
        answers.push((all, clusters));
    }
    if answers.len() == 2 {
        assert_eq!(answers[0], answers[1], "SQLite and PostgreSQL agree");
    }
}
