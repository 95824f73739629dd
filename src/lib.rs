//! kordon: a signed, hash-chained accountability ledger for integrated border management.

pub mod author;
pub mod cli;
pub use kordon_core as core;
pub mod datadir;
pub mod demo;
pub mod export;
pub mod fixture;
pub mod integrity;
pub mod keyfile;
pub mod ledger;
pub mod migrate;
pub mod monitor;
pub mod plan;
pub mod projector;
pub mod proof;
pub mod query;
pub mod scenario;
pub mod server;
pub mod snapshot;
pub mod stage;
pub mod store;
pub mod synthetic;
pub mod verify;
pub mod witness;
