import os

os.environ["BILLING_TIMEOUT"] = "1"
