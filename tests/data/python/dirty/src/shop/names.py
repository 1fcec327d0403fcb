"""Names the shop uses."""

NAME = 'shop'
