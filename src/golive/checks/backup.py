"""Backups and recovery: backup schedules, retention, recovery objectives and restore tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from golive.checks._backup_find import build_inventory
from golive.checks._backup_judge import (
    VERIFICATION,
    VERIFY_FIX,
    job_facts,
    job_finding,
    judge_schedule,
    judge_unreadable,
    judge_verification,
    without_jobs,
)
from golive.checks._backup_model import Inventory
from golive.checks._backup_objectives import judge_objectives
from golive.checks._backup_restore import read_record, run_command
from golive.checks._backup_waivers import Verdicts, Waivers
from golive.checks._manifests import Manifests
from golive.checks.base import Check, CheckParams, Facts, unknown
from golive.checks.fixtures import ServiceInfo
from golive.checks.params import Duration
from golive.checks.repository import Repository
from golive.model import Kind, Outcome
from golive.thresholds import describe_duration

__all__ = [
    "FIXTURES",
    "BackupRetention",
    "BackupSchedule",
    "ObjectivesParams",
    "RecoveryObjectives",
    "RestoreTest",
    "RestoreTestParams",
    "RetentionParams",
    "ScheduleParams",
]


def backup_inventory(manifests: Manifests, repo: Repository) -> Inventory:
    """Backup jobs, backup checks, WAL archiving and data stores in the repository's manifests."""
    return build_inventory(manifests, repo)


FIXTURES: Mapping[str, Callable[..., Any]] = {"backup_inventory": backup_inventory}


class ScheduleParams(CheckParams):
    frequency: Duration | None = None  # the longest allowed time between two backups
    encryption: bool = False  # every backup job must be seen to encrypt
    verification: Literal["automated"] | None = None  # a scheduled check of the backups
    waive: dict[str, str] | None = None  # pattern on Kind/ns/name (or a path) -> reason


class BackupSchedule(Check):
    """A backup job runs at least as often as the policy.

    Finds backup jobs in the repository's manifests: CronJobs whose command, script (also in
    a mounted ConfigMap), image or name shows a backup (pg_dump, pg_basebackup, mysqldump,
    xtrabackup, mongodump, redis BGSAVE, restic, borg, kopia, wal-g/wal-e backup-push,
    pgbackrest, barman, velero, etcdctl snapshot, copies of dumps to object storage), Velero
    Schedules, CloudNativePG ScheduledBackups, Crunchy PGO / Percona pgBackRest schedules,
    Zalando logical and Spilo base backups, k8up Schedules, Stash and KubeStash
    BackupConfigurations, Percona MongoDB/XtraDB backup tasks. Each schedule (cron, macros,
    `@every`) is read into its longest gap between runs and compared with `frequency`; a
    suspended or paused job does not run. `encryption = true` needs every job to be seen to
    encrypt; `verification = "automated"` needs a scheduled check (restic check, pgbackrest
    verify, a restore-test CronJob, k8up check). Without any backup job the check fails,
    unless the manifests show no data store at all (not applicable). Backups made outside
    the repository are covered by the item's sign-off.
    """

    id = "backup.schedule"
    kind = Kind.STATIC
    Params = ScheduleParams
    fix = (
        "Add a scheduled backup of each data store (a CronJob, a Velero Schedule, an operator's "
        "scheduled backup) that runs at least as often as the policy; docs/backup.md lists what "
        "golive recognises."
    )

    def run(self, params: ScheduleParams, backup_inventory: Inventory) -> Outcome:
        inventory = backup_inventory
        if not inventory.jobs:
            return without_jobs(inventory, self.fix, Waivers(params.waive))
        verdicts = Verdicts(waivers=Waivers(params.waive))
        for job in inventory.jobs:
            judge_schedule(job, params.frequency, params.encryption, verdicts)
        if params.verification == "automated":
            judge_verification(inventory, verdicts)
        judge_unreadable(inventory, verdicts)
        running = [job for job in inventory.jobs if job.runs]
        slowest = max(running, key=lambda job: job.interval or 0.0, default=None)
        required = (
            [f"at least every {describe_duration(params.frequency)}"] if params.frequency else []
        )
        required += ["encrypted"] if params.encryption else []
        required += ["verified automatically"] if params.verification else []
        encrypted = sum(1 for job in inventory.jobs if job.encryption and job.encryption.encrypted)
        facts: Facts = {
            **job_facts(inventory),
            "jobs_running": len(running),
            "jobs_encrypted": encrypted,
            "verifications": sum(1 for v in inventory.verifications if v.runs),
        }
        jobs = len(inventory.jobs)
        return verdicts.conclude(
            failed=f"{len(verdicts.failures) or len(verdicts.waived)} problem(s) with "
            f"{jobs} backup job(s)"
            + (f": {verdicts.failures[0].message}" if verdicts.failures else ""),
            undecided=f"{len(verdicts.undecided)} thing(s) cannot be judged from the repository"
            + (f": {verdicts.undecided[0].message}" if verdicts.undecided else ""),
            passed=f"{jobs} backup job(s) meet the policy"
            + (
                f"; the slowest runs every {describe_duration(slowest.interval or 0)}"
                if slowest
                else ""
            ),
            observed=f"slowest every {describe_duration(slowest.interval or 0)} ({slowest.ref})"
            if slowest
            else "no backup job runs",
            required=", ".join(required) or "a scheduled backup job",
            remediation=VERIFY_FIX
            if all(f.rule == VERIFICATION for f in verdicts.failures)
            else self.fix,
            facts=facts,
        )


class RetentionParams(CheckParams):
    retention: Duration | None = None  # the shortest time backups must be kept
    waive: dict[str, str] | None = None


class BackupRetention(Check):
    """Backup retention is configured and meets the policy.

    Reads how long each backup job keeps its backups: Velero `ttl` (720h when unset, Velero's
    default), restic/borg `--keep-*` and `--keep-within` (also in a separate prune job),
    pgBackRest `repo-retention-full` (days with `-type=time`, else full backups times their
    interval), `wal-g delete retain N`, `find -mtime +N -delete`, `*_KEEP_DAYS` variables,
    CloudNativePG `retentionPolicy`, k8up and Stash `keep*` counts, Zalando settings. A
    CronJob's `successfulJobsHistoryLimit` keeps Job objects, not backups, and does not count.
    Retention shorter than `retention` fails; retention golive cannot see is unknown.
    """

    id = "backup.retention"
    kind = Kind.STATIC
    Params = RetentionParams
    fix = (
        "Keep backups at least as long as the policy: set Velero's ttl, restic forget "
        "--keep-within, pgBackRest repo1-retention-full, or CloudNativePG retentionPolicy."
    )

    def run(self, params: RetentionParams, backup_inventory: Inventory) -> Outcome:
        inventory = backup_inventory
        if not inventory.jobs:
            return without_jobs(inventory, BackupSchedule.fix, Waivers(params.waive))
        verdicts = Verdicts(waivers=Waivers(params.waive))
        judge_unreadable(inventory, verdicts)
        kept: list[float] = []
        for job in inventory.jobs:
            verdicts.waivers.judged(job.ref)
            retention = job.retention
            if retention is None:
                verdicts.undecided.append(
                    job_finding(f"{job.ref}: retention not visible: {job.retention_note}", job)
                )
                continue
            if retention.seconds is None:
                message = f"{job.ref}: {retention.how}, but its schedule cannot be read"
                verdicts.undecided.append(job_finding(message, job, retention.location))
                continue
            kept.append(retention.seconds)
            message = (
                f"{job.ref}: keeps backups {describe_duration(retention.seconds)} ({retention.how})"
            )
            if params.retention and retention.seconds < params.retention:
                required = describe_duration(params.retention)
                verdicts.fail(
                    job_finding(
                        f"{message}; the policy asks for {required}", job, retention.location
                    ),
                    job.ref,
                )
            else:
                verdicts.fine.append(job_finding(message, job, retention.location))
        required = (
            f"at least {describe_duration(params.retention)}" if params.retention else "configured"
        )
        return verdicts.conclude(
            failed=f"{len(verdicts.failures) or len(verdicts.waived)} backup job(s) keep backups "
            "shorter than the policy",
            undecided=f"{len(verdicts.undecided)} thing(s) cannot be judged from the repository"
            + (f": {verdicts.undecided[0].message}" if verdicts.undecided else ""),
            passed=f"{len(inventory.jobs)} backup job(s) keep backups {required}",
            observed=f"shortest {describe_duration(min(kept))}" if kept else None,
            required=required,
            remediation=self.fix,
            facts={**job_facts(inventory), "jobs_with_retention": len(kept)},
        )


class ObjectivesParams(CheckParams):
    rto: Duration | None = None  # the loosest recovery time objective the policy accepts
    rpo: Duration | None = None  # the loosest recovery point objective
    waive: dict[str, str] | None = None


class RecoveryObjectives(Check):
    """Recovery time and recovery point objectives are declared.

    The service declares them in golive.toml (`[service] recovery = { rto = "2h", rpo = "30m"
    }`), at least as strict as `rto` and `rpo`. The RPO is also held against the backups: the
    most frequent backup job must run at least as often as the RPO, unless WAL archiving or
    point-in-time recovery is configured (pgBackRest, WAL-G, WAL-E or barman archiving,
    CloudNativePG object stores, Zalando WAL buckets, Percona PITR).
    """

    id = "recovery.objectives"
    kind = Kind.STATIC
    Params = ObjectivesParams

    def run(
        self,
        params: ObjectivesParams,
        service: ServiceInfo,
        repo: Repository,
        backup_inventory: Inventory,
    ) -> Outcome:
        verdicts = Verdicts(waivers=Waivers(params.waive))
        return judge_objectives(
            policy_rto=params.rto,
            policy_rpo=params.rpo,
            service=service,
            repo=repo,
            inventory=backup_inventory,
            verdicts=verdicts,
        )


class RestoreTestParams(CheckParams):
    run: str | None = None  # a command that restores a backup and checks it; exit 0 passes
    max_age: Duration = Field(default="90d", validate_default=True)  # of the recorded test
    record: str = ".golive/restore-test.json"  # what a restore test writes when it is done
    deadline: Duration = Field(default="10m", validate_default=True)  # for `run`


class RestoreTest(Check):
    """A backup restore was tested recently.

    With `run`, golive runs that command (`sh -c`, in the repository's root, stopped after
    `deadline`): exit 0 passes, any other exit fails with the last lines of its output. Without
    `run`, it reads the record a restore test leaves, `.golive/restore-test.json` by default
    (`{"finished_at": "2025-06-01T03:00:00Z", "result": "pass"}`): a failed result, or one
    older than `max_age`, fails. With neither it is unknown, so the item's sign-off decides.
    """

    id = "backup.restore-test"
    kind = Kind.TOOL
    Params = RestoreTestParams
    timeout = 900.0  # seconds; `deadline` stops the command before this
    fix = 'Give the item `run = "<your restore test>"`, or record a restore test in .golive/.'

    def run(self, params: RestoreTestParams, root: Path, repo: Repository) -> Outcome:
        if params.run:
            return run_command(params.run, root=root, repo=repo, deadline=params.deadline)
        recorded = read_record(params.record, root=root, max_age=params.max_age)
        if recorded is not None:
            return recorded
        return unknown(
            f'no restore test configured: give `run = "..."`, or record a sign-off '
            f"(no {params.record} either)",
            remediation=self.fix,
        )
