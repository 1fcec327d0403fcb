import os

SECRET = os.environ["TEST_ONLY_VARIABLE"]
