//! Property tests: folding and keys never panic, are idempotent and stay ASCII.

use aman_text::{fold, loose_key, loose_key_compact, phonetic_key, tokens, transliterate_cyrillic};
use proptest::prelude::*;

/// Strings biased towards the characters that matter here: Cyrillic (incl. Kyrgyz and
/// Uzbek letters), Latin with diacritics, apostrophes, hyphens, spaces and emoji.
fn name_like() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяңөүўқғҳАБЖЁЩЪЬҢӨҮЎҚҒҲabcdhjkosxyzABCJKXÜüöʻʼ'`’‘-–. ,🔥\u{301}０"
        .chars()
        .collect();
    prop::collection::vec(prop::sample::select(alphabet), 0..40)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn fold_is_ascii_and_idempotent(s in any::<String>()) {
        let f = fold(&s);
        prop_assert!(f.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '));
        prop_assert!(!f.starts_with(' ') && !f.ends_with(' ') && !f.contains("  "));
        prop_assert_eq!(fold(&f), f.clone());
    }

    #[test]
    fn fold_name_like_is_idempotent(s in name_like()) {
        let f = fold(&s);
        prop_assert!(f.is_ascii());
        prop_assert_eq!(fold(&f), f.clone());
        prop_assert_eq!(tokens(&s).join(" "), f);
    }

    #[test]
    fn keys_are_ascii_and_stable(s in name_like()) {
        let k = loose_key(&s);
        prop_assert!(k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '));
        prop_assert!(!k.starts_with(' ') && !k.ends_with(' ') && !k.contains("  "));
        // Case never matters.
        prop_assert_eq!(loose_key(&s.to_uppercase()), k.clone());
        prop_assert_eq!(loose_key(&s.to_lowercase()), k.clone());
        prop_assert!(!loose_key_compact(&s).contains(' '));
        prop_assert!(phonetic_key(&s).is_ascii());
    }

    #[test]
    fn transliteration_leaves_no_cyrillic(s in name_like()) {
        let t = transliterate_cyrillic(&s);
        prop_assert!(!t.chars().any(aman_text::is_cyrillic));
    }

    #[test]
    fn arbitrary_input_never_panics(s in any::<String>()) {
        let _ = loose_key(&s);
        let _ = phonetic_key(&s);
        let _ = transliterate_cyrillic(&s);
        let _ = aman_text::detect_script(&s);
    }
}

#[test]
fn hundred_kilobyte_input() {
    let s = "Жалал-Абад ".repeat(10_000);
    assert!(s.len() > 100_000);
    assert!(fold(&s).starts_with("zhalal abad zhalal abad"));
}
