//! RFC 9162 proofs: for a tree built from the input, every honest inclusion and consistency
//! proof verifies and a proof with one bit flipped does not; arbitrary proofs never panic.
#![no_main]
use arbitrary::Arbitrary;
use kordon::core::hash::Hash;
use kordon::core::merkle::{self, MemoryNodes};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    leaves: u16,
    index: u64,
    size1: u64,
    flip: u16,
    raw_proof: Vec<[u8; 32]>,
    raw_index: u64,
    raw_size: u64,
    raw_size2: u64,
}

fuzz_target!(|i: Input| {
    let raw: Vec<Hash> = i.raw_proof.iter().map(|b| Hash(*b)).collect();
    let h = Hash([7; 32]);
    let _ = merkle::verify_inclusion(&h, i.raw_index, i.raw_size, &raw, &h);
    let _ = merkle::verify_consistency(i.raw_size, i.raw_size2, &h, &h, &raw);

    let n = (i.leaves % 600) as u64 + 1;
    let leaves: Vec<Hash> = (0..n).map(|k| Hash::sha256(&k.to_be_bytes())).collect();
    let tree = MemoryNodes::from_leaves(&leaves);
    let root = tree.root();
    assert_eq!(root, merkle::root_of(&leaves));
    let index = i.index % n;
    let proof = merkle::inclusion_proof(&tree, index, n).expect("inclusion proof");
    merkle::verify_inclusion(&leaves[index as usize], index, n, &proof, &root)
        .expect("honest proof");
    if !proof.is_empty() {
        let mut bad = proof.clone();
        let k = i.flip as usize % (bad.len() * 256);
        bad[k / 256].0[(k % 256) / 8] ^= 1 << (k % 8);
        assert!(merkle::verify_inclusion(&leaves[index as usize], index, n, &bad, &root).is_err());
    }
    let size1 = i.size1 % n + 1;
    let r1 = merkle::root_at(&tree, size1).expect("root");
    let cons = merkle::consistency_proof(&tree, size1, n).expect("consistency proof");
    merkle::verify_consistency(size1, n, &r1, &root, &cons).expect("honest consistency proof");
    if !cons.is_empty() {
        let mut bad = cons.clone();
        let k = i.flip as usize % (bad.len() * 256);
        bad[k / 256].0[(k % 256) / 8] ^= 1 << (k % 8);
        assert!(merkle::verify_consistency(size1, n, &r1, &root, &bad).is_err());
    }
});
