//! Cyrillic → Latin transliteration for Russian, Kyrgyz and Uzbek Cyrillic.
//!
//! The scheme follows BGN/PCGN (Russian 1947, Kyrgyz 1979) where it is unambiguous and
//! uses the Uzbek Latin alphabet's own letters for the Uzbek-only letters (ў → oʻ written
//! as `o'`, қ → q, ғ → `g'`, ҳ → h), so that a reader of any of the three languages gets
//! the spelling they would expect in a Latin-script report. Soft and hard signs are
//! dropped rather than written as primes: field reports never carry them and keeping them
//! would only create spurious differences.

/// Whether `c` is a Cyrillic letter this module knows how to transliterate.
pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

fn is_vowel_or_sign(c: char) -> bool {
    matches!(
        c,
        'а' | 'е'
            | 'ё'
            | 'и'
            | 'о'
            | 'у'
            | 'ы'
            | 'э'
            | 'ю'
            | 'я'
            | 'ө'
            | 'ү'
            | 'ў'
            | 'ъ'
            | 'ь'
            | 'й'
            | 'a'
            | 'e'
            | 'i'
            | 'o'
            | 'u'
    )
}

/// Latin spelling (lower case) of one lower-case Cyrillic letter.
///
/// `prev` is the preceding character (already lower-cased), needed because BGN/PCGN
/// writes е as "ye" at the start of a word and after a vowel or a sign.
pub(crate) fn translit_lower(c: char, prev: Option<char>) -> Option<&'static str> {
    let s = match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => match prev {
            Some(p) if p.is_alphabetic() && !is_vowel_or_sign(p) => "e",
            _ => "ye",
        },
        // After a consonant ё is often typed е, so it keeps the e; at the start of a
        // word it is "yo" (Ёдгор is written Yodgor in Uzbek Latin and in passports).
        'ё' => match prev {
            Some(p) if p.is_alphabetic() && !is_vowel_or_sign(p) => "ë",
            _ => "yo",
        },
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ұ' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        // Kyrgyz
        'ң' => "ng",
        'ө' => "ö",
        'ү' => "ü",
        // Uzbek Cyrillic
        'ў' => "o'",
        'қ' => "q",
        'ғ' => "g'",
        'ҳ' | 'һ' => "h",
        // Kazakh, Ukrainian and Belarusian letters that turn up in names from the region
        'ә' => "ä",
        'ї' => "yi",
        'є' => "ye",
        'ґ' => "g",
        'ҝ' | 'ҡ' => "k",
        'ҙ' => "z",
        'ҫ' => "s",
        'ӣ' => "i",
        'ӯ' => "u",
        'ҷ' => "j",
        _ => return None,
    };
    Some(s)
}

/// Transliterates Cyrillic letters to Latin, leaving every other character untouched.
///
/// Case is kept: a capital that becomes several letters is written "Zh" inside a
/// capitalised word and "ZH" inside an all-capitals word.
///
/// ```
/// use aman_text::transliterate_cyrillic;
/// assert_eq!(transliterate_cyrillic("Жалал-Абад"), "Zhalal-Abad");
/// assert_eq!(transliterate_cyrillic("Базар-Коргон"), "Bazar-Korgon");
/// assert_eq!(transliterate_cyrillic("Ўзбекистон"), "O'zbekiston");
/// assert_eq!(transliterate_cyrillic("ОШ"), "OSH");
/// ```
pub fn transliterate_cyrillic(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        match translit_lower(lower, prev) {
            Some(latin) if is_cyrillic(c) => {
                if c != lower {
                    // Upper case: all-caps if the neighbouring letter is a capital too.
                    let next_upper = chars
                        .get(i + 1)
                        .is_some_and(|n| n.is_alphabetic() && n.is_uppercase());
                    let prev_upper =
                        i > 0 && chars[i - 1].is_alphabetic() && chars[i - 1].is_uppercase();
                    if next_upper
                        || (prev_upper && chars.get(i + 1).is_none_or(|n| !n.is_alphabetic()))
                    {
                        out.extend(latin.chars().flat_map(char::to_uppercase));
                    } else {
                        let mut it = latin.chars();
                        if let Some(first) = it.next() {
                            out.extend(first.to_uppercase());
                            out.extend(it);
                        }
                    }
                } else {
                    out.push_str(latin);
                }
            }
            _ => out.push(c),
        }
        prev = Some(lower);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_bgn_pcgn() {
        assert_eq!(transliterate_cyrillic("Черёмушки"), "Cherëmushki");
        assert_eq!(transliterate_cyrillic("Ереван"), "Yerevan");
        assert_eq!(transliterate_cyrillic("Кызыл-Кыштак"), "Kyzyl-Kyshtak");
        assert_eq!(transliterate_cyrillic("Щучье"), "Shchuchye");
        assert_eq!(transliterate_cyrillic("Хайдаров"), "Khaydarov");
        assert_eq!(transliterate_cyrillic("Цветков"), "Tsvetkov");
    }

    #[test]
    fn kyrgyz_letters() {
        assert_eq!(transliterate_cyrillic("Сүзөк"), "Süzök");
        assert_eq!(transliterate_cyrillic("Төңкөлүк"), "Töngkölük");
    }

    #[test]
    fn uzbek_cyrillic_letters() {
        assert_eq!(transliterate_cyrillic("Бозорқўрғон"), "Bozorqo'rg'on");
        assert_eq!(transliterate_cyrillic("Ҳайдаров"), "Haydarov");
    }

    #[test]
    fn non_cyrillic_untouched() {
        assert_eq!(transliterate_cyrillic("Osh 2010 🔥"), "Osh 2010 🔥");
    }

    #[test]
    fn all_caps_words() {
        assert_eq!(transliterate_cyrillic("ЖАЛАЛ-АБАД"), "ZHALAL-ABAD");
        assert_eq!(transliterate_cyrillic("УЛ. ЧЕХОВА"), "UL. CHEKHOVA");
    }
}
