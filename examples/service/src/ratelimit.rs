//! Per-client token buckets: a client may burst up to one minute's allowance,
//! which then refills continuously at `per_minute / 60` tokens per second.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Past this many tracked clients, buckets idle for a minute are dropped.
const PRUNE_THRESHOLD: usize = 10_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    capacity: f64,
    refill_per_sec: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(1));
        RateLimiter { capacity, refill_per_sec: capacity / 60.0, buckets: Mutex::default() }
    }

    /// Takes a token for `client`, or says how long until one is available.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= PRUNE_THRESHOLD {
            // A bucket idle for a minute is full again, so forgetting it is lossless.
            buckets.retain(|_, b| now.saturating_duration_since(b.updated) < Duration::from_secs(60));
        }
        let bucket = buckets.entry(client).or_insert(Bucket { tokens: self.capacity, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.refill_per_sec).min(self.capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.refill_per_sec))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_per_client() {
        let limiter = RateLimiter::new(2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        assert!(limiter.check(a, t0).is_ok() && limiter.check(a, t0).is_ok());
        let wait = limiter.check(a, t0).unwrap_err();
        assert_eq!(wait.as_secs(), 30, "2/minute refills one token every 30s");
        assert!(limiter.check(b, t0).is_ok(), "clients are independent");
        assert!(limiter.check(a, t0 + Duration::from_secs(29)).is_err());
        assert!(limiter.check(a, t0 + Duration::from_secs(31)).is_ok());
    }
}
