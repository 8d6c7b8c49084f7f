//! Property tests: CSV parsing round-trips and never panics; IRLS independence on two lists
//! equals the closed-form Lincoln–Petersen estimate.

use aman_estimate::loglinear::{self, LogLinearOptions, ModelSet};
use aman_estimate::{CaptureTable, CsvOptions};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn csv_round_trip(j in 1usize..8, cells in proptest::collection::vec((1u32..256, 1u64..10_000), 0..40)) {
        let lists: Vec<String> = (0..j).map(|i| format!("list{i}")).collect();
        let mask = (1u32 << j) - 1;
        let cells: Vec<(u32, u64)> = cells.into_iter().map(|(p, c)| (p & mask, c)).filter(|(p, _)| *p != 0).collect();
        let table = CaptureTable::new(lists, cells).unwrap();
        let back = CaptureTable::from_csv(table.to_csv().as_bytes(), &CsvOptions::default()).unwrap();
        prop_assert_eq!(back, table);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[01a-c,\\-\\.\\n ]{0,200}") {
        let _ = CaptureTable::from_csv(text.as_bytes(), &CsvOptions::default());
    }

    #[test]
    fn independence_on_two_lists_is_lincoln_petersen(n11 in 1u64..500, n10 in 1u64..2000, n01 in 1u64..2000) {
        let t = CaptureTable::new(vec!["A".into(), "B".into()], [(0b11, n11), (0b01, n10), (0b10, n01)]).unwrap();
        let o = LogLinearOptions { model_set: ModelSet::Independence, ..Default::default() };
        let r = loglinear::estimate(&t, &o).unwrap();
        let lp = ((n11 + n10) * (n11 + n01)) as f64 / n11 as f64;
        prop_assert!((r.chosen.n_hat - lp).abs() <= 1e-6 * lp, "IRLS {} vs LP {}", r.chosen.n_hat, lp);
        prop_assert!(r.lower <= r.chosen.n_hat + 1e-6);
    }
}
