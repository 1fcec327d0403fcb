"""Billing: the critical path."""


def invoice_total(cents: list[int], discount: int = 0) -> int:
    total = sum(cents)
    if discount:
        total -= total * discount // 100
    return total


def refund(cents: int) -> int:
    if cents <= 0:
        raise ValueError("nothing to refund")
    return -cents
