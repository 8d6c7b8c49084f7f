//! Merkle tree hashing, inclusion proofs and consistency proofs as defined in RFC 9162
//! (Certificate Transparency v2), section 2.1.
//!
//! Leaf hash = SHA-256(0x00 || entry), interior node = SHA-256(0x01 || left || right), and
//! the tree over n leaves splits at the largest power of two below n. [`MerkleTree`] keeps
//! every complete, aligned subtree hash, so any tree size's root and any proof come from
//! O(log n) cached nodes (plus O(log² n) hashes at most for the ragged right edge) instead
//! of rehashing the log.

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::hash::Hash256;

/// RFC 9162 leaf hash of one log entry.
pub fn leaf_hash(entry: &[u8]) -> Hash256 {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    Hash256(h.finalize().into())
}

/// RFC 9162 interior node hash.
pub fn node_hash(left: &Hash256, right: &Hash256) -> Hash256 {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Hash256(h.finalize().into())
}

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash256 {
    Hash256::of(b"")
}

/// Largest power of two strictly below `n` (n >= 2).
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {size} is larger than the {len} entries held")]
    SizeOutOfRange { size: u64, len: u64 },
    #[error("a consistency proof needs 0 < old size ({old}) <= new size ({new})")]
    BadConsistencyRange { old: u64, new: u64 },
}

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the proof has the wrong number of hashes for these sizes")]
    WrongLength,
    #[error("the proof leads to a different root than the tree head's")]
    RootMismatch,
    #[error("the proof does not lead to the older tree head's root")]
    OldRootMismatch,
    #[error("old size {old} and new size {new} are out of order")]
    SizesOutOfOrder { old: u64, new: u64 },
}

/// A log's Merkle tree with all complete subtree hashes cached by level:
/// `levels[k][i]` is the hash of leaves `i*2^k .. (i+1)*2^k`.
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash256>>,
}

impl MerkleTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the tree from leaf hashes, pairing each level in parallel.
    pub fn from_leaf_hashes(leaves: Vec<Hash256>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() >= 2) {
            let below = levels.last().expect("checked above");
            let above: Vec<Hash256> = below
                .par_chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// Builds the tree from the entries' bytes, hashing leaves in parallel.
    pub fn from_entries<E: AsRef<[u8]> + Sync>(entries: &[E]) -> Self {
        Self::from_leaf_hashes(entries.par_iter().map(|e| leaf_hash(e.as_ref())).collect())
    }

    /// Appends one entry; amortised O(1) hashes.
    pub fn push_entry(&mut self, entry: &[u8]) {
        self.push_leaf_hash(leaf_hash(entry));
    }

    pub fn push_leaf_hash(&mut self, leaf: Hash256) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let n = self.levels[level].len();
            let parent = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(parent);
            level += 1;
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn leaf(&self, index: u64) -> Option<Hash256> {
        self.levels.first()?.get(index as usize).copied()
    }

    /// Root of the whole tree.
    pub fn root(&self) -> Hash256 {
        self.root_at(self.len())
            .expect("the current size is always in range")
    }

    /// Root of the tree over the first `size` leaves (a past tree head).
    pub fn root_at(&self, size: u64) -> Result<Hash256, MerkleError> {
        self.check_size(size)?;
        Ok(if size == 0 {
            empty_root()
        } else {
            self.subtree(0, size)
        })
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        if size > self.len() {
            return Err(MerkleError::SizeOutOfRange {
                size,
                len: self.len(),
            });
        }
        Ok(())
    }

    /// MTH(D[start:end]) for a non-empty range.
    fn subtree(&self, start: u64, end: u64) -> Hash256 {
        let size = end - start;
        if size.is_power_of_two() && start.is_multiple_of(size) {
            let level = size.trailing_zeros() as usize;
            return self.levels[level][(start >> level) as usize];
        }
        let k = split_point(size);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
    }

    /// Audit path for leaf `index` in the tree of the first `size` leaves (RFC 9162 PATH).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash256>, MerkleError> {
        self.check_size(size)?;
        if index >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out);
        Ok(out)
    }

    fn path(&self, m: u64, start: u64, end: u64, out: &mut Vec<Hash256>) {
        let n = end - start;
        if n == 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, start + k, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.path(m - k, start + k, end, out);
            out.push(self.subtree(start, start + k));
        }
    }

    /// Proof that the tree of the first `old` leaves is a prefix of the tree of the first
    /// `new` leaves (RFC 9162 PROOF / SUBPROOF).
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash256>, MerkleError> {
        self.check_size(new)?;
        if old == 0 || old > new {
            return Err(MerkleError::BadConsistencyRange { old, new });
        }
        let mut out = Vec::new();
        self.subproof(old, 0, new, true, &mut out);
        Ok(out)
    }

    fn subproof(&self, m: u64, start: u64, end: u64, whole: bool, out: &mut Vec<Hash256>) {
        let n = end - start;
        if m == n {
            if !whole {
                out.push(self.subtree(start, end));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, start + k, whole, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, out);
            out.push(self.subtree(start, start + k));
        }
    }
}

/// Shifts `fn_` and `sn` right together until `fn_` is odd or zero.
fn shift_while_even(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// Verifies an inclusion proof (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash256,
    proof: &[Hash256],
    root: &Hash256,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                shift_while_even(&mut fn_, &mut sn);
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof between an older and a newer tree head (RFC 9162,
/// 2.1.4.2). The empty tree is consistent with every tree; equal sizes need equal roots
/// and an empty proof.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash256,
    new_root: &Hash256,
    proof: &[Hash256],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::WrongLength)
        };
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash256> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                shift_while_even(&mut fn_, &mut sn);
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// MTH straight from the RFC's recursive definition, as an oracle.
    fn naive_root(entries: &[Vec<u8>]) -> Hash256 {
        match entries.len() {
            0 => empty_root(),
            1 => leaf_hash(&entries[0]),
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&naive_root(&entries[..k]), &naive_root(&entries[k..]))
            }
        }
    }

    fn entries(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("entry {i}").into_bytes()).collect()
    }

    #[test]
    fn matches_the_rfc_definition_on_small_trees_built_both_ways() {
        for n in 0..70 {
            let e = entries(n);
            let batch = MerkleTree::from_entries(&e);
            let mut incremental = MerkleTree::new();
            for x in &e {
                incremental.push_entry(x);
            }
            assert_eq!(batch.root(), naive_root(&e), "size {n}");
            assert_eq!(incremental.root(), naive_root(&e), "size {n}");
            for m in 0..=n {
                assert_eq!(batch.root_at(m as u64).unwrap(), naive_root(&e[..m]));
            }
        }
    }

    #[test]
    fn known_answer_for_two_leaves() {
        // Hand-computed from the definition with sha256sum-style digests.
        let e = vec![b"a".to_vec(), b"b".to_vec()];
        let mut expected = Sha256::new();
        expected.update([1u8]);
        expected.update(leaf_hash(b"a").0);
        expected.update(leaf_hash(b"b").0);
        assert_eq!(
            MerkleTree::from_entries(&e).root().0,
            <[u8; 32]>::from(expected.finalize())
        );
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let t = MerkleTree::from_entries(&entries(5));
        assert!(t.root_at(6).is_err());
        assert!(t.inclusion_proof(5, 5).is_err());
        assert!(t.consistency_proof(0, 5).is_err());
        assert!(t.consistency_proof(4, 6).is_err());
        assert_eq!(
            verify_inclusion(3, 3, &Hash256::default(), &[], &Hash256::default()),
            Err(ProofError::IndexOutOfRange { index: 3, size: 3 })
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn root_matches_naive_for_random_sizes(n in 0usize..300) {
            let e = entries(n);
            prop_assert_eq!(MerkleTree::from_entries(&e).root(), naive_root(&e));
        }

        #[test]
        fn inclusion_proofs_verify_and_fail_when_tampered(
            total in 1u64..400, size_pick in any::<proptest::sample::Index>(),
            index_pick in any::<proptest::sample::Index>(), flip in any::<proptest::sample::Index>()
        ) {
            let e = entries(total as usize);
            let tree = MerkleTree::from_entries(&e);
            let size = size_pick.index(total as usize) as u64 + 1;
            let index = index_pick.index(size as usize) as u64;
            let root = naive_root(&e[..size as usize]);
            let proof = tree.inclusion_proof(index, size).unwrap();
            let leaf = leaf_hash(&e[index as usize]);
            prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));

            // Another leaf, another index, another root, a shorter or longer proof, or any
            // flipped bit in the proof: all refused.
            let other = leaf_hash(b"forged entry");
            prop_assert!(verify_inclusion(index, size, &other, &proof, &root).is_err());
            if size > 1 {
                let wrong_index = (index + 1) % size;
                prop_assert!(verify_inclusion(wrong_index, size, &leaf, &proof, &root).is_err());
            }
            prop_assert!(verify_inclusion(index, size, &leaf, &proof, &leaf_hash(b"x")).is_err());
            let mut longer = proof.clone();
            longer.push(other);
            prop_assert!(verify_inclusion(index, size, &leaf, &longer, &root).is_err());
            if !proof.is_empty() {
                prop_assert!(verify_inclusion(index, size, &leaf, &proof[..proof.len() - 1], &root).is_err());
                let mut bad = proof.clone();
                let at = flip.index(proof.len() * 256);
                bad[at / 256].0[(at % 256) / 8] ^= 1 << (at % 8);
                prop_assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
            }
        }

        #[test]
        fn consistency_proofs_verify_and_fail_when_tampered(
            total in 1u64..400, a in any::<proptest::sample::Index>(), b in any::<proptest::sample::Index>(),
            flip in any::<proptest::sample::Index>()
        ) {
            let e = entries(total as usize);
            let tree = MerkleTree::from_entries(&e);
            let x = a.index(total as usize) as u64 + 1;
            let y = b.index(total as usize) as u64 + 1;
            let (old, new) = (x.min(y), x.max(y));
            let old_root = naive_root(&e[..old as usize]);
            let new_root = naive_root(&e[..new as usize]);
            let proof = tree.consistency_proof(old, new).unwrap();
            prop_assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));

            let forged_root = leaf_hash(b"forged");
            if old < new {
                prop_assert!(verify_consistency(old, new, &forged_root, &new_root, &proof).is_err());
                prop_assert!(verify_consistency(old, new, &old_root, &forged_root, &proof).is_err());
                let mut bad = proof.clone();
                let at = flip.index(proof.len() * 256);
                bad[at / 256].0[(at % 256) / 8] ^= 1 << (at % 8);
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof[..proof.len() - 1]).is_err());
                // A tree whose history was rewritten is not consistent with the old head.
                let mut rewritten = e.clone();
                rewritten[(old - 1) as usize] = b"rewritten".to_vec();
                let rewritten_tree = MerkleTree::from_entries(&rewritten);
                let p2 = rewritten_tree.consistency_proof(old, new).unwrap();
                prop_assert!(verify_consistency(old, new, &old_root, &rewritten_tree.root_at(new).unwrap(), &p2).is_err());
            } else {
                prop_assert!(proof.is_empty());
                prop_assert!(verify_consistency(old, new, &old_root, &forged_root, &proof).is_err());
            }
        }
    }
}
