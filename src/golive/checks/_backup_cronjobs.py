"""Kubernetes CronJobs that make backups, check them, or prune them."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from golive.checks._backup_common import read_schedule
from golive.checks._backup_model import BackupJob, Retention, Verification
from golive.checks._backup_signals import backup_tool, encryption, retention, verification
from golive.checks._backup_text import ConfigMaps, Segment, container_segments, pod_spec
from golive.checks._manifests import Manifests
from golive.checks._yaml import YamlMap
from golive.checks.repository import Repository

__all__ = ["CronJobs", "read_cronjobs"]

_FAMILIES = re.compile(r"\b(restic|borg|kopia|wal-g|pgbackrest)\b", re.IGNORECASE)
_NOT_RETENTION = (
    "successfulJobsHistoryLimit keeps finished Job objects, not backups; "
    "no retention setting golive recognises"
)


@dataclass(frozen=True, kw_only=True)
class CronJobs:
    """What the CronJobs of the repository do for backups."""

    jobs: tuple[BackupJob, ...]
    verifications: tuple[Verification, ...]


@dataclass(frozen=True, kw_only=True)
class _Pruner:
    ref: str
    families: frozenset[str]
    retention: Retention


def read_cronjobs(manifests: Manifests, repo: Repository, config_maps: ConfigMaps) -> CronJobs:
    jobs: list[tuple[BackupJob, frozenset[str]]] = []
    verifications: list[Verification] = []
    pruners: list[_Pruner] = []
    for resource in manifests.of_kind("CronJob"):
        spec = resource.body.get("spec")
        pod = pod_spec(resource)
        if not isinstance(spec, YamlMap) or pod is None:
            continue
        segments = container_segments(pod, resource.namespace, config_maps)
        name = resource.name or ""
        schedule = read_schedule(spec, "schedule")
        suspended = spec.get("suspend") is True
        problem = "it is suspended (suspend: true)" if suspended else schedule.problem
        checks = verification(name, segments, repo)
        tool = backup_tool(name, segments, repo, checking=checks is not None)
        kept = retention(segments, repo, schedule.interval)
        if checks is not None:
            verifications.append(
                Verification(
                    ref=resource.ref,
                    how=f"{checks.how} in CronJob {name}",
                    location=checks.location,
                    runs=problem is None and schedule.interval is not None,
                )
            )
        families = frozenset(f.lower() for f in _FAMILIES.findall(_joined(segments)))
        if tool is None:
            if kept is not None and families:
                pruners.append(_Pruner(ref=resource.ref, families=families, retention=kept))
            continue
        job = BackupJob(
            ref=resource.ref,
            source="CronJob",
            tool=tool.how,
            location=resource.location,
            schedule=schedule.text,
            schedule_at=schedule.location,
            interval=schedule.interval,
            problem=problem,
            schedule_error=schedule.error,
            encryption=encryption(segments, repo),
            retention=kept,
            retention_note=(
                _NOT_RETENTION if "successfulJobsHistoryLimit" in spec else BackupJob.retention_note
            ),
        )
        jobs.append((job, families))
    return CronJobs(jobs=tuple(_with_pruners(jobs, pruners)), verifications=tuple(verifications))


def _with_pruners(
    jobs: list[tuple[BackupJob, frozenset[str]]], pruners: list[_Pruner]
) -> list[BackupJob]:
    """A backup job whose retention is set by a separate prune job (`restic forget`) takes it."""
    result = []
    for job, families in jobs:
        pruner = next((p for p in pruners if job.retention is None and families & p.families), None)
        if pruner is None:
            result.append(job)
            continue
        kept = pruner.retention
        how = f"{kept.how} (in {pruner.ref})"
        result.append(dataclasses.replace(job, retention=dataclasses.replace(kept, how=how)))
    return result


def _joined(segments: list[Segment]) -> str:
    return "\n".join(segment.text for segment in segments)
