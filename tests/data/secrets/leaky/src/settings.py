"""Settings of the billing service."""

import os

DEBUG = os.environ.get("DEBUG") == "1"
STRIPE_KEY = "@@stripe-key@@"
GITHUB_TOKEN = "@@github-token@@"
DB_PASSWORD = "@@secret-assignment@@"
SLACK_WEBHOOK = "https://hooks.slack.com/services/@@slack-webhook@@"
