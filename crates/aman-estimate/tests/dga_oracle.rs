//! dga against the Madigan & York (1997) 3-list example, exactly as dga's own unit test sets
//! it up (data from ../shared/data/mse/dga_madigan_york_examples.csv).

use aman_estimate::dga::{self, DgaOptions, MissingGrid, NPrior};
use aman_estimate::formats::read_r_arrays;
use aman_estimate::graphs::decomposable_graphs;

#[test]
fn decomposable_graph_counts_are_8_61_822() {
    assert_eq!(decomposable_graphs(3).len(), 8);
    assert_eq!(decomposable_graphs(4).len(), 61);
    assert_eq!(decomposable_graphs(5).len(), 822);
}

#[test]
fn madigan_york_three_lists_exact() {
    let Some(shared) = aman_testkit::shared_dir("madigan_york_three_lists_exact") else {
        return;
    };
    let file = std::fs::File::open(shared.join("data/mse/dga_madigan_york_examples.csv")).unwrap();
    let strata = read_r_arrays(file).unwrap();
    let my3 = strata.iter().find(|s| s.label == "example=my3").unwrap();
    assert_eq!(my3.table.total(), 626);
    let (a, b) = (13.14f64, 55.17f64);
    let prior = NPrior::custom(
        "Madigan & York negative-binomial-like prior",
        move |n: f64| {
            n * b.ln() - (n + a) * (1.0 + b).ln() + aman_estimate::special::ln_gamma(n + a)
                - aman_estimate::special::ln_gamma(n + 1.0)
                - aman_estimate::special::ln_gamma(a)
        },
    );
    let options = DgaOptions {
        delta: Some(1.0),
        grid: Some(MissingGrid {
            start: 1,
            end: 300,
            step: 1,
        }),
        prior,
        ..DgaOptions::default()
    };
    let r = dga::estimate(&my3.table, &options).unwrap();
    println!(
        "top model {} p={:.4}; top bayes {:.2} mode {:?}; averaged bayes {:.2} mode {:?}",
        r.top_graphs[0].graph,
        r.top_graphs[0].probability,
        r.top_model.bayes_relative,
        r.top_model.mode,
        r.averaged.bayes_relative,
        r.averaged.mode
    );
    assert_eq!((r.top_graphs[0].probability * 100.0).round() / 100.0, 0.37);
    assert_eq!(r.top_model.bayes_relative.round(), 731.0);
    assert_eq!(r.top_model.mode, Some(729));
    assert_eq!(r.averaged.bayes_relative.round(), 731.0);
    assert_eq!(r.averaged.mode, Some(728));
    let total: f64 = r.posterior.iter().sum();
    assert!((total - 1.0).abs() < 1e-9);
}
