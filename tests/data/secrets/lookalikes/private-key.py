# Code that parses keys names their headers; a header alone is no key.
PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"
if line.startswith("-----BEGIN OPENSSH PRIVATE KEY-----"):
    kind = "openssh"
DOC = """
-----BEGIN PRIVATE KEY-----
...
-----END PRIVATE KEY-----
"""
PUBLIC = """-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq1Nk3nJz0xV7vQ2fWb8cR4tYm6Lp9Hs
-----END PUBLIC KEY-----"""
EXAMPLE = "-----BEGIN RSA PRIVATE KEY-----\nEXAMPLEBAAKCAQEA4f5wg5l2hKsTeNem/V41fGnJm6gOdrj8ym3rFkEU/wT8RDtnSgFEZOQpHEgQ7JL38xUfU0Y\n-----END RSA PRIVATE KEY-----"
