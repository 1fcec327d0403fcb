//! A tiny ledger.

/// An amount of money, in cents.
pub struct Amount(pub i64);

pub fn balance(entries: &[Amount]) -> i64 {
    entries.iter().map(|a| a.0).sum()
}

mod private {
    pub fn hidden() {}
}

#[allow(missing_docs)]
pub const LIMIT: i64 = 1_000;
