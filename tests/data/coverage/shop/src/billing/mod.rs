//! Billing: invoices and taxes.

pub mod invoice;
pub mod tax;
