"""Shopping carts."""

from __future__ import annotations

import sys
from typing import overload

__all__ = ["Cart", "total"]


class Cart:
    """Items someone intends to buy."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, item: str) -> None:
        """Put `item` in the cart."""
        self.items.append(item)

    @property
    def size(self) -> int:
        """How many items the cart holds."""
        return len(self.items)

    @size.setter
    def size(self, value: int) -> None:
        del self.items[value:]

    def _compact(self) -> None:
        pass

    class Line:
        """One line of the cart."""

        def price(self) -> int:
            """The price of the line, in cents."""
            return 0


@overload
def total(cart: Cart) -> int: ...
@overload
def total(cart: None) -> None: ...
def total(cart: Cart | None) -> int | None:
    """The number of items, or None without a cart."""
    return None if cart is None else cart.size


def helper_not_exported() -> None:
    pass


if sys.version_info >= (3, 12):

    def modern() -> None:
        pass
