//! Invoices.

pub struct Invoice {
    pub number: u32,
    pub cents: u64,
    pub paid: bool,
}

impl Invoice {
    pub fn new(number: u32, cents: u64) -> Self {
        Invoice { number, cents, paid: false }
    }

    pub fn pay(&mut self, cents: u64) -> Result<u64, String> {
        if self.paid {
            return Err(format!("invoice {} is already paid", self.number));
        }
        if cents < self.cents {
            return Err("not enough".to_string());
        }
        self.paid = true;
        Ok(cents - self.cents)
    }
}
