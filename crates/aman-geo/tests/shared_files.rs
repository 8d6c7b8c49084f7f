//! Imports and point-in-polygon against the boundary and gazetteer files in
//! `../shared/geo/kgz/`, read in place (never copied into the repository).

use std::collections::HashMap;
use std::path::PathBuf;

use aman_geo::{parse_boundaries_geojson, AdminIndex, Gazetteer, Geocoder};

fn kgz(test: &str) -> Option<PathBuf> {
    Some(aman_testkit::shared_dir(test)?.join("geo/kgz"))
}

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The shared extract of GeoNames cities500 with point-in-polygon answers computed
/// independently: (id, lat, lon, gb_adm1, gb_adm2, ne_adm1).
fn reference_places(dir: &std::path::Path) -> Vec<(String, f64, f64, String, String, String)> {
    read(dir, "kg_places_geonames_cities500.tsv")
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].into(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[8].into(),
                f[9].into(),
                f[10].into(),
            )
        })
        .collect()
}

#[test]
fn geoboundaries_adm1_adm2_assign_like_the_reference() {
    let Some(dir) = kgz("geoboundaries_adm1_adm2_assign_like_the_reference") else {
        return;
    };
    let adm1 = parse_boundaries_geojson(
        &read(&dir, "geoBoundaries-KGZ-ADM1.from-topojson.geojson"),
        None,
    )
    .unwrap();
    let adm2 = parse_boundaries_geojson(
        &read(&dir, "geoBoundaries-KGZ-ADM2.from-topojson.geojson"),
        None,
    )
    .unwrap();
    assert_eq!((adm1.len(), adm2.len()), (7, 41));
    assert!(adm1.iter().all(|b| b.level == 1) && adm2.iter().all(|b| b.level == 2));
    let index = AdminIndex::new(adm1.into_iter().chain(adm2).collect());
    let places = reference_places(&dir);
    assert!(places.len() >= 100);
    for (id, lat, lon, gb1, gb2, _) in &places {
        let got = index.locate(*lat, *lon);
        let n1 = got
            .as_ref()
            .and_then(|a| a.admin1.as_ref())
            .map(|r| r.name.as_str())
            .unwrap_or("");
        let n2 = got
            .as_ref()
            .and_then(|a| a.admin2.as_ref())
            .map(|r| r.name.as_str())
            .unwrap_or("");
        assert_eq!(
            (n1, n2),
            (gb1.as_str(), gb2.as_str()),
            "place {id} at {lat},{lon}"
        );
    }
}

#[test]
fn builtin_natural_earth_layer_matches_the_reference() {
    let Some(dir) = kgz("builtin_natural_earth_layer_matches_the_reference") else {
        return;
    };
    let index = Gazetteer::builtin_admin_index();
    let shared_ne =
        parse_boundaries_geojson(&read(&dir, "ne10m-admin1-KGZ.geojson"), Some(1)).unwrap();
    let iso: HashMap<String, String> = shared_ne
        .iter()
        .map(|b| (b.code.clone(), b.iso_3166_2.clone().unwrap_or_default()))
        .collect();
    assert_eq!(index.len(1), shared_ne.len());
    for (id, lat, lon, _, _, ne) in reference_places(&dir) {
        let code = index
            .locate_level(1, lat, lon)
            .map(|b| b.code.clone())
            .unwrap_or_default();
        assert_eq!(
            iso.get(&code).cloned().unwrap_or_default(),
            ne,
            "place {id}"
        );
    }
}

#[test]
fn builtin_admin_codes_match_the_shared_extract() {
    let Some(dir) = kgz("builtin_admin_codes_match_the_shared_extract") else {
        return;
    };
    let g = Gazetteer::builtin();
    let text = read(&dir, "kg_admin_codes_geonames.tsv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), g.admin_areas().len());
    for f in rows {
        let a = g
            .admin_area(f[0])
            .unwrap_or_else(|| panic!("{} missing", f[0]));
        assert_eq!(a.name, f[2]);
        assert_eq!(a.geonameid.map(|x| x.to_string()).as_deref(), Some(f[5]));
    }
}

#[test]
fn index_agrees_with_brute_force_on_random_points() {
    let Some(dir) = kgz("index_agrees_with_brute_force_on_random_points") else {
        return;
    };
    let adm2 = parse_boundaries_geojson(
        &read(&dir, "geoBoundaries-KGZ-ADM2.from-topojson.geojson"),
        None,
    )
    .unwrap();
    let index = AdminIndex::new(adm2);
    let mut x: u64 = 7;
    for _ in 0..3000 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let lat = 39.0 + (x >> 11) as f64 / (1u64 << 53) as f64 * 4.5;
        let lon = 69.0 + ((x >> 3) % 1_000_000) as f64 / 1e6 * 12.0;
        let a = index.locate_level(2, lat, lon).map(|b| &b.code);
        let b = index.locate_level_brute_force(2, lat, lon).map(|b| &b.code);
        assert_eq!(a, b, "{lat},{lon}");
    }
}

#[test]
fn imported_boundaries_become_geocodable_and_mappable() {
    let Some(dir) = kgz("imported_boundaries_become_geocodable_and_mappable") else {
        return;
    };
    let adm2 = parse_boundaries_geojson(
        &read(&dir, "geoBoundaries-KGZ-ADM2.from-topojson.geojson"),
        None,
    )
    .unwrap();
    let base = Gazetteer::builtin();
    let gaz = base.with_boundaries(&adm2);
    let index = Gazetteer::builtin_admin_index().with_replaced(adm2);
    assert_eq!((index.len(1), index.len(2)), (8, 41));
    let g = Geocoder::new(gaz, index);
    // "Chong-Alay" is in geoBoundaries only, not in the built-in admin table.
    let r = g.resolve("Chong-Alay raion");
    let best = r.best.expect("resolved");
    assert_eq!(best.kind, aman_geo::PlaceKind::District);
    // The resolved point's admin areas come from the imported polygons.
    assert_eq!(
        r.admin.and_then(|a| a.admin2).map(|a| a.name).as_deref(),
        Some("Chong-Alay")
    );
    // Simplified GeoJSON for the map is much smaller and still valid input.
    let full = g.admin_index().geojson(2, 0.0).to_string();
    let simple = g.admin_index().geojson(2, 0.01).to_string();
    assert!(
        simple.len() * 3 < full.len(),
        "{} vs {}",
        simple.len(),
        full.len()
    );
    assert_eq!(
        parse_boundaries_geojson(&simple, Some(2)).unwrap().len(),
        41
    );
}

#[test]
fn import_command_path_accepts_every_shared_geojson_and_rejects_topojson() {
    let Some(dir) = kgz("import_command_path_accepts_every_shared_geojson_and_rejects_topojson")
    else {
        return;
    };
    let g = Geocoder::builtin();
    let (g, s1) = g
        .import(
            aman_geo::ImportKind::Boundaries,
            &read(&dir, "geoBoundaries-KGZ-ADM1.from-topojson.geojson"),
            "adm1",
        )
        .unwrap();
    assert_eq!((s1.boundaries_adm1, s1.boundaries_adm2), (7, 0));
    let (g, s2) = g
        .import(
            aman_geo::ImportKind::Boundaries,
            &read(&dir, "geoBoundaries-KGZ-ADM2.from-topojson.geojson"),
            "adm2",
        )
        .unwrap();
    assert_eq!((s2.boundaries_adm1, s2.boundaries_adm2), (0, 41));
    let (g, s3) = g
        .import(
            aman_geo::ImportKind::Boundaries,
            &read(&dir, "ne10m-admin1-KGZ.geojson"),
            "ne",
        )
        .unwrap();
    assert_eq!(s3.boundaries_adm1, 8);
    assert_eq!((g.admin_index().len(1), g.admin_index().len(2)), (8, 41));
    // Report intake now carries the imported raion.
    let r = g.resolve("Bazar-Korgon");
    assert_eq!(
        r.admin.and_then(|a| a.admin2).map(|a| a.name).as_deref(),
        Some("Bazar-Korgon")
    );
    let e = g
        .import(
            aman_geo::ImportKind::Boundaries,
            &read(&dir, "geoBoundaries-KGZ-ADM1.topojson"),
            "adm1.topojson",
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`Topology`") && e.contains("expected FeatureCollection"),
        "{e}"
    );
}
