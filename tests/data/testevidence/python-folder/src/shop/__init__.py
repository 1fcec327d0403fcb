def checkout() -> bool:
    return True
