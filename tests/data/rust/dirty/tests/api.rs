#[test]
fn area_from_outside() {
    assert_eq!(dirty::shape::area(2, 3), 6);
}
