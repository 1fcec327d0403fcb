use std::env;

const TOKEN_VAR: &str = "SHOP_TOKEN";

fn main() {
    let bind = env::var("SHOP_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let token = std::env::var_os(TOKEN_VAR);
    let home = env::var("HOME").ok();
    let version = env!("CARGO_PKG_VERSION");
    let build = option_env!("SHOP_BUILD_ID");
    // env::var("SHOP_COMMENTED_OUT") is not read
    println!("{bind} {token:?} {home:?} {version} {build:?}");
}
