//! The runner of the core's independent stages (`kordon_core::stage::Runner`) on all cores:
//! the appender and the verifier both use it, so the library judges entries with one piece of
//! code wherever they come from.

use crate::core::stage::Runner;
use rayon::prelude::*;

/// Maps over rayon's global pool; batch blinding from the operating system's randomness.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rayon;

impl Runner for Rayon {
    type Rng = rand_core::OsRng;

    fn workers(&self) -> usize {
        rayon::current_num_threads()
    }

    fn map<T, R, F>(&self, items: Vec<T>, f: F) -> Vec<R>
    where
        T: Send,
        R: Send,
        F: Fn(T) -> R + Sync + Send,
    {
        items.into_par_iter().map(f).collect()
    }

    fn rng(&self) -> rand_core::OsRng {
        rand_core::OsRng
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        rayon::join(a, b)
    }
}
