"""The Python toolchain: ruff, the formatter, mypy and pytest, as the project configures them."""
