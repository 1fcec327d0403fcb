"""Judging backup jobs against the policy, and the outcome when there are none."""

from __future__ import annotations

from golive.checks._backup_model import BackupJob, Inventory
from golive.checks._backup_waivers import Verdicts, Waivers
from golive.checks.base import not_applicable
from golive.model import Finding, Location, Outcome
from golive.thresholds import describe_duration

__all__ = [
    "VERIFICATION",
    "VERIFY_FIX",
    "job_facts",
    "job_finding",
    "judge_schedule",
    "judge_unreadable",
    "judge_verification",
    "without_jobs",
]

VERIFICATION = "backup.verification"  # the rule of findings about checking the backups
VERIFY_FIX = (
    "Schedule a check of the backups: restic check, pgbackrest verify, or a CronJob that "
    "restores the latest backup into a scratch database and checks it."
)
_RECOGNISED = (
    "CronJobs running pg_dump, pg_basebackup, mysqldump, mongodump, restic, borg, wal-g, "
    "pgbackrest, barman, velero and more; Velero Schedules; CloudNativePG ScheduledBackups; "
    "Crunchy/Percona pgBackRest schedules; Zalando logical and base backups; k8up Schedules; "
    "Stash BackupConfigurations"
)


def judge_schedule(
    job: BackupJob, frequency: float | None, encryption: bool, verdicts: Verdicts
) -> None:
    """Whether one job runs often enough, and (if asked) is seen to encrypt."""
    verdicts.waivers.judged(job.ref)
    name = f"{job.ref} ({job.tool})"
    if job.problem:
        verdicts.fail(
            job_finding(f"{name} does not run: {job.problem}", job, job.schedule_at), job.ref
        )
    elif job.schedule_error or job.interval is None:
        message = f"{name}: {job.schedule_error or 'no schedule'}"
        verdicts.undecided.append(job_finding(message, job, job.schedule_at))
    else:
        every = f'{name} runs every {describe_duration(job.interval)} at worst ("{job.schedule}")'
        if frequency and job.interval > frequency:
            limit = describe_duration(frequency)
            verdicts.fail(
                job_finding(f"{every}; the policy asks for every {limit}", job, job.schedule_at),
                job.ref,
            )
        else:
            verdicts.fine.append(job_finding(every, job, job.schedule_at))
    if encryption:
        crypt = job.encryption
        if crypt is None:
            verdicts.undecided.append(
                job_finding(f"{name}: encryption not visible: {job.encryption_note}", job)
            )
        elif not crypt.encrypted:
            verdicts.fail(
                job_finding(f"{name} is not encrypted: {crypt.how}", job, crypt.location), job.ref
            )
        else:
            verdicts.fine.append(
                job_finding(f"{name} is encrypted: {crypt.how}", job, crypt.location)
            )


def judge_verification(inventory: Inventory, verdicts: Verdicts) -> None:
    """A scheduled check of the backups exists and runs."""
    running = [v for v in inventory.verifications if v.runs]
    if running:
        verdicts.fine.extend(
            Finding(message=f"verified by {v.how}", location=v.location, rule=VERIFICATION)
            for v in running
        )
        return
    stopped = inventory.verifications[0] if inventory.verifications else None
    message = (
        f"backups are not verified automatically: {stopped.how} is suspended or unscheduled"
        if stopped
        else "backups are not verified automatically: no scheduled restic check, pgbackrest "
        "verify, restore-test CronJob or k8up check was found"
    )
    verdicts.fail(
        Finding(
            message=message,
            location=stopped.location if stopped else None,
            rule=VERIFICATION,
        ),
        stopped.ref if stopped else None,
    )


def judge_unreadable(inventory: Inventory, verdicts: Verdicts) -> None:
    """A manifest that mentions backups and could not be read may hold another backup job:
    the check cannot pass on the rest (a waiver on the file's path sets it aside)."""
    for problem in inventory.unreadable:
        finding = Finding(message=problem.reason, location=problem.location, rule="backup.unread")
        verdicts.undecide(finding, problem.path)


def without_jobs(inventory: Inventory, fix: str, waivers: Waivers) -> Outcome:
    """The outcome when no backup job was found: unknown while a file that may hold one could
    not be read, not applicable without any data store, else a failure for each data store
    (a waiver on a data store, or on an unread file's path, sets it aside)."""
    verdicts = Verdicts(waivers=waivers)
    facts = job_facts(inventory)
    judge_unreadable(inventory, verdicts)
    for hint in inventory.chart_hints:
        verdicts.undecide(
            Finding(message=hint.how, location=hint.location, rule="backup.chart"), hint.ref
        )
    if verdicts.undecided:
        unread = sum(1 for f in verdicts.undecided if f.rule == "backup.unread")
        why = (
            f"{unread} file(s) that mention backups could not be read"
            if unread
            else "Helm chart files mention backups (golive does not render charts)"
        )
        return verdicts.conclude(
            failed="",
            undecided=f"no backup job in the files golive could read; {why}",
            passed="",
            observed="no backup job in the readable manifests",
            required="a scheduled backup of every data store",
            remediation=None,
            facts=facts,
        )
    if inventory.resources and not inventory.data_stores:
        return not_applicable(
            f"no backup job, and the {inventory.resources} manifest resource(s) show no data "
            "store (no StatefulSet, PersistentVolumeClaim, database operator resource, database "
            "image or database address)",
            facts=facts,
        )
    for store in inventory.data_stores:
        message = f"{store.ref}: {store.how}, and nothing backs it up"
        verdicts.fail(
            Finding(message=message, location=store.location, rule="backup.missing"), store.ref
        )
    if not inventory.data_stores:
        verdicts.fail(Finding(message="no Kubernetes manifests to look for backup jobs in"))
    where = (
        f"{len(inventory.data_stores)} data store(s) in the manifests"
        if inventory.data_stores
        else "no Kubernetes manifests to look in"
    )
    return verdicts.conclude(
        failed=f"no backup job found ({where})",
        undecided="",
        passed="",
        observed="no backup job",
        required="a scheduled backup of every data store",
        remediation=f"{fix} Recognised: {_RECOGNISED}.",
        facts=facts,
    )


def job_facts(inventory: Inventory) -> dict[str, str | int | float | bool]:
    """What was found, counted, for every outcome's facts."""
    return {
        "resources": inventory.resources,
        "jobs": len(inventory.jobs),
        "data_stores": len(inventory.data_stores),
        "continuous_archiving": len(inventory.continuous),
        "unreadable_mentioning_backups": len(inventory.unreadable),
        "unreadable_other": inventory.unreadable_other,
    }


def job_finding(message: str, job: BackupJob, location: Location | None = None) -> Finding:
    """A finding about `job`, at `location` or else the job's own place."""
    return Finding(message=message, location=location or job.location, rule="backup.job")
