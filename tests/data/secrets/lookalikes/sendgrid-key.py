msg.subject = "hello"
SENDGRID_API_KEY = os.environ["SENDGRID_API_KEY"]  # SG.xxxxx in the dashboard
