//! Evidence files: content addressing by SHA-256 at intake and chunked encryption at rest.
//!
//! Files can be large (video), so they are encrypted as a stream of fixed-size chunks, each
//! sealed with XChaCha20-Poly1305 under the file's own data key. The chunk's index and a
//! "last chunk" flag are in its nonce and associated data, so reordered, dropped, duplicated
//! or appended chunks and a truncated file all fail, and the failure names the chunk. The
//! SHA-256 of the plaintext is computed in the same pass, so the content address taken at
//! intake can be checked on every read.
//!
//! Stream layout (version 1): magic `AMVS`, version byte, chunk size (u32 BE), wrapped data
//! key (80 bytes, as in identity envelopes), 16-byte nonce prefix; then the chunks, each
//! `chunk_size` plaintext bytes plus a 16-byte tag, the last one possibly shorter. The
//! header has a fixed length, so a key rotation rewrites only the header in place.

use std::io::{self, Read, Write};

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::envelope::{EnvelopeError, FieldContext};
use crate::hash::Hash256;
use crate::keys::{Keyring, WrappedDek, KEY_LEN};

const MAGIC: &[u8; 4] = b"AMVS";
const VERSION: u8 = 1;
const TAG_LEN: usize = 16;
/// Chunk size used unless the caller picks another: 64 KiB.
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
/// Largest chunk size accepted when reading, so a forged header cannot make the reader
/// allocate without bound.
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// Length of the fixed header; rewrap replaces exactly these bytes.
pub const EVIDENCE_HEADER_LEN: usize = 4 + 1 + 4 + WrappedDek::LEN + 16;

/// What can go wrong storing or reading an evidence file.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("reading or writing evidence failed: {0}")]
    Io(#[from] io::Error),
    #[error("not an encrypted evidence file: {0}")]
    Malformed(&'static str),
    #[error("chunk size {0} is outside 1..={MAX_CHUNK_SIZE} bytes")]
    BadChunkSize(u32),
    #[error(transparent)]
    Key(#[from] EnvelopeError),
    #[error("chunk {index} failed authentication: it was altered, reordered, or belongs to another file")]
    ChunkFailed { index: u64 },
    #[error("the file ends after chunk {last_index} without its final chunk: it was truncated")]
    Truncated { last_index: u64 },
    #[error("data follows the final chunk {final_index}: something was appended")]
    TrailingData { final_index: u64 },
    #[error("decrypted content hashes to {actual}, but intake recorded {expected}: the stored file is not the one received")]
    HashMismatch { expected: Hash256, actual: Hash256 },
}

/// The result of storing a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedEvidence {
    /// SHA-256 of the plaintext: the content address.
    pub content_hash: Hash256,
    pub plaintext_len: u64,
    pub ciphertext_len: u64,
}

/// SHA-256 and length of everything `reader` yields, read in 64 KiB pieces.
pub fn hash_reader(mut reader: impl Read) -> io::Result<(Hash256, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; DEFAULT_CHUNK_SIZE as usize];
    let mut total = 0u64;
    loop {
        let n = read_up_to(&mut reader, &mut buf)?;
        if n == 0 {
            return Ok((Hash256(hasher.finalize().into()), total));
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

struct ChunkCipher {
    cipher: XChaCha20Poly1305,
    prefix: [u8; 16],
    aad_base: Vec<u8>,
}

impl ChunkCipher {
    /// The chunk size is authenticated too: otherwise a header edit that keeps a short
    /// file in one chunk would go unnoticed.
    fn new(dek: &[u8; KEY_LEN], prefix: [u8; 16], chunk_size: u32, ctx: &FieldContext) -> Self {
        let mut aad_base = ctx.aad(b"aman-vault/evidence/v1", VERSION);
        aad_base.extend_from_slice(&chunk_size.to_be_bytes());
        Self {
            cipher: XChaCha20Poly1305::new(dek.into()),
            prefix,
            aad_base,
        }
    }

    fn nonce_and_aad(&self, index: u64, last: bool) -> (XNonce, Vec<u8>) {
        let mut nonce = [0u8; 24];
        nonce[..16].copy_from_slice(&self.prefix);
        nonce[16..].copy_from_slice(&index.to_be_bytes());
        let mut aad = self.aad_base.clone();
        aad.extend_from_slice(&index.to_be_bytes());
        aad.push(u8::from(last));
        (XNonce::from(nonce), aad)
    }

    fn seal(&self, index: u64, last: bool, buf: &mut Vec<u8>) {
        let (nonce, aad) = self.nonce_and_aad(index, last);
        self.cipher
            .encrypt_in_place(&nonce, &aad, buf)
            .expect("chunk sizes are far below the AEAD limit");
    }

    fn open(&self, index: u64, last: bool, buf: &mut Vec<u8>) -> bool {
        let (nonce, aad) = self.nonce_and_aad(index, last);
        self.cipher.decrypt_in_place(&nonce, &aad, buf).is_ok()
    }
}

/// Encrypts `reader` into `writer` for the evidence item at `ctx`, hashing the plaintext on
/// the way. Suggested context: `FieldContext::new("evidence", "file", evidence_id)`.
pub fn encrypt_evidence(
    keyring: &Keyring,
    ctx: &FieldContext,
    mut reader: impl Read,
    mut writer: impl Write,
    chunk_size: u32,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<SealedEvidence, EvidenceError> {
    if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
        return Err(EvidenceError::BadChunkSize(chunk_size));
    }
    let size = chunk_size as usize;
    let mut dek = Zeroizing::new([0u8; KEY_LEN]);
    rng.fill_bytes(dek.as_mut());
    let wrapped = keyring.wrap_dek(&dek, rng);
    let mut prefix = [0u8; 16];
    rng.fill_bytes(&mut prefix);

    let mut header = Vec::with_capacity(EVIDENCE_HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.push(VERSION);
    header.extend_from_slice(&chunk_size.to_be_bytes());
    wrapped.write(&mut header);
    header.extend_from_slice(&prefix);
    writer.write_all(&header)?;

    let chunks = ChunkCipher::new(&dek, prefix, chunk_size, ctx);
    let mut hasher = Sha256::new();
    let mut plaintext_len = 0u64;
    let mut ciphertext_len = header.len() as u64;
    let mut cur = Zeroizing::new(vec![0u8; size]);
    let mut next = Zeroizing::new(vec![0u8; size]);
    let mut n = read_up_to(&mut reader, &mut cur)?;
    let mut index = 0u64;
    loop {
        // A full chunk is the last one only if nothing follows it.
        let (last, m) = if n < size {
            (true, 0)
        } else {
            let m = read_up_to(&mut reader, &mut next)?;
            (m == 0, m)
        };
        hasher.update(&cur[..n]);
        plaintext_len += n as u64;
        let mut buf = Zeroizing::new(Vec::with_capacity(n + TAG_LEN));
        buf.extend_from_slice(&cur[..n]);
        chunks.seal(index, last, &mut buf);
        writer.write_all(&buf)?;
        ciphertext_len += buf.len() as u64;
        if last {
            break;
        }
        std::mem::swap(&mut cur, &mut next);
        n = m;
        index += 1;
    }
    writer.flush()?;
    Ok(SealedEvidence {
        content_hash: Hash256(hasher.finalize().into()),
        plaintext_len,
        ciphertext_len,
    })
}

struct Header {
    chunk_size: u32,
    wrapped: WrappedDek,
    prefix: [u8; 16],
}

fn parse_header(bytes: &[u8]) -> Result<Header, EvidenceError> {
    if bytes.len() < EVIDENCE_HEADER_LEN || &bytes[..4] != MAGIC {
        return Err(EvidenceError::Malformed("missing AMVS header"));
    }
    if bytes[4] != VERSION {
        return Err(EvidenceError::Key(EnvelopeError::UnsupportedVersion(
            bytes[4],
        )));
    }
    let chunk_size = u32::from_be_bytes(bytes[5..9].try_into().expect("4 bytes"));
    if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
        return Err(EvidenceError::BadChunkSize(chunk_size));
    }
    let wrapped = WrappedDek::read(&bytes[9..9 + WrappedDek::LEN]);
    let mut prefix = [0u8; 16];
    prefix.copy_from_slice(&bytes[9 + WrappedDek::LEN..EVIDENCE_HEADER_LEN]);
    Ok(Header {
        chunk_size,
        wrapped,
        prefix,
    })
}

/// Decrypts an evidence stream into `writer` and returns the plaintext's SHA-256 and
/// length. When `expected` is given, a different hash is an error. Chunks are written as
/// they are authenticated, so on any error the caller must discard what was written.
pub fn decrypt_evidence(
    keyring: &Keyring,
    ctx: &FieldContext,
    mut reader: impl Read,
    mut writer: impl Write,
    expected: Option<Hash256>,
) -> Result<(Hash256, u64), EvidenceError> {
    let mut head = [0u8; EVIDENCE_HEADER_LEN];
    if read_up_to(&mut reader, &mut head)? < EVIDENCE_HEADER_LEN {
        return Err(EvidenceError::Malformed("shorter than the header"));
    }
    let header = parse_header(&head)?;
    let dek = keyring
        .unwrap_dek(&header.wrapped)
        .map_err(EnvelopeError::from)?;
    let chunks = ChunkCipher::new(&dek, header.prefix, header.chunk_size, ctx);
    let full = header.chunk_size as usize + TAG_LEN;

    let mut hasher = Sha256::new();
    let mut total = 0u64;
    let mut cur = Zeroizing::new(vec![0u8; full]);
    let mut next = Zeroizing::new(vec![0u8; full]);
    let mut n = read_up_to(&mut reader, &mut cur)?;
    let mut index = 0u64;
    loop {
        if n < TAG_LEN {
            return Err(if index == 0 {
                EvidenceError::Malformed("no chunk after the header")
            } else {
                EvidenceError::Truncated {
                    last_index: index - 1,
                }
            });
        }
        let (last, m) = if n < full {
            (true, 0)
        } else {
            let m = read_up_to(&mut reader, &mut next)?;
            (m == 0, m)
        };
        let mut buf = Zeroizing::new(cur[..n].to_vec());
        if !chunks.open(index, last, &mut buf) {
            // Tell the two framing attacks apart from plain corruption.
            let mut probe = Zeroizing::new(cur[..n].to_vec());
            return Err(if chunks.open(index, !last, &mut probe) {
                if last {
                    EvidenceError::Truncated { last_index: index }
                } else {
                    EvidenceError::TrailingData { final_index: index }
                }
            } else {
                EvidenceError::ChunkFailed { index }
            });
        }
        hasher.update(&buf[..]);
        total += buf.len() as u64;
        writer.write_all(&buf)?;
        if last {
            break;
        }
        std::mem::swap(&mut cur, &mut next);
        n = m;
        index += 1;
    }
    writer.flush()?;
    let actual = Hash256(hasher.finalize().into());
    if let Some(expected) = expected {
        if expected != actual {
            return Err(EvidenceError::HashMismatch { expected, actual });
        }
    }
    Ok((actual, total))
}

/// Rewraps the data key in an evidence header (the first [`EVIDENCE_HEADER_LEN`] bytes of
/// the stored file) under the current KEK; `None` if it already uses it. The chunks are
/// untouched, so the store overwrites only the header.
pub fn rewrap_evidence_header(
    keyring: &Keyring,
    header: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Option<Vec<u8>>, EvidenceError> {
    let parsed = parse_header(header)?;
    if parsed.wrapped.kek_id == keyring.current_id() {
        return Ok(None);
    }
    let dek = keyring
        .unwrap_dek(&parsed.wrapped)
        .map_err(EnvelopeError::from)?;
    let wrapped = keyring.wrap_dek(&dek, rng);
    let mut out = header[..9].to_vec();
    wrapped.write(&mut out);
    out.extend_from_slice(&parsed.prefix);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Kek;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn setup() -> (Keyring, FieldContext) {
        let kek = Kek::generate(&mut ChaCha20Rng::seed_from_u64(1));
        (
            Keyring::new(kek),
            FieldContext::new("evidence", "file", "e-1"),
        )
    }

    fn store(
        keys: &Keyring,
        ctx: &FieldContext,
        data: &[u8],
        chunk: u32,
    ) -> (Vec<u8>, SealedEvidence) {
        let mut out = Vec::new();
        let sealed = encrypt_evidence(
            keys,
            ctx,
            data,
            &mut out,
            chunk,
            &mut ChaCha20Rng::seed_from_u64(2),
        )
        .unwrap();
        (out, sealed)
    }

    fn read(keys: &Keyring, ctx: &FieldContext, stored: &[u8]) -> Result<Vec<u8>, EvidenceError> {
        let mut out = Vec::new();
        decrypt_evidence(keys, ctx, stored, &mut out, None)?;
        Ok(out)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn round_trip_with_matching_content_address(data in proptest::collection::vec(any::<u8>(), 0..2000), chunk in 1u32..300) {
            let (keys, ctx) = setup();
            let (stored, sealed) = store(&keys, &ctx, &data, chunk);
            prop_assert_eq!(sealed.content_hash, Hash256::of(&data));
            prop_assert_eq!(sealed.ciphertext_len, stored.len() as u64);
            let mut out = Vec::new();
            let (hash, len) = decrypt_evidence(&keys, &ctx, &stored[..], &mut out, Some(Hash256::of(&data))).unwrap();
            prop_assert_eq!(out, data.clone());
            prop_assert_eq!(hash, sealed.content_hash);
            prop_assert_eq!(len, data.len() as u64);
        }

        #[test]
        fn any_flipped_bit_fails(data in proptest::collection::vec(any::<u8>(), 1..600), bit in any::<proptest::sample::Index>()) {
            let (keys, ctx) = setup();
            let (mut stored, _) = store(&keys, &ctx, &data, 128);
            let at = bit.index(stored.len() * 8);
            stored[at / 8] ^= 1 << (at % 8);
            prop_assert!(read(&keys, &ctx, &stored).is_err());
        }

        #[test]
        fn truncation_at_any_point_fails(data in proptest::collection::vec(any::<u8>(), 1..600), cut in any::<proptest::sample::Index>()) {
            let (keys, ctx) = setup();
            let (stored, _) = store(&keys, &ctx, &data, 100);
            let keep = cut.index(stored.len());
            prop_assert!(read(&keys, &ctx, &stored[..keep]).is_err());
        }
    }

    #[test]
    fn dropped_reordered_and_appended_chunks_are_named() {
        let (keys, ctx) = setup();
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let (stored, _) = store(&keys, &ctx, &data, 100);
        let body = &stored[EVIDENCE_HEADER_LEN..];
        let chunk = 100 + TAG_LEN;
        assert_eq!(body.len(), 10 * chunk);
        let header = &stored[..EVIDENCE_HEADER_LEN];

        // Whole final chunk removed: the new last chunk was not sealed as final.
        let truncated = [header, &body[..9 * chunk]].concat();
        assert!(matches!(
            read(&keys, &ctx, &truncated),
            Err(EvidenceError::Truncated { last_index: 8 })
        ));

        // Chunks 3 and 4 swapped.
        let swapped = [
            header,
            &body[..3 * chunk],
            &body[4 * chunk..5 * chunk],
            &body[3 * chunk..4 * chunk],
            &body[5 * chunk..],
        ]
        .concat();
        assert!(matches!(
            read(&keys, &ctx, &swapped),
            Err(EvidenceError::ChunkFailed { index: 3 })
        ));

        // A copy of the final chunk appended.
        let appended = [&stored[..], &body[9 * chunk..]].concat();
        assert!(matches!(
            read(&keys, &ctx, &appended),
            Err(EvidenceError::TrailingData { final_index: 9 })
        ));

        // Stored under another evidence id.
        let other = FieldContext::new("evidence", "file", "e-2");
        assert!(matches!(
            read(&keys, &other, &stored),
            Err(EvidenceError::ChunkFailed { index: 0 })
        ));
    }

    #[test]
    fn default_chunk_size_round_trips_a_multi_chunk_file() {
        let (keys, ctx) = setup();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let (stored, sealed) = store(&keys, &ctx, &data, DEFAULT_CHUNK_SIZE);
        assert_eq!(
            hash_reader(&data[..]).unwrap(),
            (sealed.content_hash, data.len() as u64)
        );
        assert_eq!(stored.len(), EVIDENCE_HEADER_LEN + data.len() + 4 * TAG_LEN);
        assert_eq!(read(&keys, &ctx, &stored).unwrap(), data);
    }

    #[test]
    fn wrong_expected_hash_is_reported() {
        let (keys, ctx) = setup();
        let (stored, _) = store(&keys, &ctx, b"photo bytes", 64);
        let mut out = Vec::new();
        let err = decrypt_evidence(
            &keys,
            &ctx,
            &stored[..],
            &mut out,
            Some(Hash256::of(b"other")),
        )
        .unwrap_err();
        assert!(matches!(err, EvidenceError::HashMismatch { .. }));
    }

    #[test]
    fn header_rewrap_keeps_chunks_readable_under_the_new_key() {
        let (mut keys, ctx) = setup();
        let data = vec![7u8; 5000];
        let (stored, _) = store(&keys, &ctx, &data, 1024);
        let old = keys.current_id();
        keys.rotate_to(Kek::generate(&mut ChaCha20Rng::seed_from_u64(9)));
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let header = rewrap_evidence_header(&keys, &stored[..EVIDENCE_HEADER_LEN], &mut rng)
            .unwrap()
            .unwrap();
        assert_eq!(header.len(), EVIDENCE_HEADER_LEN);
        let rewrapped = [&header[..], &stored[EVIDENCE_HEADER_LEN..]].concat();
        assert!(rewrap_evidence_header(&keys, &header, &mut rng)
            .unwrap()
            .is_none());
        keys.remove(old).unwrap();
        assert_eq!(read(&keys, &ctx, &rewrapped).unwrap(), data);
        assert!(matches!(
            read(&keys, &ctx, &stored),
            Err(EvidenceError::Key(EnvelopeError::UnknownKek(_)))
        ));
    }

    #[test]
    fn bad_chunk_sizes_are_refused() {
        let (keys, ctx) = setup();
        let mut out = Vec::new();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        assert!(matches!(
            encrypt_evidence(&keys, &ctx, &b"x"[..], &mut out, 0, &mut rng),
            Err(EvidenceError::BadChunkSize(0))
        ));
    }
}
