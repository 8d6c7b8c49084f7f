//! Bad input never panics, always names what is wrong, and never half-loads.

use aman_geo::import::{parse_curated_csv, parse_geonames_alternate_names, parse_geonames_dump};
use aman_geo::{parse_boundaries_geojson, Gazetteer, Geocoder, ResolutionStatus};
use proptest::prelude::*;

fn geocoder() -> &'static Geocoder {
    static G: std::sync::OnceLock<Geocoder> = std::sync::OnceLock::new();
    G.get_or_init(Geocoder::builtin)
}

#[test]
fn empty_huge_emoji_and_mixed_script_queries() {
    let g = geocoder();
    for q in ["", "   ", "🔥🔥", "!!!", "東京"] {
        let r = g.resolve(q);
        assert_eq!(r.status, ResolutionStatus::Unresolved, "{q:?}");
        assert!(r.best.is_none() && r.needs_review);
    }
    let huge = "Ош ".repeat(40_000);
    assert!(huge.len() > 100_000);
    let r = g.resolve(&huge);
    assert_eq!(r.status, ResolutionStatus::Unresolved);
    assert!(r.note.unwrap().contains("bytes"));
    assert!(g.geocode(&huge, 5).is_empty());
    // Latin O + Cyrillic ш, as typed with a half-switched keyboard.
    assert_eq!(g.resolve("Oш").best.unwrap().place_id, "1527534");
    assert_eq!(g.resolve("Osh 🔥").best.unwrap().place_id, "1527534");
}

#[test]
fn narrative_of_100_kb_is_scanned() {
    let text = "Толпа пришла в Черемушки, затем в с. Нариман. ".repeat(2_500);
    assert!(text.len() > 100_000);
    let m = geocoder().extract_mentions(&text);
    assert_eq!(m.len(), 5_000);
}

#[test]
fn malformed_geonames_rows_reject_the_whole_file() {
    let good = "1527534\tOsh\tOsh\t\t40.52828\t72.7985\tP\tPPLA\tKG\t\t08\t\t\t\t322164\t\t988\tAsia/Bishkek\t2022-09-26";
    let bad = good.replace("322164", "many");
    let e = parse_geonames_dump(&format!("{good}\n{good}\n{bad}\n"), "KG.txt").unwrap_err();
    assert_eq!(
        e.to_string()
            .split(':')
            .take(2)
            .collect::<Vec<_>>()
            .join(":"),
        "KG.txt line 3: field `population`"
    );
    let e = parse_geonames_alternate_names("1\t2\n", "alt.txt")
        .unwrap_err()
        .to_string();
    assert!(e.contains("alt.txt line 1"), "{e}");
    let long = format!("{}\n", "x".repeat(100_000));
    let e = parse_geonames_dump(&long, "KG.txt")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 1"), "{e}");
    let e = parse_curated_csv("id,name,kind,lat,lon\nc:1,Х,town,95,1\n", "c.csv")
        .unwrap_err()
        .to_string();
    assert!(e.contains("c.csv line 2: field `lat`"), "{e}");
}

#[test]
fn invalid_geojson_is_named() {
    for (text, want) in [
        ("{", "not valid JSON"),
        (
            r#"{"type":"FeatureCollection","features":[]}"#,
            "no data rows",
        ),
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"shapeName":"A","shapeID":"1","shapeType":"ADM2"},"geometry":null}]}"#,
            "no geometry",
        ),
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"shapeName":"Bow","shapeID":"1","shapeType":"ADM1"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[2,2],[2,0],[0,2],[0,0]]]]}}]}"#,
            "feature 0 (Bow): polygon 0 ring 0: ring crosses itself",
        ),
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"shapeName":"Open","shapeID":"1","shapeType":"ADM1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2]]]}}]}"#,
            "not closed",
        ),
    ] {
        let e = parse_boundaries_geojson(text, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
    }
}

#[test]
fn a_failed_import_leaves_the_gazetteer_unchanged() {
    let g = Gazetteer::builtin();
    let before = g.places().len();
    let result = parse_geonames_dump("1\tX\n", "KG.txt").map(|up| g.merged(up));
    assert!(result.is_err());
    assert_eq!(g.places().len(), before);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn geocoding_never_panics_and_confidence_is_a_probability(s in "\\PC{0,60}") {
        let r = geocoder().resolve(&s);
        prop_assert!((0.0..=1.0).contains(&r.confidence));
        for c in &r.candidates {
            prop_assert!((0.0..=1.0).contains(&c.confidence));
        }
        let _ = geocoder().extract_mentions(&s);
    }

    #[test]
    fn importers_never_panic(s in "[\\PC\\t\\n,]{0,200}") {
        let _ = parse_geonames_dump(&s, "x");
        let _ = parse_geonames_alternate_names(&s, "x");
        let _ = parse_curated_csv(&s, "x");
        let _ = parse_boundaries_geojson(&s, None);
    }
}
