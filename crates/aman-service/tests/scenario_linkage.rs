//! End to end on the synthetic scenario: reports taken in through intake and linked
//! into incidents, victim lists linked into persons, each scored against the
//! generator's ground truth with a floor.

use std::sync::Arc;

use aman_core::SystemClock;
use aman_service::{demo, Intake};
use aman_store::{PageRequest, ReportFilter};

#[test]
fn scenario_reports_and_victims_link_above_their_floors() {
    let dir = tempfile::tempdir().unwrap();
    let store = aman_store::open(
        &format!("sqlite:{}", dir.path().join("aman.db").display()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let intake = Intake::new(store.clone(), Arc::new(aman_geo::Geocoder::builtin()));
    let (scenario, summary) =
        demo::load(&intake, &aman_scenario::ScenarioConfig::default()).unwrap();
    assert_eq!(summary.reports, scenario.reports.len());

    // Stored ids follow the scenario's order, so report k has id k + 1.
    let mut incident_of = vec![None; scenario.reports.len()];
    let mut page = PageRequest::first(1000);
    loop {
        let p = store.list_reports(&ReportFilter::default(), page).unwrap();
        for r in &p.items {
            incident_of[r.id as usize - 1] = r.incident_id;
        }
        match p.next_before {
            Some(b) => page.before = Some(b),
            None => break,
        }
    }
    // Unlinked reports (follow-ups of unlinked reports) each stand alone.
    let labels: Vec<usize> = incident_of
        .iter()
        .enumerate()
        .map(|(k, i)| i.map_or(1_000_000 + k, |i| i as usize))
        .collect();
    let truth = scenario.report_labels();
    let clustering = aman_linkage::Clustering::from_labels(&labels);
    let incidents = aman_linkage::evaluate(&clustering, &truth).unwrap();
    println!(
        "reports → incidents: pairwise P {:.3} R {:.3} F1 {:.3} ({} incidents for {} true events)",
        incidents.pairwise.precision,
        incidents.pairwise.recall,
        incidents.pairwise.f1,
        summary.incidents,
        summary.true_events
    );

    let options = aman_estimate::EstimateOptions {
        methods: vec![aman_estimate::Method::LogLinear],
        sensitivity: false,
        ..Default::default()
    };
    let victims = demo::estimate_victims(store.as_ref(), &scenario, &options).unwrap();
    println!(
        "victim records → persons: pairwise F1 {:.3}",
        victims.linkage_f1
    );

    // Floors just under what the linkers reach on this seed (0.616 incidents, 0.982
    // persons; `cargo run -p aman-service --example scenario_eval` gives five seeds),
    // so a regression fails. The incident target of issue 4 (0.95) is out of reach on
    // this generator: one neighbourhood can suffer two attacks within a day, and most
    // sources date an event only to the day and place it only in a neighbourhood or
    // town. An oracle that knows every true event's place, day, type, landmark and toll
    // and assigns each report to a compatible one reaches about 0.78; one that also
    // knows each event's time and point and each source's error, about 0.89 (see
    // docs/PERFORMANCE.md).
    assert!(
        incidents.pairwise.f1 >= 0.58,
        "incident F1 {:.3}",
        incidents.pairwise.f1
    );
    assert!(
        victims.linkage_f1 >= 0.98,
        "person F1 {:.3}",
        victims.linkage_f1
    );

    // The re-link kept the model it learned, and intake scores with it: a located,
    // timed account of the most reported event, sent again by the monitors, joins
    // that account's incident, and the audit trail names the model.
    let model = store
        .latest_linkage_model(aman_store::ReviewKind::ReportPair)
        .unwrap()
        .expect("the demo's re-link keeps its model");
    let originals = scenario
        .reports
        .iter()
        .filter(|r| r.input.kind == aman_core::ReportKind::Original)
        .count();
    assert_eq!(model.trained_on, originals as u64);
    let reports_of = |e: u64| truth.iter().filter(|t| **t == e).count();
    let (k, patrol) = scenario
        .reports
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.input.kind == aman_core::ReportKind::Original
                && r.input.latitude.is_some()
                && r.input.event_time.end - r.input.event_time.start <= chrono::Duration::hours(1)
        })
        .filter_map(|(k, r)| Some((k, r, reports_of(r.true_event?))))
        .max_by_key(|&(k, _, n)| (n, std::cmp::Reverse(k)))
        .map(|(k, r, _)| (k, r))
        .expect("a located, timed account of an event");
    let mut again = patrol.input.clone();
    again.source_id = scenario
        .sources
        .iter()
        .position(|s| s.name.contains("monitor"))
        .map_or(1, |i| i as i64 + 1);
    again.external_ref = None;
    let who = aman_store::Who::user("officer");
    let (_, link) = intake.submit_and_link(&who, again).unwrap();
    match link {
        aman_service::linking::IntakeLink::Linked { incident_id, .. } => {
            assert_eq!(
                Some(incident_id),
                incident_of[k],
                "joins the patrol report's incident"
            )
        }
        other => panic!("not linked: {other:?}"),
    }
    let reasons: Vec<String> = store
        .audit_page(0, 100_000)
        .unwrap()
        .into_iter()
        .filter_map(|e| e.record.reason)
        .filter(|r| r.starts_with("linked on intake"))
        .collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].ends_with(&format!("(learned model {})", model.id)),
        "{}",
        reasons[0]
    );
}

/// The same victim lists as a user would give them to `aman link persons`: one CSV,
/// columns detected from their names, places resolved by the built-in gazetteer.
/// Seed 3 is the one whose namesakes of very different ages EM alone merged.
#[test]
fn the_scenarios_victim_csv_links_above_its_floor() {
    let geocoder = aman_geo::Geocoder::builtin();
    let points = |text: &str| geocoder.resolved_point(text);
    for seed in [aman_scenario::ScenarioConfig::default().seed, 3] {
        let scenario = aman_scenario::generate(&aman_scenario::ScenarioConfig {
            seed,
            ..Default::default()
        });
        let mut csv = Vec::new();
        aman_scenario::write_victims_csv(&mut csv, &scenario.victim_lists).unwrap();
        let mut mapping = aman_linkage::CsvMapping {
            id_column: Some("record_id".into()),
            truth_column: Some("true_person".into()),
            ..Default::default()
        };
        for spec in ["ignore=list", "ignore=synthetic"] {
            mapping.add_spec(spec).unwrap();
        }
        let out = aman_linkage::link_csv_readers(
            vec![("victims.csv".to_string(), csv.as_slice())],
            &mapping,
            &aman_linkage::LinkOptions::default(),
            Some(&points),
        )
        .unwrap();
        assert!(out.skipped_rows.is_empty(), "{:?}", out.skipped_rows);
        assert!(out
            .fields
            .iter()
            .any(|(name, kind)| name == "place (gazetteer point)"
                && *kind == aman_linkage::FieldKind::Geo));
        let f1 = out.metrics.unwrap().pairwise.f1;
        println!("seed {seed}: victims.csv → persons: pairwise F1 {f1:.3}");
        // 0.980 and 0.983 (0.976 and 0.967 while EM learnt the weights of age and sex
        // from namesakes; 0.942 on the first seed before places were resolved and
        // dates of death given a tolerance); the other seeds give 0.981–0.984.
        assert!(f1 >= 0.975, "seed {seed}: person F1 from the CSV {f1:.3}");
    }
}
