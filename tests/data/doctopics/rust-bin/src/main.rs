pub fn undocumented() {}

fn main() {
    undocumented();
}
