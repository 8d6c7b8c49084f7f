//! Keyed blind indexes: exact-match lookup on encrypted identity fields without decrypting
//! ("is this witness already known?").
//!
//! The index key is its own random key, stored sealed by the KEK like any identity field,
//! so a KEK rotation only rewraps it and the stored indexes stay valid. Each scope (say
//! `person.phone`) gets a sub-key through HKDF-SHA256, so equal values in different columns
//! give unrelated tokens and one column cannot be joined against another; a caller keeps
//! the [`ScopeKey`] of each scope it indexes, so HKDF runs once per scope, not per value.
//! Without the index key a token reveals nothing; with it, an attacker can only test
//! guesses one by one, which is why the key is never stored in the clear.

use std::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::{CryptoRng, RngCore};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::envelope::{open, seal, EnvelopeError, FieldContext};
use crate::keys::{Keyring, KEY_LEN};

/// How a value is normalised before it is indexed, so trivial differences in typing do not
/// hide a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalise {
    /// Unicode NFKC, lower case, runs of whitespace collapsed to one space.
    Text,
    /// As `Text`, with punctuation dropped and the words sorted, so "Karimov, Alisher" and
    /// "alisher karimov" match. Transliteration between scripts is the caller's job.
    Name,
    /// Digits only, keeping the last 9 (the national number length in Kyrgyzstan and
    /// Uzbekistan), so "+996 555 12-34-56" and "0555123456" match.
    Phone,
    /// Upper-case letters and digits only, for ID and passport numbers.
    Identifier,
}

impl Normalise {
    /// The normalised form, or `None` when nothing indexable remains.
    pub fn apply(self, value: &str) -> Option<Zeroizing<String>> {
        // ASCII is its own NFKC form, and most values are ASCII: skip the decomposition.
        let folded: Zeroizing<String> = Zeroizing::new(if value.is_ascii() {
            value.to_owned()
        } else {
            value.nfkc().collect()
        });
        let out: String = match self {
            Normalise::Text => folded
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            Normalise::Name => {
                let cleaned: String = folded
                    .to_lowercase()
                    .chars()
                    .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                    .collect();
                let mut words: Vec<&str> = cleaned.split_whitespace().collect();
                words.sort_unstable();
                words.join(" ")
            }
            Normalise::Phone => {
                let digits: Vec<char> = folded.chars().filter(char::is_ascii_digit).collect();
                digits[digits.len().saturating_sub(9)..].iter().collect()
            }
            Normalise::Identifier => folded
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect(),
        };
        (!out.is_empty()).then(|| Zeroizing::new(out))
    }
}

/// A blind index token: HMAC-SHA256 under the scope's sub-key. Stored in a column beside
/// the envelope and compared for equality.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlindIndex(pub [u8; 32]);

impl BlindIndex {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlindIndex({})", self.to_hex())
    }
}

/// The secret key behind all blind indexes of a node.
pub struct BlindIndexKey {
    key: SecretBox<[u8; KEY_LEN]>,
}

impl fmt::Debug for BlindIndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndexKey([REDACTED])")
    }
}

/// Where the sealed index key is bound; the store keeps the envelope in a key table.
fn key_context() -> FieldContext {
    FieldContext::new("vault_keys", "blind_index_key", "v1")
}

impl BlindIndexKey {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = [0u8; KEY_LEN];
        rng.fill_bytes(&mut bytes);
        let key = SecretBox::new(Box::new(bytes));
        zeroize::Zeroize::zeroize(&mut bytes);
        Self { key }
    }

    /// The key sealed under the keyring's current KEK, for storage. Rotation rewraps this
    /// envelope like any other ([`crate::envelope::rewrap`]).
    pub fn seal(&self, keyring: &Keyring, rng: &mut (impl RngCore + CryptoRng)) -> Vec<u8> {
        seal(keyring, &key_context(), self.key.expose_secret(), rng)
    }

    /// Opens a key stored with [`BlindIndexKey::seal`].
    pub fn open(keyring: &Keyring, envelope: &[u8]) -> Result<Self, EnvelopeError> {
        let plain = open(keyring, &key_context(), envelope)?;
        let plain = plain.expose_secret();
        if plain.len() != KEY_LEN {
            return Err(EnvelopeError::Malformed("blind index key is not 32 bytes"));
        }
        let mut bytes = [0u8; KEY_LEN];
        bytes.copy_from_slice(plain);
        let key = SecretBox::new(Box::new(bytes));
        zeroize::Zeroize::zeroize(&mut bytes);
        Ok(Self { key })
    }

    /// The token for `value` in `scope` (e.g. "person.phone"), or `None` when the value
    /// normalises to nothing.
    pub fn index(&self, scope: &str, value: &str, how: Normalise) -> Option<BlindIndex> {
        self.scope(scope).index(value, how)
    }

    /// The sub-key of `scope`, derived once: a caller indexing many values in the same
    /// scope keeps it rather than running HKDF for every value.
    pub fn scope(&self, scope: &str) -> ScopeKey {
        let mut sub_key = [0u8; KEY_LEN];
        Hkdf::<Sha256>::new(Some(b"aman-vault/blind-index/v1"), self.key.expose_secret())
            .expand(scope.as_bytes(), &mut sub_key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let key = SecretBox::new(Box::new(sub_key));
        zeroize::Zeroize::zeroize(&mut sub_key);
        ScopeKey { key }
    }
}

/// The blind-index key of one scope ([`BlindIndexKey::scope`]).
pub struct ScopeKey {
    key: SecretBox<[u8; KEY_LEN]>,
}

impl fmt::Debug for ScopeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScopeKey([REDACTED])")
    }
}

impl ScopeKey {
    /// The token for `value` in this scope, or `None` when it normalises to nothing.
    pub fn index(&self, value: &str, how: Normalise) -> Option<BlindIndex> {
        let normalised = how.apply(value)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.expose_secret())
            .expect("HMAC accepts any key length");
        mac.update(normalised.as_bytes());
        Some(BlindIndex(mac.finalize().into_bytes().into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Kek;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn key(seed: u64) -> BlindIndexKey {
        BlindIndexKey::generate(&mut ChaCha20Rng::seed_from_u64(seed))
    }

    #[test]
    fn equal_after_normalisation_gives_equal_tokens() {
        let k = key(1);
        let a = k.index("person.name", "Karimov,  Alisher", Normalise::Name);
        let b = k.index("person.name", "alisher KARIMOV", Normalise::Name);
        assert_eq!(a, b);
        let p1 = k.index("person.phone", "+996 555 12-34-56", Normalise::Phone);
        let p2 = k.index("person.phone", "0555123456", Normalise::Phone);
        assert_eq!(p1, p2);
        let i1 = k.index("person.id", "id 12-345", Normalise::Identifier);
        let i2 = k.index("person.id", "ID12345", Normalise::Identifier);
        assert_eq!(i1, i2);
        assert_ne!(
            k.index("person.name", "Alisher Karimov", Normalise::Name),
            k.index("person.name", "Alisher Karimova", Normalise::Name)
        );
    }

    #[test]
    fn scopes_and_keys_separate_tokens() {
        let k = key(2);
        let v = "Alisher Karimov";
        assert_ne!(
            k.index("person.name", v, Normalise::Text),
            k.index("source.name", v, Normalise::Text)
        );
        assert_ne!(
            k.index("person.name", v, Normalise::Text),
            key(3).index("person.name", v, Normalise::Text)
        );
    }

    proptest::proptest! {
        #[test]
        fn ascii_needs_no_nfkc(value in "[ -~]{0,40}") {
            proptest::prop_assert_eq!(value.nfkc().collect::<String>(), value);
        }
    }

    /// Stored tokens must stay valid: HMAC-SHA256 under HKDF-SHA256(salt
    /// "aman-vault/blind-index/v1", info = scope) of the normalised value, computed
    /// independently (Python's hmac and hashlib).
    #[test]
    fn tokens_match_known_answers() {
        let k = BlindIndexKey {
            key: SecretBox::new(Box::new([7u8; KEY_LEN])),
        };
        let phone = k.scope("person.phone");
        assert_eq!(
            phone
                .index("+996 555 12-34-56", Normalise::Phone)
                .unwrap()
                .to_hex(),
            "4a32ad1c28b4930f5300f36b5270c02110feb4382c0a261968b231e58f80aba7"
        );
        assert_eq!(
            k.index("person.name", "Karimov, Alisher", Normalise::Name)
                .unwrap()
                .to_hex(),
            "57cf88b91d0fa0d66a5d3bac9597d0eabd722344c4e6079be07e8767990e5f33"
        );
        assert!(format!("{phone:?}").contains("REDACTED"));
    }

    #[test]
    fn empty_values_are_not_indexed() {
        let k = key(4);
        assert_eq!(k.index("person.phone", "n/a", Normalise::Phone), None);
        assert_eq!(k.index("person.name", " ,. ", Normalise::Name), None);
    }

    #[test]
    fn sealed_key_survives_storage_and_still_matches() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let ring = Keyring::new(Kek::generate(&mut rng));
        let k = key(6);
        let stored = k.seal(&ring, &mut rng);
        let back = BlindIndexKey::open(&ring, &stored).unwrap();
        assert_eq!(
            k.index("person.name", "Gulnara", Normalise::Name),
            back.index("person.name", "Gulnara", Normalise::Name)
        );
        assert!(format!("{back:?}").contains("REDACTED"));
    }
}
