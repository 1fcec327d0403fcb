pub mod shape;

pub fn has_none(items: &[u32]) -> bool {
    items.len() == 0
}

pub fn total(items: &[u32]) -> u32 {
    let unused = 3;
    items.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty() {
        assert!(has_none(&[]));
    }

    #[test]
    fn sums() {
        assert_eq!(total(&[1, 2]), 4, "one plus two");
    }
}
