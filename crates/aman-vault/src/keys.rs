//! Key-encryption keys (KEKs) and the keyring that holds them.
//!
//! A KEK never touches the database: it comes from a passphrase through Argon2id or from a
//! 32-byte key file. What may be stored is the [`PassphraseKdf`] record (salt, cost
//! parameters and a key check value), which lets the node tell a mistyped passphrase from a
//! damaged envelope without revealing anything about the key. The [`Keyring`] holds the
//! current KEK, used for every new envelope, and older KEKs by id so that envelopes not yet
//! rewrapped during a rotation stay readable.

use std::collections::BTreeMap;
use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::{CryptoRng, RngCore};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Length in bytes of every symmetric key in the vault.
pub const KEY_LEN: usize = 32;
/// Length in bytes of an XChaCha20-Poly1305 nonce.
pub(crate) const NONCE_LEN: usize = 24;

/// Identifies a KEK without revealing it: the first 8 bytes of
/// HMAC-SHA256(kek, "aman-vault/kek-id/v1"). Written into every envelope.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KekId(pub [u8; 8]);

impl KekId {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let mut out = [0u8; 8];
        hex::decode_to_slice(text.trim(), &mut out)
            .map_err(|_| KeyError::BadKekId(text.chars().take(40).collect()))?;
        Ok(Self(out))
    }
}

impl fmt::Display for KekId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KekId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KekId({})", self.to_hex())
    }
}

/// What can go wrong while loading or managing keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the passphrase does not match the stored key check value; check the passphrase (and keyboard layout) and try again")]
    WrongPassphrase,
    #[error("key file is neither 32 raw bytes nor 64 hex characters ({len} bytes read); create one with `aman keys generate`")]
    BadKeyFile { len: usize },
    #[error("Argon2id parameters rejected: {0}; memory must be at least 8 KiB per lane and iterations at least 1")]
    BadKdfParams(String),
    #[error("stored key-derivation record is not usable: {0}")]
    BadKdfRecord(String),
    #[error("{0:?} is not a key id (expected 16 hex characters)")]
    BadKekId(String),
    #[error("key-encryption key {0} is the current key and cannot be removed; rotate to a new key first")]
    RemoveCurrent(KekId),
    #[error("key-encryption key {0} is not in the keyring")]
    NotInKeyring(KekId),
}

/// A key-encryption key. The key bytes live in a zeroizing box whose `Debug` is redacted.
pub struct Kek {
    id: KekId,
    key: SecretBox<[u8; KEY_LEN]>,
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kek {{ id: {}, key: [REDACTED] }}", self.id)
    }
}

fn keyed_label(key: &[u8; KEY_LEN], label: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Kek {
    /// Wraps raw key bytes. The id is derived from the key, so the same key always has the
    /// same id on every node.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        let bytes = Zeroizing::new(bytes);
        let tag = keyed_label(&bytes, b"aman-vault/kek-id/v1");
        let mut id = [0u8; 8];
        id.copy_from_slice(&tag[..8]);
        Self {
            id: KekId(id),
            key: SecretBox::new(Box::new(*bytes)),
        }
    }

    /// A fresh random key (for `aman keys generate`).
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rng.fill_bytes(bytes.as_mut());
        Self::from_bytes(*bytes)
    }

    /// Reads a key file's contents: either exactly 32 raw bytes, or 64 hex characters with
    /// optional surrounding whitespace (the form [`Kek::key_file_text`] writes).
    pub fn from_key_file(contents: &[u8]) -> Result<Self, KeyError> {
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        if contents.len() == KEY_LEN {
            out.copy_from_slice(contents);
            return Ok(Self::from_bytes(*out));
        }
        let text = std::str::from_utf8(contents).map_err(|_| KeyError::BadKeyFile {
            len: contents.len(),
        })?;
        hex::decode_to_slice(text.trim(), out.as_mut()).map_err(|_| KeyError::BadKeyFile {
            len: contents.len(),
        })?;
        Ok(Self::from_bytes(*out))
    }

    /// The key file form: 64 lowercase hex characters and a newline.
    pub fn key_file_text(&self) -> SecretString {
        let mut text = hex::encode(self.key.expose_secret());
        text.push('\n');
        SecretString::from(text)
    }

    pub fn id(&self) -> KekId {
        self.id
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        self.key.expose_secret()
    }

    fn check_mac(&self) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.expose())
            .expect("HMAC accepts any key length");
        mac.update(b"aman-vault/kek-check/v1");
        mac
    }

    fn check_value(&self) -> [u8; 16] {
        let tag = self.check_mac().finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&tag[..16]);
        out
    }

    /// Compares in constant time, so timing does not tell how much of a guess was right.
    fn matches_check_value(&self, check: &[u8; 16]) -> bool {
        self.check_mac().verify_truncated_left(check).is_ok()
    }
}

/// Argon2id cost parameters. The default follows RFC 9106's memory-constrained
/// recommendation scaled to a field laptop (64 MiB, 3 passes, 1 lane); tests pass lower
/// values explicitly through [`KdfParams::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub lanes: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        Self {
            memory_kib: 64 * 1024,
            iterations: 3,
            lanes: 1,
        }
    }
}

impl KdfParams {
    pub fn new(memory_kib: u32, iterations: u32, lanes: u32) -> Result<Self, KeyError> {
        let params = Self {
            memory_kib,
            iterations,
            lanes,
        };
        params.argon2()?;
        Ok(params)
    }

    fn argon2(&self) -> Result<Argon2<'static>, KeyError> {
        let params = Params::new(self.memory_kib, self.iterations, self.lanes, Some(KEY_LEN))
            .map_err(|e| KeyError::BadKdfParams(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// The storable half of a passphrase-derived KEK: salt, Argon2id parameters and a key check
/// value. Safe to keep in the database; the passphrase and the key are not in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassphraseKdf {
    /// Always "argon2id"; kept so a later format can be told apart.
    pub algorithm: String,
    /// 16 random bytes, hex.
    pub salt: String,
    pub params: KdfParams,
    /// Id of the derived key (also written in every envelope it wraps).
    pub kek_id: String,
    /// First 16 bytes of HMAC-SHA256(kek, "aman-vault/kek-check/v1"), hex.
    pub check: String,
}

impl PassphraseKdf {
    /// Sets up a new passphrase: draws a salt, derives the KEK and returns the record to
    /// store together with the key.
    pub fn create(
        passphrase: &SecretString,
        params: KdfParams,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Kek), KeyError> {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let kek = derive(passphrase, &salt, &params)?;
        let record = Self {
            algorithm: "argon2id".to_owned(),
            salt: hex::encode(salt),
            params,
            kek_id: kek.id().to_hex(),
            check: hex::encode(kek.check_value()),
        };
        Ok((record, kek))
    }

    /// Derives the KEK again from the passphrase and checks it against the stored check
    /// value, so a wrong passphrase is reported as such.
    pub fn derive(&self, passphrase: &SecretString) -> Result<Kek, KeyError> {
        if self.algorithm != "argon2id" {
            return Err(KeyError::BadKdfRecord(format!(
                "unknown algorithm {:?}",
                self.algorithm
            )));
        }
        let salt = hex::decode(&self.salt)
            .map_err(|_| KeyError::BadKdfRecord("salt is not hex".to_owned()))?;
        let mut check = [0u8; 16];
        hex::decode_to_slice(&self.check, &mut check)
            .map_err(|_| KeyError::BadKdfRecord("check value is not 32 hex characters".into()))?;
        let kek = derive(passphrase, &salt, &self.params)?;
        if !kek.matches_check_value(&check) {
            return Err(KeyError::WrongPassphrase);
        }
        Ok(kek)
    }
}

fn derive(passphrase: &SecretString, salt: &[u8], params: &KdfParams) -> Result<Kek, KeyError> {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    params
        .argon2()?
        .hash_password_into(passphrase.expose_secret().as_bytes(), salt, out.as_mut())
        .map_err(|e| KeyError::BadKdfParams(e.to_string()))?;
    Ok(Kek::from_bytes(*out))
}

/// A data-encryption key wrapped by a KEK: 24-byte nonce and 48-byte ciphertext+tag.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct WrappedDek {
    pub kek_id: KekId,
    pub nonce: [u8; 24],
    pub wrapped: [u8; KEY_LEN + 16],
}

impl WrappedDek {
    pub const LEN: usize = 8 + 24 + KEY_LEN + 16;

    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.kek_id.0);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.wrapped);
    }

    /// Reads from exactly [`WrappedDek::LEN`] bytes.
    pub fn read(bytes: &[u8]) -> Self {
        let mut kek_id = [0u8; 8];
        let mut nonce = [0u8; 24];
        let mut wrapped = [0u8; KEY_LEN + 16];
        kek_id.copy_from_slice(&bytes[..8]);
        nonce.copy_from_slice(&bytes[8..32]);
        wrapped.copy_from_slice(&bytes[32..Self::LEN]);
        Self {
            kek_id: KekId(kek_id),
            nonce,
            wrapped,
        }
    }
}

fn wrap_aad(id: KekId) -> Vec<u8> {
    let mut aad = b"aman-vault/dek/v1".to_vec();
    aad.extend_from_slice(&id.0);
    aad
}

/// The reason a wrapped data key could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UnwrapError {
    UnknownKek(KekId),
    Failed(KekId),
}

/// The current KEK plus older ones by id.
pub struct Keyring {
    current: KekId,
    keys: BTreeMap<KekId, Kek>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    pub fn new(current: Kek) -> Self {
        let id = current.id();
        let mut keys = BTreeMap::new();
        keys.insert(id, current);
        Self { current: id, keys }
    }

    /// Adds an older KEK so envelopes it wraps stay readable. Adding the current key again
    /// is harmless.
    pub fn add_previous(&mut self, kek: Kek) {
        self.keys.entry(kek.id()).or_insert(kek);
    }

    /// Makes `kek` the key for all new envelopes; the former current key stays loaded for
    /// reading until [`Keyring::remove`] drops it.
    pub fn rotate_to(&mut self, kek: Kek) {
        self.current = kek.id();
        self.keys.insert(kek.id(), kek);
    }

    /// Drops a previous KEK once nothing is wrapped by it any more.
    pub fn remove(&mut self, id: KekId) -> Result<(), KeyError> {
        if id == self.current {
            return Err(KeyError::RemoveCurrent(id));
        }
        self.keys
            .remove(&id)
            .map(|_| ())
            .ok_or(KeyError::NotInKeyring(id))
    }

    pub fn current_id(&self) -> KekId {
        self.current
    }

    pub fn contains(&self, id: KekId) -> bool {
        self.keys.contains_key(&id)
    }

    pub fn ids(&self) -> impl Iterator<Item = KekId> + '_ {
        self.keys.keys().copied()
    }

    pub(crate) fn current_kek(&self) -> &Kek {
        &self.keys[&self.current]
    }

    pub(crate) fn wrap_dek(
        &self,
        dek: &[u8; KEY_LEN],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> WrappedDek {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        self.wrap_dek_with_nonce(dek, nonce)
    }

    /// [`Keyring::wrap_dek`] with a nonce the caller drew, so that sealing a record can take
    /// all its randomness from the RNG in one call.
    pub(crate) fn wrap_dek_with_nonce(
        &self,
        dek: &[u8; KEY_LEN],
        nonce: [u8; NONCE_LEN],
    ) -> WrappedDek {
        wrap_with(self.current_kek(), dek, nonce)
    }

    pub(crate) fn unwrap_dek(
        &self,
        wrapped: &WrappedDek,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, UnwrapError> {
        let kek = self
            .keys
            .get(&wrapped.kek_id)
            .ok_or(UnwrapError::UnknownKek(wrapped.kek_id))?;
        let cipher = XChaCha20Poly1305::new(kek.expose().into());
        let aad = wrap_aad(wrapped.kek_id);
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&wrapped.nonce),
                    Payload {
                        msg: &wrapped.wrapped,
                        aad: &aad,
                    },
                )
                .map_err(|_| UnwrapError::Failed(wrapped.kek_id))?,
        );
        let mut dek = Zeroizing::new([0u8; KEY_LEN]);
        dek.copy_from_slice(&plain);
        Ok(dek)
    }
}

fn wrap_with(kek: &Kek, dek: &[u8; KEY_LEN], nonce: [u8; NONCE_LEN]) -> WrappedDek {
    let cipher = XChaCha20Poly1305::new(kek.expose().into());
    let aad = wrap_aad(kek.id());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: dek,
                aad: &aad,
            },
        )
        .expect("XChaCha20-Poly1305 encryption of 32 bytes cannot fail");
    let mut wrapped = [0u8; KEY_LEN + 16];
    wrapped.copy_from_slice(&sealed);
    WrappedDek {
        kek_id: kek.id(),
        nonce,
        wrapped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn low() -> KdfParams {
        KdfParams::new(64, 1, 1).unwrap()
    }

    #[test]
    fn passphrase_derivation_is_repeatable_and_checks_the_passphrase() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let pass = SecretString::from("correct horse battery staple".to_owned());
        let (record, kek) = PassphraseKdf::create(&pass, low(), &mut rng).unwrap();
        assert_eq!(record.kek_id, kek.id().to_hex());
        let again = record.derive(&pass).unwrap();
        assert_eq!(again.id(), kek.id());
        let wrong = SecretString::from("correct horse battery stapler".to_owned());
        assert!(matches!(
            record.derive(&wrong),
            Err(KeyError::WrongPassphrase)
        ));
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains(&hex::encode(kek.expose())));
    }

    #[test]
    fn default_params_are_not_weakened() {
        let d = KdfParams::default();
        assert!(d.memory_kib >= 64 * 1024 && d.iterations >= 3);
        assert!(KdfParams::new(0, 0, 0).is_err());
    }

    #[test]
    fn key_file_accepts_raw_and_hex_and_rejects_other_lengths() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let kek = Kek::generate(&mut rng);
        let text = kek.key_file_text();
        let back = Kek::from_key_file(text.expose_secret().as_bytes()).unwrap();
        assert_eq!(back.id(), kek.id());
        let raw = Kek::from_key_file(kek.expose()).unwrap();
        assert_eq!(raw.id(), kek.id());
        assert!(matches!(
            Kek::from_key_file(b"short"),
            Err(KeyError::BadKeyFile { len: 5 })
        ));
    }

    #[test]
    fn debug_output_never_shows_key_bytes() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let kek = Kek::generate(&mut rng);
        let secret_hex = hex::encode(kek.expose());
        let ring = Keyring::new(kek);
        let shown = format!("{ring:?} {:?}", ring.current_kek());
        assert!(!shown.contains(&secret_hex));
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn current_key_cannot_be_removed() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let a = Kek::generate(&mut rng);
        let b = Kek::generate(&mut rng);
        let (a_id, b_id) = (a.id(), b.id());
        let mut ring = Keyring::new(a);
        ring.rotate_to(b);
        assert_eq!(ring.current_id(), b_id);
        assert!(matches!(ring.remove(b_id), Err(KeyError::RemoveCurrent(_))));
        ring.remove(a_id).unwrap();
        assert!(matches!(ring.remove(a_id), Err(KeyError::NotInKeyring(_))));
    }
}
