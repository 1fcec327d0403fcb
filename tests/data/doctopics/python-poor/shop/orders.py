"""Orders."""


class Order:
    def total(self) -> int:
        return 0

    def cancel(self) -> None:
        """Cancel the order."""


def place(order: Order) -> None:
    """Place `order`."""


def ship(order: Order) -> None:
    pass
