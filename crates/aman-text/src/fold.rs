//! Script-independent folding of names to lower-case ASCII words.
//!
//! Folding is the common ground for comparing names written by different people: it
//! applies NFKC (so full-width and compatibility forms become ordinary letters),
//! transliterates Cyrillic, strips diacritics, lower-cases, drops apostrophes (Uzbek
//! oʻ/gʻ and the many characters typed for them) and turns every other punctuation,
//! symbol or space into a single word separator.

use unicode_normalization::UnicodeNormalization;

use crate::translit::{is_cyrillic, translit_lower};

/// NFKC-normalised copy of `s`.
pub fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

/// NFKD-normalised copy of `s`.
pub fn nfkd(s: &str) -> String {
    s.nfkd().collect()
}

/// Characters people type for the Uzbek oʻ/gʻ sign, the Kyrgyz/Russian hard sign
/// rendered in Latin, and possessive apostrophes. They join letters rather than split
/// words, so folding drops them.
pub fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '´'
            | 'ʻ'
            | 'ʼ'
            | 'ʹ'
            | 'ʽ'
            | 'ˈ'
            | '‘'
            | '’'
            | '‛'
            | '′'
            | 'ʾ'
            | 'ʿ'
            | '\u{02EE}'
    )
}

/// Dashes and hyphens of every kind.
pub fn is_hyphen(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' | '\u{00AD}'
    )
}

/// Latin letters that have no canonical decomposition into a base letter.
fn special_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        'ŋ' | 'Ŋ' => "ng",
        'ə' | 'Ə' | 'ɘ' => "a",
        'ħ' | 'Ħ' => "h",
        'ŧ' | 'Ŧ' => "t",
        'ɨ' => "i",
        _ => return None,
    })
}

/// How hyphens are treated while folding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hyphen {
    /// "Jalal-Abad" → "jalal abad": each part is a word.
    Split,
    /// "Jalal-Abad" → "jalalabad": used for keys where "Jalalabad" must match.
    Join,
}

/// Pushes the ASCII folding of one non-Cyrillic character; returns false when the
/// character is a word separator.
fn push_latin(c: char, out: &mut String) -> bool {
    if c.is_ascii_alphanumeric() {
        out.push(c.to_ascii_lowercase());
        return true;
    }
    if c.is_ascii() {
        return false;
    }
    if let Some(s) = special_latin(c) {
        out.push_str(s);
        return true;
    }
    let mut any = false;
    for d in std::iter::once(c).nfkd() {
        if d.is_ascii_alphanumeric() {
            out.push(d.to_ascii_lowercase());
            any = true;
        } else if let Some(s) = special_latin(d) {
            out.push_str(s);
            any = true;
        }
    }
    // A letter from another script (Greek, Arabic, CJK, …) has no folding here: it is
    // dropped but still counts as part of a word so that it does not split its neighbours.
    any || c.is_alphabetic()
}

/// Folding of ASCII text, which NFKC and transliteration leave alone: the common case
/// for Latin-script queries and for re-folding keys, done without the normaliser.
fn fold_ascii(s: &str, hyphen: Hyphen) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(char::from(b.to_ascii_lowercase()));
        } else if b == b'\'' || b == b'`' || (hyphen == Hyphen::Join && b == b'-') {
            continue;
        } else {
            pending_space = true;
        }
    }
    out
}

pub(crate) fn fold_with(s: &str, hyphen: Hyphen) -> String {
    if s.is_ascii() {
        return fold_ascii(s, hyphen);
    }
    let mut out = String::with_capacity(s.len());
    let mut prev_lower: Option<char> = None;
    let mut pending_space = false;
    for c in s.nfkc() {
        if is_apostrophe(c) || (hyphen == Hyphen::Join && is_hyphen(c)) {
            prev_lower = Some(c);
            continue;
        }
        // Combining marks left over after NFKC (e.g. a stray U+0301) belong to the word.
        if is_combining(c) {
            continue;
        }
        let before = out.len();
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        let after_space = out.len();
        let is_word = if is_cyrillic(c) {
            let lower = c.to_lowercase().next().unwrap_or(c);
            match translit_lower(lower, prev_lower) {
                Some(latin) => {
                    for l in latin.chars() {
                        push_latin(l, &mut out);
                    }
                    true
                }
                None => c.is_alphabetic(),
            }
        } else {
            push_latin(c, &mut out)
        };
        if is_word {
            if out.len() > after_space {
                pending_space = false;
            } else {
                // Nothing emitted (e.g. a soft sign): undo a separator we may have added.
                out.truncate(before);
            }
            prev_lower = Some(c.to_lowercase().next().unwrap_or(c));
        } else {
            out.truncate(before);
            pending_space = true;
            prev_lower = None;
        }
    }
    out
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Folds a name in any script to lower-case ASCII words separated by single spaces.
///
/// The result contains only `a-z`, `0-9` and single inner spaces, and `fold(fold(s)) ==
/// fold(s)`.
///
/// ```
/// use aman_text::fold;
/// assert_eq!(fold("Жалал-Абад"), "zhalal abad");
/// assert_eq!(fold("Bozorqoʻrgʻon"), "bozorqorgon");
/// assert_eq!(fold("  мкр. Черёмушки, г. Ош "), "mkr cheremushki g osh");
/// assert_eq!(fold("Süzök"), "suzok");
/// ```
pub fn fold(s: &str) -> String {
    fold_with(s, Hyphen::Split)
}

/// The words of [`fold`]`(s)`.
pub fn tokens(s: &str) -> Vec<String> {
    fold(s)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophe_variants_join() {
        for s in [
            "Bozorqo'rg'on",
            "Bozorqoʻrgʻon",
            "Bozorqo`rg`on",
            "Bozorqo’rg’on",
            "Bozorqo‘rg‘on",
            "Bozorqoʼrgʼon",
        ] {
            assert_eq!(fold(s), "bozorqorgon", "{s}");
        }
    }

    #[test]
    fn hyphens_and_punctuation_split() {
        assert_eq!(fold("Kara–Suu"), "kara suu");
        assert_eq!(fold("Osh,Kyrgyzstan!!"), "osh kyrgyzstan");
        assert_eq!(fold("---"), "");
    }

    #[test]
    fn compatibility_forms() {
        assert_eq!(fold("ＯＳＨ"), "osh");
        assert_eq!(fold("ﬁrst"), "first");
    }

    #[test]
    fn soft_sign_does_not_split() {
        assert_eq!(fold("Ильич"), "ilich");
        assert_eq!(fold("подъезд"), "podyezd");
    }

    #[test]
    fn mixed_script_homoglyphs() {
        // Latin O followed by Cyrillic ш, as typed on a switched keyboard.
        assert_eq!(fold("Oш"), "osh");
    }

    #[test]
    fn emoji_and_other_scripts() {
        assert_eq!(fold("Ош 🔥 город"), "osh gorod");
        assert_eq!(fold("東京"), "");
    }

    #[test]
    fn ascii_fast_path_matches_general_path() {
        for s in [
            "Jalal-Abad",
            "O'sh  city,",
            "--a--b--",
            "Bozorqo`rg`on",
            "x1 Y2",
            "",
        ] {
            // A non-ASCII character that folds to nothing forces the general path.
            let general = fold_with(&format!("{s}\u{0301}"), Hyphen::Split);
            assert_eq!(fold_ascii(s, Hyphen::Split), general, "{s}");
            let general = fold_with(&format!("{s}\u{0301}"), Hyphen::Join);
            assert_eq!(fold_ascii(s, Hyphen::Join), general, "{s}");
        }
    }

    #[test]
    fn tokens_split() {
        assert_eq!(
            tokens("Nariman village, near Osh"),
            vec!["nariman", "village", "near", "osh"]
        );
        assert!(tokens("").is_empty());
    }
}
