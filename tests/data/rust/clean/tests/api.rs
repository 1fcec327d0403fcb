#[test]
fn add_from_outside() {
    assert_eq!(clean::add(1, 2), 3);
}
