use api::parse;

#[test]
fn client_server_roundtrip() {
    assert_eq!(parse("7"), Ok(7));
}
