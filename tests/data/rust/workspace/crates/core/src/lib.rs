pub fn name() -> &'static str {
    "core"
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_named_core() {
        assert_eq!(super::name(), "kernel");
    }
}
