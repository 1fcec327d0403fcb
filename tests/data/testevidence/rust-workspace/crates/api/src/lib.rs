/// Parses a request body.
pub fn parse(body: &str) -> Result<u32, String> {
    body.trim().parse().map_err(|_| format!("invalid body: {body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_number() {
        assert_eq!(parse(" 42 "), Ok(42));
    }

    #[test]
    #[should_panic]
    fn rejects_invalid_json() {
        parse("{").unwrap();
    }

    #[tokio::test]
    async fn handles_empty_body() {
        assert!(parse("").is_err());
    }
}
