//! A small rate limiter.

use std::collections::HashMap;

/// Keeps one bucket per client.
pub struct Limiter {
    buckets: HashMap<String, u32>,
}

impl Limiter {
    pub fn new() -> Self {
        // TODO: persist rate-limit state across restarts
        Self { buckets: HashMap::new() }
    }

    pub fn label(&self) -> &'static str {
        let _pattern = "XXX-XXX";
        "see the TODO list in the wiki"
    }

    pub fn refill(&mut self) {
        /* FIXME: refill is not atomic */ self.buckets.clear();
        todo!("refill the buckets")
    }

    /*
     * HACK: the clock is read twice
     */
    pub fn drain(&mut self) {
        // calling todo!() here would panic
        let _ = "unimplemented!(x)";
    }
}
