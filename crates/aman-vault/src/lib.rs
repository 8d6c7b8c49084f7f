//! aman-vault: the cryptographic core of Aman's protection and accountability features.
//!
//! - [`envelope`]: identity fields sealed per record (XChaCha20-Poly1305 data key wrapped
//!   by a key-encryption key, bound to table, column and row), with rotation by rewrap.
//! - [`keys`]: key-encryption keys from a passphrase (Argon2id) or a key file, and the
//!   [`keys::Keyring`] of current and previous keys.
//! - [`blind_index`]: keyed exact-match lookup without decrypting.
//! - [`access`]: need-to-know grants and witness consent, as pure decisions.
//! - [`evidence`] and [`custody`]: content-addressed, chunk-encrypted evidence files and
//!   their Ed25519-signed, hash-linked custody history.
//! - [`merkle`], [`checkpoint`] and [`audit`]: the RFC 9162 Merkle log over audit entries,
//!   signed tree heads, and a verifier that locates tampering.
//! - [`bundle`]: signed, age-encrypted case bundles that a partner verifies offline.
//!
//! # Identity fields in one row
//!
//! ```
//! use aman_vault::blind_index::{BlindIndexKey, Normalise};
//! use aman_vault::envelope::{open_json, seal_json, FieldContext};
//! use aman_vault::keys::{Kek, Keyring};
//! use rand::rngs::OsRng;
//!
//! let keyring = Keyring::new(Kek::generate(&mut OsRng)); // or Kek::from_key_file / PassphraseKdf::derive
//! let index_key = BlindIndexKey::generate(&mut OsRng); // stored sealed: index_key.seal(&keyring, ..)
//! let ctx = FieldContext::new("person_identity", "identity", "p-0001");
//! let identity = serde_json::json!({"name": "Witness One", "phone": "+996 555 000 111"});
//! let stored = seal_json(&keyring, &ctx, &identity, &mut OsRng);
//! let phone_token = index_key.index("person.phone", "0555000111", Normalise::Phone);
//! assert_eq!(phone_token, index_key.index("person.phone", "+996 555 000 111", Normalise::Phone));
//! let back: serde_json::Value = open_json(&keyring, &ctx, &stored)?;
//! assert_eq!(back, identity);
//! # Ok::<(), aman_vault::envelope::EnvelopeError>(())
//! ```
//!
//! This crate does no I/O beyond the readers and writers it is handed: no database, no
//! network, no clock and no global randomness. Time and random number generators are
//! parameters.

pub mod access;
pub mod audit;
pub mod blind_index;
pub mod bundle;
pub mod checkpoint;
pub mod custody;
pub mod envelope;
pub mod evidence;
pub mod hash;
pub mod keys;
pub mod merkle;
pub mod signing;

pub use age::x25519::{Identity as AgeIdentity, Recipient as AgeRecipient};
pub use hash::Hash256;
pub use secrecy::{ExposeSecret, SecretSlice, SecretString};
