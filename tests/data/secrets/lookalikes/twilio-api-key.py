from twilio.rest import Client

# Keys are read from the environment; the sid below has one hex digit too few.
client = Client(os.environ["TWILIO_API_KEY"], os.environ["TWILIO_API_SECRET"])
SID_PREFIX = "SK0123456789abcdef0123456789abcde"
