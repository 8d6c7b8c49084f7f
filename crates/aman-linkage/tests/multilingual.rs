//! Victim lists and reports written in several scripts and languages. A small
//! seeded fixture generator stands in for the scenario generator: each person has
//! a Cyrillic and a Latin spelling (and spelling variants), lists write names in
//! either order, with or without patronymic, with ages off by a year; each
//! incident is reported several times with shifted times, places and counts, in
//! Russian, Uzbek or English.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use aman_linkage::incidents::{IncidentDecision, IncidentLinker, OpenIncident, ReportFeatures};
use aman_linkage::persons::{link_victims, PersonOptions, VictimRecord};
use aman_linkage::{evaluate, Clustering};

/// (Cyrillic, Latin, variant Latin) for family names (male form).
const FAMILY: &[(&str, &str, &str)] = &[
    ("Усмонов", "Usmonov", "Usmanov"),
    ("Хайдаров", "Khaydarov", "Haydarov"),
    ("Юлдашев", "Yuldashev", "Iuldashev"),
    ("Каримов", "Karimov", "Qarimov"),
    ("Рахимов", "Rakhimov", "Rahimov"),
    ("Абдуллаев", "Abdullaev", "Abdullayev"),
    ("Турсунов", "Tursunov", "Tursunov"),
    ("Исмаилов", "Ismailov", "Ismoilov"),
    ("Жумабаев", "Zhumabaev", "Jumabaev"),
    ("Мамытов", "Mamytov", "Mamitov"),
    ("Эргашев", "Ergashev", "Ergeshev"),
    ("Назаров", "Nazarov", "Nazarov"),
    ("Султанов", "Sultanov", "Sultonov"),
    ("Ташиев", "Tashiev", "Toshiev"),
    ("Мирзаев", "Mirzaev", "Mirzayev"),
    ("Ахмедов", "Akhmedov", "Ahmedov"),
    ("Бакиров", "Bakirov", "Boqirov"),
    ("Халилов", "Khalilov", "Halilov"),
    ("Нурматов", "Nurmatov", "Nurmatov"),
    ("Садыков", "Sadykov", "Sodiqov"),
    ("Толибов", "Tolibov", "Talibov"),
    ("Умаров", "Umarov", "Oumarov"),
    ("Валиев", "Valiev", "Valiyev"),
    ("Юсупов", "Yusupov", "Iusupov"),
    ("Закиров", "Zakirov", "Zokirov"),
    ("Алимов", "Alimov", "Olimov"),
    ("Ботиров", "Botirov", "Batirov"),
    ("Гафуров", "Gafurov", "Gafurov"),
    ("Кадыров", "Kadyrov", "Qodirov"),
    ("Шарипов", "Sharipov", "Sharipov"),
];
const GIVEN_M: &[(&str, &str, &str)] = &[
    ("Шерзод", "Sherzod", "Shirzod"),
    ("Алишер", "Alisher", "Alisher"),
    ("Бахтияр", "Bakhtiyar", "Bakhtiar"),
    ("Азамат", "Azamat", "Azamat"),
    ("Равшан", "Ravshan", "Raushan"),
    ("Улугбек", "Ulugbek", "Ulughbek"),
    ("Жахонгир", "Jakhongir", "Dzhakhongir"),
    ("Нурлан", "Nurlan", "Nurlan"),
    ("Фаррух", "Farrukh", "Farruh"),
    ("Дилшод", "Dilshod", "Dilshad"),
    ("Бобур", "Bobur", "Babur"),
    ("Икром", "Ikrom", "Ikram"),
    ("Кахрамон", "Kakhramon", "Qahramon"),
    ("Мухаммад", "Mukhammad", "Muhammad"),
    ("Отабек", "Otabek", "Atabek"),
];
const GIVEN_F: &[(&str, &str, &str)] = &[
    ("Гулнара", "Gulnara", "Gulnora"),
    ("Дилноза", "Dilnoza", "Dilnaza"),
    ("Малика", "Malika", "Maliqa"),
    ("Зарина", "Zarina", "Zarina"),
    ("Нигора", "Nigora", "Nigara"),
];
const PLACES: &[(&str, &str)] = &[
    ("Черемушки", "Cheremushki"),
    ("Фуркат", "Furkat"),
    ("Нариман", "Nariman"),
    ("Кызыл-Кыштак", "Kyzyl-Kyshtak"),
];

struct Truth {
    family: usize,
    given: usize,
    female: bool,
    age: i32,
    place: usize,
}

fn pick(rng: &mut ChaCha8Rng, t: (&str, &str, &str)) -> String {
    match rng.gen_range(0..3) {
        0 => t.0.to_string(),
        1 => t.1.to_string(),
        _ => t.2.to_string(),
    }
}

fn feminine(s: &str) -> String {
    // Russian-style feminine surnames in both scripts.
    if s.ends_with('в') || s.ends_with('v') {
        format!(
            "{s}{}",
            if s.chars().any(|c| c.is_alphabetic() && !c.is_ascii()) {
                "а"
            } else {
                "a"
            }
        )
    } else {
        s.to_string()
    }
}

fn victims(seed: u64, persons: usize) -> (Vec<VictimRecord>, Vec<String>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let people: Vec<Truth> = (0..persons)
        .map(|_| {
            let female = rng.gen_bool(0.25);
            Truth {
                family: rng.gen_range(0..FAMILY.len()),
                given: rng.gen_range(0..if female { GIVEN_F.len() } else { GIVEN_M.len() }),
                female,
                age: rng.gen_range(4..80),
                place: rng.gen_range(0..PLACES.len()),
            }
        })
        .collect();
    let event = NaiveDate::from_ymd_opt(2010, 6, 12).unwrap();
    let mut records = Vec::new();
    let mut truth = Vec::new();
    for (list, p_on) in [("morgue", 0.7), ("commission", 0.6), ("ngo", 0.5)] {
        for (k, p) in people.iter().enumerate() {
            if !rng.gen_bool(p_on) {
                continue;
            }
            let mut family = pick(&mut rng, FAMILY[p.family]);
            if p.female {
                family = feminine(&family);
            }
            let given = pick(
                &mut rng,
                if p.female {
                    GIVEN_F[p.given]
                } else {
                    GIVEN_M[p.given]
                },
            );
            let age = if rng.gen_bool(0.85) {
                Some(f64::from(p.age + rng.gen_range(-1..=1)))
            } else {
                None
            };
            let place = rng.gen_bool(0.6).then(|| {
                let pl = PLACES[p.place];
                if rng.gen_bool(0.5) { pl.0 } else { pl.1 }.to_string()
            });
            let full = match rng.gen_range(0..3) {
                0 => format!("{family} {given}"),
                1 => format!("{given} {family}"),
                _ => format!(
                    "{family} {given} {}",
                    if p.female {
                        "Акбаровна"
                    } else {
                        "Акбарович"
                    }
                ),
            };
            records.push(VictimRecord {
                id: format!("{list}-{}", records.len()),
                list: list.into(),
                full_name: Some(full),
                sex: rng
                    .gen_bool(0.7)
                    .then(|| if p.female { "f" } else { "m" }.to_string()),
                age,
                event_date: Some(event),
                place,
                ..Default::default()
            });
            truth.push(k.to_string());
        }
    }
    (records, truth)
}

#[test]
fn transliterated_victim_names_link_across_lists() {
    let (records, truth) = victims(11, 150);
    let out = link_victims(&records, &PersonOptions::default()).unwrap();
    let mut assignment = vec![0u32; records.len()];
    let index: std::collections::HashMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    for (c, p) in out.persons.iter().enumerate() {
        for r in &p.records {
            assignment[index[r.as_str()]] = c as u32;
        }
    }
    let m = evaluate(&Clustering { assignment }, &truth).unwrap();
    println!("persons: {m:?}");
    // The fixture has many true namesakes of similar age (30 surnames x 15 given
    // names for 150 people), which no method can separate; 0.92 is measured.
    assert!(
        m.pairwise.f1 >= 0.9,
        "persons pairwise F1 {:.4}",
        m.pairwise.f1
    );
    // The domain m for birth years is kept, not re-estimated.
    let by = out
        .output
        .model
        .fields
        .iter()
        .find(|f| f.field == "birth_year")
        .unwrap();
    assert!((by.m[4] - 0.03).abs() < 1e-9, "{:?}", by.m);
    // Capture histories cover every person once, over three lists.
    let histories = out.capture_histories();
    assert_eq!(histories.values().sum::<usize>(), out.persons.len());
    assert!(histories.keys().all(|h| h.len() == 3));
}

#[test]
fn the_three_spellings_of_one_victim_are_one_person() {
    let rec =
        |id: &str, list: &str, name: &str, age: Option<f64>, place: Option<&str>| VictimRecord {
            id: id.into(),
            list: list.into(),
            full_name: Some(name.into()),
            age,
            place: place.map(str::to_string),
            ..Default::default()
        };
    let records = vec![
        rec("a", "morgue", "Усмонов Шерзод", None, None),
        rec("b", "commission", "Usmonov Sherzod", Some(34.0), None),
        rec(
            "c",
            "ngo",
            "Sherzod Usmanov",
            Some(34.0),
            Some("Cheremushki"),
        ),
        rec("d", "ngo", "Гулнара Каримова", Some(22.0), None),
    ];
    let out = link_victims(&records, &PersonOptions::default()).unwrap();
    assert_eq!(out.persons.len(), 2, "{:?}", out.persons);
    let usmonov = out
        .persons
        .iter()
        .find(|p| p.records.contains(&"a".to_string()))
        .unwrap();
    assert_eq!(usmonov.lists, vec![0, 1, 2]);
}

fn reports(seed: u64, events: usize) -> (Vec<ReportFeatures>, Vec<String>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = Utc.with_ymd_and_hms(2010, 6, 10, 0, 0, 0).unwrap();
    let types = ["killing", "arson", "looting", "beating", "abduction"];
    let mut out = Vec::new();
    let mut truth = Vec::new();
    for e in 0..events {
        let t = start + Duration::minutes(rng.gen_range(0..60 * 24 * 14));
        let area = rng.gen_range(0..3usize);
        let (lat, lon) = (
            40.3 + 0.3 * area as f64 + rng.gen_range(0.0..0.2),
            72.6 + rng.gen_range(0.0..0.5),
        );
        let killed = rng.gen_range(0..12u32);
        let kind = types[rng.gen_range(0..types.len())];
        let place = PLACES[rng.gen_range(0..PLACES.len())];
        for r in 0..rng.gen_range(1..=4) {
            let located = rng.gen_bool(0.9);
            let shift = Duration::minutes(rng.gen_range(-180..180));
            let lo = killed.saturating_sub(rng.gen_range(0..2));
            let (text, lang) = match rng.gen_range(0..3) {
                0 => (
                    format!("{kind} reported in {}, {lo} dead, houses burning", place.1),
                    "en",
                ),
                1 => (
                    format!("В районе {} сообщают: погибли {lo}, горят дома", place.0),
                    "ru",
                ),
                _ => (
                    format!("{} mahallasida {lo} kishi halok bo'ldi", place.1),
                    "uz",
                ),
            };
            out.push(ReportFeatures {
                id: format!("e{e}r{r}"),
                time_start: t + shift,
                time_end: t + shift + Duration::hours(rng.gen_range(0..4)),
                lat: located.then(|| lat + rng.gen_range(-0.01..0.01)),
                lon: located.then(|| lon + rng.gen_range(-0.01..0.01)),
                admin2: Some(["kara-suu", "osh-city", "aravan"][area].into()),
                event_types: vec![kind.to_string()],
                actors: vec![],
                killed_min: Some(lo),
                killed_max: Some(killed + rng.gen_range(0..2)),
                text,
                language: Some(lang.into()),
                place_text: place.1.to_string(),
                named_place: Vec::new(),
                place_details: Vec::new(),
                location_uncertainty_km: None,
                source: Some(format!("s{r}")),
                injured_min: None,
                injured_max: None,
            });
            truth.push(e.to_string());
        }
    }
    (out, truth)
}

#[test]
fn reports_in_three_languages_form_incidents() {
    let (reports, truth) = reports(5, 60);
    let linker = IncidentLinker::default();
    let batch = linker.relink_all(&reports, false, &[]).unwrap();
    let index: std::collections::HashMap<&str, usize> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut assignment = vec![0u32; reports.len()];
    for (c, inc) in batch.incidents.iter().enumerate() {
        for r in inc {
            assignment[index[r.as_str()]] = c as u32;
        }
    }
    let m = evaluate(&Clustering { assignment }, &truth).unwrap();
    println!("incidents: {m:?}, {} pairs for review", batch.review.len());
    // Sixty events in two weeks across three districts, a tenth of the reports
    // without a location, texts in three languages: 0.84 is measured with the
    // hand-set model at the strict link threshold of 0.9.
    assert!(
        m.pairwise.f1 >= 0.8,
        "incident pairwise F1 {:.4}",
        m.pairwise.f1
    );
}

#[test]
fn a_new_report_is_linked_reviewed_or_new() {
    let (reports, _) = reports(9, 30);
    let linker = IncidentLinker::default();
    // Build open incidents from all reports of events 0..29 except the first report of event 0.
    let mut incidents: Vec<OpenIncident> = Vec::new();
    for r in reports.iter().skip(1) {
        let e = r.id.split('r').next().unwrap().to_string();
        match incidents.iter_mut().find(|i| i.id == e) {
            Some(i) => i.reports.push(r.clone()),
            None => incidents.push(OpenIncident {
                id: e,
                reports: vec![r.clone()],
            }),
        }
    }
    let new = reports[0].clone();
    match linker.score(&new, &incidents).unwrap() {
        IncidentDecision::Link(m) => {
            assert_eq!(m.incident_id, "e0");
            assert!(m
                .explanation
                .fields
                .iter()
                .any(|f| f.field == "time" && f.weight > 0.0));
        }
        // Event 0 may have had a single report: then nothing should link confidently.
        IncidentDecision::NewIncident(best) => {
            assert!(incidents.iter().all(|i| i.id != "e0"), "{best:?}")
        }
        IncidentDecision::Review(c) => assert!(c.iter().any(|m| m.incident_id == "e0"), "{c:?}"),
    }
    // A report far away in time and space starts a new incident.
    let mut far = new.clone();
    far.time_start += Duration::days(200);
    far.time_end += Duration::days(200);
    far.lat = Some(42.87);
    far.lon = Some(74.59);
    far.admin2 = Some("bishkek".into());
    assert!(matches!(
        linker.score(&far, &incidents).unwrap(),
        IncidentDecision::NewIncident(_)
    ));
}
