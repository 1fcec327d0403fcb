from shop.cart import Cart


def check_add() -> None:
    cart = Cart()
    cart.add("x")
    assert cart.size == 1
