"""CI/CD pipelines: stages present, third-party actions pinned, least-privilege permissions."""
