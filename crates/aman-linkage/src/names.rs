//! Name forms used for comparison and blocking, built on `aman-text` (folding to
//! Latin, spelling-tolerant loose keys, phonetic keys). On top of those this module
//! folds what makes the same person's name look different across documents:
//! feminine surname endings (-ova → -ov, -eva → -ev, -ina → -in, -skaya → -sky),
//! Kyrgyz and Uzbek "son / daughter of" particles written as separate words
//! ("Asanbek uulu", "Asanbek kyzy" → the surname form "Asanbekov"; after a surname and
//! a given name, "Akbar o'g'li" is a patronymic), and patronymics (-ovich, -ovna, ...,
//! "o'g'li", "qizi"), which are dropped from whole names because many lists omit them.

use crate::record::FieldKind;

/// Lower-case ASCII words (Cyrillic transliterated, diacritics removed).
pub(crate) fn fold(s: &str) -> String {
    aman_text::fold(s)
}

/// Phonetic key of a (folded or loose) name or word.
pub(crate) fn phonetic(s: &str) -> String {
    aman_text::phonetic_key(s)
}

/// Loose form of a folded name, with name-part folding that depends on the field.
pub(crate) fn loose(folded: &str, kind: FieldKind) -> String {
    let key = aman_text::loose_key(folded);
    let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
    match kind {
        FieldKind::FamilyName | FieldKind::FullName => {
            let mut out: Vec<String> = Vec::with_capacity(words.len());
            let mut i = 0;
            while i < words.len() {
                let w = words[i];
                if i + 1 < words.len() && is_particle(words[i + 1]) {
                    // After a surname and a given name, "Ikrom o'g'li" is the father's
                    // name (an Uzbek patronymic, dropped like "Ikromovich"); elsewhere
                    // "Bekjan uulu" stands for the surname.
                    if !(kind == FieldKind::FullName && out.len() >= 2) {
                        out.push(surname_form(w));
                    }
                    i += 2;
                    continue;
                }
                if !is_particle(w) {
                    out.push(masculine(w));
                }
                i += 1;
            }
            if kind == FieldKind::FullName {
                let core: Vec<String> = out.iter().filter(|w| !is_patronymic(w)).cloned().collect();
                if !core.is_empty() {
                    out = core;
                }
            }
            if out.is_empty() {
                key
            } else {
                out.join(" ")
            }
        }
        _ => key,
    }
}

/// "uulu", "kyzy" (Kyrgyz), "o'g'li", "qizi" (Uzbek) in their loose spelling.
fn is_particle(w: &str) -> bool {
    matches!(w, "ulu" | "uli" | "kizi" | "agli" | "ugli" | "ogli")
}

fn is_patronymic(w: &str) -> bool {
    w.len() > 6
        && [
            "avich", "evich", "ievich", "avna", "evna", "ichna", "inichna",
        ]
        .iter()
        .any(|s| w.ends_with(s))
}

/// A father's name turned into the surname form ("asanbek" → "asanbekav").
fn surname_form(w: &str) -> String {
    if w.ends_with("av") || w.ends_with("ev") || w.ends_with("in") {
        w.to_string()
    } else {
        format!("{w}av")
    }
}

/// Feminine surname endings folded to the masculine ones.
fn masculine(w: &str) -> String {
    if w.len() < 5 {
        return w.to_string();
    }
    for (fem, masc) in [
        ("skaia", "ski"),
        ("tskaia", "tski"),
        ("ava", "av"),
        ("eva", "ev"),
        ("ina", "in"),
    ] {
        if let Some(stem) = w.strip_suffix(fem) {
            return format!("{stem}{masc}");
        }
    }
    w.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str, k: FieldKind) -> String {
        loose(&fold(s), k)
    }

    #[test]
    fn endings_particles_and_patronymics_fold() {
        assert_eq!(
            l("Усмонова", FieldKind::FamilyName),
            l("Usmanov", FieldKind::FamilyName)
        );
        assert_eq!(
            l("Asanbek uulu", FieldKind::FamilyName),
            l("Асанбеков", FieldKind::FamilyName)
        );
        assert_eq!(
            l("Asanbek kyzy", FieldKind::FamilyName),
            l("Asanbekova", FieldKind::FamilyName)
        );
        assert_eq!(
            l("Усмонов Шерзод Акбарович", FieldKind::FullName),
            l("Usmanov Sherzod", FieldKind::FullName)
        );
        assert_eq!(
            l("Mamatov Nematjon Ikrom oʻgʻli", FieldKind::FullName),
            l("Маматов Нематжон Икромович", FieldKind::FullName)
        );
        assert_eq!(
            l("Ernis Bekjan uulu", FieldKind::FullName),
            l("Эрнис Бекжанов", FieldKind::FullName)
        );
        assert_eq!(
            l("Sokolovskaya", FieldKind::FamilyName),
            l("Sokolovsky", FieldKind::FamilyName)
        );
        // Given names keep their endings: Marina is not Marin.
        assert_ne!(
            l("Marina", FieldKind::GivenName),
            l("Marin", FieldKind::GivenName)
        );
    }

    #[test]
    fn odd_input_stays_sane() {
        assert_eq!(l("", FieldKind::FullName), "");
        assert_eq!(l("uulu", FieldKind::FullName), "ulu");
        assert_eq!(l("---", FieldKind::FamilyName), "");
    }
}
