"""Test evidence: integration tests present, tests on named topics, JUnit results."""
