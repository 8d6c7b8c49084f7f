//! Which writing system a string is written in.

use serde::{Deserialize, Serialize};

use crate::translit::is_cyrillic;

/// The dominant script of a string's letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    /// Only Latin letters.
    Latin,
    /// Only Cyrillic letters.
    Cyrillic,
    /// Letters from more than one script (a switched keyboard, or a bilingual note).
    Mixed,
    /// Letters, but none Latin or Cyrillic.
    Other,
    /// No letters at all (empty, digits, punctuation, emoji).
    None,
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{0250}'..='\u{02AF}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}')
}

/// Classifies the letters of `s` by script.
///
/// ```
/// use aman_text::{detect_script, Script};
/// assert_eq!(detect_script("Ош"), Script::Cyrillic);
/// assert_eq!(detect_script("Oʻzbekiston"), Script::Latin);
/// assert_eq!(detect_script("г. Osh"), Script::Mixed);
/// assert_eq!(detect_script("42 🔥"), Script::None);
/// ```
pub fn detect_script(s: &str) -> Script {
    let (mut latin, mut cyrillic, mut other) = (false, false, false);
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        if is_cyrillic(c) {
            cyrillic = true;
        } else if is_latin(c) {
            latin = true;
        } else if !matches!(c, 'ʻ' | 'ʼ') {
            other = true;
        }
    }
    match (latin, cyrillic, other) {
        (false, false, false) => Script::None,
        (true, false, false) => Script::Latin,
        (false, true, false) => Script::Cyrillic,
        (false, false, true) => Script::Other,
        _ => Script::Mixed,
    }
}
