use std::process::ExitCode;

use greeter::config::{Config, Level};
use greeter::http::json_escape;
use greeter::{log, Server};

fn main() -> ExitCode {
    let path = std::env::var("GREETER_CONFIG").unwrap_or_else(|_| "config/production.toml".into());
    let bind = std::env::var("GREETER_BIND").ok();
    let config = match Config::load(&path, bind.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            let fields = format!(
                r#""msg":"invalid configuration","path":"{}","error":"{}""#,
                json_escape(&path),
                json_escape(&e.0)
            );
            log(Level::Error, Level::Error, &fields);
            return ExitCode::from(2);
        }
    };
    let (level, addr) = (config.log_level, config.bind);
    let result = Server::bind(config).and_then(Server::run);
    if let Err(e) = result {
        let fields = format!(r#""msg":"server failed","addr":"{addr}","error":"{}""#, json_escape(&e.to_string()));
        log(level, Level::Error, &fields);
    }
    ExitCode::FAILURE
}
