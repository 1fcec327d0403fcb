SLACK_BOT_TOKEN = "xoxb-your-token-here"
PREFIX = "xoxb-"
