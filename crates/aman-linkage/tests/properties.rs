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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Whole pipeline on arbitrary text in every field kind that takes text: no panic,
    /// every record accounted for.
    #[test]
    fn pipeline_never_panics_on_arbitrary_text(rows in proptest::collection::vec((name(), name(), "\\PC{0,12}", "\\PC{0,40}"), 0..12)) {
        use aman_linkage::{link_dataset, Dataset, FieldKind, FieldSpec, LinkOptions, Schema, Value};
        let schema = Schema::new(vec![
            FieldSpec::new("name", FieldKind::FullName),
            FieldSpec::new("family", FieldKind::FamilyName),
            FieldSpec::new("dob", FieldKind::Date),
            FieldSpec::new("note", FieldKind::Text),
            FieldSpec::new("age", FieldKind::Year),
            FieldSpec::new("killed", FieldKind::NumberRange),
            FieldSpec::new("id", FieldKind::Identifier),
        ]);
        let mut ds = Dataset::new(schema).unwrap();
        for (i, (a, b, c, d)) in rows.iter().enumerate() {
            let values = vec![
                Value::Text(a.clone()),
                Value::Text(b.clone()),
                Value::Text(c.clone()),
                Value::Text(d.clone()),
                Value::Text(c.clone()),
                Value::Text(c.clone()),
                Value::Text(b.clone()),
            ];
            ds.push(i.to_string(), 0, values).unwrap();
        }
        let out = link_dataset(&ds, &LinkOptions::default(), None).unwrap();
        prop_assert_eq!(out.clustering.assignment.len(), rows.len());
    }
}
