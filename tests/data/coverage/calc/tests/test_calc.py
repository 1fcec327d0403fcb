from calc import add, sign
from calc.billing import invoice_total


def test_add() -> None:
    assert add(1, 2) == 3


def test_positive_sign() -> None:
    assert sign(5) == 1


def test_invoice_total_with_discount() -> None:
    assert invoice_total([100, 100], discount=10) == 180
