from shop import checkout


def test_checkout_against_the_payment_sandbox() -> None:
    assert checkout()
