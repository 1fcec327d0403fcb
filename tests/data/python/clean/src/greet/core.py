"""How to greet someone."""


def greet(name: str, *, shout: bool = False) -> str:
    text = f"Hello, {name}!"
    return text.upper() if shout else text
