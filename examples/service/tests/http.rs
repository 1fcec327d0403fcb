//! End-to-end tests over real sockets against an in-process server.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use greeter::config::{Config, Level};
use greeter::Server;

fn start(rate_limit_per_minute: u32) -> SocketAddr {
    let config = Config {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        workers: 2,
        max_body_bytes: 1024,
        rate_limit_per_minute,
        log_level: Level::Error,
        debug: false,
    };
    let server = Server::bind(config).expect("bind ephemeral port");
    let addr = server.local_addr().unwrap();
    thread::spawn(move || server.run());
    addr
}

/// Sends raw bytes and reads until the server closes; returns (status, response).
fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(3))).unwrap();
    stream.write_all(request).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("server closes the connection");
    let status = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response)
}

fn get(addr: SocketAddr, target: &str) -> (u16, String) {
    exchange(addr, format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes())
}

#[test]
fn healthz_passes_with_security_headers() {
    let (status, response) = get(start(60), "/healthz");
    assert_eq!(status, 200);
    assert!(response.contains("Content-Type: application/health+json\r\n"));
    assert!(response.contains("X-Content-Type-Options: nosniff\r\n"));
    assert!(response.contains("Strict-Transport-Security: "));
    assert!(response.ends_with(r#"{"status":"pass"}"#));
}

#[test]
fn greeting_accepts_valid_names_and_rejects_others() {
    let addr = start(60);
    let (status, response) = get(addr, "/api/greeting?name=Grace%20Hopper");
    assert_eq!(status, 200);
    assert!(response.ends_with(r#"{"greeting":"Hello, Grace Hopper!"}"#));
    assert_eq!(get(addr, "/api/greeting?name=%3Cscript%3E").0, 400);
    assert_eq!(get(addr, "/api/greeting").0, 400);
}

#[test]
fn oversized_body_is_refused_with_413() {
    let body = "x".repeat(4096);
    let request = format!(
        "POST /api/echo HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, response) = exchange(start(60), request.as_bytes());
    assert_eq!(status, 413, "{response}");
    assert!(response.contains("Connection: close\r\n"));
}

#[test]
fn echo_returns_json_body() {
    let request = b"POST /api/echo HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"a\":1}\n";
    let (status, response) = exchange(start(60), request);
    assert_eq!(status, 200);
    assert!(response.ends_with("{\"a\":1}\n"));
}

#[test]
fn unknown_route_and_malformed_request() {
    let addr = start(60);
    let (status, response) = get(addr, "/nope");
    assert_eq!(status, 404);
    assert!(response.ends_with(r#"{"error":"not found"}"#));
    assert_eq!(exchange(addr, b"NONSENSE\r\n\r\n").0, 400);
}

#[test]
fn keep_alive_serves_pipelined_requests_and_counts_them() {
    let addr = start(60);
    let two = b"GET /healthz HTTP/1.1\r\n\r\nGET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n";
    let (_, response) = exchange(addr, two);
    assert_eq!(response.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{response}");
    let (status, metrics) = get(addr, "/metrics");
    assert_eq!(status, 200);
    assert!(metrics.contains(r#"greeter_http_requests_total{route="/healthz",status="200"} 1"#));
    assert!(metrics.contains("greeter_http_request_duration_seconds_bucket{le=\"+Inf\"} 2"));
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let addr = start(2);
    assert_eq!(get(addr, "/api/greeting?name=a").0, 200);
    assert_eq!(get(addr, "/api/greeting?name=b").0, 200);
    let (status, response) = get(addr, "/api/greeting?name=c");
    assert_eq!(status, 429);
    let retry_after = response.split("Retry-After: ").nth(1).and_then(|v| v.split("\r\n").next());
    let seconds: u64 = retry_after.and_then(|v| v.parse().ok()).expect("Retry-After header");
    assert!((1..=30).contains(&seconds), "2/minute refills one token every 30s");
    assert_eq!(get(addr, "/healthz").0, 200, "probes are never throttled");
}
