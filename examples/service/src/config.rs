//! Configuration from a hand-parsed subset of TOML: `[section]` headers,
//! `key = value` lines with strings, integers or booleans, and `#` comments.
//! Unknown keys are errors, so a typo fails at start instead of being ignored.

use std::fmt;
use std::net::SocketAddr;

/// Log severity; a message is written when it is at or above the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        [Level::Error, Level::Warn, Level::Info, Level::Debug].into_iter().find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub workers: usize,
    pub max_body_bytes: usize,
    pub rate_limit_per_minute: u32,
    pub log_level: Level,
    pub debug: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            workers: 4,
            max_body_bytes: 64 * 1024,
            rate_limit_per_minute: 120,
            log_level: Level::Warn,
            debug: false,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
}

/// Parses a value; strings are double-quoted and have no escape sequences.
fn parse_value(raw: &str) -> Option<Value> {
    if let Some(rest) = raw.strip_prefix('"') {
        let (text, tail) = rest.split_once('"')?;
        let tail = tail.trim();
        return (tail.is_empty() || tail.starts_with('#')).then(|| Value::Str(text.to_string()));
    }
    match raw.split('#').next().unwrap_or_default().trim() {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        n => n.replace('_', "").parse().ok().map(Value::Int),
    }
}

fn bounded<T: TryFrom<i64>>(key: &str, n: i64, min: i64, max: i64) -> Result<T, String> {
    let err = || format!("{key} must be between {min} and {max}, got {n}");
    if !(min..=max).contains(&n) {
        return Err(err());
    }
    T::try_from(n).map_err(|_| err())
}

fn parse_bind(s: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = s.parse().map_err(|_| format!("server.bind `{s}` is not an address like 127.0.0.1:8080"))?;
    if addr.port() == 0 {
        return Err("server.bind port must be between 1 and 65535".into());
    }
    Ok(addr)
}

impl Config {
    /// Parses and validates a configuration file's text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let mut section = String::new();
        for (index, line) in text.lines().enumerate() {
            let err = |msg: String| ConfigError(format!("line {}: {msg}", index + 1));
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') {
                let header = line.split('#').next().unwrap_or_default().trim();
                let name = header.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
                section = name.ok_or_else(|| err("malformed section header".into()))?.trim().into();
                continue;
            }
            let (key, raw) = line.split_once('=').ok_or_else(|| err("expected `key = value`".into()))?;
            let value = parse_value(raw.trim()).ok_or_else(|| err(format!("invalid value for {}", key.trim())))?;
            config.set(&section, key.trim(), value).map_err(err)?;
        }
        Ok(config)
    }

    /// Reads `path`, applies an optional bind override (from `GREETER_BIND`), validates.
    pub fn load(path: &str, bind_override: Option<&str>) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("cannot read {path}: {e}")))?;
        let mut config = Config::parse(&text)?;
        if let Some(bind) = bind_override {
            config.bind = parse_bind(bind).map_err(|e| ConfigError(format!("GREETER_BIND: {e}")))?;
        }
        Ok(config)
    }

    fn set(&mut self, section: &str, key: &str, value: Value) -> Result<(), String> {
        match (section, key, value) {
            ("server", "bind", Value::Str(s)) => self.bind = parse_bind(&s)?,
            ("server", "workers", Value::Int(n)) => self.workers = bounded("server.workers", n, 1, 64)?,
            ("server", "max_body_bytes", Value::Int(n)) => {
                self.max_body_bytes = bounded("server.max_body_bytes", n, 1, 16 << 20)?
            }
            ("server", "rate_limit_per_minute", Value::Int(n)) => {
                self.rate_limit_per_minute = bounded("server.rate_limit_per_minute", n, 1, 1_000_000)?
            }
            ("log", "level", Value::Str(s)) => {
                self.log_level = Level::parse(&s).ok_or(format!("log.level `{s}` is not error, warn, info or debug"))?
            }
            ("features", "debug", Value::Bool(b)) => self.debug = b,
            ("server", "bind" | "workers" | "max_body_bytes" | "rate_limit_per_minute", _)
            | ("log", "level", _)
            | ("features", "debug", _) => return Err(format!("{section}.{key} has the wrong type")),
            _ => return Err(format!("unknown key `{key}` in section [{section}]")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_configs_are_valid() {
        let prod = Config::parse(include_str!("../config/production.toml")).unwrap();
        assert_eq!((prod.log_level, prod.debug), (Level::Warn, false));
        let staging = Config::parse(include_str!("../config/staging.toml")).unwrap();
        assert!(staging.debug);
    }

    #[test]
    fn parses_values_sections_and_comments() {
        let text = "# top\n[server]\nbind = \"0.0.0.0:9000\" # public\nworkers = 2\n\
                    max_body_bytes = 1_024\n[log]\nlevel = \"debug\"\n[features]\ndebug = true\n";
        let c = Config::parse(text).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000".parse().unwrap());
        assert_eq!((c.workers, c.max_body_bytes, c.log_level, c.debug), (2, 1024, Level::Debug, true));
    }

    #[test]
    fn rejects_invalid_input_with_line_numbers() {
        let cases = [
            ("[server]\nworkers = 0", "line 2: server.workers must be between 1 and 64, got 0"),
            ("[server]\nbind = \"127.0.0.1:0\"", "line 2: server.bind port must be between 1 and 65535"),
            ("[server]\nworkers = \"4\"", "line 2: server.workers has the wrong type"),
            ("[server]\nport = 80", "line 2: unknown key `port` in section [server]"),
            ("[log]\nlevel = \"loud\"", "line 2: log.level `loud` is not error, warn, info or debug"),
            ("[server\n", "line 1: malformed section header"),
            ("workers", "line 1: expected `key = value`"),
        ];
        for (text, expected) in cases {
            assert_eq!(Config::parse(text).unwrap_err().0, expected, "input: {text:?}");
        }
    }
}
