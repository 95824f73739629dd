//! RFC 9162 Merkle tree: the frontier that appends leaves, proofs read through `NodeReader`,
//! and proof verification (SPEC.md, "Merkle tree").
//!
//! Notation follows RFC 9162 §2.1: `D[n]` is the list of the first `n` leaf hashes,
//! `D[a:b]` the leaves `a..b`, `MTH` the Merkle Tree Hash, and `k` the largest power of two
//! strictly smaller than `n`. Every function here takes leaf *hashes* (`leaf_hash(entry)`),
//! never raw entries, so `MTH` of a single leaf is that leaf hash itself.
//!
//! Storage only ever keeps nodes of complete perfect subtrees (`NodeId`): they never change
//! once written, so appending a leaf writes a few new nodes and rewrites nothing. The root of
//! any tree size, and every sibling a proof needs, is recomputed from O(log n) such nodes.

use std::collections::HashMap;
use std::convert::Infallible;

use crate::hash::{node_hash, Hash};

/// A node of a perfect subtree: level 0 = leaf hashes; (level, index) covers leaves
/// [index << level, (index + 1) << level).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    /// The perfect subtree of `2^level` leaves whose first leaf is `first_leaf`.
    ///
    /// Callers only pass a `first_leaf` that is a multiple of `2^level` and `level < 64`.
    fn covering(level: u32, first_leaf: u64) -> NodeId {
        NodeId {
            // `level` < 64 because it is a bit position of a u64, so it fits in a u8.
            level: level as u8,
            index: first_leaf >> level,
        }
    }
}

/// Reads the stored hash of a node of a COMPLETE perfect subtree (storage implements it;
/// level 0 = leaf hash). Only nodes fully inside the current tree are ever asked for.
pub trait NodeReader {
    type Error;
    fn node(&self, id: NodeId) -> Result<Hash, Self::Error>;
}

impl<R: NodeReader + ?Sized> NodeReader for &R {
    type Error = R::Error;
    fn node(&self, id: NodeId) -> Result<Hash, Self::Error> {
        (**self).node(id)
    }
}

/// Why a proof could not be built or did not verify.
///
/// Verification never touches storage, so its errors use the default `E = Infallible`;
/// proof construction reports the reader's error as `Storage(E)`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError<E = Infallible> {
    #[error("leaf index {index} is out of range for a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("first tree size {size1} is larger than second tree size {size2}")]
    SizeOrder { size1: u64, size2: u64 },
    #[error("a consistency proof from the empty tree is meaningless (size1 = 0)")]
    EmptyTree,
    #[error("wrong proof length: expected {expected} hashes, got {got}")]
    WrongProofLength { expected: usize, got: usize },
    #[error("root mismatch: computed {computed}, expected {expected}")]
    RootMismatch { computed: Hash, expected: Hash },
    #[error("reading a tree node failed: {0}")]
    Storage(E),
}

/// `MTH({}) = SHA-256()`: the root of the empty tree.
pub fn empty_root() -> Hash {
    Hash::sha256(b"")
}

/// The largest power of two strictly smaller than `n`; requires `n >= 2`.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    // For n >= 2, n - 1 >= 1 so leading_zeros <= 63 and the shift is in range.
    1u64 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[start:start + len])` for a range that starts at a multiple of the smallest power of
/// two >= `len` (every range the RFC 9162 recursion produces does).
///
/// Such a range is the concatenation of perfect subtrees, one per set bit of `len`, largest
/// first and each aligned to its own size, so it costs `popcount(len)` reads. The RFC splits at
/// `k`, the largest power of two below the length, which is exactly the first perfect piece;
/// the hash is therefore a right fold over the pieces. The caller guarantees
/// `start + len <= size` of the tree behind `reader`.
fn range_root<R: NodeReader + ?Sized>(reader: &R, start: u64, len: u64) -> Result<Hash, R::Error> {
    let mut end = start + len;
    let mut rest = len;
    let mut acc: Option<Hash> = None;
    // Walk the pieces right to left: the lowest set bit of `rest` is the rightmost piece.
    while rest != 0 {
        let level = rest.trailing_zeros();
        end -= 1u64 << level;
        let piece = reader.node(NodeId::covering(level, end))?;
        acc = Some(match acc {
            None => piece,
            // MTH(D[a:c]) = SHA-256(0x01 ‖ MTH(D[a:b]) ‖ MTH(D[b:c])), D[a:b] the perfect piece
            Some(right) => node_hash(&piece, &right),
        });
        rest &= rest - 1; // Clear the lowest set bit: that piece is done.
    }
    Ok(acc.unwrap_or_else(empty_root))
}

/// The compact range of a tree of `size` leaves: the roots of its perfect subtrees, left to
/// right (one per set bit of `size`, largest first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Invariant: `hashes.len() == size.count_ones()`, `hashes[i]` is the root of the i-th
    /// perfect subtree from the left.
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// `MTH(D[size])`; the empty tree has `empty_root()`.
    pub fn root(&self) -> Hash {
        // The RFC split point `k` of a non-perfect tree is its largest perfect subtree, so the
        // root is a right fold over the frontier.
        self.hashes
            .iter()
            .rev()
            .fold(None, |acc, left| {
                Some(match acc {
                    None => *left,
                    // MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))
                    Some(right) => node_hash(left, &right),
                })
            })
            .unwrap_or_else(empty_root)
    }

    /// Appends one leaf hash and pushes onto `completed` every node of level >= 1 that this
    /// leaf completes, lowest level first. Level-0 leaf hashes are stored by the caller.
    ///
    /// # Panics
    ///
    /// If the tree already holds `u64::MAX` leaves, which no real log can reach.
    pub fn push(&mut self, leaf: Hash, completed: &mut Vec<(NodeId, Hash)>) {
        let index = self.size;
        let new_size = index
            .checked_add(1)
            .expect("a Merkle tree cannot hold more than u64::MAX leaves");
        let mut node = leaf;
        // Each trailing one bit of `index` is a perfect subtree that ends right before the new
        // leaf; the new leaf merges with them like a binary carry, completing one node per bit.
        for level in 1..=index.trailing_ones() {
            let left = self
                .hashes
                .pop()
                .expect("frontier invariant: one hash per set bit of size");
            // MTH(D[a:a+2^l]) = SHA-256(0x01 ‖ MTH(D[a:a+2^(l-1)]) ‖ MTH(D[a+2^(l-1):a+2^l]))
            node = node_hash(&left, &node);
            completed.push((NodeId::covering(level, index), node));
        }
        self.hashes.push(node);
        self.size = new_size;
    }

    /// Rebuilds the frontier of a tree of `size` leaves with `popcount(size)` reads.
    pub fn from_reader<R: NodeReader + ?Sized>(
        reader: &R,
        size: u64,
    ) -> Result<Frontier, R::Error> {
        let hashes = frontier_ids(size)
            .into_iter()
            .map(|id| reader.node(id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Frontier { size, hashes })
    }

    /// The perfect-subtree roots with their ids, left to right.
    pub fn nodes(&self) -> Vec<(NodeId, Hash)> {
        frontier_ids(self.size)
            .into_iter()
            .zip(self.hashes.iter().copied())
            .collect()
    }
}

/// The ids of the perfect subtrees of a tree of `size` leaves, left to right.
fn frontier_ids(size: u64) -> Vec<NodeId> {
    let mut ids = Vec::with_capacity(size.count_ones() as usize);
    let mut start = 0u64;
    for level in (0..u64::BITS).rev() {
        if (size >> level) & 1 == 1 {
            ids.push(NodeId::covering(level, start));
            // start + 2^level <= size, so this cannot overflow.
            start += 1u64 << level;
        }
    }
    ids
}

/// `MTH(D[size])`, the root of the first `size` leaves, with `popcount(size)` reads.
pub fn root_at<R: NodeReader + ?Sized>(reader: &R, size: u64) -> Result<Hash, R::Error> {
    range_root(reader, 0, size)
}

/// The RFC 9162 §2.1.3.1 audit path `PATH(index, D[size])`, lowest sibling first.
///
/// Each sibling is a perfect subtree (one read) except at most one right sibling, the part of
/// the tree right of the first left turn, which is computed from its perfect pieces; so the
/// total is O(log n) reads.
pub fn inclusion_proof<R: NodeReader + ?Sized>(
    reader: &R,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError<R::Error>> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // The recursion appends the top sibling last, so walk from the root down, collecting
    // siblings top first, and reverse at the end. The current subtree is D[lo:lo+n] and `m` is
    // the leaf's index inside it.
    let mut path = Vec::new();
    let (mut lo, mut n, mut m) = (0u64, size, index);
    while n > 1 {
        let k = split_point(n);
        if m < k {
            // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])
            path.push(range_root(reader, lo + k, n - k).map_err(ProofError::Storage)?);
            n = k;
        } else {
            // PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.push(range_root(reader, lo, k).map_err(ProofError::Storage)?);
            lo += k;
            n -= k;
            m -= k;
        }
    }
    // PATH(0, {d(0)}) = {}
    path.reverse();
    Ok(path)
}

/// The RFC 9162 §2.1.4.1 consistency proof `PROOF(size1, D[size2])`, lowest node first.
///
/// For `size1 == 0` or `size1 == size2` the proof is empty (verification rejects `size1 == 0`
/// regardless, see `verify_consistency`). O(log n) reads, for the same reason as
/// `inclusion_proof`.
pub fn consistency_proof<R: NodeReader + ?Sized>(
    reader: &R,
    size1: u64,
    size2: u64,
) -> Result<Vec<Hash>, ProofError<R::Error>> {
    if size1 > size2 {
        return Err(ProofError::SizeOrder { size1, size2 });
    }
    if size1 == 0 || size1 == size2 {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[n], b), walked top-down over the current subtree D[lo:lo+n]; the recursion
    // appends the top node last, so collect top first and reverse at the end.
    let mut proof = Vec::new();
    let (mut lo, mut n, mut m, mut b) = (0u64, size2, size1, true);
    while m < n {
        // Here 1 <= m < n, so n >= 2 and the split point exists.
        let k = split_point(n);
        if m <= k {
            // SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            proof.push(range_root(reader, lo + k, n - k).map_err(ProofError::Storage)?);
            n = k;
        } else {
            // SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            proof.push(range_root(reader, lo, k).map_err(ProofError::Storage)?);
            lo += k;
            n -= k;
            m -= k;
            b = false;
        }
    }
    if !b {
        // SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b = true the old root itself is known to
        // the verifier, so SUBPROOF(m, D[m], true) = {}.
        proof.push(range_root(reader, lo, n).map_err(ProofError::Storage)?);
    }
    proof.reverse();
    Ok(proof)
}

/// The bit length of `x`: 0 for 0, otherwise the position of the highest set bit plus one.
fn bit_len(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

/// The length of a valid audit path for `index < size`.
///
/// The paths to `index` and to the last leaf `size - 1` share every node above the level where
/// they diverge (`inner` levels below it, one sibling each); above it the path runs along the
/// right border, where only the levels at which `index` is a right child have a sibling.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = bit_len(index ^ (size - 1));
    // `inner` can be 64, so use a checked shift: everything shifted out means no border nodes.
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// The length of a valid consistency proof for `0 < size1 < size2`.
///
/// It is the audit path of leaf `size1 - 1` in the tree of `size2`, minus the lowest `shift`
/// levels that lie inside the perfect subtree `MTH(D[size1 - 2^shift : size1])` (sent as one
/// node instead), minus that node too when it is the whole old tree (the verifier has root1).
fn consistency_proof_len(size1: u64, size2: u64) -> usize {
    let inner = bit_len((size1 - 1) ^ (size2 - 1));
    let border = (size1 - 1).checked_shr(inner).unwrap_or(0).count_ones();
    let shift = size1.trailing_zeros();
    // shift < inner whenever size1 < size2: size1 - 1 ends in `shift` one bits, so a larger
    // size2 - 1 must differ from it at a bit >= shift.
    let start = if size1.is_power_of_two() { 0 } else { 1 };
    (start + inner.saturating_sub(shift) + border) as usize
}

/// Verifies an audit path with the RFC 9162 §2.1.3.2 algorithm.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    // 1. If leaf_index is greater than or equal to tree_size, then fail.
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // The algorithm below rejects a path of the wrong length too, but checking it first gives a
    // precise error instead of a root mismatch.
    let expected = inclusion_proof_len(index, size);
    let wrong_length = ProofError::WrongProofLength {
        expected,
        got: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    // 2. Set fn to leaf_index and sn to tree_size - 1.
    let (mut fn_, mut sn) = (index, size - 1);
    // 3. Set r to hash.
    let mut r = *leaf;
    // 4. For each value p in the inclusion_path array:
    for p in proof {
        // a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            // b. If LSB(fn) is set, or if fn is equal to sn:
            // r = HASH(0x01 ‖ p ‖ r)
            r = node_hash(p, &r);
            // If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn)
            // is set or fn is 0. (These are levels where the node has no right sibling.)
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            // Otherwise: r = HASH(0x01 ‖ r ‖ p)
            r = node_hash(&r, p);
        }
        // c. Finally, right-shift both fn and sn one time.
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the
    // root_hash are equal, then the log has proven the inclusion of hash.
    if sn != 0 {
        return Err(wrong_length);
    }
    if r != *root {
        return Err(ProofError::RootMismatch {
            computed: r,
            expected: *root,
        });
    }
    Ok(())
}

/// Verifies a consistency proof with the RFC 9162 §2.1.4.2 algorithm.
///
/// Edge cases follow transparency-dev/merkle's `proof.VerifyConsistency`: `size1 > size2`
/// fails; `size1 == 0` always fails (a proof from the empty tree proves nothing, so accepting
/// one would only hide a caller's mistake); `size1 == size2` needs an empty proof and
/// `root1 == root2`.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if size1 > size2 {
        return Err(ProofError::SizeOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::EmptyTree);
    }
    if size1 == size2 {
        // The same tree size has nothing to prove: the two roots must simply be equal.
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        if root1 != root2 {
            return Err(ProofError::RootMismatch {
                computed: *root1,
                expected: *root2,
            });
        }
        return Ok(());
    }
    // 1. If consistency_path is an empty array, stop and fail the proof verification.
    // (Covered by the exact length check, which is never 0 when size1 < size2.)
    let expected = consistency_proof_len(size1, size2);
    let wrong_length = ProofError::WrongProofLength {
        expected,
        got: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    // 2. If first is an exact power of 2, then prepend first_hash to the consistency_path
    // array. (Done without copying: the first element is `seed`, the rest follow.)
    let (seed, rest) = if size1.is_power_of_two() {
        (root1, proof)
    } else {
        match proof.split_first() {
            Some(split) => split,
            None => return Err(wrong_length),
        }
    };
    let (fr, sr) = walk_consistency(size1, size2, seed, rest).ok_or(wrong_length)?;
    // 7. After completing iterating through the consistency_path array as described above,
    // verify that the fr calculated is equal to the first_hash supplied, that the sr
    // calculated is equal to the second_hash supplied, and that sn is 0 (checked by the walk).
    if fr != *root1 {
        return Err(ProofError::RootMismatch {
            computed: fr,
            expected: *root1,
        });
    }
    if sr != *root2 {
        return Err(ProofError::RootMismatch {
            computed: sr,
            expected: *root2,
        });
    }
    Ok(())
}

/// Steps 3 to 6 of RFC 9162 §2.1.4.2 and the `sn == 0` check of step 7: the roots `(fr, sr)` a
/// consistency path leads to, starting from `seed` (the path's first value). `None` if the
/// path does not fit the two sizes.
fn walk_consistency(size1: u64, size2: u64, seed: &Hash, rest: &[Hash]) -> Option<(Hash, Hash)> {
    // 3. Set fn to first - 1 and sn to second - 1.
    let (mut fn_, mut sn) = (size1 - 1, size2 - 1);
    // 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. Set both fr and sr to the first value in the consistency_path array.
    let (mut fr, mut sr) = (*seed, *seed);
    // 6. For each subsequent value c in the consistency_path array:
    for c in rest {
        // a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            // b. If LSB(fn) is set, or if fn is equal to sn:
            // fr = HASH(0x01 ‖ c ‖ fr), sr = HASH(0x01 ‖ c ‖ sr)
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            // If LSB(fn) is not set, then right-shift both fn and sn equally until either
            // LSB(fn) is set or fn is 0.
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            // Otherwise: sr = HASH(0x01 ‖ sr ‖ c). (A node right of the old tree: only the
            // new root includes it.)
            sr = node_hash(&sr, c);
        }
        // c. Finally, right-shift both fn and sn one time.
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return None;
    }
    Some((fr, sr))
}

/// The roots a consistency path from `size1` to `size2` (0 < size1 < size2) leads to: the
/// first tree's root as the second tree has it, and the second tree's root. Unlike
/// `verify_consistency` this takes no first root: when `size1` is a power of two the path must
/// start with the second tree's node for the first `size1` leaves (which an ordinary proof
/// omits because the verifier already holds it). Fork evidence rests on this: a path leading to
/// a signed root `r2` but to another first root than a signed `r1` proves that the tree under
/// `r2` does not extend the tree under `r1`.
pub fn consistency_roots(
    size1: u64,
    size2: u64,
    proof: &[Hash],
) -> Result<(Hash, Hash), ProofError> {
    if size1 == 0 {
        return Err(ProofError::EmptyTree);
    }
    if size1 >= size2 {
        return Err(ProofError::SizeOrder { size1, size2 });
    }
    let expected = consistency_proof_len(size1, size2) + usize::from(size1.is_power_of_two());
    let wrong_length = ProofError::WrongProofLength {
        expected,
        got: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    let (seed, rest) = proof
        .split_first()
        .ok_or(ProofError::WrongProofLength { expected, got: 0 })?;
    walk_consistency(size1, size2, seed, rest).ok_or(wrong_length)
}

/// The path `consistency_roots` takes, built from the second tree: its consistency proof,
/// preceded by its node for the first `size1` leaves when `size1` is a power of two.
pub fn consistency_evidence<R: NodeReader + ?Sized>(
    reader: &R,
    size1: u64,
    size2: u64,
) -> Result<Vec<Hash>, ProofError<R::Error>> {
    let mut proof = consistency_proof(reader, size1, size2)?;
    if size1.is_power_of_two() {
        let root1 = range_root(reader, 0, size1).map_err(ProofError::Storage)?;
        proof.insert(0, root1);
    }
    Ok(proof)
}

/// Naive recursive `MTH(D[n])` over leaf hashes, straight from RFC 9162 §2.1.1; the oracle for
/// tests (O(n) hashing and O(log n) recursion depth).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves {
        // MTH({}) = SHA-256()
        [] => empty_root(),
        // MTH({d(0)}) = SHA-256(0x00 ‖ d(0)), which is the leaf hash we were given.
        [leaf] => *leaf,
        _ => {
            // `leaves.len()` >= 2 here, and a slice length always fits in a u64.
            let k = split_point(leaves.len() as u64) as usize;
            // MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// An in-memory tree: the leaf hashes plus every completed node of level >= 1, exactly what
/// the storage layer persists. The reference `NodeReader` for tests.
#[derive(Clone, Debug, Default)]
pub struct MemoryNodes {
    leaves: Vec<Hash>,
    nodes: HashMap<NodeId, Hash>,
    frontier: Frontier,
}

/// A `MemoryNodes` lookup for a node it does not hold (not complete, or never pushed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("tree node (level {}, index {}) is not stored", .0.level, .0.index)]
pub struct MissingNode(pub NodeId);

impl MemoryNodes {
    /// The empty tree.
    pub fn new() -> MemoryNodes {
        MemoryNodes::default()
    }

    /// A tree holding `leaves` (leaf hashes) in order.
    pub fn from_leaves(leaves: &[Hash]) -> MemoryNodes {
        let mut tree = MemoryNodes::new();
        for leaf in leaves {
            tree.push(*leaf);
        }
        tree
    }

    /// Appends one leaf hash, storing it and every node it completes.
    pub fn push(&mut self, leaf: Hash) {
        let mut completed = Vec::new();
        self.frontier.push(leaf, &mut completed);
        self.leaves.push(leaf);
        self.nodes.extend(completed);
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The leaf hashes, in order.
    pub fn leaves(&self) -> &[Hash] {
        &self.leaves
    }

    /// The stored nodes of level >= 1.
    pub fn stored_nodes(&self) -> &HashMap<NodeId, Hash> {
        &self.nodes
    }

    /// The frontier of the whole tree.
    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }
}

impl NodeReader for MemoryNodes {
    type Error = MissingNode;

    fn node(&self, id: NodeId) -> Result<Hash, MissingNode> {
        let found = if id.level == 0 {
            usize::try_from(id.index)
                .ok()
                .and_then(|i| self.leaves.get(i))
        } else {
            self.nodes.get(&id)
        };
        found.copied().ok_or(MissingNode(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use std::cell::Cell;
    use std::collections::BTreeMap;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// Every complete perfect subtree of level >= 1 in a tree of `leaves`, hashed naively.
    fn naive_nodes(leaves: &[Hash]) -> BTreeMap<NodeId, Hash> {
        let n = leaves.len();
        let mut out = BTreeMap::new();
        let mut level = 1u32;
        while (1usize << level) <= n {
            let w = 1usize << level;
            for i in 0..n / w {
                let id = NodeId {
                    level: level as u8,
                    index: i as u64,
                };
                out.insert(id, root_of(&leaves[i * w..(i + 1) * w]));
            }
            level += 1;
        }
        out
    }

    /// RFC 9162 §2.1.3.1 PATH(m, D[n]), recursively.
    fn naive_path(m: usize, d: &[Hash]) -> Vec<Hash> {
        if d.len() <= 1 {
            return Vec::new();
        }
        let k = split_point(d.len() as u64) as usize;
        if m < k {
            let mut p = naive_path(m, &d[..k]);
            p.push(root_of(&d[k..]));
            p
        } else {
            let mut p = naive_path(m - k, &d[k..]);
            p.push(root_of(&d[..k]));
            p
        }
    }

    /// RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b), recursively.
    fn naive_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
        if m == d.len() {
            return if b { Vec::new() } else { vec![root_of(d)] };
        }
        let k = split_point(d.len() as u64) as usize;
        if m <= k {
            let mut p = naive_subproof(m, &d[..k], b);
            p.push(root_of(&d[k..]));
            p
        } else {
            let mut p = naive_subproof(m - k, &d[k..], false);
            p.push(root_of(&d[..k]));
            p
        }
    }

    /// Counts the reads made through it.
    struct Counting<'a> {
        inner: &'a MemoryNodes,
        reads: Cell<u32>,
    }

    impl NodeReader for Counting<'_> {
        type Error = MissingNode;
        fn node(&self, id: NodeId) -> Result<Hash, MissingNode> {
            self.reads.set(self.reads.get() + 1);
            self.inner.node(id)
        }
    }

    fn flip(h: &Hash, byte: usize, bit: u8) -> Hash {
        let mut out = *h;
        out.0[byte] ^= 1 << bit;
        out
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Frontier::new().root(), empty_root());
        assert_eq!(root_of(&[]), empty_root());
    }

    #[test]
    fn roots_match_rfc6962_known_answers() {
        // The 8-leaf reference tree of the RFC 6962 test suites (transparency-dev/merkle).
        let data: [&str; 8] = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ];
        let roots: [&str; 8] = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let mut tree = MemoryNodes::new();
        for (d, want) in data.iter().zip(roots) {
            let bytes = hex::decode(d).expect("test data is hex");
            tree.push(leaf_hash(&bytes));
            assert_eq!(tree.root().to_hex(), want);
            assert_eq!(root_of(tree.leaves()).to_hex(), want);
        }
    }

    #[test]
    fn frontier_matches_naive_for_every_size_up_to_70() {
        let all = leaves(70);
        for n in 0..=70usize {
            let d = &all[..n];
            let mut frontier = Frontier::new();
            let mut completed = Vec::new();
            for leaf in d {
                frontier.push(*leaf, &mut completed);
            }
            assert_eq!(frontier.size(), n as u64);
            assert_eq!(frontier.root(), root_of(d), "root of size {n}");

            // The completed nodes are exactly the complete perfect subtrees, each once.
            let got: BTreeMap<NodeId, Hash> = completed.iter().copied().collect();
            assert_eq!(got.len(), completed.len(), "duplicate node at size {n}");
            assert_eq!(got, naive_nodes(d), "completed nodes at size {n}");
            assert!(completed.iter().all(|(id, _)| id.level >= 1));

            // The frontier's own nodes are the perfect subtrees covering [0, n), left to right.
            let mut next = 0u64;
            for (id, h) in frontier.nodes() {
                let w = 1u64 << id.level;
                assert_eq!(id.index << id.level, next);
                assert_eq!(h, root_of(&d[next as usize..(next + w) as usize]));
                next += w;
            }
            assert_eq!(next, n as u64);

            // Leaves plus completed nodes are enough to rebuild the frontier and any root.
            let tree = MemoryNodes::from_leaves(d);
            assert_eq!(Frontier::from_reader(&tree, n as u64), Ok(frontier.clone()));
            for m in 0..=n {
                assert_eq!(root_at(&tree, m as u64), Ok(root_of(&d[..m])));
            }
        }
    }

    #[test]
    fn from_reader_and_root_at_read_log_n_nodes() {
        let tree = MemoryNodes::from_leaves(&leaves(1000));
        for n in 0..=1000u64 {
            let counting = Counting {
                inner: &tree,
                reads: Cell::new(0),
            };
            let f = Frontier::from_reader(&counting, n).expect("nodes are stored");
            assert_eq!(counting.reads.get(), n.count_ones());
            assert_eq!(root_at(&counting, n), Ok(f.root()));
        }
    }

    #[test]
    fn inclusion_proofs_verify_and_reject_tampering() {
        let all = leaves(40);
        let tree = MemoryNodes::from_leaves(&all);
        for n in 1..=40u64 {
            let d = &all[..n as usize];
            let root = root_at(&tree, n).expect("nodes are stored");
            assert_eq!(root, root_of(d));
            for i in 0..n {
                let leaf = d[i as usize];
                let proof = inclusion_proof(&tree, i, n).expect("in range");
                assert_eq!(proof, naive_path(i as usize, d), "PATH({i}, D[{n}])");
                assert_eq!(proof.len(), inclusion_proof_len(i, n));
                assert_eq!(verify_inclusion(&leaf, i, n, &proof, &root), Ok(()));

                // A single flipped bit anywhere in the proof breaks it.
                for (p, byte) in (0..proof.len()).flat_map(|p| (0..32).map(move |b| (p, b))) {
                    let mut bad = proof.clone();
                    bad[p] = flip(&bad[p], byte, (byte % 8) as u8);
                    assert!(verify_inclusion(&leaf, i, n, &bad, &root).is_err());
                }
                // So does any other index, a wrong leaf or a wrong root.
                for j in (0..n + 2).filter(|&j| j != i) {
                    assert!(verify_inclusion(&leaf, j, n, &proof, &root).is_err());
                }
                assert!(verify_inclusion(&flip(&leaf, 0, 0), i, n, &proof, &root).is_err());
                assert!(verify_inclusion(&leaf, i, n, &proof, &flip(&root, 31, 7)).is_err());
                // And a proof that is one hash short or long.
                if let Some((_, short)) = proof.split_last() {
                    assert!(matches!(
                        verify_inclusion(&leaf, i, n, short, &root),
                        Err(ProofError::WrongProofLength { .. })
                    ));
                }
                let mut long = proof.clone();
                long.push(root);
                assert!(matches!(
                    verify_inclusion(&leaf, i, n, &long, &root),
                    Err(ProofError::WrongProofLength { .. })
                ));
            }
        }
    }

    #[test]
    fn consistency_proofs_verify_and_reject_tampering() {
        let all = leaves(40);
        let tree = MemoryNodes::from_leaves(&all);
        for size2 in 1..=40u64 {
            let root2 = root_at(&tree, size2).expect("nodes are stored");
            for size1 in 1..=size2 {
                let root1 = root_at(&tree, size1).expect("nodes are stored");
                let proof = consistency_proof(&tree, size1, size2).expect("sizes ordered");
                let d = &all[..size2 as usize];
                assert_eq!(
                    proof,
                    naive_subproof(size1 as usize, d, true),
                    "PROOF({size1}, D[{size2}])"
                );
                assert_eq!(
                    verify_consistency(size1, size2, &root1, &root2, &proof),
                    Ok(())
                );

                let fails = |r1: &Hash, r2: &Hash, p: &[Hash]| {
                    verify_consistency(size1, size2, r1, r2, p).is_err()
                };
                // Wrong roots fail.
                assert!(fails(&flip(&root1, 0, 4), &root2, &proof));
                assert!(fails(&root1, &flip(&root2, 0, 4), &proof));
                // A single flipped bit anywhere in the proof breaks it.
                for (p, byte) in (0..proof.len()).flat_map(|p| (0..32).map(move |b| (p, b))) {
                    let mut bad = proof.clone();
                    bad[p] = flip(&bad[p], byte, (byte % 8) as u8);
                    assert!(fails(&root1, &root2, &bad));
                }
                // Extra or missing hashes fail.
                let mut long = proof.clone();
                long.push(root1);
                assert!(fails(&root1, &root2, &long));
                let mut front = vec![root2];
                front.extend_from_slice(&proof);
                assert!(fails(&root1, &root2, &front));
                if let Some((_, short)) = proof.split_last() {
                    assert!(fails(&root1, &root2, short));
                }
                if size1 < size2 {
                    assert_eq!(proof.len(), consistency_proof_len(size1, size2));
                    assert!(fails(&root2, &root1, &proof), "swapped roots");
                    assert!(fails(&root1, &root2, &[]), "empty proof");
                } else {
                    assert!(proof.is_empty());
                }
            }
        }
    }

    #[test]
    fn consistency_edge_cases_follow_transparency_dev() {
        let a = leaf_hash(b"a");
        let b = leaf_hash(b"b");
        assert_eq!(verify_consistency(1, 1, &a, &a, &[]), Ok(()));
        assert!(matches!(
            verify_consistency(1, 1, &a, &b, &[]),
            Err(ProofError::RootMismatch { .. })
        ));
        assert!(matches!(
            verify_consistency(1, 1, &a, &a, &[a]),
            Err(ProofError::WrongProofLength {
                expected: 0,
                got: 1
            })
        ));
        assert_eq!(
            verify_consistency(0, 0, &a, &a, &[]),
            Err(ProofError::EmptyTree)
        );
        assert_eq!(
            verify_consistency(0, 5, &empty_root(), &a, &[]),
            Err(ProofError::EmptyTree)
        );
        assert_eq!(
            verify_consistency(2, 1, &a, &b, &[]),
            Err(ProofError::SizeOrder { size1: 2, size2: 1 })
        );
        // Building a proof from the empty tree or to the same size gives nothing.
        let tree = MemoryNodes::from_leaves(&leaves(5));
        assert_eq!(consistency_proof(&tree, 0, 5), Ok(Vec::new()));
        assert_eq!(consistency_proof(&tree, 5, 5), Ok(Vec::new()));
    }

    #[test]
    fn proofs_read_log_n_nodes() {
        let tree = MemoryNodes::from_leaves(&leaves(300));
        for n in 1..=300u64 {
            // Two reads per level is a generous O(log n) bound.
            let bound = 2 * bit_len(n) + 2;
            for i in 0..n {
                let counting = Counting {
                    inner: &tree,
                    reads: Cell::new(0),
                };
                inclusion_proof(&counting, i, n).expect("in range");
                assert!(counting.reads.get() <= bound, "PATH({i}, D[{n}])");
                let counting = Counting {
                    inner: &tree,
                    reads: Cell::new(0),
                };
                consistency_proof(&counting, i + 1, n).expect("sizes ordered");
                assert!(counting.reads.get() <= bound, "PROOF({}, D[{n}])", i + 1);
            }
        }
    }

    #[test]
    fn bad_inputs_give_errors_not_panics() {
        let tree = MemoryNodes::from_leaves(&leaves(5));
        let h = leaf_hash(b"x");
        assert_eq!(
            inclusion_proof(&tree, 5, 5),
            Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            inclusion_proof(&tree, 0, 0),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
        assert_eq!(
            consistency_proof(&tree, 3, 2),
            Err(ProofError::SizeOrder { size1: 3, size2: 2 })
        );
        // Asking for more than is stored is a storage error, not a panic.
        assert!(matches!(
            inclusion_proof(&tree, 0, 6),
            Err(ProofError::Storage(MissingNode(_)))
        ));
        assert!(matches!(
            consistency_proof(&tree, 5, u64::MAX),
            Err(ProofError::Storage(MissingNode(_)))
        ));
        assert!(root_at(&tree, u64::MAX).is_err());
        assert!(Frontier::from_reader(&tree, u64::MAX).is_err());

        assert_eq!(
            verify_inclusion(&h, 5, 5, &[], &h),
            Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            verify_inclusion(&h, u64::MAX, u64::MAX, &[], &h),
            Err(ProofError::IndexOutOfRange {
                index: u64::MAX,
                size: u64::MAX
            })
        );
        // Huge sizes with every proof length up to 130: errors, never a panic or overflow.
        let proof = vec![h; 130];
        for len in 0..=proof.len() {
            let p = &proof[..len];
            for (i, n) in [
                (0, u64::MAX),
                (u64::MAX - 1, u64::MAX),
                (1 << 63, u64::MAX),
                ((1 << 63) - 1, 1 << 63),
            ] {
                assert!(verify_inclusion(&h, i, n, p, &h).is_err());
            }
            for (s1, s2) in [
                (1, u64::MAX),
                (u64::MAX - 1, u64::MAX),
                (1 << 63, u64::MAX),
                ((1 << 63) - 1, 1 << 63),
                (u64::MAX, 0),
            ] {
                assert!(verify_consistency(s1, s2, &h, &h, p).is_err());
            }
            // Equal huge sizes need an empty proof and equal roots, like any equal sizes.
            assert_eq!(
                verify_consistency(u64::MAX, u64::MAX, &h, &h, p).is_ok(),
                len == 0
            );
        }
        // The messages carry the numbers and hex hashes.
        let e = verify_inclusion(&h, 0, 1, &[], &empty_root()).unwrap_err();
        assert!(e.to_string().contains(&empty_root().to_hex()));
        assert_eq!(
            ProofError::<Infallible>::WrongProofLength {
                expected: 3,
                got: 1
            }
            .to_string(),
            "wrong proof length: expected 3 hashes, got 1"
        );
    }
}
