import os
from os import environ

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOG_VAR = "SHOP_LOG_LEVEL"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_")

    database_url: str = "sqlite://"
    api_key: str = Field(default="", alias="PAYMENTS_API_KEY")


def debug() -> bool:
    return os.environ.get("SHOP_DEBUG") == "1" or "SHOP_TRACE" in os.environ


level = os.getenv(LOG_VAR, "info")
region = environ["SHOP_REGION"]
