//! End-to-end linkage of the shared benchmark files, with F1 floors. Without
//! labels, defaults only: this is what `aman link persons` does.

use std::path::Path;

use aman_linkage::{evaluate_pairs, link_csv, CsvMapping, LinkOptions};

fn mapping(id: &str, truth: &str) -> CsvMapping {
    CsvMapping {
        id_column: Some(id.into()),
        truth_column: Some(truth.into()),
        ..Default::default()
    }
}

#[test]
fn febrl3_dedup_reaches_splink_richer_model() {
    let Some(shared) = aman_testkit::shared_dir("febrl3_dedup_reaches_splink_richer_model") else {
        return;
    };
    let file = shared.join("data/linkage/febrl_dataset3.csv");
    let out = link_csv(
        &[file.as_path()],
        &mapping("rec_id", "rec_id"),
        &LinkOptions::default(),
        None,
    )
    .unwrap();
    assert!(out.skipped_rows.is_empty(), "{:?}", out.skipped_rows);
    let m = out.metrics.unwrap();
    assert!(
        m.pairwise.f1 >= 0.9992,
        "FEBRL3 pairwise F1 {:.4} below Splink's 0.9992",
        m.pairwise.f1
    );
    assert!(out.output.blocking.pair_completeness.unwrap() > 0.999);
}

#[test]
fn febrl4_two_files_link() {
    let Some(shared) = aman_testkit::shared_dir("febrl4_two_files_link") else {
        return;
    };
    let dir = shared.join("data/linkage");
    let (a, b) = (
        dir.join("febrl_dataset4a.csv"),
        dir.join("febrl_dataset4b.csv"),
    );
    let out = link_csv(
        &[a.as_path(), b.as_path()],
        &mapping("rec_id", "rec_id"),
        &LinkOptions::default(),
        None,
    )
    .unwrap();
    let m = out.metrics.unwrap();
    assert!(
        m.pairwise.f1 >= 0.9990,
        "FEBRL4 pairwise F1 {:.4}",
        m.pairwise.f1
    );
    assert_eq!(out.sources.iter().filter(|&&s| s == 1).count(), 5000);
}

#[test]
fn fake_1000_has_a_floor_and_explanations() {
    let Some(shared) = aman_testkit::shared_dir("fake_1000_has_a_floor_and_explanations") else {
        return;
    };
    let file = shared.join("data/linkage/fake_1000.csv");
    let out = link_csv(
        &[Path::new(&file)],
        &mapping("unique_id", "cluster"),
        &LinkOptions::default(),
        None,
    )
    .unwrap();
    let m = out.metrics.clone().unwrap();
    assert!(
        m.pairwise.f1 >= 0.88,
        "fake_1000 pairwise F1 {:.4}",
        m.pairwise.f1
    );
    let truth = out.truth.as_deref().unwrap();
    let pair = evaluate_pairs(&out.output.pairs, truth, 0.5);
    assert!(pair.precision > 0.8, "{pair:?}");
    // Review pairs carry an explanation that adds up.
    let first = out.review.first().expect("fake_1000 has borderline pairs");
    let sum: f64 = first.explanation.prior_weight
        + first
            .explanation
            .fields
            .iter()
            .map(|f| f.weight)
            .sum::<f64>();
    assert!((sum - first.explanation.match_weight).abs() < 1e-9);
    assert!(first.probability < 0.5 && first.probability >= 0.1);
    // The truth column never becomes a compared field.
    assert!(out.fields.iter().all(|f| f.0 != "cluster"));
}
