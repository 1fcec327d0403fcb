//! A small shop: prices, carts and billing.

pub mod billing;

/// The price of `quantity` items at `unit` cents each.
pub fn price(unit: u64, quantity: u64) -> u64 {
    unit * quantity
}

/// The total of a cart, in cents.
pub fn total(items: &[(u64, u64)]) -> u64 {
    let mut sum = 0;
    for (unit, quantity) in items {
        sum += price(*unit, *quantity);
    }
    if sum > 10_000 {
        sum - sum / 20
    } else {
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_a_cart() {
        assert_eq!(total(&[(100, 2), (50, 1)]), 250);
    }
}
