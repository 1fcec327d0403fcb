"""Secrets: credentials in source files, literal secrets in configuration, git history."""
