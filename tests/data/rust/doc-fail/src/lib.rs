/// Returns one.
///
/// ```
/// assert_eq!(doc_fail::one(), 2);
/// ```
pub fn one() -> u32 {
    1
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_one() {
        assert_eq!(super::one(), 1);
    }
}
