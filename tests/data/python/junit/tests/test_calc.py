import pytest

from calc import add, divide


def test_adds() -> None:
    assert add(2, 2) == 4


def test_divides() -> None:
    assert divide(6, 3) == 2


class TestBroken:
    def test_divides_by_zero(self) -> None:
        assert divide(1, 0) == 0


@pytest.fixture
def leaky() -> object:
    yield object()
    raise RuntimeError("the fixture did not clean up")


def test_with_leaky_fixture(leaky: object) -> None:
    assert leaky is not None


@pytest.mark.skip(reason="not on this platform")
def test_skipped() -> None:
    pass
