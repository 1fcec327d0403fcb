from greet import greet


def test_greets_by_name() -> None:
    assert greet("Ada") == "Hello, Ada!"


def test_shouts() -> None:
    assert greet("Ada", shout=True) == "HELLO, ADA!"
