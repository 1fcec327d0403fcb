//! Taxes.

pub fn vat(cents: u64, country: &str) -> u64 {
    match country {
        "DE" => cents * 19 / 100,
        "FR" => cents * 20 / 100,
        "LU" => cents * 17 / 100,
        _ => 0,
    }
}

pub fn gross(cents: u64, country: &str) -> u64 {
    cents + vat(cents, country)
}
