def connect() -> str:
    return "db"
