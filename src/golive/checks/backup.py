"""Backups and recovery: backup jobs and their schedule, retention, recovery objectives, restore tests."""
