//! kordon-core, the pure core: formats, hashing, signing, the chain, Merkle proofs, checkpoints,
//! rules, the verify loop and its stages, receipts, tile paths and projections.
//!
//! Architecture invariant: nothing in this crate does IO, reads a clock, spawns a thread or takes
//! randomness from the system (`tests/tidy.rs` checks its source and its dependencies). Time and
//! randomness are parameters, so a verifier can depend on this crate without a server.

pub mod canon;
pub mod chain;
pub mod checkpoint;
pub mod cosignature;
pub mod entry;
pub mod event;
pub mod events;
pub mod hash;
pub mod keys;
pub mod l10n;
pub mod merkle;
pub mod note;
pub mod projection;
pub mod receipt;
pub mod rules;
pub mod stage;
pub mod text;
pub mod tiles;
pub mod timezone;
pub mod types;
pub mod verify;
pub mod witness;
