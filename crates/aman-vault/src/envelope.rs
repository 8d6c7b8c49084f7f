//! Envelope encryption of identity fields.
//!
//! Each sealed value gets a fresh random data key (DEK); the DEK is wrapped by the current
//! KEK and the value encrypted under the DEK with XChaCha20-Poly1305. The associated data
//! binds the ciphertext to its table, column and row, so a ciphertext copied into another
//! row or column fails to open. Rotation rewraps only the 80-byte key header, never the
//! data, so it can run row by row while the node keeps serving.
//!
//! Layout of format version 1 (all fixed-size fields, then the ciphertext):
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `AMVE` |
//! | 1 | format version (1) |
//! | 8 | KEK id |
//! | 24 | nonce of the DEK wrap |
//! | 48 | wrapped DEK (32 bytes + 16-byte tag) |
//! | 24 | nonce of the data |
//! | n + 16 | ciphertext and tag |

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::{CryptoRng, RngCore};
use secrecy::SecretSlice;
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::keys::{KekId, Keyring, UnwrapError, WrappedDek, KEY_LEN, NONCE_LEN};

const MAGIC: &[u8; 4] = b"AMVE";
/// The envelope format this crate writes.
pub const ENVELOPE_VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + WrappedDek::LEN + 24;
const TAG_LEN: usize = 16;

/// Where a sealed value lives. It is bound into the ciphertext as associated data.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FieldContext {
    pub table: String,
    pub column: String,
    pub row_id: String,
}

impl fmt::Debug for FieldContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}[{}]", self.table, self.column, self.row_id)
    }
}

impl FieldContext {
    pub fn new(table: &str, column: &str, row_id: impl fmt::Display) -> Self {
        Self {
            table: table.to_owned(),
            column: column.to_owned(),
            row_id: row_id.to_string(),
        }
    }

    /// Length-prefixed so that ("ab","c") and ("a","bc") can never give the same bytes.
    pub(crate) fn aad(&self, domain: &[u8], version: u8) -> Vec<u8> {
        let mut aad = Vec::with_capacity(
            domain.len() + 13 + self.table.len() + self.column.len() + self.row_id.len(),
        );
        aad.extend_from_slice(domain);
        aad.push(version);
        for part in [&self.table, &self.column, &self.row_id] {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
        aad
    }
}

/// Why an envelope could not be opened or rewrapped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("not a vault envelope: {0}")]
    Malformed(&'static str),
    #[error("envelope format version {0} is not supported by this build (it reads version 1); upgrade Aman")]
    UnsupportedVersion(u8),
    #[error("envelope is wrapped by key-encryption key {0}, which is not loaded; load that key (e.g. as a previous key) or restore it, then finish `aman keys rotate`")]
    UnknownKek(KekId),
    #[error("the data key wrapped by key-encryption key {0} failed authentication: the envelope header was altered or the wrong key carries this id")]
    UnwrapFailed(KekId),
    #[error("ciphertext failed authentication: it was altered, or it belongs to another table, column or row")]
    DecryptFailed,
    #[error("decrypted value is not valid JSON for the expected type: {0}")]
    Json(String),
}

impl From<UnwrapError> for EnvelopeError {
    fn from(e: UnwrapError) -> Self {
        match e {
            UnwrapError::UnknownKek(id) => Self::UnknownKek(id),
            UnwrapError::Failed(id) => Self::UnwrapFailed(id),
        }
    }
}

struct Parsed<'a> {
    wrapped: WrappedDek,
    nonce: &'a [u8],
    ciphertext: &'a [u8],
}

fn parse(bytes: &[u8]) -> Result<Parsed<'_>, EnvelopeError> {
    if bytes.len() < 5 || &bytes[..4] != MAGIC {
        return Err(EnvelopeError::Malformed("missing AMVE magic"));
    }
    if bytes[4] != ENVELOPE_VERSION {
        return Err(EnvelopeError::UnsupportedVersion(bytes[4]));
    }
    if bytes.len() < HEADER_LEN + TAG_LEN {
        return Err(EnvelopeError::Malformed("truncated"));
    }
    let wrapped = WrappedDek::read(&bytes[5..5 + WrappedDek::LEN]);
    Ok(Parsed {
        wrapped,
        nonce: &bytes[5 + WrappedDek::LEN..HEADER_LEN],
        ciphertext: &bytes[HEADER_LEN..],
    })
}

/// Encrypts `plaintext` for the field at `ctx` under a fresh data key wrapped by the
/// keyring's current KEK.
pub fn seal(
    keyring: &Keyring,
    ctx: &FieldContext,
    plaintext: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Vec<u8> {
    // The data key and both nonces in one draw: with the operating system's RNG each draw
    // is a system call.
    let mut random = Zeroizing::new([0u8; KEY_LEN + 2 * NONCE_LEN]);
    rng.fill_bytes(random.as_mut());
    let (dek, nonces) = random.split_at(KEY_LEN);
    let dek: &[u8; KEY_LEN] = dek.try_into().expect("KEY_LEN bytes");
    let (wrap_nonce, nonce) = nonces.split_at(NONCE_LEN);
    let wrapped = keyring.wrap_dek_with_nonce(dek, wrap_nonce.try_into().expect("NONCE_LEN bytes"));
    let cipher = XChaCha20Poly1305::new(dek.into());
    let aad = ctx.aad(b"aman-vault/field/v1", ENVELOPE_VERSION);
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .expect("XChaCha20-Poly1305 accepts any message below 256 GiB");
    let mut out = Vec::with_capacity(HEADER_LEN + ciphertext.len());
    out.extend_from_slice(MAGIC);
    out.push(ENVELOPE_VERSION);
    wrapped.write(&mut out);
    out.extend_from_slice(nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Decrypts an envelope sealed for the field at `ctx`. The plaintext comes back in a
/// zeroizing box with a redacted `Debug`.
pub fn open(
    keyring: &Keyring,
    ctx: &FieldContext,
    envelope: &[u8],
) -> Result<SecretSlice<u8>, EnvelopeError> {
    let parsed = parse(envelope)?;
    let dek = keyring.unwrap_dek(&parsed.wrapped)?;
    let cipher = XChaCha20Poly1305::new(dek.as_ref().into());
    let aad = ctx.aad(b"aman-vault/field/v1", ENVELOPE_VERSION);
    let plain = cipher
        .decrypt(
            XNonce::from_slice(parsed.nonce),
            Payload {
                msg: parsed.ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| EnvelopeError::DecryptFailed)?;
    Ok(SecretSlice::from(plain))
}

/// [`seal`] for any serialisable record (e.g. a person's identity fields as one JSON
/// object, so one data key covers the record).
pub fn seal_json<T: Serialize>(
    keyring: &Keyring,
    ctx: &FieldContext,
    value: &T,
    rng: &mut (impl RngCore + CryptoRng),
) -> Vec<u8> {
    let json = Zeroizing::new(
        serde_json::to_vec(value).expect("serialising a plain record to JSON cannot fail"),
    );
    seal(keyring, ctx, &json, rng)
}

/// [`open`] and parse the JSON sealed by [`seal_json`].
pub fn open_json<T: DeserializeOwned>(
    keyring: &Keyring,
    ctx: &FieldContext,
    envelope: &[u8],
) -> Result<T, EnvelopeError> {
    use secrecy::ExposeSecret;
    let plain = open(keyring, ctx, envelope)?;
    serde_json::from_slice(plain.expose_secret()).map_err(|e| EnvelopeError::Json(e.to_string()))
}

/// The KEK an envelope is wrapped by, read without any key (the store can index it to find
/// rows still awaiting rotation).
pub fn envelope_kek_id(envelope: &[u8]) -> Result<KekId, EnvelopeError> {
    Ok(parse(envelope)?.wrapped.kek_id)
}

/// Rewraps the envelope's data key under the keyring's current KEK without touching the
/// ciphertext. Returns `None` when the envelope already uses the current KEK, so a rotation
/// pass can be re-run until it reports nothing left to do.
pub fn rewrap(
    keyring: &Keyring,
    envelope: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Option<Vec<u8>>, EnvelopeError> {
    let parsed = parse(envelope)?;
    if parsed.wrapped.kek_id == keyring.current_id() {
        return Ok(None);
    }
    let dek = keyring.unwrap_dek(&parsed.wrapped)?;
    let wrapped = keyring.wrap_dek(&dek, rng);
    let mut out = Vec::with_capacity(envelope.len());
    out.extend_from_slice(&envelope[..5]);
    wrapped.write(&mut out);
    out.extend_from_slice(&envelope[5 + WrappedDek::LEN..]);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Kek;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use secrecy::ExposeSecret;

    fn ring(seed: u64) -> Keyring {
        Keyring::new(Kek::generate(&mut ChaCha20Rng::seed_from_u64(seed)))
    }

    fn ctx() -> FieldContext {
        FieldContext::new("person_identity", "identity", "p-0001")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn round_trip(plain in proptest::collection::vec(any::<u8>(), 0..300), seed in any::<u64>()) {
            let keys = ring(1);
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let sealed = seal(&keys, &ctx(), &plain, &mut rng);
            let opened = open(&keys, &ctx(), &sealed).unwrap();
            prop_assert_eq!(opened.expose_secret(), &plain[..]);
        }

        #[test]
        fn any_flipped_bit_fails(plain in proptest::collection::vec(any::<u8>(), 0..64), bit in any::<proptest::sample::Index>()) {
            let keys = ring(2);
            let mut sealed = seal(&keys, &ctx(), &plain, &mut ChaCha20Rng::seed_from_u64(9));
            let at = bit.index(sealed.len() * 8);
            sealed[at / 8] ^= 1 << (at % 8);
            prop_assert!(open(&keys, &ctx(), &sealed).is_err());
        }

        #[test]
        fn truncation_or_extension_fails(plain in proptest::collection::vec(any::<u8>(), 0..64), cut in 1usize..200, extra in any::<u8>()) {
            let keys = ring(3);
            let sealed = seal(&keys, &ctx(), &plain, &mut ChaCha20Rng::seed_from_u64(9));
            let cut = cut.min(sealed.len());
            prop_assert!(open(&keys, &ctx(), &sealed[..sealed.len() - cut]).is_err());
            let mut longer = sealed.clone();
            longer.push(extra);
            prop_assert!(open(&keys, &ctx(), &longer).is_err());
        }

        #[test]
        fn moved_to_other_row_or_column_fails(plain in proptest::collection::vec(any::<u8>(), 0..64), row in "[a-z0-9-]{1,12}", col in "[a-z_]{1,12}") {
            let keys = ring(4);
            let sealed = seal(&keys, &ctx(), &plain, &mut ChaCha20Rng::seed_from_u64(5));
            let here = ctx();
            if row != here.row_id {
                let moved = FieldContext::new(&here.table, &here.column, &row);
                prop_assert_eq!(open(&keys, &moved, &sealed).unwrap_err(), EnvelopeError::DecryptFailed);
            }
            if col != here.column {
                let moved = FieldContext::new(&here.table, &col, &here.row_id);
                prop_assert_eq!(open(&keys, &moved, &sealed).unwrap_err(), EnvelopeError::DecryptFailed);
            }
            let other_table = FieldContext::new("source_identity", &here.column, &here.row_id);
            prop_assert_eq!(open(&keys, &other_table, &sealed).unwrap_err(), EnvelopeError::DecryptFailed);
        }

        #[test]
        fn wrong_key_fails(plain in proptest::collection::vec(any::<u8>(), 0..64), seed in 100u64..10_000) {
            let keys = ring(5);
            let sealed = seal(&keys, &ctx(), &plain, &mut ChaCha20Rng::seed_from_u64(5));
            let other = ring(seed);
            prop_assert!(matches!(open(&other, &ctx(), &sealed), Err(EnvelopeError::UnknownKek(_))));
        }
    }

    #[test]
    fn a_wrong_key_claiming_the_right_id_fails_authentication() {
        let keys = ring(6);
        let mut sealed = seal(
            &keys,
            &ctx(),
            b"Dilnoza",
            &mut ChaCha20Rng::seed_from_u64(1),
        );
        // Simulate a different key stored under the same id by damaging the wrapped DEK.
        sealed[5 + 8 + 24] ^= 0xff;
        assert!(matches!(
            open(&keys, &ctx(), &sealed),
            Err(EnvelopeError::UnwrapFailed(_))
        ));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let a = FieldContext::new("ab", "c", "1").aad(b"d", 1);
        let b = FieldContext::new("a", "bc", "1").aad(b"d", 1);
        assert_ne!(a, b);
    }

    #[test]
    fn json_records_round_trip_and_plaintext_is_not_in_the_envelope() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Identity {
            name: String,
            phone: String,
        }
        let keys = ring(7);
        let who = Identity {
            name: "Canary Witness".into(),
            phone: "+996555123456".into(),
        };
        let sealed = seal_json(&keys, &ctx(), &who, &mut ChaCha20Rng::seed_from_u64(2));
        assert!(!sealed.windows(6).any(|w| w == b"Canary"));
        let back: Identity = open_json(&keys, &ctx(), &sealed).unwrap();
        assert_eq!(back, who);
        let shown = format!("{:?}", open(&keys, &ctx(), &sealed).unwrap());
        assert!(!shown.contains("Canary"));
    }

    #[test]
    fn unknown_versions_and_garbage_are_reported() {
        let keys = ring(8);
        let mut sealed = seal(&keys, &ctx(), b"x", &mut ChaCha20Rng::seed_from_u64(3));
        assert_eq!(
            open(&keys, &ctx(), b"hello").unwrap_err(),
            EnvelopeError::Malformed("missing AMVE magic")
        );
        sealed[4] = 9;
        assert_eq!(
            open(&keys, &ctx(), &sealed).unwrap_err(),
            EnvelopeError::UnsupportedVersion(9)
        );
    }
}
