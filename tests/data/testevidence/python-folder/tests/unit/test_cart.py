def test_cart_starts_empty() -> None:
    assert [] == []
