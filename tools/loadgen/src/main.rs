//! kordon-loadgen: load generator for the HTTP API (filled in by the next commit).

fn main() {}
