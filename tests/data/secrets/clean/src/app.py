"""A service that reads every credential from its environment."""

import os

DATABASE_URL = os.environ["DATABASE_URL"]
API_KEY = os.environ.get("API_KEY", "")
password_prompt = "Enter your password: "


def connect(password: str | None = None) -> None:
    token = os.environ["SERVICE_TOKEN"]
    print(f"connecting with a token of {len(token)} characters")
