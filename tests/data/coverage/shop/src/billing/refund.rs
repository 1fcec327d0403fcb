//! Refunds: not declared in billing/mod.rs yet, so never compiled into the tests.

pub fn refund(cents: u64, keep_fee: bool) -> u64 {
    if keep_fee { cents - 100 } else { cents }
}
