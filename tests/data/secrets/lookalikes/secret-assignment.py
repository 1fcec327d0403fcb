import os

password = os.environ["DB_PASSWORD"]
api_key = "<your-api-key>"
token = "changeme"
PASSWORD_FIELD = "password_input"
next_page_token = "a8Fk29dLq0vBz"
bypass = "Xk29#dLq0vB"
secret = "{{ vault_secret }}"
password_hash = "$2b$12$examplehashvaluexxxxxxxxxxxxxxxxxxx"
token_url = "https://auth.example.org/oauth/token"
client_secret = "my-client-secret"
session_key = "session.cookie.name"
db_password: str = ""
license = "bsd-3-clause-2024"
request_id = "f0b3c2e4-9d8a-4b1c-8e2f-6a7b9c0d1e2f"
