pub fn name() -> &'static str {
    let unused = 1;
    "cli"
}
