//! Street-level details in place text: the street or the numbered school a report
//! names below the level the gazetteer knows.
//!
//! Accounts of one event in different languages share these more often than anything
//! else about the place ("ул. Масалиева", "Масалиев көчөсү", "Masaliyev koʻchasi",
//! "Masaliev street"; "школа №29", "№29 мектеп", "29-maktab", "near school No. 29"),
//! and two events in one neighbourhood seldom do. Each detail becomes a key that is
//! the same across scripts and languages: `street:<phonetic key of the name>` or
//! `school:<number>` (and `hospital:<number>`).

use aman_text::{fold, phonetic_key};

/// Words (folded) that mark a comma-separated part as a street, in Russian, Kyrgyz,
/// Uzbek and English. "st" and "str" count only as the last word ("Masaliev st.").
const STREET_WORDS: [&str; 18] = [
    "ul", "ulitsa", "ulica", "prospekt", "prosp", "pr", "pereulok", "per", "bulvar", "kocho",
    "kochosu", "kochasi", "kuchasi", "shoh", "street", "avenue", "road", "lane",
];
const STREET_WORDS_LAST: [&str; 3] = ["st", "str", "rd"];

/// Words that name a numbered institution, with the kind each stands for.
const NUMBERED: [(&str, &str); 14] = [
    ("shkola", "school"),
    ("shkoly", "school"),
    ("shk", "school"),
    ("school", "school"),
    ("mektep", "school"),
    ("mektebi", "school"),
    ("maktab", "school"),
    ("maktabi", "school"),
    ("litsey", "school"),
    ("bolnitsa", "hospital"),
    ("hospital", "hospital"),
    ("oorukana", "hospital"),
    ("kasalhona", "hospital"),
    ("kasalxona", "hospital"),
];

/// Words around a detail that are not part of its name.
const FILLER: [&str; 12] = [
    "no", "n", "nomer", "near", "the", "at", "by", "okolo", "vozle", "u", "ryadom", "im",
];

/// Splits folded words where letters meet digits ("no29" → "no", "29").
fn words(part: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in fold(part).split(' ').filter(|w| !w.is_empty()) {
        let mut cur = String::new();
        for c in w.chars() {
            if !cur.is_empty() && cur.ends_with(|p: char| p.is_ascii_digit()) != c.is_ascii_digit()
            {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        out.push(cur);
    }
    out
}

fn detail_of(part: &str) -> Option<String> {
    let w = words(part);
    let number = w.iter().find(|x| x.chars().all(|c| c.is_ascii_digit()));
    if let Some(n) = number {
        if let Some((_, kind)) = NUMBERED.iter().find(|(k, _)| w.iter().any(|x| x == k)) {
            let n = n.trim_start_matches('0');
            return (!n.is_empty()).then(|| format!("{kind}:{n}"));
        }
    }
    let last = w.len().checked_sub(1)?;
    let is_marker = |i: usize, x: &str| {
        STREET_WORDS.contains(&x) || (i == last && i > 0 && STREET_WORDS_LAST.contains(&x))
    };
    if !w.iter().enumerate().any(|(i, x)| is_marker(i, x)) {
        return None;
    }
    let name = w.iter().enumerate().find(|&(i, x)| {
        !is_marker(i, x) && !FILLER.contains(&x.as_str()) && !x.chars().all(|c| c.is_ascii_digit())
    })?;
    let key = phonetic_key(name.1);
    (!key.is_empty()).then(|| format!("street:{key}"))
}

/// The street-level details a place text names, as keys that agree across languages
/// and scripts; empty when it names none.
///
/// ```
/// use aman_geo::place_details;
/// assert_eq!(place_details("г. Ош, ул. Масалиева"), ["street:mslv"]);
/// assert_eq!(place_details("Osh city centre, Masaliev street"), ["street:mslv"]);
/// assert_eq!(place_details("центр Оша, школа №29"), ["school:29"]);
/// assert_eq!(place_details("Chermushki Osh, 29-maktab"), ["school:29"]);
/// assert!(place_details("Черёмушки (Ош)").is_empty());
/// ```
pub fn place_details(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split([',', ';', '(', ')', '/'])
        .filter_map(detail_of)
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_street_in_four_languages_and_both_scripts() {
        let forms = [
            "ул. Масалиева",
            "Масалиев көчөсү",
            "Masaliyev koʻchasi",
            "Масалиев кўчаси",
            "Masaliev street",
            "Masaliev st.",
        ];
        for f in forms {
            assert_eq!(place_details(f), ["street:mslv"], "{f}");
        }
        let two_words = [
            "ул. Курманжан-Датки",
            "Курманжан Датка көчөсү",
            "Qurmonjon Dodxoh koʻchasi",
            "Kurmanjan-Datka street",
        ];
        for f in two_words {
            assert_eq!(place_details(f), ["street:krmn"], "{f}");
        }
        for (a, b) in [
            ("ул. Ахунбаева", "Axunboyev koʻchasi"),
            ("ул. Алымбека", "Olimbek koʻchasi"),
            ("ул. Бабура", "Bobur koʻchasi"),
            ("ул. Навои", "Navoiy koʻchasi"),
            ("ул. Ленина", "Lenin street"),
        ] {
            assert_eq!(place_details(a), place_details(b), "{a} / {b}");
            assert_eq!(place_details(a).len(), 1, "{a}");
        }
    }

    #[test]
    fn numbered_schools_and_hospitals() {
        for f in [
            "школа №29",
            "№29 мектеп",
            "29-maktab",
            "29-мактаб",
            "near school No. 29",
            "school 29",
            "школа № 029",
        ] {
            assert_eq!(place_details(f), ["school:29"], "{f}");
        }
        assert_eq!(place_details("больница №4, Ош"), ["hospital:4"]);
        assert_ne!(place_details("школа №29"), place_details("школа №60"));
    }

    #[test]
    fn places_without_street_level_detail_give_nothing() {
        for f in [
            "",
            "г. Ош",
            "мкр. Черемушки, г. Ош",
            "Osh city centre",
            "school",
            "ул.",
            "Jalal-Abad, 15",
            "St. Petersburg",
        ] {
            assert!(place_details(f).is_empty(), "{f}: {:?}", place_details(f));
        }
    }

    #[test]
    fn several_details_are_all_kept_once() {
        assert_eq!(
            place_details("ул. Ленина, школа №5, Lenin street"),
            ["school:5", "street:ln"]
        );
    }
}
