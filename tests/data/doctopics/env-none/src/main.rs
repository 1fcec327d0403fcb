fn main() {
    let home = std::env::var("HOME").ok();
    println!("{home:?}");
}
