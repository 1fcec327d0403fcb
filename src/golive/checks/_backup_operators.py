"""Backup operators' schedules: Velero, k8up, Stash and KubeStash, Percona MongoDB and XtraDB."""

from __future__ import annotations

from collections.abc import Iterator

from golive.checks._backup_common import Schedule, dig, keep_retention, read_schedule
from golive.checks._backup_cron import ScheduleError, go_duration
from golive.checks._backup_model import BackupJob, Encryption, Retention, Signal, Verification
from golive.checks._manifests import Manifests, Resource
from golive.checks._yaml import YamlMap, YamlSeq

__all__ = ["read_operators"]

_VELERO_DEFAULT_TTL = 720 * 3600.0
_VELERO_KMS = ("kmsKeyId", "kmsKeyName", "serverSideEncryption", "customerKeyEncryptionFile")
_RESTIC = "restic repositories are encrypted"


def read_operators(
    manifests: Manifests,
) -> tuple[list[BackupJob], list[Verification], list[Signal]]:
    """Backup jobs, verification jobs and point-in-time recovery set up through operators."""
    jobs: list[BackupJob] = []
    checks: list[Verification] = []
    continuous: list[Signal] = []
    locations = {
        r.name: r for r in manifests.of_kind("BackupStorageLocation") if r.group == "velero.io"
    }
    for resource in manifests.resources:
        group, kind = resource.group, resource.kind
        spec = resource.body.get("spec")
        if not isinstance(spec, YamlMap):
            continue
        if group == "velero.io" and kind == "Schedule":
            jobs.append(_velero(resource, spec, locations))
        elif group in {"k8up.io", "backup.appuio.ch"} and kind == "Schedule":
            jobs.extend(_k8up(resource, spec, checks))
        elif group == "stash.appscode.com" and kind == "BackupConfiguration":
            jobs.append(_stash(resource, spec))
        elif group == "core.kubestash.com" and kind == "BackupConfiguration":
            jobs.extend(_kubestash(resource, spec))
        elif group in {"psmdb.percona.com", "pxc.percona.com"}:
            jobs.extend(_percona(resource, spec, continuous))
    return jobs, checks, continuous


def _job(
    resource: Resource,
    source: str,
    tool: str,
    schedule: Schedule,
    *,
    paused: bool = False,
    encryption: Encryption | None = None,
    encryption_note: str = BackupJob.encryption_note,
    retention: Retention | None = None,
    retention_note: str = BackupJob.retention_note,
) -> BackupJob:
    return BackupJob(
        ref=resource.ref,
        source=source,
        tool=tool,
        location=resource.location,
        schedule=schedule.text,
        schedule_at=schedule.location,
        interval=schedule.interval,
        problem="it is paused" if paused else schedule.problem,
        schedule_error=schedule.error,
        encryption=encryption,
        encryption_note=encryption_note,
        retention=retention,
        retention_note=retention_note,
    )


def _velero(resource: Resource, spec: YamlMap, locations: dict[str | None, Resource]) -> BackupJob:
    schedule = read_schedule(spec, "schedule")
    template = spec.get("template")
    template = template if isinstance(template, YamlMap) else YamlMap(spec.location)
    ttl = template.get("ttl")
    if isinstance(ttl, str) and ttl:
        try:
            kept = Retention(
                seconds=go_duration(ttl), how=f"ttl {ttl}", location=template.value_location("ttl")
            )
        except ScheduleError:
            kept = Retention(
                seconds=None, how=f"ttl {ttl}", location=template.value_location("ttl")
            )
    else:
        kept = Retention(
            seconds=_VELERO_DEFAULT_TTL,
            how="no ttl: Velero's default of 720h (unless the server's --default-backup-ttl "
            "changes it)",
            location=resource.location,
        )
    name = template.get("storageLocation")
    name = name if isinstance(name, str) else "default"
    storage = locations.get(name)
    config = dig(storage.body if storage else None, "spec", "config")
    encrypted: Encryption | None = None
    note = f'the BackupStorageLocation "{name}" is not in the repository'
    if isinstance(config, YamlMap):
        key = next((k for k in _VELERO_KMS if config.get(k)), None)
        if key is not None:
            encrypted = Encryption(
                encrypted=True,
                how=f"BackupStorageLocation {name}: {key}",
                location=config.value_location(key),
            )
    if storage is not None and encrypted is None:
        note = (
            f"the BackupStorageLocation {name} names no KMS key (kmsKeyId, kmsKeyName, "
            "serverSideEncryption, customerKeyEncryptionFile); the bucket may still encrypt"
        )
    return _job(
        resource,
        "Velero Schedule",
        "velero",
        schedule,
        paused=spec.get("paused") is True,
        encryption=encrypted,
        encryption_note=note,
        retention=kept,
    )


def _k8up(resource: Resource, spec: YamlMap, checks: list[Verification]) -> Iterator[BackupJob]:
    check = spec.get("check")
    if isinstance(check, YamlMap):
        verify = read_schedule(check, "schedule")
        checks.append(
            Verification(
                ref=resource.ref,
                how="k8up check (restic check)",
                location=spec.at("check"),
                runs=verify.interval is not None,
            )
        )
    backup = spec.get("backup")
    if not isinstance(backup, YamlMap):
        return
    schedule = read_schedule(backup, "schedule")
    kept = keep_retention(dig(spec, "prune", "retention"), schedule.interval, "k8up prune")
    yield _job(
        resource,
        "k8up Schedule",
        "restic (k8up)",
        schedule,
        encryption=Encryption(encrypted=True, how=_RESTIC, location=spec.at("backup")),
        retention=kept,
        retention_note="no prune.retention: snapshots are kept until something else prunes them",
    )


def _stash(resource: Resource, spec: YamlMap) -> BackupJob:
    schedule = read_schedule(spec, "schedule")
    return _job(
        resource,
        "Stash BackupConfiguration",
        "restic (Stash)",
        schedule,
        paused=spec.get("paused") is True,
        encryption=Encryption(encrypted=True, how=_RESTIC, location=resource.location),
        retention=keep_retention(spec.get("retentionPolicy"), schedule.interval, "Stash"),
    )


def _kubestash(resource: Resource, spec: YamlMap) -> Iterator[BackupJob]:
    sessions = spec.get("sessions")
    for session in sessions if isinstance(sessions, YamlSeq) else ():
        scheduler = session.get("scheduler") if isinstance(session, YamlMap) else None
        if not isinstance(scheduler, YamlMap):
            continue
        yield _job(
            resource,
            "KubeStash BackupConfiguration",
            "KubeStash",
            read_schedule(scheduler, "schedule"),
            paused=spec.get("paused") is True,
            encryption_note="KubeStash encrypts when its repository has an encryptionSecret; "
            "golive does not follow it",
            retention_note="KubeStash RetentionPolicy resources are not read",
        )


def _percona(resource: Resource, spec: YamlMap, continuous: list[Signal]) -> Iterator[BackupJob]:
    backup = spec.get("backup")
    if not isinstance(backup, YamlMap) or backup.get("enabled") is False:
        return
    if dig(backup, "pitr", "enabled") is True:
        continuous.append(
            Signal(
                how=f"{resource.kind} backup.pitr.enabled",
                location=backup.at("pitr"),
                ref=resource.ref,
            )
        )
    tasks = backup.get("tasks") if resource.group == "psmdb.percona.com" else backup.get("schedule")
    for task in tasks if isinstance(tasks, YamlSeq) else ():
        if not isinstance(task, YamlMap) or task.get("enabled") is False:
            continue
        schedule = read_schedule(task, "schedule")
        holder = task if "keep" in task else dig(task, "retention")
        key = "keep" if "keep" in task else "count"
        keep = holder.get(key) if isinstance(holder, YamlMap) else None
        kept = None
        if (
            isinstance(holder, YamlMap)
            and isinstance(keep, int)
            and keep > 0
            and not isinstance(keep, bool)
        ):
            seconds = keep * schedule.interval if schedule.interval else None
            kept = Retention(
                seconds=seconds, how=f"{key}: {keep}", location=holder.value_location(key)
            )
        yield _job(
            resource,
            f"Percona {resource.kind} backup",
            "Percona Backup",
            schedule,
            retention=kept,
        )
