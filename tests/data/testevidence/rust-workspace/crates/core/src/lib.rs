pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[cfg(test)]
mod tests {
    #[test]
    fn adds_at_the_overflow_boundary() {
        assert_eq!(super::add(u32::MAX - 1, 1), u32::MAX);
    }
}
