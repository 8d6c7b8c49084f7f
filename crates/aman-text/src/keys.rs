//! Comparison keys that collapse the ad-hoc ways one name gets spelt in Latin letters.
//!
//! The same Kyrgyz, Uzbek or Russian name reaches a report through Russian-style
//! transliteration ("Dzhalal-Abad", "Khaydarov"), English habits ("Jalalabad"), Uzbek
//! Latin ("Xaydarov", "Bozorqoʻrgʻon"), French or German habits ("Oumarov",
//! "Tschüi") and typing shortcuts. The loose key rewrites each word so these meet:
//! dzh/dj/zh/j/y/i → i, kh/x/h → h, q → k, ts → c, ou → u, o → a (Uzbek o is Russian
//! a: Bozor/Bazar, -obod/-abad, Usmonov/Usmanov), word-initial ye → e, doubled letters
//! → one. It is deliberately lossy: use it to find candidates, then compare the
//! folded forms (or edit distance on keys) to rank them.

use crate::fold::{fold_with, Hyphen};

/// Rewrites one folded ASCII word into its loose form.
fn loose_word(word: &str, out: &mut String) {
    let b = word.as_bytes();
    let start = out.len();
    let mut i = 0;
    let at = |i: usize, pat: &[u8]| b.len() >= i + pat.len() && &b[i..i + pat.len()] == pat;
    // Word-initial "ye"/"ie" (Russian е at the start) is often written plain "e".
    if at(0, b"ye") || at(0, b"ie") || at(0, b"je") {
        out.push('e');
        i = 2;
    }
    while i < b.len() {
        let (emit, used): (&str, usize) = if at(i, b"shch") {
            ("sh", 4)
        } else if at(i, b"sch") {
            ("sh", 3)
        } else if at(i, b"tch") {
            ("ch", 3)
        } else if at(i, b"dzh") {
            ("i", 3)
        } else if at(i, b"tzh") || at(i, b"tsh") {
            // т + ж / ш ("Нематжон" → "nematzhon"): not the ts/tz of ц.
            ("t", 1)
        } else if at(i, b"dj") || at(i, b"zh") {
            ("i", 2)
        } else if at(i, b"kh") {
            ("h", 2)
        } else if at(i, b"gh") {
            ("g", 2)
        } else if at(i, b"ph") {
            ("f", 2)
        } else if at(i, b"ck") {
            ("k", 2)
        } else if at(i, b"ts") || at(i, b"tz") {
            ("c", 2)
        } else if at(i, b"ou") {
            ("u", 2)
        } else {
            let c = match b[i] {
                b'j' | b'y' => "i",
                b'x' => "h",
                b'q' => "k",
                b'w' => "v",
                b'o' => "a",
                _ => {
                    out.push(b[i] as char);
                    i += 1;
                    continue;
                }
            };
            (c, 1)
        };
        out.push_str(emit);
        i += used;
    }
    // Doubled letters collapse ("Kyzyl-Kyshtak" vs "Kyzyl-Kishtak" are handled above;
    // "Ibragimmov", "Usmonnov" here).
    let mut collapsed = String::with_capacity(out.len() - start);
    let mut last: Option<char> = None;
    for c in out[start..].chars() {
        if Some(c) != last {
            collapsed.push(c);
        }
        last = Some(c);
    }
    out.truncate(start);
    out.push_str(&collapsed);
}

/// Loose comparison key: one loose word per space-separated word of `s`, with hyphens
/// and apostrophes joining the parts of a word.
///
/// ```
/// use aman_text::loose_key;
/// let k = loose_key("Жалал-Абад");
/// assert_eq!(k, loose_key("Jalalabad"));
/// assert_eq!(k, loose_key("Dzhalal-Abad"));
/// assert_eq!(k, loose_key("Jalal-Abad"));
/// assert_eq!(k, loose_key("Jalol-Obod"));
/// assert_eq!(loose_key("Усмонов Шерзод"), loose_key("Usmonov Sherzod"));
/// assert_eq!(loose_key("Usmanov Sherzod"), loose_key("Usmonov Sherzod"));
/// assert_eq!(loose_key("Нематжон"), loose_key("Nematjon"));
/// assert_eq!(loose_key("Ёдгор"), loose_key("Yodgor"));
/// ```
pub fn loose_key(s: &str) -> String {
    let folded = fold_with(s, Hyphen::Join);
    let mut out = String::with_capacity(folded.len());
    for (n, w) in folded.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if n > 0 {
            out.push(' ');
        }
        loose_word(w, &mut out);
    }
    out
}

/// [`loose_key`] with the spaces removed too, so that "Jalal Abad" meets "Jalalabad".
pub fn loose_key_compact(s: &str) -> String {
    loose_key(s).replace(' ', "")
}

/// A coarse phonetic key: per word, the first letter of its loose form followed by its
/// consonants (vowels after the first letter dropped, repeats collapsed).
///
/// ```
/// use aman_text::phonetic_key;
/// assert_eq!(phonetic_key("Usmonov"), phonetic_key("Usmanov"));
/// assert_eq!(phonetic_key("Sherzod"), phonetic_key("Shirzod"));
/// ```
pub fn phonetic_key(s: &str) -> String {
    let loose = loose_key(s);
    let mut out = String::with_capacity(loose.len());
    for (n, w) in loose.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let mut last: Option<char> = None;
        for (i, c) in w.chars().enumerate() {
            let vowel = matches!(c, 'a' | 'e' | 'i' | 'u');
            if i == 0 || (!vowel && Some(c) != last) {
                out.push(c);
            }
            if !vowel || i == 0 {
                last = Some(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jalal_abad_spellings_meet() {
        let k = loose_key("Jalal-Abad");
        for s in [
            "Жалал-Абад",
            "Джалал-Абад",
            "Jalalabad",
            "Dzhalal-Abad",
            "Djalal-Abad",
            "Zhalal-Abad",
            "JALAL-ABAD",
            "Jalol-Obod",
            "Жалалабат",
        ] {
            let other = loose_key(s);
            assert!(
                other == k || crate::edit_distance(&other, &k) <= 1,
                "{s}: {other} vs {k}"
            );
        }
    }

    #[test]
    fn kh_h_x_meet() {
        assert_eq!(loose_key("Khaydarov"), loose_key("Xaydarov"));
        assert_eq!(loose_key("Haidarov"), loose_key("Хайдаров"));
        assert_eq!(loose_key("Ҳайдаров"), loose_key("Haydarov"));
    }

    #[test]
    fn other_variants_meet() {
        assert_eq!(loose_key("Yevgeniy"), loose_key("Evgeniy"));
        assert_eq!(loose_key("Yuriy"), loose_key("Iurii"));
        assert_eq!(loose_key("Tsoy"), loose_key("Coi"));
        assert_eq!(loose_key("Oumarov"), loose_key("Umarov"));
        assert_eq!(loose_key("Kyzyl-Kyshtak"), loose_key("Kizil-Kishtak"));
        assert_eq!(loose_key("Bazar-Korgon"), loose_key("Bozorqoʻrgʻon"));
        assert_eq!(loose_key("Базар-Коргон"), loose_key("Bazarkorgon"));
        assert_eq!(loose_key("Cheremushki"), loose_key("Черемушки"));
        assert_eq!(loose_key("Shcherbakov"), loose_key("Щербаков"));
    }

    #[test]
    fn distinct_names_stay_apart() {
        assert_ne!(loose_key("Osh"), loose_key("Uzgen"));
        assert_ne!(loose_key("Nariman"), loose_key("Naryn"));
        assert_ne!(loose_key("Usmonov"), loose_key("Umarov"));
    }

    #[test]
    fn compact_key_ignores_spaces() {
        assert_eq!(
            loose_key_compact("Jalal Abad"),
            loose_key_compact("Jalalabad")
        );
        assert_eq!(loose_key_compact(""), "");
    }
}
