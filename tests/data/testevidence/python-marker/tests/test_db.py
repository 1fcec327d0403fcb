import pytest

from app import connect


@pytest.mark.integration
def test_connects_to_the_database() -> None:
    assert connect() == "db"


class TestErrors:
    def test_rejects_a_bad_password(self) -> None:
        assert True
