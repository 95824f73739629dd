//! The pure core: formats, hashing, signing, the chain, Merkle proofs, checkpoints and rules.
//!
//! Architecture invariant: nothing under `core` does IO, reads a clock or spawns a thread.

pub mod chain;
pub mod checkpoint;
pub mod entry;
pub mod event;
pub mod hash;
pub mod keys;
pub mod merkle;
pub mod note;
pub mod projection;
pub mod rules;
pub mod types;
