//! Ed25519 keys of users and nodes, and the set of public keys a verifier trusts.
//!
//! Custody events, signed tree heads and bundle manifests are all signed with these keys.
//! Every signed message starts with a distinct domain label, so a signature made for one
//! purpose can never be replayed as another.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::{CryptoRng, RngCore};
use secrecy::SecretBox;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Short fingerprint of a public key: the first 8 bytes of its SHA-256, hex.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(pub String);

impl KeyId {
    pub fn of(key: &VerifyingKey) -> Self {
        Self(hex::encode(&Sha256::digest(key.as_bytes())[..8]))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.0)
    }
}

/// Problems with signing keys and public keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningKeyError {
    #[error("a signing key must be 32 bytes (or 64 hex characters), got {0} bytes")]
    BadSecretLength(usize),
    #[error("{0:?} is not an Ed25519 public key (expected 64 hex characters of a valid point)")]
    BadPublicKey(String),
}

/// A user's or node's Ed25519 signing key.
pub struct SignerKey {
    key: SigningKey,
    id: KeyId,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignerKey {{ id: {}, secret: [REDACTED] }}", self.id)
    }
}

impl SignerKey {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self::from_signing_key(SigningKey::generate(rng))
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let id = KeyId::of(&key.verifying_key());
        Self { key, id }
    }

    /// Loads the 32-byte secret seed (raw, or 64 hex characters with optional whitespace).
    pub fn from_secret(bytes: &[u8]) -> Result<Self, SigningKeyError> {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        if bytes.len() == 32 {
            seed.copy_from_slice(bytes);
        } else {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| SigningKeyError::BadSecretLength(bytes.len()))?;
            hex::decode_to_slice(text.trim(), seed.as_mut())
                .map_err(|_| SigningKeyError::BadSecretLength(bytes.len()))?;
        }
        Ok(Self::from_signing_key(SigningKey::from_bytes(&seed)))
    }

    /// The secret seed, e.g. to seal it in the vault for a user or write a node key file.
    pub fn to_secret(&self) -> SecretBox<[u8; 32]> {
        SecretBox::new(Box::new(self.key.to_bytes()))
    }

    /// The key file form, as [`SignerKey::from_secret`] reads it: 64 hex characters and a
    /// newline.
    pub fn key_file_text(&self) -> secrecy::SecretString {
        let mut text = hex::encode(self.key.to_bytes());
        text.push('\n');
        secrecy::SecretString::from(text)
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// Signs `message` under the domain label `domain`.
    pub(crate) fn sign(&self, domain: &[u8], message: &[u8]) -> [u8; 64] {
        self.key.sign(&labelled(domain, message)).to_bytes()
    }
}

fn labelled(domain: &[u8], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(domain.len() + 1 + message.len());
    out.extend_from_slice(domain);
    out.push(0);
    out.extend_from_slice(message);
    out
}

/// An Ed25519 public key; displays and serialises as 64 hex characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub VerifyingKey);

impl PublicKey {
    pub fn id(&self) -> KeyId {
        KeyId::of(&self.0)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    pub fn from_hex(text: &str) -> Result<Self, SigningKeyError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes)
            .map_err(|_| SigningKeyError::BadPublicKey(text.chars().take(80).collect()))?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| SigningKeyError::BadPublicKey(text.chars().take(80).collect()))
    }

    pub(crate) fn verify(&self, domain: &[u8], message: &[u8], signature: &[u8; 64]) -> bool {
        self.0
            .verify(
                &labelled(domain, message),
                &Signature::from_bytes(signature),
            )
            .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// Public keys a verifier accepts, by key id (the node's own key, users' keys, a partner's
/// copy of a mission's published key).
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: BTreeMap<KeyId, PublicKey>,
}

impl TrustedKeys {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, key: PublicKey) -> &mut Self {
        self.keys.insert(key.id(), key);
        self
    }

    pub fn get(&self, id: &KeyId) -> Option<&PublicKey> {
        self.keys.get(id)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl FromIterator<PublicKey> for TrustedKeys {
    fn from_iter<I: IntoIterator<Item = PublicKey>>(iter: I) -> Self {
        let mut out = Self::new();
        for key in iter {
            out.add(key);
        }
        out
    }
}

/// Signature bytes as hex in JSON.
pub(crate) mod sig_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(sig: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(sig))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 64];
        hex::decode_to_slice(&text, &mut out)
            .map_err(|_| serde::de::Error::custom("signature must be 128 hex characters"))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use secrecy::ExposeSecret;

    #[test]
    fn signatures_are_bound_to_their_domain_and_message() {
        let key = SignerKey::generate(&mut ChaCha20Rng::seed_from_u64(1));
        let sig = key.sign(b"custody", b"event");
        let public = key.public();
        assert!(public.verify(b"custody", b"event", &sig));
        assert!(!public.verify(b"tree-head", b"event", &sig));
        assert!(!public.verify(b"custody", b"evenT", &sig));
    }

    #[test]
    fn secret_round_trip_keeps_the_id_and_hides_the_secret() {
        let key = SignerKey::generate(&mut ChaCha20Rng::seed_from_u64(2));
        let secret = key.to_secret();
        let back = SignerKey::from_secret(secret.expose_secret()).unwrap();
        assert_eq!(back.id(), key.id());
        let hexed = hex::encode(secret.expose_secret());
        assert_eq!(
            SignerKey::from_secret(hexed.as_bytes()).unwrap().id(),
            key.id()
        );
        assert!(!format!("{key:?}").contains(&hexed));
        assert_eq!(
            SignerKey::from_secret(b"abc").unwrap_err(),
            SigningKeyError::BadSecretLength(3)
        );
        let public = PublicKey::from_hex(&key.public().to_hex()).unwrap();
        assert_eq!(public.id(), *key.id());
    }
}
