//! Just enough HTTP/1.1: request parsing with size limits, response serialisation.

use std::io::{self, BufRead, Read, Write};

/// Upper bound on the request line plus headers.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// Sent on every response; the service serves only JSON and plain text.
const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
];

#[derive(Debug, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Header names are lower-cased.
    pub headers: Vec<(String, String)>,
    pub keep_alive: bool,
    pub content_length: usize,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection or went idle; nothing should be sent.
    Closed,
    /// Malformed request: answer 400 and close.
    Bad(&'static str),
    /// Declared body exceeds the limit: answer 413 and close, body unread.
    TooLarge(Box<Request>),
}

/// Parses the request line and headers (everything before the blank line).
pub fn parse_head(head: &str) -> Result<Request, &'static str> {
    let mut lines = head.lines();
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed request line");
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("invalid method");
    }
    if !target.starts_with('/') {
        return Err("request target must be an absolute path");
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err("unsupported HTTP version"),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Request { method: method.into(), path: path.into(), query: query.into(), ..Request::default() };
    let mut content_length = None;
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or("malformed header")?;
        if name.is_empty() || name.contains(|c: char| c.is_ascii_whitespace()) {
            return Err("malformed header name");
        }
        let (name, value) = (name.to_ascii_lowercase(), value.trim());
        // Chunked bodies are not supported; refusing them also rules out
        // Content-Length/Transfer-Encoding request smuggling.
        if name == "transfer-encoding" {
            return Err("transfer-encoding is not supported");
        }
        if name == "content-length" {
            let len: usize = value
                .parse()
                .ok()
                .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                .ok_or("invalid content-length")?;
            if content_length.is_some_and(|previous| previous != len) {
                return Err("conflicting content-length headers");
            }
            content_length = Some(len);
        }
        req.headers.push((name, value.into()));
    }
    req.content_length = content_length.unwrap_or(0);
    req.keep_alive = match req.header("connection").map(str::to_ascii_lowercase).as_deref() {
        Some("close") => false,
        Some("keep-alive") => true,
        _ => !http10,
    };
    Ok(req)
}

/// Reads one request. The body is read only once its declared size is known
/// to be within `max_body`, so an oversized upload costs nothing to refuse.
pub fn read_request(reader: &mut impl BufRead, max_body: usize) -> Result<Request, ReadError> {
    let mut head = String::new();
    loop {
        let budget = (MAX_HEAD_BYTES - head.len()) as u64;
        let mut line = String::new();
        match reader.by_ref().take(budget).read_line(&mut line) {
            Ok(_) if !line.ends_with('\n') => {
                return Err(if head.is_empty() && line.is_empty() {
                    ReadError::Closed
                } else {
                    ReadError::Bad("request head too large or truncated")
                });
            }
            Ok(_) if line.trim_end().is_empty() => break,
            Ok(_) => head.push_str(&line),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(ReadError::Bad("request head is not UTF-8"))
            }
            Err(_) => return Err(ReadError::Closed),
        }
    }
    let mut req = parse_head(&head).map_err(ReadError::Bad)?;
    if req.content_length > max_body {
        return Err(ReadError::TooLarge(Box::new(req)));
    }
    req.body = vec![0; req.content_length];
    reader.read_exact(&mut req.body).map_err(|_| ReadError::Closed)?;
    Ok(req)
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response { status, content_type, headers: Vec::new(), body: body.into() }
    }

    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Response::new(status, "application/json", body)
    }

    pub fn error(status: u16, message: &str) -> Self {
        Response::json(status, format!(r#"{{"error":"{}"}}"#, json_escape(message)))
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Serialises the response in one write, avoiding a small-packet stall.
    pub fn write_to(&self, mut out: impl Write, keep_alive: bool) -> io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len(),
            if keep_alive { "keep-alive" } else { "close" },
        );
        let extra = self.headers.iter().map(|(n, v)| (*n, v.as_str()));
        for (name, value) in SECURITY_HEADERS.into_iter().chain(extra) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        out.write_all(&bytes)?;
        out.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

/// Escapes a string for embedding between double quotes in JSON.
pub fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn parses_request_line_headers_and_keep_alive() {
        let req = parse_head("GET /api/greeting?name=Ada HTTP/1.1\r\nHost: x\r\nX-Trace:  abc \r\n").unwrap();
        assert_eq!((req.method.as_str(), req.path.as_str(), req.query.as_str()), ("GET", "/api/greeting", "name=Ada"));
        assert_eq!(req.header("x-trace"), Some("abc"));
        assert!(req.keep_alive);
        assert!(!parse_head("GET / HTTP/1.0\r\n").unwrap().keep_alive);
        assert!(!parse_head("GET / HTTP/1.1\r\nConnection: Close\r\n").unwrap().keep_alive);
    }

    #[test]
    fn rejects_malformed_heads() {
        for head in [
            "GET /\r\n",
            "get / HTTP/1.1\r\n",
            "GET http://x/ HTTP/1.1\r\n",
            "GET / HTTP/2\r\n",
            "GET / HTTP/1.1\r\nNoColon\r\n",
            "POST / HTTP/1.1\r\nContent-Length: +5\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n",
        ] {
            assert!(parse_head(head).is_err(), "accepted {head:?}");
        }
    }

    #[test]
    fn reads_body_within_limit_and_refuses_larger_unread() {
        let mut ok = Cursor::new(&b"POST /api/echo HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"[..]);
        assert_eq!(read_request(&mut ok, 2).unwrap().body, b"{}");
        let mut big = Cursor::new(&b"POST /api/echo HTTP/1.1\r\nContent-Length: 3\r\n\r\n[1]"[..]);
        assert!(matches!(read_request(&mut big, 2), Err(ReadError::TooLarge(_))));
        assert_eq!(big.position(), 46, "body must stay unread");
        let mut long = Cursor::new(vec![b'a'; MAX_HEAD_BYTES + 1]);
        assert!(matches!(read_request(&mut long, 2), Err(ReadError::Bad(_))));
        assert!(matches!(read_request(&mut Cursor::new(b""), 2), Err(ReadError::Closed)));
    }

    #[test]
    fn escapes_json() {
        assert_eq!(json_escape("a\"b\\c\n"), "a\\\"b\\\\c\\u000a");
    }
}
