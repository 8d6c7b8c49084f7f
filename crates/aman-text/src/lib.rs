//! Names across scripts: the text layer shared by the geocoder and record linkage.
//!
//! Reports from southern Kyrgyzstan write the same person or place in Kyrgyz or Russian
//! Cyrillic, Uzbek Cyrillic or Latin, and ad-hoc English spellings. This crate turns any
//! of them into comparable forms:
//!
//! - [`fold`] / [`tokens`]: lower-case ASCII words (NFKC, Cyrillic transliterated,
//!   diacritics and apostrophes removed, punctuation → word breaks);
//! - [`loose_key`] / [`loose_key_compact`]: collapses common spelling variants
//!   (kh/h/x, dzh/dj/zh/j, y/i, ts/c, ou/u, o/a, doubled letters, initial ye/e);
//! - [`phonetic_key`]: a coarser consonant skeleton for blocking;
//! - [`transliterate_cyrillic`]: readable BGN/PCGN-like Latin;
//! - [`detect_script`], [`edit_distance`], [`similarity`];
//! - [`decode_text`]: files in UTF-8, UTF-16 or the legacy Windows code pages that
//!   spreadsheets still write (1251 for Cyrillic, 1252 for Latin) as text.
//!
//! Everything is pure, allocation-light and never panics on any input.

mod decode;
mod distance;
mod fold;
mod keys;
mod script;
mod translit;

pub use decode::{decode_text, Decoded};
pub use distance::{bounded_edit_distance, edit_distance, similarity};
pub use fold::{fold, is_apostrophe, is_hyphen, nfkc, nfkd, tokens};
pub use keys::{loose_key, loose_key_compact, phonetic_key};
pub use script::{detect_script, Script};
pub use translit::{is_cyrillic, transliterate_cyrillic};
