//! Geocoding and admin-assignment throughput, each next to a baseline measured in the
//! same run.
//!
//!     cargo run --release -p aman-geo --example bench_geo
//!
//! 1. Single-name geocodes per second on one core (the labelled set's single-name rows,
//!    cycled), against a naive linear scan comparing the folded query with every folded
//!    gazetteer name (exact matches only, so it does strictly less work).
//! 2. Point-in-polygon ADM2 assignment of 1,000,000 seeded random points in the
//!    country's bounding box against geoBoundaries ADM2 from `../shared/geo/kgz/`
//!    (the built-in Natural Earth ADM1 layer when that folder is absent), against
//!    brute-force even-odd tests over every polygon on a 20,000-point subset, scaled.

use std::time::Instant;

use rand::{Rng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let g = aman_geo::Geocoder::builtin();
    println!(
        "build: built-in gazetteer ({} places) and name indexes in {:.1} ms",
        g.gazetteer().places().len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let tsv = include_str!("../eval/places_labelled.tsv");
    let rows = aman_geo::eval::parse_labelled(tsv, "places_labelled.tsv")?;
    let queries: Vec<&str> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.category.as_str(),
                "canonical" | "cyrillic" | "translit" | "typo"
            )
        })
        .map(|r| r.text.as_str())
        .collect();
    let n = 200_000;
    let t = Instant::now();
    let mut found = 0usize;
    for i in 0..n {
        found += g.geocode(queries[i % queries.len()], 5).len().min(1);
    }
    let secs = t.elapsed().as_secs_f64();
    println!("geocode: {n} single-name queries ({} distinct) in {secs:.3} s = {:.0} geocodes/s on one core ({found} with a candidate)", queries.len(), n as f64 / secs);
    for cat in ["canonical", "cyrillic", "translit", "typo"] {
        let qs: Vec<&str> = rows
            .iter()
            .filter(|r| r.category == cat)
            .map(|r| r.text.as_str())
            .collect();
        let m = 50_000;
        let t = Instant::now();
        for i in 0..m {
            std::hint::black_box(g.geocode(qs[i % qs.len()], 5));
        }
        println!(
            "  {cat:<10} {:.0} geocodes/s",
            m as f64 / t.elapsed().as_secs_f64()
        );
    }

    let names: Vec<(String, usize)> = g
        .gazetteer()
        .places()
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            std::iter::once(&p.name)
                .chain(&p.alt_names)
                .map(move |n| (aman_text::fold(n).replace(' ', ""), i))
        })
        .collect();
    let nb = 50_000;
    let t = Instant::now();
    let mut base_found = 0usize;
    for i in 0..nb {
        let q = aman_text::fold(queries[i % queries.len()]).replace(' ', "");
        base_found += usize::from(names.iter().any(|(n, _)| *n == q));
    }
    let bsecs = t.elapsed().as_secs_f64();
    println!(
        "baseline: naive linear scan of {} folded names, exact only: {:.0} queries/s ({base_found} of {nb} found)",
        names.len(),
        nb as f64 / bsecs
    );

    let (index, level, label) = match aman_testkit::shared_dir("bench_geo") {
        Some(shared) => {
            let path = shared.join("geo/kgz/geoBoundaries-KGZ-ADM2.from-topojson.geojson");
            let text = std::fs::read_to_string(&path)?;
            let b = aman_geo::parse_boundaries_geojson(&text, None)?;
            (aman_geo::AdminIndex::new(b), 2u8, "geoBoundaries ADM2")
        }
        None => (
            aman_geo::Gazetteer::builtin_admin_index(),
            1u8,
            "built-in Natural Earth ADM1",
        ),
    };
    let mut ext = aman_geo::geometry::BBox::empty();
    let mut vertices = 0;
    for b in index.boundaries(level) {
        ext.union(&b.bbox);
        vertices += b.area.vertex_count();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2010);
    let pts: Vec<(f64, f64)> = (0..1_000_000)
        .map(|_| {
            (
                rng.gen_range(ext.min_lat..ext.max_lat),
                rng.gen_range(ext.min_lon..ext.max_lon),
            )
        })
        .collect();
    let t = Instant::now();
    let mut inside = 0usize;
    for &(lat, lon) in &pts {
        inside += usize::from(index.locate_level(level, lat, lon).is_some());
    }
    let psecs = t.elapsed().as_secs_f64();
    println!(
        "admin assignment: 1,000,000 points against {} {label} polygons ({vertices} vertices) in {psecs:.3} s ({inside} inside a polygon)",
        index.len(level)
    );
    let sub = 20_000;
    let t = Instant::now();
    let mut agree = 0usize;
    for &(lat, lon) in &pts[..sub] {
        let brute = index
            .locate_level_brute_force(level, lat, lon)
            .map(|b| &b.code);
        agree += usize::from(brute == index.locate_level(level, lat, lon).map(|b| &b.code));
    }
    let bs = t.elapsed().as_secs_f64();
    println!(
        "baseline: brute-force point-in-polygon over all polygons: {sub} points in {bs:.3} s, scaled to 1,000,000: {:.1} s; indexed answer agrees on {agree}/{sub}",
        bs * (1_000_000 / sub) as f64
    );
    Ok(())
}
