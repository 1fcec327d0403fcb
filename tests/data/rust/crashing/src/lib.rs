/// Stops the whole process, the way a careless library might.
pub fn shut_down() {
    std::process::exit(3);
}

#[cfg(test)]
mod tests {
    #[test]
    fn ends_the_process() {
        super::shut_down();
    }
}
