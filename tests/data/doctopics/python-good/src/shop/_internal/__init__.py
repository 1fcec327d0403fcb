def undocumented_but_private() -> None:
    pass
