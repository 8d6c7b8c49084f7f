//! Property tests for the comparators: symmetric, bounded to [0, 1], 1 on identical
//! input, and never panicking on arbitrary Unicode.

use aman_linkage::{
    jaro_winkler, levenshtein, levenshtein_similarity, range_similarity, token_set_similarity,
};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[a-zA-Z ]{0,16}",
        "[а-яА-ЯёЁўқғҳңөү ]{0,16}",
        "[a-z]{1,8} [a-z]{1,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn string_similarities_are_symmetric_and_bounded(a in name(), b in name()) {
        for f in [jaro_winkler, levenshtein_similarity, token_set_similarity] {
            let x = f(&a, &b);
            let y = f(&b, &a);
            prop_assert!((0.0..=1.0).contains(&x), "{x}");
            prop_assert!((x - y).abs() < 1e-12, "asymmetric: {x} vs {y}");
            prop_assert_eq!(f(&a, &a), 1.0);
        }
        prop_assert_eq!(levenshtein(&a, &b), levenshtein(&b, &a));
        prop_assert_eq!(levenshtein(&a, &a), 0);
    }

    #[test]
    fn ranges_are_symmetric_and_bounded(a in -1e6f64..1e6, b in -1e6f64..1e6, c in -1e6f64..1e6, d in -1e6f64..1e6) {
        let x = range_similarity((a, b), (c, d));
        prop_assert!((0.0..=1.0).contains(&x));
        prop_assert_eq!(x, range_similarity((c, d), (a, b)));
        prop_assert_eq!(range_similarity((a, b), (a, b)), 1.0);
    }
}
