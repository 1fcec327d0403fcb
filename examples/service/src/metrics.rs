//! Prometheus text exposition for request counts, latency and memory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Latency histogram bucket bounds, in seconds.
const BOUNDS: [f64; 8] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0];

#[derive(Default)]
struct Inner {
    /// (route, status) -> count; routes are a fixed set, keeping cardinality bounded.
    requests: BTreeMap<(&'static str, u16), u64>,
    /// Cumulative counts, one per bound.
    buckets: [u64; BOUNDS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics(Mutex<Inner>);

impl Metrics {
    pub fn observe(&self, route: &'static str, status: u16, elapsed: Duration) {
        let mut m = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *m.requests.entry((route, status)).or_default() += 1;
        let secs = elapsed.as_secs_f64();
        for (bound, bucket) in BOUNDS.iter().zip(m.buckets.iter_mut()) {
            if secs <= *bound {
                *bucket += 1;
            }
        }
        m.sum += secs;
        m.count += 1;
    }

    pub fn render(&self) -> String {
        let m = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::from(
            "# HELP greeter_http_requests_total HTTP requests handled, by route and status.\n\
             # TYPE greeter_http_requests_total counter\n",
        );
        for ((route, status), n) in &m.requests {
            let _ = writeln!(out, "greeter_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out.push_str(
            "# HELP greeter_http_request_duration_seconds Time spent handling a request.\n\
             # TYPE greeter_http_request_duration_seconds histogram\n",
        );
        for (bound, n) in BOUNDS.iter().zip(m.buckets) {
            let _ = writeln!(out, "greeter_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "greeter_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}", m.count);
        let _ = writeln!(out, "greeter_http_request_duration_seconds_sum {}", m.sum);
        let _ = writeln!(out, "greeter_http_request_duration_seconds_count {}", m.count);
        if let Some(rss) = resident_memory_bytes() {
            out.push_str("# HELP process_resident_memory_bytes Resident memory size in bytes.\n");
            let _ = writeln!(out, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}");
        }
        out
    }
}

/// Resident set size from /proc/self/statm (Linux only; elsewhere omitted).
fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page_size())
}

/// statm counts pages. std has no sysconf, and 4 KiB is wrong on 16/64 KiB
/// arm64 kernels, so read AT_PAGESZ (6) from the ELF auxiliary vector.
fn page_size() -> u64 {
    const WORD: usize = std::mem::size_of::<usize>();
    let auxv = std::fs::read("/proc/self/auxv").unwrap_or_default();
    auxv.chunks_exact(2 * WORD)
        .find_map(|pair| {
            let key = usize::from_ne_bytes(pair[..WORD].try_into().ok()?);
            let value = usize::from_ne_bytes(pair[WORD..].try_into().ok()?);
            (key == 6).then_some(value as u64)
        })
        .unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.observe("/healthz", 200, Duration::from_micros(500));
        metrics.observe("/healthz", 200, Duration::from_millis(50));
        let text = metrics.render();
        assert!(text.contains("greeter_http_requests_total{route=\"/healthz\",status=\"200\"} 2\n"));
        assert!(text.contains("greeter_http_request_duration_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("greeter_http_request_duration_seconds_bucket{le=\"0.1\"} 2\n"));
        assert!(text.contains("greeter_http_request_duration_seconds_count 2\n"));
        #[cfg(target_os = "linux")]
        assert!(text.contains("process_resident_memory_bytes "));
    }
}
