"""Live probes: the target policy and the HTTP and TLS exchanges every live check goes through."""
