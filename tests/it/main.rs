//! kordon's integration tests, one module per area, in one test binary (one link instead of
//! one per file). `common` holds the shared set-up.

mod common;

mod cli;
mod conformance_vectors;
mod crash;
mod dashboard;
mod example;
mod golden_vectors;
mod hostile;
mod integrity;
mod kat;
mod keys;
mod ledger;
mod merkle_vectors;
mod monitor;
mod ops;
mod postgres;
mod postgres_cluster;
mod power_cut;
mod projections;
mod readme;
mod server;
mod server_cli;
mod server_views;
mod snapshots;
mod soak;
mod spec;
mod stages;
mod store_conformance;
mod tamper;
mod untrusted;
mod witness;
mod witness_vectors;
mod workspace;
mod write_http;
mod write_path;
