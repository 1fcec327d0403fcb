pub fn double(x: i64) -> i64 {
    x * 2
}

pub fn untested(x: i64) -> i64 {
    x - 1
}

#[cfg(test)]
mod tests {
    #[test]
    fn doubles() {
        assert_eq!(super::double(2), 4);
    }
}
