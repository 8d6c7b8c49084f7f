//! The scenario's promises: deterministic, calibrated on the public figures, valid
//! input for the store, consistent ground truth, realistic victim lists, and
//! witnesses that appear nowhere but in their own records.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use aman_core::{ReportInput, ReportKind};
use aman_scenario::{
    generate, stream_reports, write_reports_jsonl, Ethnicity, Scenario, ScenarioConfig, SourceRole,
    LIST_COUNT, RECEIVED_WITHIN_DAYS,
};
use chrono::{DateTime, Duration, Utc};

fn default_scenario() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| generate(&ScenarioConfig::default()))
}

fn validation_now(config: &ScenarioConfig) -> DateTime<Utc> {
    (config.start + Duration::days(RECEIVED_WITHIN_DAYS))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
}

fn jsonl(s: &Scenario) -> Vec<u8> {
    let mut out = Vec::new();
    write_reports_jsonl(&mut out, s.reports.iter().map(|r| &r.input)).unwrap();
    out
}

#[test]
fn the_same_seed_gives_the_same_scenario_and_another_seed_a_different_one() {
    let config = ScenarioConfig::default();
    let again = generate(&config);
    assert_eq!(&again, default_scenario());
    assert_eq!(jsonl(&again), jsonl(default_scenario()));
    let other = generate(&ScenarioConfig {
        seed: config.seed + 1,
        ..config
    });
    assert_ne!(jsonl(&other), jsonl(default_scenario()));
    assert_ne!(other.truth.persons, default_scenario().truth.persons);
}

#[test]
fn default_scale_reproduces_the_public_figures() {
    let t = &default_scenario().truth;
    let dead = t.total_dead() as f64;
    assert!((dead - 470.0).abs() <= 0.05 * 470.0, "{dead} dead");
    let by = t.deaths_by_ethnicity();
    let share = |e| by.get(&e).copied().unwrap_or(0) as f64 / dead;
    assert!((share(Ethnicity::Uzbek) - 0.74).abs() < 0.01, "{by:?}");
    assert!((share(Ethnicity::Kyrgyz) - 0.25).abs() < 0.01, "{by:?}");
    let injured = t.total_injured() as f64;
    assert!(
        (injured - 1900.0).abs() <= 0.05 * 1900.0,
        "{injured} injured"
    );
    let displaced = t.total_displaced() as f64;
    assert!(
        (displaced - 400_000.0).abs() <= 0.05 * 400_000.0,
        "{displaced} displaced"
    );
    let sv = t.sexual_violence_cases();
    assert!((17..=23).contains(&sv), "{sv} sexual-violence cases");
    let structures: BTreeMap<&str, u32> = t.structures_by_place();
    let expected: BTreeMap<&str, u32> = [
        ("osh-centre", 551),
        ("osh-kyzyl-kyshtak", 448),
        ("osh-cheremushki", 297),
        ("osh-furkat", 172),
        ("nariman", 172),
    ]
    .into_iter()
    .collect();
    assert_eq!(structures, expected);
}

#[test]
fn figures_hold_for_other_seeds_too() {
    for seed in [1, 2, 3] {
        let s = generate(&ScenarioConfig {
            seed,
            ..ScenarioConfig::default()
        });
        let dead = s.truth.total_dead() as f64;
        assert!((dead - 470.0).abs() <= 0.05 * 470.0, "seed {seed}: {dead}");
        assert_eq!(s.truth.structures_by_place().values().sum::<u32>(), 1640);
    }
}

#[test]
fn violence_falls_on_10_to_14_june_peaking_on_the_11th_and_12th_and_detentions_come_later() {
    let t = &default_scenario().truth;
    let mut deaths_by_day: BTreeMap<u32, u32> = BTreeMap::new();
    for e in &t.events {
        let local = (e.time + Duration::hours(6)).date_naive();
        let day = local.format("%d").to_string().parse::<u32>().unwrap();
        if e.killed > 0 {
            assert!((10..=14).contains(&day), "killing on {local}");
            *deaths_by_day.entry(day).or_default() += e.killed;
        }
        if e.types.contains(&aman_core::EventType::ArbitraryDetention) {
            assert!(
                local > chrono::NaiveDate::from_ymd_opt(2010, 6, 14).unwrap(),
                "{local}"
            );
        }
    }
    let peak = deaths_by_day[&11] + deaths_by_day[&12];
    let total: u32 = deaths_by_day.values().sum();
    assert!(
        peak * 2 > total,
        "11–12 June hold {peak} of {total} deaths: {deaths_by_day:?}"
    );
}

#[test]
fn attacks_on_one_neighbourhood_are_half_a_day_apart_at_least() {
    use aman_scenario::Category as C;
    let s = default_scenario();
    let mut seen: BTreeMap<usize, Vec<DateTime<Utc>>> = BTreeMap::new();
    for e in &s.truth.events {
        if matches!(
            e.category,
            C::Killing | C::SexualViolence | C::Arson | C::Beating
        ) {
            seen.entry(e.place).or_default().push(e.time);
        }
    }
    for times in seen.values_mut() {
        times.sort();
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= Duration::hours(12), "{} and {}", w[0], w[1]);
        }
    }
    let attacks: usize = seen.values().map(Vec::len).sum();
    // Attacks hold several acts: most killings came with burning or beating.
    let mixed = s
        .truth
        .events
        .iter()
        .filter(|e| e.category == C::Killing && e.types.len() > 1)
        .count();
    assert!(mixed * 4 > attacks, "{mixed} of {attacks} attacks");
}

#[test]
fn sources_cover_the_kinds_and_grades_asked_for() {
    let s = default_scenario();
    assert!((8..=12).contains(&s.sources.len()));
    assert!(s.sources.iter().all(|x| x.synthetic));
    use aman_core::{Reliability as R, SourceKind as K};
    let has = |k: K, grades: &[R]| {
        s.sources
            .iter()
            .any(|x| x.kind == k && grades.contains(&x.reliability))
    };
    assert!(has(K::MissionPatrol, &[R::A, R::B]));
    assert!(has(K::Hospital, &[R::A, R::B]));
    assert!(has(K::Media, &[R::C, R::D]));
    assert!(has(K::Hotline, &[R::E, R::F]));
    assert!(has(K::HostAuthority, &[R::C, R::D]));
    assert!(has(K::SatelliteImagery, &[R::A]));
    assert_eq!(s.sources.iter().filter(|x| x.kind == K::Ngo).count(), 3);
}

#[test]
fn every_report_validates_and_is_labelled_synthetic() {
    let config = ScenarioConfig::default();
    let s = default_scenario();
    let now = validation_now(&config);
    for (i, r) in s.reports.iter().enumerate() {
        assert!(r.input.synthetic);
        assert_eq!(r.input.source_id, r.source_index as i64 + 1);
        assert!(r.source_index < s.sources.len());
        if let Err(e) = r.input.clone().validate(now) {
            panic!("report {i} is invalid: {e}\n{:?}", r.input);
        }
    }
    // And survives the import format: JSON Lines that parse back (unknown fields refused).
    let text = String::from_utf8(jsonl(s)).unwrap();
    let back: Vec<ReportInput> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(back.len(), s.reports.len());
    assert_eq!(back[0], s.reports[0].input);
}

#[test]
fn truth_is_consistent_and_follow_ups_point_backwards() {
    let s = default_scenario();
    let mut kinds = BTreeMap::new();
    for (i, r) in s.reports.iter().enumerate() {
        if let Some(e) = r.true_event {
            let ev = s.truth.event(e).expect("true event exists");
            assert_eq!(ev.id, e);
        }
        *kinds.entry(r.input.kind.code()).or_insert(0) += 1;
        match r.input.kind {
            ReportKind::Original => assert!(r.input.refers_to.is_none()),
            ReportKind::Correction | ReportKind::Retraction => {
                let pos = r.input.refers_to.expect("follow-ups refer to a report") as usize;
                assert!(
                    pos >= 1 && pos <= i,
                    "report {} refers to later position {pos}",
                    i + 1
                );
                let target = &s.reports[pos - 1];
                assert_eq!(
                    target.source_index, r.source_index,
                    "a source corrects its own report"
                );
                assert_eq!(target.true_event, r.true_event);
                assert_eq!(target.input.kind, ReportKind::Original);
            }
        }
    }
    assert!(
        kinds["correction"] >= 3 && kinds["retraction"] >= 3,
        "{kinds:?}"
    );
    let rumours = s.reports.iter().filter(|r| r.true_event.is_none()).count();
    assert!(rumours > 10, "{rumours} rumours");
    // Every true event is reported, usually by several sources.
    let clusters = s.report_clusters();
    let covered: BTreeSet<u64> = s.reports.iter().filter_map(|r| r.true_event).collect();
    assert_eq!(covered.len(), s.truth.events.len());
    let multi = clusters.iter().filter(|c| c.len() >= 2).count();
    assert!(
        multi * 2 > s.truth.events.len(),
        "{multi} events with several reports"
    );
    let labels = s.report_labels();
    for c in &clusters {
        assert!(c.iter().all(|&i| labels[i] == labels[c[0]]));
    }
    let distinct: BTreeSet<u64> = labels.iter().copied().collect();
    assert_eq!(distinct.len(), clusters.len());
}

#[test]
fn reports_disagree_the_way_real_ones_do() {
    let s = default_scenario();
    let scripts = |t: &str| {
        (
            t.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
            t.chars().any(|c| c.is_ascii_alphabetic()),
        )
    };
    let langs: BTreeSet<&str> = s
        .reports
        .iter()
        .map(|r| r.input.narrative.language.as_str())
        .collect();
    assert_eq!(langs, ["en", "ky", "ru", "uz"].into_iter().collect());
    let places: BTreeSet<&str> = s
        .reports
        .iter()
        .map(|r| r.input.place_text.as_str())
        .collect();
    for spelling in [
        "Jalalabad",
        "Жалал-Абад",
        "Bozorqoʻrgʻon",
        "мкр. Черемушки, г. Ош",
        "Nariman village near Osh",
    ] {
        assert!(
            places.iter().any(|p| p.starts_with(spelling)),
            "{spelling} never used"
        );
    }
    assert!(places.iter().any(|p| scripts(p).0) && places.iter().any(|p| scripts(p).1));
    let with_coords = s
        .reports
        .iter()
        .filter(|r| r.input.latitude.is_some())
        .count();
    assert!(
        with_coords > 50 && with_coords < s.reports.len() / 2,
        "{with_coords} with coordinates"
    );
    let precisions: BTreeSet<_> = s
        .reports
        .iter()
        .map(|r| r.input.event_time.precision)
        .collect();
    assert!(precisions.len() >= 4, "{precisions:?}");
    let ranges = s
        .reports
        .iter()
        .filter(|r| r.input.counts.killed.is_some_and(|c| c.min < c.max))
        .count();
    assert!(ranges > 20, "{ranges} ranged death tolls");
    // Late reports: received a week or more after the event.
    let late = s
        .reports
        .iter()
        .filter(|r| {
            r.true_event
                .and_then(|e| s.truth.event(e))
                .is_some_and(|e| r.input.received_at.unwrap() - e.time > Duration::days(7))
        })
        .count();
    assert!(late > 20, "{late} late reports");
    // The host authority under-reports Uzbek deaths; the Uzbek-community NGO does not.
    let ratio = |role: SourceRole| {
        let (mut said, mut truth) = (0.0, 0.0);
        for r in s
            .reports
            .iter()
            .filter(|r| r.source_index == role.index() && r.input.kind == ReportKind::Original)
        {
            let e = r.true_event.and_then(|e| s.truth.event(e));
            if let (Some(e), Some(k)) = (e, r.input.counts.killed) {
                if e.victim_group == Ethnicity::Uzbek {
                    said += k.midpoint();
                    truth += e.killed as f64;
                }
            }
        }
        said / truth
    };
    let authority = ratio(SourceRole::HostAuthority);
    let ngo = ratio(SourceRole::UzbekNgo);
    assert!(
        authority < 0.8 && ngo > 1.1,
        "authority {authority:.2}, Uzbek NGO {ngo:.2}"
    );
    // State forces are named by some sources and never by the host authority.
    let state = |a: &aman_core::Actor| {
        matches!(
            a.kind,
            aman_core::ActorKind::StateSecurityForces
                | aman_core::ActorKind::Military
                | aman_core::ActorKind::Police
        )
    };
    assert!(s.reports.iter().any(|r| r.input.actors.iter().any(state)));
    assert!(s
        .reports
        .iter()
        .filter(|r| r.source_index == SourceRole::HostAuthority.index())
        .all(|r| !r.input.actors.iter().any(state)));
}

#[test]
fn victim_lists_map_to_true_persons_with_heterogeneous_capture() {
    let s = default_scenario();
    assert_eq!(s.victim_lists.len(), LIST_COUNT);
    assert!((3..=5).contains(&LIST_COUNT));
    let mut seen: BTreeMap<u64, BTreeSet<usize>> = BTreeMap::new();
    for r in s.victim_records() {
        assert!(
            s.truth.person(r.true_person).is_some(),
            "{} has no true person",
            r.record_id
        );
        seen.entry(r.true_person).or_default().insert(r.list);
    }
    for p in &s.truth.persons {
        let on: BTreeSet<usize> = (0..LIST_COUNT).filter(|&j| p.lists[j]).collect();
        assert_eq!(
            seen.get(&p.id).cloned().unwrap_or_default(),
            on,
            "person {}",
            p.id
        );
    }
    let missed = s.truth.undocumented();
    assert!(
        missed > 0 && missed < s.truth.total_dead() / 4,
        "{missed} on no list"
    );
    // Capture depends on the group: the Uzbek-community list is mostly Uzbek.
    let uzbek_list = &s.victim_lists[2];
    let uzbek = uzbek_list
        .records
        .iter()
        .filter(|r| s.truth.person(r.true_person).unwrap().ethnicity == Ethnicity::Uzbek)
        .count();
    assert!(uzbek * 10 > uzbek_list.records.len() * 9);
    // The histories sum to the true total.
    let histories = s.truth.capture_histories();
    assert_eq!(histories.values().sum::<usize>(), s.truth.total_dead());
    assert_eq!(histories[&vec![false; LIST_COUNT]], missed);
    let clusters = s.person_clusters();
    assert_eq!(clusters.len(), seen.len());
}

#[test]
fn names_are_written_in_several_scripts_with_noise() {
    let s = default_scenario();
    let names: Vec<&str> = s.victim_records().map(|r| r.name.as_str()).collect();
    let cyrillic = names
        .iter()
        .filter(|n| n.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)))
        .count();
    let latin = names
        .iter()
        .filter(|n| n.chars().all(|c| !('\u{0400}'..='\u{04FF}').contains(&c)))
        .count();
    assert!(
        cyrillic > 100 && latin > 100,
        "{cyrillic} Cyrillic, {latin} Latin"
    );
    assert!(names.iter().any(|n| n.contains("ʻ")), "Uzbek Latin oʻ/gʻ");
    assert!(
        names
            .iter()
            .any(|n| n.contains(" уулу") || n.contains(" кызы")),
        "Kyrgyz patronymic"
    );
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("вич") || n.ends_with("вна")),
        "Russian patronymic"
    );
    assert!(
        names.iter().any(|n| "ңөү".chars().any(|c| n.contains(c))),
        "Kyrgyz letters"
    );
    // The same person is written differently on different lists.
    let mut by_person: BTreeMap<u64, BTreeSet<&str>> = BTreeMap::new();
    for r in s.victim_records() {
        by_person.entry(r.true_person).or_default().insert(&r.name);
    }
    let varied = by_person.values().filter(|v| v.len() >= 3).count();
    assert!(varied > 50, "{varied} persons with three or more spellings");
    let missing_age = s.victim_records().filter(|r| r.age.is_none()).count();
    let off_age = s
        .victim_records()
        .filter(|r| {
            r.age
                .is_some_and(|a| a != s.truth.person(r.true_person).unwrap().age)
        })
        .count();
    assert!(
        missing_age > 10 && off_age > 10,
        "{missing_age} without age, {off_age} off by a year or two"
    );
}

#[test]
fn planted_witnesses_are_distinctive_and_absent_from_every_report() {
    let s = default_scenario();
    assert_eq!(s.witnesses.len(), ScenarioConfig::default().witnesses);
    let text = String::from_utf8(jsonl(s)).unwrap();
    let mut all = BTreeSet::new();
    for w in &s.witnesses {
        assert!(w.phone.starts_with("+996 "), "{}", w.phone);
        assert_eq!(w.phone_e164().len(), 13);
        assert!(s.truth.event(w.event).is_some());
        assert_eq!(s.reports[w.report].true_event, Some(w.event));
        for needle in w.needles() {
            assert!(!text.contains(&needle), "{needle} leaks into the reports");
            assert!(all.insert(needle.clone()), "{needle} is not unique");
        }
        let names: Vec<String> = s.victim_records().map(|r| r.name.clone()).collect();
        assert!(!names.iter().any(|n| n.contains(&w.name)));
    }
}

#[test]
fn small_and_empty_scales_work() {
    for scale in [0, 1, 5, 40] {
        let config = ScenarioConfig {
            scale,
            ..ScenarioConfig::default()
        };
        let s = generate(&config);
        assert!(s.truth.events.len() <= scale);
        assert_eq!(s.truth.events.is_empty(), scale == 0);
        let now = validation_now(&config);
        assert!(s
            .reports
            .iter()
            .all(|r| r.input.clone().validate(now).is_ok()));
        assert!(s
            .victim_records()
            .all(|r| s.truth.person(r.true_person).is_some()));
    }
}

#[test]
fn the_stream_is_deterministic_valid_and_refers_backwards() {
    let start = ScenarioConfig::default().start;
    let a: Vec<ReportInput> = stream_reports(7, start, 20_000).collect();
    let b: Vec<ReportInput> = stream_reports(7, start, 5_000).collect();
    assert_eq!(a.len(), 20_000);
    assert_eq!(&a[..5_000], &b[..]);
    let c: Vec<ReportInput> = stream_reports(8, start, 5_000).collect();
    assert_ne!(b, c);
    let now = validation_now(&ScenarioConfig::default());
    let mut follow_ups = 0;
    for (i, r) in a.iter().enumerate() {
        assert!(r.synthetic);
        if let Err(e) = r.clone().validate(now) {
            panic!("stream report {} invalid: {e}", i + 1);
        }
        if let Some(pos) = r.refers_to {
            follow_ups += 1;
            assert!(
                pos >= 1 && (pos as usize) <= i,
                "report {} refers to {pos}",
                i + 1
            );
            assert_eq!(a[pos as usize - 1].source_id, r.source_id);
        }
    }
    assert!(follow_ups > 50, "{follow_ups} corrections and retractions");
    assert_eq!(stream_reports(1, start, 123).len(), 123);
}

#[test]
fn files_are_written_labelled_and_read_back() {
    let s = default_scenario();
    let dir = std::env::temp_dir().join(format!("aman-scenario-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths = s.write_to_dir(&dir).unwrap();
    assert_eq!(paths.len(), aman_scenario::SCENARIO_FILES.len());
    let notice = std::fs::read_to_string(dir.join("SYNTHETIC.txt")).unwrap();
    assert!(notice.starts_with(aman_core::SYNTHETIC_LABEL));
    let victims = std::fs::read_to_string(dir.join("victims.csv")).unwrap();
    assert!(victims.starts_with(
        "list,record_id,name,sex,age,ethnicity,date_of_death,place,true_person,synthetic\n"
    ));
    let mut rdr = csv::Reader::from_reader(victims.as_bytes());
    let rows = rdr.records().map(|r| r.unwrap()).collect::<Vec<_>>();
    assert_eq!(rows.len(), s.victim_records().count());
    assert!(rows.iter().all(|r| &r[9] == "true"));
    let truth = std::fs::read_to_string(dir.join("truth_reports.csv")).unwrap();
    assert_eq!(truth.lines().count(), s.reports.len() + 1);
    let sources = std::fs::read_to_string(dir.join("sources.jsonl")).unwrap();
    for line in sources.lines() {
        let src: aman_core::SourceInput = serde_json::from_str(line).unwrap();
        assert!(src.synthetic);
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        s.write_to_dir(&dir).is_err(),
        "a missing folder is an error, not a panic"
    );
}
