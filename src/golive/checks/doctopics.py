"""Documentation depth: API docs, environment variables, operational topics, local links."""
