//! RFC 9162 proofs over a stored tree, with the checks every request needs: the one place the
//! ledger, the HTTP API, receipts and the command line build inclusion and consistency proofs.
//!
//! A request names tree sizes; a size beyond the `have` entries stored is
//! [`ProofRequestError::Size`] (the HTTP API's 404), a request no tree can answer (an entry not
//! below the size, a consistency proof from the empty tree or to a smaller one) is
//! [`ProofRequestError::Proof`] (a 400), and a node the store cannot read is a storage error.

use crate::core::hash::Hash;
use crate::core::merkle::{self, NodeId, NodeReader};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ProofRequestError {
    #[error("the ledger has {have} entries; size {size} is beyond it")]
    Size { size: u64, have: u64 },
    #[error("{0}")]
    Proof(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<merkle::ProofError<StoreError>> for ProofRequestError {
    fn from(e: merkle::ProofError<StoreError>) -> ProofRequestError {
        match e {
            merkle::ProofError::Storage(s) => ProofRequestError::Store(s),
            other => ProofRequestError::Proof(other.to_string()),
        }
    }
}

/// That the tree of `size` entries is stored (of `have`).
pub fn within(size: u64, have: u64) -> Result<u64, ProofRequestError> {
    if size > have {
        return Err(ProofRequestError::Size { size, have });
    }
    Ok(size)
}

/// Entry `seq`'s inclusion in the tree of `size` entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inclusion {
    pub seq: u64,
    pub size: u64,
    pub leaf: Hash,
    pub root: Hash,
    /// The audit path, the leaf's sibling first.
    pub path: Vec<Hash>,
}

/// The tree of `size1` entries as a prefix of the tree of `size2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consistency {
    pub size1: u64,
    pub size2: u64,
    pub root1: Hash,
    pub root2: Hash,
    pub path: Vec<Hash>,
}

/// The audit path of entry `seq` in the tree of `size` entries, read from `nodes` (a tree of
/// `have` entries).
pub fn inclusion_path<R>(
    nodes: &R,
    have: u64,
    seq: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofRequestError>
where
    R: NodeReader<Error = StoreError> + ?Sized,
{
    within(size, have)?;
    Ok(merkle::inclusion_proof(nodes, seq, size)?)
}

/// Entry `seq`'s inclusion proof with its leaf and the tree's root.
pub fn inclusion<R>(
    nodes: &R,
    have: u64,
    seq: u64,
    size: u64,
) -> Result<Inclusion, ProofRequestError>
where
    R: NodeReader<Error = StoreError> + ?Sized,
{
    let path = inclusion_path(nodes, have, seq, size)?;
    Ok(Inclusion {
        seq,
        size,
        leaf: nodes.node(NodeId {
            level: 0,
            index: seq,
        })?,
        root: merkle::root_at(nodes, size)?,
        path,
    })
}

/// The consistency path between the trees of `size1` and `size2` entries.
pub fn consistency_path<R>(
    nodes: &R,
    have: u64,
    size1: u64,
    size2: u64,
) -> Result<Vec<Hash>, ProofRequestError>
where
    R: NodeReader<Error = StoreError> + ?Sized,
{
    within(size2, have)?;
    // SPEC.md, "Merkle tree": the empty tree is a prefix of every tree, so a proof from size 0
    // proves nothing, and verifiers refuse one.
    if size1 == 0 || size1 > size2 {
        return Err(ProofRequestError::Proof(format!(
            "size1 must be between 1 and size2 ({size2}); it is {size1}"
        )));
    }
    Ok(merkle::consistency_proof(nodes, size1, size2)?)
}

/// The consistency proof between two tree sizes, with both roots.
pub fn consistency<R>(
    nodes: &R,
    have: u64,
    size1: u64,
    size2: u64,
) -> Result<Consistency, ProofRequestError>
where
    R: NodeReader<Error = StoreError> + ?Sized,
{
    let path = consistency_path(nodes, have, size1, size2)?;
    Ok(Consistency {
        size1,
        size2,
        root1: merkle::root_at(nodes, size1)?,
        root2: merkle::root_at(nodes, size2)?,
        path,
    })
}

/// The root of the first `size` entries.
pub fn root<R>(nodes: &R, have: u64, size: u64) -> Result<Hash, ProofRequestError>
where
    R: NodeReader<Error = StoreError> + ?Sized,
{
    within(size, have)?;
    Ok(merkle::root_at(nodes, size)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::hash::leaf_hash;
    use crate::core::merkle::{verify_consistency, verify_inclusion, Frontier};
    use std::collections::HashMap;

    /// The nodes of a tree of `n` leaves, in a map.
    struct Tree(HashMap<NodeId, Hash>);

    impl NodeReader for Tree {
        type Error = StoreError;
        fn node(&self, id: NodeId) -> Result<Hash, StoreError> {
            self.0.get(&id).copied().ok_or(StoreError::MissingNode(id))
        }
    }

    fn tree(n: u64) -> (Tree, Frontier) {
        let mut f = Frontier::default();
        let mut nodes = Vec::new();
        let mut map = HashMap::new();
        for i in 0..n {
            let leaf = leaf_hash(format!("entry {i}").as_bytes());
            map.insert(NodeId { level: 0, index: i }, leaf);
            f.push(leaf, &mut nodes);
        }
        map.extend(nodes);
        (Tree(map), f)
    }

    #[test]
    fn proofs_verify_and_every_bad_request_is_named() {
        let (t, f) = tree(13);
        let p = inclusion(&t, 13, 6, 13).unwrap();
        assert_eq!(p.root, f.root());
        verify_inclusion(&p.leaf, 6, 13, &p.path, &p.root).unwrap();
        let c = consistency(&t, 13, 5, 13).unwrap();
        verify_consistency(5, 13, &c.root1, &c.root2, &c.path).unwrap();
        assert_eq!(root(&t, 13, 13).unwrap(), f.root());

        let beyond = |r: Result<_, ProofRequestError>| {
            matches!(r, Err(ProofRequestError::Size { size: 14, have: 13 }))
        };
        assert!(beyond(inclusion(&t, 13, 0, 14).map(|_| ())));
        assert!(beyond(consistency(&t, 13, 1, 14).map(|_| ())));
        assert!(beyond(root(&t, 13, 14).map(|_| ())));
        for bad in [
            inclusion(&t, 13, 13, 13).map(|_| ()),
            consistency(&t, 13, 0, 13).map(|_| ()),
            consistency(&t, 13, 9, 8).map(|_| ()),
        ] {
            assert!(matches!(bad, Err(ProofRequestError::Proof(_))), "{bad:?}");
        }
        // A node the store lacks is a storage error, not the client's.
        let (mut t, _) = tree(13);
        t.0.retain(|id, _| id.level == 0);
        assert!(matches!(
            inclusion(&t, 13, 2, 13),
            Err(ProofRequestError::Store(StoreError::MissingNode(_)))
        ));
    }
}
