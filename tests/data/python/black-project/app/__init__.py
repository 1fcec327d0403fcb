"""An app formatted with black."""

NAME = "app"
