import os

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    class Config:
        env_prefix = "BILLING_"

    currency: str = "EUR"
    smtp_host: str = "localhost"


class Extra(Settings):
    retries: int = 3


TIMEOUT = float(os.getenv("BILLING_TIMEOUT", "5"))
SECRET = os.environ["BILLING_SECRET"]
AGAIN = os.environ.get("BILLING_SECRET")
