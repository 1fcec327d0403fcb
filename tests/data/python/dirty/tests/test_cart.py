from shop.cart import total


def test_empty_cart() -> None:
    assert total([]) == 0


def test_two_items() -> None:
    assert total([2, 3]) == 6
