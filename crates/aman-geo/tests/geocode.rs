//! What the geocoder answers for the ways reports name places, and the evaluation
//! targets on the committed labelled set.

use aman_geo::{Geocoder, Precision, ResolutionStatus, HIGH_CONFIDENCE};

fn geocoder() -> &'static Geocoder {
    static G: std::sync::OnceLock<Geocoder> = std::sync::OnceLock::new();
    G.get_or_init(Geocoder::builtin)
}

#[track_caller]
fn check(text: &str, id: &str, precision: Precision) {
    let r = geocoder().resolve(text);
    let best = r
        .best
        .as_ref()
        .unwrap_or_else(|| panic!("{text}: unresolved"));
    assert_eq!(
        (best.place_id.as_str(), best.precision),
        (id, precision),
        "{text}: {best:?}"
    );
    assert_eq!(r.status, ResolutionStatus::Resolved, "{text}");
}

#[test]
fn jalal_abad_in_every_spelling() {
    for q in [
        "Жалал-Абад",
        "Джалал-Абад",
        "Jalalabad",
        "Jalal-Abad",
        "Dzhalal-Abad",
        "Jalolobod",
        "г. Джалал-Абад",
        "Manas",
    ] {
        check(q, "1528249", Precision::Settlement);
    }
    check("Jalal-Abad oblast", "1529778", Precision::Region);
    check("Жалал-Абад облусу", "1529778", Precision::Region);
}

#[test]
fn a_neighbourhood_brings_its_town_as_second_candidate() {
    let r = geocoder().resolve("Черемушки");
    let ids: Vec<&str> = r.candidates.iter().map(|c| c.place_id.as_str()).collect();
    assert_eq!(&ids[..2], ["cur:osh-cheremushki", "1527534"]);
    assert_eq!(r.best.unwrap().parent_id.as_deref(), Some("1527534"));
    assert!(!r.ambiguous);
}

#[test]
fn affixes_hints_and_near() {
    check(
        "мкр. Черемушки, г. Ош",
        "cur:osh-cheremushki",
        Precision::Settlement,
    );
    check(
        "Nariman village near Osh",
        "cur:nariman",
        Precision::Settlement,
    );
    check("Suzak raion", "7910407", Precision::District);
    check("Сузакский район", "7910407", Precision::District);
    check("Suzak", "1527317", Precision::Settlement);
    check("Bozorqoʻrgʻon", "1528717", Precision::Settlement);
    check("Osh oblast", "1346798", Precision::Region);
    check("в Оше", "1527534", Precision::Settlement);
    // "near X" cannot claim X's own precision.
    check("near Osh", "1527534", Precision::District);
    check("10 km from Osh", "1527534", Precision::District);
    check("Uzgen bazaar", "1527513", Precision::Settlement);
    // Typos in kind words, but not in names that look like one ("Massi" ≈ "massiv").
    check("Jalal-Abad oblst", "1529778", Precision::Region);
    check("Suzak raoin", "7910407", Precision::District);
    check("Massi", "1527689", Precision::Settlement);
    check(
        "they fled to the village of Nariman near Osh",
        "cur:nariman",
        Precision::Settlement,
    );
    check("Özgön raion", "7667445", Precision::District);
    check("Карасуйский район", "7910404", Precision::District);
    // Street addresses are not place names; the town after them is.
    check("ул. Ленина 5, г. Ош", "1527534", Precision::Settlement);
}

#[test]
fn kyrgyz_kind_words_and_landmarks_keep_confidence() {
    // "кичи району" is a microdistrict, not a district; "борбору" is the centre.
    for (text, id) in [
        ("Фуркат кичи району", "cur:osh-furkat"),
        ("Черемушки кичи району, №27 мектеп", "cur:osh-cheremushki"),
        ("Ош шаарынын борбору, Ахунбаев көчөсү", "1527534"),
        ("Ош шаары, борбор", "1527534"),
        // A school or bazaar named beside the place is a landmark inside it.
        ("центр Оша, школа №8", "1527534"),
        ("Өзгөн, №17 мектеп", "1527513"),
    ] {
        check(text, id, Precision::Settlement);
        let r = geocoder().resolve(text);
        assert!(!r.needs_review, "{text}: confidence {}", r.confidence);
    }
    // The district reading stays when no "кичи" comes before it.
    check("Сузак району", "7910407", Precision::District);
    // An unknown name beside the place still weakens it.
    assert!(
        geocoder().resolve("Osh, Unknownplace").confidence < geocoder().resolve("Osh").confidence
    );
}

#[test]
fn shared_names_are_ambiguous_unless_a_hint_decides() {
    let r = geocoder().resolve("Ак-Суу");
    assert!(r.ambiguous && r.needs_review && r.status == ResolutionStatus::Ambiguous);
    assert!(r.confidence < HIGH_CONFIDENCE);
    let ids: Vec<&str> = r.candidates.iter().map(|c| c.place_id.as_str()).collect();
    assert!(
        ids.contains(&"1527232") && ids.contains(&"8377866"),
        "{ids:?}"
    );
    check("Ak-Suu, Issyk-Kul oblast", "1527232", Precision::Settlement);
    check(
        "Ак-Суу, Баткенская область",
        "8377866",
        Precision::Settlement,
    );
}

#[test]
fn own_name_beats_another_places_former_name() {
    // Zyndan's GeoNames alternate names include "Toktogul"; Karavan's include "Kerben".
    for (q, id) in [
        ("Toktogul", "1538648"),
        ("Kerben", "1528052"),
        ("Kara-Kul", "1528124"),
    ] {
        let r = geocoder().resolve(q);
        assert_eq!(r.best.unwrap().place_id, id, "{q}");
        assert!(!r.ambiguous, "{q}");
    }
}

#[test]
fn typos_resolve_without_high_confidence() {
    let r = geocoder().resolve("Jalal-Abd");
    assert_eq!(r.best.as_ref().unwrap().place_id, "1528249");
    assert!(r.confidence < HIGH_CONFIDENCE, "{}", r.confidence);
    assert!(r.needs_review);
    assert!(geocoder().resolve("Xyzzyplugh").best.is_none());
}

#[test]
fn mentions_in_narrative_any_language() {
    let g = geocoder();
    let m = g.extract_mentions(
        "On 11 June the crowd moved from Cheremushki towards Furkat, then to Suzak raion.",
    );
    let got: Vec<(&str, &str)> = m
        .iter()
        .map(|m| {
            (
                m.text.as_str(),
                m.resolution
                    .best
                    .as_ref()
                    .map_or("", |b| b.place_id.as_str()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Cheremushki", "cur:osh-cheremushki"),
            ("Furkat", "cur:osh-furkat"),
            ("Suzak raion", "7910407")
        ]
    );
    let m = g.extract_mentions("Беженцы из Базар-Коргона ушли в с. Нариман; a shark was not seen.");
    let ids: Vec<&str> = m
        .iter()
        .filter_map(|m| m.resolution.best.as_ref())
        .map(|b| b.place_id.as_str())
        .collect();
    assert_eq!(ids, ["1528717", "cur:nariman"]);
    let m = g.extract_mentions("Oshda va Jalolobodda");
    assert_eq!(m.len(), 2);
}

#[test]
fn admin_codes_and_names_come_with_the_answer() {
    let r = geocoder().resolve("Bazar-Korgon");
    let b = r.best.clone().unwrap();
    assert_eq!(
        (b.admin1_code.as_deref(), b.admin1_name.as_deref()),
        (Some("KG.03"), Some("Jalal-Abad"))
    );
    let codes = r.admin_codes();
    let a = r.admin.clone().unwrap();
    assert_eq!(a.admin1.unwrap().code, "KG.03");
    assert_eq!(codes.admin1_name.as_deref(), Some("Jalal-Abad"));
    // Osh city: the legal code (city of republican rank), not the oblast polygon around it.
    let osh = geocoder().resolve("г. Ош");
    assert_eq!(osh.admin.clone().unwrap().admin1.unwrap().code, "KG.08");
    assert_eq!(osh.admin_codes().admin1_code.as_deref(), Some("KG.10"));
}

#[test]
fn evaluation_targets_on_the_labelled_set() {
    let text = include_str!("../eval/places_labelled.tsv");
    let rows = aman_geo::eval::parse_labelled(text, "places_labelled.tsv").unwrap();
    assert!(rows.len() >= 400);
    for lang in ["en", "ru", "ky", "uz"] {
        assert!(
            rows.iter().filter(|r| r.lang == lang).count() >= 40,
            "{lang}"
        );
    }
    let report = aman_geo::eval::evaluate(geocoder(), &rows);
    let o = &report.overall;
    assert!(o.top1 >= 0.95, "top-1 {:.3}", o.top1);
    assert!(o.top3 >= o.top1);
    assert!(
        o.wrong_confident <= 0.01,
        "wrong-and-confident {:.4}",
        o.wrong_confident
    );
}

#[test]
fn labelled_set_is_reproducible() {
    let rows = aman_geo::evalset::generate_labelled(geocoder().gazetteer(), 20100610);
    assert_eq!(
        aman_geo::evalset::to_tsv(&rows),
        include_str!("../eval/places_labelled.tsv")
    );
}

#[test]
fn geocoder_can_be_shared_across_threads_and_results_serialise() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Geocoder>();
    let r = geocoder().resolve("Базар-Коргон");
    let json = serde_json::to_string(&r).unwrap();
    let back: aman_geo::Resolution = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (back.status, back.best.map(|b| b.place_id)),
        (r.status, Some("1528717".to_owned()))
    );
    assert_eq!(back.candidates.len(), r.candidates.len());
    assert!(
        json.contains(r#""status":"resolved""#) && json.contains(r#""precision":"settlement""#),
        "{json}"
    );
}
