def integration_helper() -> None:
    """Not a test file: pytest collects test_*.py and *_test.py only."""
