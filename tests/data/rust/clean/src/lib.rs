//! A tidy library: formatted, warning-free and tested.

/// Adds two numbers.
pub fn add(left: u64, right: u64) -> u64 {
    left + right
}

/// Whether `text` has nothing in it.
pub fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 2), 4);
    }

    #[test]
    fn blank() {
        assert!(is_blank("  "));
    }

    #[cfg(feature = "extra")]
    #[test]
    fn only_with_the_extra_feature() {
        assert!(!is_blank("x"));
    }
}
