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
//! - [`detect_script`], [`edit_distance`], [`similarity`].
//!
//! Everything is pure, allocation-light and never panics on any input.

mod distance;
mod fold;
mod keys;
mod script;
mod translit;

pub use distance::{bounded_edit_distance, edit_distance, similarity};
pub use fold::{fold, is_apostrophe, is_hyphen, nfkc, nfkd, tokens};
pub use keys::{loose_key, loose_key_compact, phonetic_key};
pub use script::{detect_script, Script};
pub use translit::{is_cyrillic, transliterate_cyrillic};
