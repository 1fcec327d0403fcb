"""Dockerfiles: multi-stage builds, minimal and pinned bases, non-root users, health checks, no secrets."""
