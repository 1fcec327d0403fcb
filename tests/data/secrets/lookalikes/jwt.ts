// A header alone is not a token, and this one is not JSON.
const header = "eyJhbGciOiJIUzI1NiJ9";
const notJson = "eyJub3QganNvbiBhdCBhbGw.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";
