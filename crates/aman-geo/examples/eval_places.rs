//! Prints top-1 accuracy, top-3 recall and the wrong-and-confident rate of the built-in
//! geocoder on a labelled set (default: the committed `eval/places_labelled.tsv`).
//!
//!     cargo run --release -p aman-geo --example eval_places [-- FILE.tsv] [--errors]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = args.iter().any(|a| a == "--errors");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/eval/places_labelled.tsv").to_owned()
        });
    let text = std::fs::read_to_string(&path)?;
    let rows = aman_geo::eval::parse_labelled(&text, &path)?;
    let g = aman_geo::Geocoder::builtin();
    let r = aman_geo::eval::evaluate(&g, &rows);
    let o = &r.overall;
    println!("labelled set: {path}");
    println!(
        "n={} top1={:.1}% top3={:.1}% wrong_and_confident(conf>={})={:.2}% needs_review={:.1}%",
        o.n,
        100.0 * o.top1,
        100.0 * o.top3,
        aman_geo::HIGH_CONFIDENCE,
        100.0 * o.wrong_confident,
        100.0 * o.needs_review
    );
    for (name, group) in [("category", &r.by_category), ("lang", &r.by_lang)] {
        for (k, v) in group {
            println!(
                "  {name}={k:<12} n={:<4} top1={:.1}% top3={:.1}% wrong_conf={:.2}%",
                v.n,
                100.0 * v.top1,
                100.0 * v.top3,
                100.0 * v.wrong_confident
            );
        }
    }
    for b in &r.calibration {
        println!(
            "  confidence {:.2}–{:.2}: n={:<4} top-1 right {:.1}%",
            b.low,
            b.high,
            b.n,
            100.0 * b.accuracy
        );
    }
    if show_errors {
        for (text, want, got, conf) in &r.errors {
            println!("  WRONG {text:?}: expected {want}, got {got:?} (confidence {conf:.2})");
        }
    }
    Ok(())
}
