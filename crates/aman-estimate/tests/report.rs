//! The report: reproducible (version, seed, inputs, options), JSON and text, sensitivity,
//! grid-edge warning, strata.

use aman_estimate::simulate::{simulate, SimClass};
use aman_estimate::{
    estimate, estimate_strata, stratify, EstimateOptions, LinkedPerson, MissingGrid,
};

fn quick(seed: u64) -> EstimateOptions {
    let mut o = EstimateOptions {
        seed,
        ..EstimateOptions::default()
    };
    o.lcmcr.burn_in = 300;
    o.lcmcr.draws = 200;
    o.lcmcr.thin = 2;
    o
}

fn table() -> aman_estimate::CaptureTable {
    let classes = [SimClass {
        share: 1.0,
        capture: vec![0.3, 0.25, 0.2, 0.35],
    }];
    simulate(800, &classes, 21).expect("valid simulation")
}

#[test]
fn report_is_reproducible_and_renders() {
    let t = table();
    let a = estimate(&t, &quick(5)).unwrap();
    let b = estimate(&t, &quick(5)).unwrap();
    assert_eq!(
        a.lcmcr.as_ref().unwrap().draws,
        b.lcmcr.as_ref().unwrap().draws
    );
    let json: serde_json::Value = serde_json::from_str(&a.to_json()).unwrap();
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["seed"], 5);
    assert_eq!(json["input"]["observed"], t.total());
    assert!(json["loglinear"]["assumptions"].as_array().unwrap().len() >= 3);
    assert_eq!(json["dga"]["graphs"], 61);
    let text = a.to_text();
    println!("{text}");
    for needle in [
        "aman-estimate",
        "seed 5",
        "log-linear",
        "dga BMA (61 graphs",
        "LCMCR (K* = 10",
        "sensitivity:",
        "delta = 0.0625",
        "K* = 20",
        "assumptions:",
    ] {
        assert!(text.contains(needle), "missing `{needle}`");
    }
    assert_eq!(a.sensitivity.len(), 4 + 3 + 3);
}

#[test]
fn short_grid_warns_about_its_upper_edge() {
    let mut o = quick(1);
    o.methods = vec![aman_estimate::Method::Dga];
    o.sensitivity = false;
    o.dga.grid = Some(MissingGrid {
        start: 0,
        end: 100,
        step: 1,
    });
    let r = estimate(&table(), &o).unwrap();
    assert!(
        r.warnings.iter().any(|w| w.contains("upper edge")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn strata_are_estimated_or_refused_separately() {
    let lists: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
    let mut persons = Vec::new();
    // District "north": three lists with overlap; district "south": only list A.
    for mask in [1usize, 2, 4, 3, 5, 6, 7].iter().cycle().take(140) {
        let lists_of: Vec<usize> = (0..3).filter(|b| mask & (1 << b) != 0).collect();
        persons.push(LinkedPerson {
            lists: lists_of,
            strata: [("district".to_string(), "north".to_string())].into(),
        });
    }
    for _ in 0..12 {
        persons.push(LinkedPerson {
            lists: vec![0],
            strata: [("district".to_string(), "south".to_string())].into(),
        });
    }
    let strata = stratify(&lists, &persons, &["district"]).unwrap();
    let mut o = quick(2);
    o.sensitivity = false;
    let results = estimate_strata(&strata, &o);
    assert_eq!(results.len(), 2);
    let north = results[0].1.as_ref().unwrap();
    assert!(north.refused.is_none() && north.loglinear.is_some());
    let south = results[1].1.as_ref().unwrap();
    assert_eq!(south.refused.as_ref().unwrap().documented_count, 12);
    assert!(south.to_text().contains("documented count: 12"));
}
