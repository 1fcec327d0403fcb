fn main() {
    println!("mcp-gateway listening on 0.0.0.0:8080");
}
