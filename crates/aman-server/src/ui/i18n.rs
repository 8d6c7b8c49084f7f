//! UI text in English and Russian from two message catalogs embedded in the binary.
//!
//! A catalog is `key = text` lines (`#` starts a comment). Both catalogs must have the
//! same keys (a test checks it); a key missing at run time shows the English text, then
//! the key itself, so a gap is visible but never breaks a page.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::{header, HeaderMap};

/// Name of the cookie holding the chosen language.
pub const LANG_COOKIE: &str = "aman_lang";

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }

    /// The language's own name, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
        }
    }

    /// The cookie's choice, else the first of ours in `Accept-Language`, else English.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, v)| Lang::from_code(v));
        if let Some(lang) = cookie {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter_map(|tag| {
                let tag = tag.split(';').next()?.trim();
                Lang::from_code(tag.split('-').next()?)
            })
            .next()
            .unwrap_or(Lang::En)
    }

    /// The text for `key`, if either catalog has it (this language's first).
    pub fn lookup(self, key: &str) -> Option<&'static str> {
        let catalogs = catalogs();
        catalogs[self as usize]
            .get(key)
            .or_else(|| catalogs[Lang::En as usize].get(key))
            .copied()
    }

    /// The text for `key`.
    pub fn t(self, key: &str) -> &'static str {
        self.lookup(key).unwrap_or_else(|| {
            tracing::warn!(key, "UI text missing from the catalogs");
            "?"
        })
    }
}

type Catalog = HashMap<&'static str, &'static str>;

fn parse(text: &'static str) -> Catalog {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn catalogs() -> &'static [Catalog; 2] {
    static CATALOGS: OnceLock<[Catalog; 2]> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        [
            parse(include_str!("catalog/en.txt")),
            parse(include_str!("catalog/ru.txt")),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_catalogs_have_the_same_keys_and_no_empty_text() {
        let [en, ru] = catalogs();
        let en_keys: BTreeSet<_> = en.keys().collect();
        let ru_keys: BTreeSet<_> = ru.keys().collect();
        assert_eq!(en_keys, ru_keys, "catalog keys differ");
        assert!(en.len() > 50);
        for (k, v) in en.iter().chain(ru.iter()) {
            assert!(!v.is_empty(), "{k} is empty");
        }
        for raw in [
            include_str!("catalog/en.txt"),
            include_str!("catalog/ru.txt"),
        ] {
            for line in raw.lines().map(str::trim) {
                assert!(
                    line.is_empty() || line.starts_with('#') || line.contains(" = "),
                    "malformed catalog line: {line}"
                );
            }
        }
    }

    #[test]
    fn language_comes_from_cookie_then_accept_language() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            "ru-RU,ru;q=0.9,en;q=0.8".parse().unwrap(),
        );
        assert_eq!(Lang::from_headers(&h), Lang::Ru);
        h.insert(header::COOKIE, "x=1; aman_lang=en".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::En);
        assert_eq!(Lang::Ru.t("nav.map"), "Карта");
    }
}
