//! greeter: a small HTTP greeting service built on the standard library alone.
//!
//! A fixed pool of worker threads serves connections handed over by the
//! accept loop through a bounded queue, so load never spawns extra threads.

pub mod config;
pub mod http;
pub mod metrics;
pub mod ratelimit;

use std::io::{self, BufReader, Read};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{str, thread};

use config::{Config, Level};
use http::{ReadError, Request, Response};
use metrics::Metrics;
use ratelimit::RateLimiter;

/// How long a connection may stay silent before its worker gives it up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Keep-alive connections are recycled so one client cannot pin a worker.
const MAX_REQUESTS_PER_CONNECTION: usize = 100;
/// Routes reported in metrics; anything else counts as "other".
const ROUTES: [&str; 5] = ["/healthz", "/readyz", "/metrics", "/api/greeting", "/api/echo"];

/// Writes one JSON log line to stderr if `level` passes the `threshold`.
/// `fields` is a fragment of already-escaped JSON members.
pub fn log(threshold: Level, level: Level, fields: &str) {
    if level <= threshold {
        let ts = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        eprintln!(r#"{{"ts_ms":{ts},"level":"{}",{fields}}}"#, level.as_str());
    }
}

struct State {
    config: Config,
    limiter: RateLimiter,
    metrics: Metrics,
    ready: Arc<AtomicBool>,
}

pub struct Server {
    listener: TcpListener,
    state: Arc<State>,
}

impl Server {
    /// Binds the listener; use port 0 for an ephemeral port.
    pub fn bind(config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind(config.bind)?;
        // TODO: persist rate-limit buckets across restarts (and share them
        // between replicas); today every restart resets each client's allowance.
        let limiter = RateLimiter::new(config.rate_limit_per_minute);
        let ready = Arc::new(AtomicBool::new(false));
        let state = State { config, limiter, metrics: Metrics::default(), ready };
        Ok(Server { listener, state: Arc::new(state) })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Readiness flag behind `/readyz`; clear it to drain traffic before stopping.
    pub fn readiness(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.state.ready)
    }

    /// Starts the workers and serves until the process exits.
    pub fn run(self) -> io::Result<()> {
        let workers = self.state.config.workers;
        // Bounded: when every worker is busy, accepting slows down instead of queueing without limit.
        let (tx, rx) = mpsc::sync_channel::<TcpStream>(workers * 16);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let (rx, state) = (Arc::clone(&rx), Arc::clone(&self.state));
            thread::Builder::new().name(format!("worker-{i}")).spawn(move || loop {
                // The guard is a temporary: the lock is held only while waiting.
                let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                match next {
                    Ok(stream) => serve_connection(&state, stream),
                    Err(_) => return,
                }
            })?;
        }
        let (level, addr) = (self.state.config.log_level, self.local_addr()?);
        self.state.ready.store(true, Ordering::SeqCst);
        log(level, Level::Info, &format!(r#""msg":"listening","addr":"{addr}","workers":{workers}"#));
        for stream in self.listener.incoming() {
            match stream {
                Ok(stream) => tx.send(stream).map_err(|_| io::Error::other("all workers exited"))?,
                Err(e) => {
                    // Typically descriptor exhaustion: back off rather than spin.
                    log(
                        level,
                        Level::Error,
                        &format!(r#""msg":"accept failed","error":"{}""#, http::json_escape(&e.to_string())),
                    );
                    thread::sleep(Duration::from_millis(50));
                }
            }
        }
        Ok(())
    }
}

fn serve_connection(state: &State, stream: TcpStream) {
    let (Ok(peer), Ok(read_half)) = (stream.peer_addr(), stream.try_clone()) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IDLE_TIMEOUT));
    let mut reader = BufReader::new(read_half);
    for served in 1..=MAX_REQUESTS_PER_CONNECTION {
        let read = http::read_request(&mut reader, state.config.max_body_bytes);
        let started = Instant::now();
        let (req, response, keep_alive) = match read {
            Ok(req) => {
                let response = respond(state, peer.ip(), &req);
                let keep_alive = req.keep_alive && served < MAX_REQUESTS_PER_CONNECTION;
                (req, response, keep_alive)
            }
            Err(ReadError::Closed) => return,
            Err(ReadError::Bad(why)) => (Request::default(), Response::error(400, why), false),
            Err(ReadError::TooLarge(req)) => (*req, Response::error(413, "request body too large"), false),
        };
        let written = response.write_to(&stream, keep_alive);
        record(state, &req, response.status, started.elapsed());
        if written.is_err() || !keep_alive {
            break;
        }
    }
    linger_close(&stream);
}

/// Half-closes, then briefly drains unread input: closing a socket with
/// unread data sends a reset, which could destroy the response in flight.
fn linger_close(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = io::copy(&mut stream.take(1 << 20), &mut io::sink());
}

fn record(state: &State, req: &Request, status: u16, elapsed: Duration) {
    let route = ROUTES.into_iter().find(|r| *r == req.path).unwrap_or("other");
    state.metrics.observe(route, status, elapsed);
    let level = match status {
        500.. => Level::Error,
        413 | 429 => Level::Warn,
        _ => Level::Info,
    };
    // Query strings can carry personal data (names), so they are logged only in debug mode.
    let target = if state.config.debug && !req.query.is_empty() {
        format!("{}?{}", req.path, req.query)
    } else {
        req.path.clone()
    };
    let fields = format!(
        r#""msg":"request","method":"{}","path":"{}","status":{status},"duration_ms":{:.3}"#,
        http::json_escape(&req.method),
        http::json_escape(&target),
        elapsed.as_secs_f64() * 1000.0,
    );
    log(state.config.log_level, level, &fields);
}

fn respond(state: &State, client: IpAddr, req: &Request) -> Response {
    // Probes and scrapes are exempt: throttling them would fake an outage.
    if !matches!(req.path.as_str(), "/healthz" | "/readyz" | "/metrics") {
        if let Err(wait) = state.limiter.check(client, Instant::now()) {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Response::error(429, "rate limit exceeded").with_header("Retry-After", secs.max(1).to_string());
        }
    }
    route(state, req)
}

fn route(state: &State, req: &Request) -> Response {
    const HEALTH: &str = "application/health+json";
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/healthz") => Response::new(200, HEALTH, r#"{"status":"pass"}"#),
        ("GET", "/readyz") if state.ready.load(Ordering::SeqCst) => {
            Response::new(200, HEALTH, r#"{"status":"pass","checks":{"config":"pass"}}"#)
        }
        ("GET", "/readyz") => Response::new(
            503,
            HEALTH,
            r#"{"status":"fail","checks":{"config":"pass"},"output":"not accepting traffic"}"#,
        ),
        ("GET", "/metrics") => Response::new(200, "text/plain; version=0.0.4; charset=utf-8", state.metrics.render()),
        ("GET", "/api/greeting") => greeting(req),
        ("POST", "/api/echo") => echo(req),
        (_, path) if ROUTES.contains(&path) => {
            let allow = if path == "/api/echo" { "POST" } else { "GET" };
            Response::error(405, "method not allowed").with_header("Allow", allow)
        }
        _ => Response::error(404, "not found"),
    }
}

fn greeting(req: &Request) -> Response {
    let Some(name) = query_param(&req.query, "name") else {
        return Response::error(400, "query parameter `name` is missing or badly encoded");
    };
    match validate_name(&name) {
        Ok(()) => Response::json(200, format!(r#"{{"greeting":"Hello, {}!"}}"#, http::json_escape(&name))),
        Err(why) => Response::error(400, why),
    }
}

/// Names are 1-64 characters: letters, digits, spaces and dashes.
pub fn validate_name(name: &str) -> Result<(), &'static str> {
    if name.len() == 0 {
        return Err("name must not be empty");
    }
    if name.chars().count() > 64 {
        return Err("name must be at most 64 characters");
    }
    if !name.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-') {
        return Err("name may only contain letters, digits, spaces and dashes");
    }
    Ok(())
}

/// The percent-decoded value of `key` in a query string (`+` is a space);
/// `None` if absent or not valid percent-encoded UTF-8.
pub fn query_param(query: &str, key: &str) -> Option<String> {
    let raw = query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then_some(v)
    })?;
    let mut bytes = raw.bytes();
    let mut out = Vec::with_capacity(raw.len());
    while let Some(b) = bytes.next() {
        out.push(match b {
            b'+' => b' ',
            b'%' => {
                let hex = [bytes.next()?, bytes.next()?];
                u8::from_str_radix(str::from_utf8(&hex).ok()?, 16).ok()?
            }
            b => b,
        });
    }
    String::from_utf8(out).ok()
}

fn echo(req: &Request) -> Response {
    // The body is returned byte for byte and never interpreted, so a shape
    // check suffices; validating JSON fully would need a parser.
    let body = str::from_utf8(&req.body).unwrap_or_default().trim();
    let shaped = (body.starts_with('{') && body.ends_with('}')) || (body.starts_with('[') && body.ends_with(']'));
    if !shaped {
        return Response::error(400, "body must be a UTF-8 JSON object or array");
    }
    Response::json(200, req.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(ready: bool) -> State {
        let config = Config::default();
        let limiter = RateLimiter::new(config.rate_limit_per_minute);
        State { config, limiter, metrics: Metrics::default(), ready: Arc::new(AtomicBool::new(ready)) }
    }

    fn get(state: &State, target: &str) -> Response {
        route(state, &http::parse_head(&format!("GET {target} HTTP/1.1\r\n")).unwrap())
    }

    #[test]
    fn validates_names() {
        for good in ["Ada", "Jean-Luc Picard", "Zoë 2", &"x".repeat(64)] {
            assert_eq!(validate_name(good), Ok(()), "{good:?}");
        }
        for bad in ["", "<script>", "a_b", "a\"b", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn decodes_query_parameters() {
        assert_eq!(query_param("x=1&name=Ada+L%C3%B6", "name").as_deref(), Some("Ada Lö"));
        assert_eq!(query_param("name", "name").as_deref(), Some(""));
        assert_eq!(query_param("x=1", "name"), None);
        assert_eq!(query_param("name=%ZZ", "name"), None);
        assert_eq!(query_param("name=%FF", "name"), None);
    }

    #[test]
    fn routes_requests() {
        let s = state(false);
        assert_eq!(get(&s, "/readyz").status, 503);
        s.ready.store(true, Ordering::SeqCst);
        assert_eq!(get(&s, "/readyz").body, br#"{"status":"pass","checks":{"config":"pass"}}"#);
        assert_eq!(get(&s, "/api/greeting?name=Ada").body, br#"{"greeting":"Hello, Ada!"}"#);
        assert_eq!(get(&s, "/api/echo").status, 405);
        assert_eq!(get(&s, "/nope").status, 404);
    }
}
