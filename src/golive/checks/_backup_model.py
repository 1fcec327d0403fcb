"""What the backup checks find in a repository: backup jobs, their settings, and data stores."""

from __future__ import annotations

from dataclasses import dataclass

from golive.checks._manifests import Unreadable
from golive.model import Location

__all__ = ["BackupJob", "Encryption", "Inventory", "Retention", "Signal", "Verification"]


@dataclass(frozen=True, kw_only=True)
class Signal:
    """Something recognised in the repository (`how`), and where it is written."""

    how: str
    location: Location
    ref: str = ""  # the resource (`Kind/namespace/name`) or file it belongs to


@dataclass(frozen=True, kw_only=True)
class Encryption:
    """Whether a backup is encrypted, as its configuration shows."""

    encrypted: bool
    how: str
    location: Location


@dataclass(frozen=True, kw_only=True)
class Retention:
    """How long backups are kept: `seconds` is None when the setting is a count of backups
    and the schedule that turns it into time could not be read."""

    seconds: float | None
    how: str
    location: Location


@dataclass(frozen=True, kw_only=True)
class BackupJob:
    """One scheduled backup: a CronJob, a Velero Schedule, a CloudNativePG ScheduledBackup..."""

    ref: str  # `Kind/namespace/name`, what waivers match
    source: str  # what kind of backup ("CronJob", "Velero Schedule")
    tool: str  # what makes the backup ("pg_dump", "velero", "restic")
    location: Location
    schedule: str | None
    schedule_at: Location
    interval: float | None  # the longest time between two runs, in seconds
    problem: str | None = None  # why it does not run (suspended, paused, no schedule)
    schedule_error: str | None = None  # why golive cannot read its schedule
    encryption: Encryption | None = None
    encryption_note: str = "no encryption setting golive recognises"
    retention: Retention | None = None
    retention_note: str = "no retention setting golive recognises"

    @property
    def runs(self) -> bool:
        return self.interval is not None and self.problem is None


@dataclass(frozen=True, kw_only=True)
class Verification:
    """A scheduled job that checks backups (restic check, pgbackrest verify, a restore test)."""

    ref: str
    how: str
    location: Location
    runs: bool = True  # False when it is suspended or has no schedule


@dataclass(frozen=True, kw_only=True)
class Inventory:
    """Every backup-related thing in the repository's manifests."""

    resources: int  # Kubernetes-style documents read
    jobs: tuple[BackupJob, ...] = ()
    verifications: tuple[Verification, ...] = ()
    continuous: tuple[Signal, ...] = ()  # WAL archiving, point-in-time recovery
    data_stores: tuple[Signal, ...] = ()  # what holds data worth backing up
    unreadable: tuple[Unreadable, ...] = ()  # unread files that may hold a backup job
    unreadable_other: int = 0  # unread files that mention nothing about backups
    chart_hints: tuple[Signal, ...] = ()  # Helm templates that mention backups (not rendered)
