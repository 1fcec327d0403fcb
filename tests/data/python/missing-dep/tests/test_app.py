import app


def test_version() -> None:
    assert app.VERSION
