"""Environment configuration: required fields, types, ranges, production-safe values, schemas, parity."""
