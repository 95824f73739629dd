//! kordon-core's behaviour tests, one binary with a module per area: `rules` (the rules as a
//! table of cases), `chain` (judging signed entries), `spec` (the codes and types SPEC.md must
//! list). `support` builds the events and entries they judge. (`tests/tidy.rs`, the check
//! that the core stays pure, is a binary of its own.)

mod support;

mod chain;
mod rules;
mod spec;
