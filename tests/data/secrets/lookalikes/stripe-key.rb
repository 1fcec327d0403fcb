# Test-mode keys move no money.
Stripe.api_key = ENV.fetch("STRIPE_SECRET_KEY")
TEST_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
PLACEHOLDER = "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"
