"""Recovery objectives: declared in golive.toml, within the policy, and met by the backups."""

from __future__ import annotations

import tomllib

from golive.checks._backup_model import BackupJob, Inventory, Signal
from golive.checks._backup_waivers import Verdicts
from golive.checks._toml_file import TomlFile
from golive.checks.fixtures import ServiceInfo
from golive.checks.repository import Repository
from golive.model import Finding, Location, Outcome
from golive.thresholds import format_duration

__all__ = ["judge_objectives"]

_RULE = "recovery.objectives"
_SEED_RTO, _SEED_RPO = 4 * 3600.0, 3600.0  # what the fix suggests when the policy names none
# Physical PostgreSQL backups: with WAL archiving, the RPO is the archiving delay, not their
# interval. Dumps (pg_dump) and file backups do not replay WAL.
_BACK_UP_MORE = (
    "Back up at least as often as the RPO, or archive WAL (pgBackRest, WAL-G, CloudNativePG) "
    "so the database can be restored to any point in time."
)
_REPLAYS_WAL = ("pgbackrest", "wal-g", "wal-e", "barman", "pg_basebackup", "CloudNativePG")


def judge_objectives(
    *,
    policy_rto: float | None,
    policy_rpo: float | None,
    service: ServiceInfo,
    repo: Repository,
    inventory: Inventory,
    verdicts: Verdicts,
) -> Outcome:
    config = _service_file(repo)
    declared = {"rto": service.rto, "rpo": service.rpo}
    policy = {"rto": policy_rto, "rpo": policy_rpo}
    for name in ("rto", "rpo"):
        value, limit = declared[name], policy[name]
        label = name.upper()
        if value is None:
            where = _place(config, "recovery") if config else None
            verdicts.fail(Finding(message=f"{label} is not declared", location=where, rule=_RULE))
        elif limit is not None and value > limit:
            message = (
                f"the declared {label} of {format_duration(value)} is looser than the policy's "
                f"{format_duration(limit)}"
            )
            verdicts.fail(Finding(message=message, location=_place(config, name), rule=_RULE))
        else:
            verdicts.fine.append(
                Finding(
                    message=f"{label} {format_duration(value)}",
                    location=_place(config, name),
                    rule=_RULE,
                )
            )
    declaring = len(verdicts.failures)  # failures so far are about the declarations
    targets = [v for v in (service.rpo, policy_rpo) if v is not None]
    rpo = min(targets) if targets else None
    if rpo is not None:
        _judge_backups(rpo, inventory, verdicts)
    observed = ", ".join(
        f"{name.upper()} {format_duration(v) if v is not None else 'not declared'}"
        for name, v in declared.items()
    )
    required = ", ".join(
        f"{name.upper()} declared" + (f" <= {format_duration(v)}" if v is not None else "")
        for name, v in policy.items()
    )
    first = verdicts.failures[0].message if verdicts.failures else ""
    return verdicts.conclude(
        failed=f"{len(verdicts.failures) or len(verdicts.waived)} problem(s) with the recovery "
        f"objectives{': ' + first if first else ''}",
        undecided="the recovery objectives cannot be judged",
        passed=f"{observed} declared"
        + (" and within the policy" if any(v is not None for v in policy.values()) else ""),
        observed=observed,
        required=required,
        remediation=_fix(policy_rto, policy_rpo) if declaring else _BACK_UP_MORE,
        facts={
            "rto_seconds": service.rto or 0,
            "rpo_seconds": service.rpo or 0,
            "backup_jobs": len(inventory.jobs),
            "continuous_archiving": ", ".join(s.how for s in inventory.continuous) or "none",
        },
    )


def _judge_backups(rpo: float, inventory: Inventory, verdicts: Verdicts) -> None:
    """Each backup job runs at least as often as the RPO, unless WAL archiving covers it."""
    for job in inventory.jobs:
        verdicts.waivers.judged(job.ref)
        if not job.runs or job.interval is None:
            continue  # backup.schedule reports jobs that do not run
        archiving = _covering(job, inventory.continuous)
        if archiving is not None:
            verdicts.fine.append(
                Finding(
                    message=f"{job.ref}: {archiving.how} gives point-in-time recovery",
                    location=archiving.location,
                    rule=_RULE,
                )
            )
            continue
        every = format_duration(job.interval)
        if job.interval > rpo:
            message = (
                f"{job.ref} ({job.tool}) runs every {every} at worst; an RPO of "
                f"{format_duration(rpo)} needs backups at least that often, or WAL archiving"
            )
            verdicts.fail(Finding(message=message, location=job.schedule_at, rule=_RULE), job.ref)
        else:
            verdicts.fine.append(
                Finding(
                    message=f"{job.ref} runs every {every}, within the RPO",
                    location=job.schedule_at,
                    rule=_RULE,
                )
            )


def _covering(job: BackupJob, continuous: tuple[Signal, ...]) -> Signal | None:
    """The archiving that gives this job's data point-in-time recovery: archiving of the same
    resource (a cluster's WAL, Percona's oplog), or any WAL archiving for a physical backup."""
    same = next((s for s in continuous if s.ref and job.ref.startswith(s.ref)), None)
    if same is not None:
        return same
    replays = any(tool.lower() in job.tool.lower() for tool in _REPLAYS_WAL)
    return continuous[0] if replays and continuous else None


def _service_file(repo: Repository) -> tuple[TomlFile, tuple[str, ...]] | None:
    """golive.toml, or pyproject.toml with [tool.golive], and the keys leading to its table."""
    for path, prefix in (("golive.toml", ()), ("pyproject.toml", ("tool", "golive"))):
        text = repo.text(path) if repo.exists(path) else None
        if text is None:
            continue
        try:
            file = TomlFile(path=path, data=tomllib.loads(text), text=text)
        except tomllib.TOMLDecodeError:
            continue
        if not prefix or file.get(*prefix) is not None:
            return file, prefix
    return None


def _place(config: tuple[TomlFile, tuple[str, ...]] | None, key: str) -> Location | None:
    if config is None:
        return None
    file, prefix = config
    keys = (*prefix, "service", "recovery") + (() if key == "recovery" else (key,))
    return file.location(*keys)


def _fix(rto: float | None, rpo: float | None) -> str:
    return (
        "Declare the objectives the service commits to in golive.toml:\n"
        "[service]\n"
        f'recovery = {{ rto = "{_toml(rto or _SEED_RTO)}", rpo = "{_toml(rpo or _SEED_RPO)}" }}'
    )


def _toml(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
