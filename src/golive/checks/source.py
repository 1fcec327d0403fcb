"""Source-code checks."""
