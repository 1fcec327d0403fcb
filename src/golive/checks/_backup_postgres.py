"""PostgreSQL operators' backups: CloudNativePG, Crunchy PGO and Percona, Zalando's operator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from golive.checks._backup_common import Schedule, dig, read_schedule, span_seconds
from golive.checks._backup_cron import ScheduleError, worst_union
from golive.checks._backup_model import BackupJob, Encryption, Retention, Signal
from golive.checks._manifests import Manifests, Resource
from golive.checks._yaml import YamlMap, YamlSeq
from golive.model import Location

__all__ = ["read_postgres"]

_DAY = 86400.0
_CNPG = "postgresql.cnpg.io"
_PGBACKREST_GROUPS = {"postgres-operator.crunchydata.com", "pgv2.percona.com"}
_ZALANDO = "acid.zalan.do"
_ZALANDO_LOGICAL = "30 00 * * *"  # the operator's default logical_backup_schedule
_SPILO_BASE = "00 01 * * *"  # Spilo's default BACKUP_SCHEDULE
_SPILO_KEEP = 5  # Spilo's default BACKUP_NUM_TO_RETAIN
_WAL_BUCKETS = ("wal_s3_bucket", "wal_gs_bucket", "wal_az_storage_account")
_WALG_KEYS = re.compile(r"^WALG_(?:LIBSODIUM_KEY|PGP_KEY|S3_SSE|S3_SSE_KMS_ID)")


def read_postgres(manifests: Manifests) -> tuple[list[BackupJob], list[Signal]]:
    """Scheduled backups of PostgreSQL operators, and their WAL archiving."""
    jobs: list[BackupJob] = []
    continuous: list[Signal] = []
    jobs.extend(_cnpg(manifests, continuous))
    for resource in manifests.resources:
        if resource.group in _PGBACKREST_GROUPS and resource.kind in {
            "PostgresCluster",
            "PerconaPGCluster",
        }:
            jobs.extend(_pgbackrest(resource, continuous))
    jobs.extend(_zalando(manifests, continuous))
    return jobs, continuous


# --- CloudNativePG --------------------------------------------------------------------------


def _cnpg(manifests: Manifests, continuous: list[Signal]) -> Iterator[BackupJob]:
    clusters = [r for r in manifests.of_kind("Cluster") if r.group == _CNPG]
    stores = {r.name: r for r in manifests.of_kind("ObjectStore") if "cnpg.io" in r.group}
    scheduled: set[str] = set()
    for resource in manifests.of_kind("ScheduledBackup"):
        if resource.group != _CNPG or not isinstance(spec := resource.body.get("spec"), YamlMap):
            continue
        name = dig(spec, "cluster", "name")
        cluster = next(
            (c for c in clusters if c.name == name and c.namespace == resource.namespace),
            next((c for c in clusters if c.name == name), None),
        )
        if cluster is not None:
            scheduled.add(cluster.ref)
        store = _object_store(cluster, stores)
        schedule = read_schedule(spec, "schedule", seconds_field=True)
        yield BackupJob(
            ref=resource.ref,
            source="CloudNativePG ScheduledBackup",
            tool=f"CloudNativePG ({spec.get('method') or 'barmanObjectStore'})",
            location=resource.location,
            **_schedule_fields(schedule),
            problem=_cnpg_problem(spec, schedule, name, cluster),
            encryption=_cnpg_encryption(store),
            encryption_note="the object store sets no encryption (data.encryption)"
            if store is not None
            else "no backup object store of the cluster is in the repository",
            retention=_cnpg_retention(cluster, store),
        )
    for cluster in clusters:
        store = _object_store(cluster, stores)
        if store is None:
            continue
        continuous.append(
            Signal(how="CloudNativePG WAL archiving", location=store[1], ref=cluster.ref)
        )
        if cluster.ref not in scheduled:
            yield BackupJob(
                ref=cluster.ref,
                source="CloudNativePG Cluster",
                tool="CloudNativePG",
                location=cluster.location,
                schedule=None,
                schedule_at=store[1],
                interval=None,
                problem="no ScheduledBackup names this cluster: WAL is archived, but no base "
                "backup is taken on a schedule",
                encryption=_cnpg_encryption(store),
                retention=_cnpg_retention(cluster, store),
            )


def _schedule_fields(schedule: Schedule) -> dict[str, Any]:
    return {
        "schedule": schedule.text,
        "schedule_at": schedule.location,
        "interval": schedule.interval,
        "schedule_error": schedule.error,
    }


def _cnpg_problem(
    spec: YamlMap, schedule: Schedule, name: Any, cluster: Resource | None
) -> str | None:
    if spec.get("suspend") is True:
        return "it is suspended (suspend: true)"
    if schedule.problem:
        return schedule.problem
    if cluster is None:
        return None if name else "it names no cluster"
    return None


def _object_store(
    cluster: Resource | None, stores: dict[str | None, Resource]
) -> tuple[YamlMap, Location, YamlMap] | None:
    """The barman object store configuration of a cluster, where it is, and its holder (which
    carries `retentionPolicy`)."""
    if cluster is None:
        return None
    backup = dig(cluster.body, "spec", "backup")
    store = dig(backup, "barmanObjectStore")
    if isinstance(store, YamlMap) and isinstance(backup, YamlMap):
        return store, backup.at("barmanObjectStore"), backup
    plugins = dig(cluster.body, "spec", "plugins")
    for plugin in plugins if isinstance(plugins, YamlSeq) else ():
        name = dig(plugin, "parameters", "barmanObjectName")
        found = stores.get(name) if isinstance(name, str) else None
        spec = dig(found.body if found else None, "spec")
        if found is not None and isinstance(spec, YamlMap):
            configuration = spec.get("configuration")
            if isinstance(configuration, YamlMap):
                return configuration, spec.at("configuration"), spec
    return None


def _cnpg_encryption(store: tuple[YamlMap, Location, YamlMap] | None) -> Encryption | None:
    data = dig(store[0], "data") if store else None
    if isinstance(data, YamlMap) and isinstance(data.get("encryption"), str):
        return Encryption(
            encrypted=True,
            how=f"data.encryption: {data['encryption']}",
            location=data.value_location("encryption"),
        )
    return None


def _cnpg_retention(
    cluster: Resource | None, store: tuple[YamlMap, Location, YamlMap] | None
) -> Retention | None:
    holder = store[2] if store else dig(cluster.body if cluster else None, "spec", "backup")
    policy = holder.get("retentionPolicy") if isinstance(holder, YamlMap) else None
    if not isinstance(holder, YamlMap) or not isinstance(policy, str):
        return None
    return Retention(
        seconds=span_seconds(policy),
        how=f"retentionPolicy: {policy}",
        location=holder.value_location("retentionPolicy"),
    )


# --- pgBackRest through Crunchy PGO or Percona ------------------------------------------------


def _pgbackrest(resource: Resource, continuous: list[Signal]) -> Iterator[BackupJob]:
    pgbackrest = dig(resource.body, "spec", "backups", "pgbackrest")
    repos = dig(pgbackrest, "repos")
    if not isinstance(pgbackrest, YamlMap) or not isinstance(repos, YamlSeq) or not repos:
        return
    continuous.append(
        Signal(how="pgBackRest WAL archiving", location=pgbackrest.at("repos"), ref=resource.ref)
    )
    options = pgbackrest.get("global")
    options = options if isinstance(options, YamlMap) else YamlMap(pgbackrest.location)
    for index, repo in enumerate(repos):
        if not isinstance(repo, YamlMap):
            continue
        given = repo.get("name")
        name = given if isinstance(given, str) else f"repo{index + 1}"
        schedules = repo.get("schedules")
        schedule = _union(
            schedules if isinstance(schedules, YamlMap) else None, repos.item_at[index]
        )
        full = read_schedule(schedules, "full") if isinstance(schedules, YamlMap) else None
        yield BackupJob(
            ref=f"{resource.ref} ({name})",
            source=f"{resource.kind} pgBackRest",
            tool="pgbackrest",
            location=repos.item_at[index],
            **_schedule_fields(schedule),
            problem=schedule.problem,
            encryption=_cipher(options, name),
            retention=_pgbackrest_retention(options, name, full.interval if full else None),
        )


def _union(schedules: YamlMap | None, fallback: Location) -> Schedule:
    """Full, differential and incremental schedules together: any of them is a backup."""
    texts = {
        kind: schedules[kind]
        for kind in ("full", "differential", "incremental")
        if schedules is not None and isinstance(schedules.get(kind), str)
    }
    if schedules is None or not texts:
        return Schedule(text=None, location=fallback, interval=None, problem="it has no schedules")
    where = schedules.value_location(next(iter(texts)))
    text = "; ".join(f"{kind} {value}" for kind, value in texts.items())
    try:
        interval = worst_union(list(texts.values()))
    except ScheduleError as error:
        return Schedule(text=text, location=where, interval=None, error=f"{text}: {error}")
    return Schedule(text=text, location=where, interval=interval)


def _cipher(options: YamlMap, repo: str) -> Encryption | None:
    key = f"{repo}-cipher-type"
    value = options.get(key)
    if not isinstance(value, str):
        return None
    return Encryption(
        encrypted=value.lower() != "none",
        how=f"{key}: {value}",
        location=options.value_location(key),
    )


def _pgbackrest_retention(options: YamlMap, repo: str, full: float | None) -> Retention | None:
    key = f"{repo}-retention-full"
    value = options.get(key)
    if not isinstance(value, int | str) or not str(value).isdigit():
        return None
    count = int(value)
    by_time = str(options.get(f"{key}-type", "count")).lower() == "time"
    seconds = count * _DAY if by_time else (count * full if full else None)
    return Retention(
        seconds=seconds,
        how=f"{key}: {value}" + (" (days)" if by_time else " (full backups)"),
        location=options.value_location(key),
    )


# --- Zalando postgres-operator ----------------------------------------------------------------


def _zalando(manifests: Manifests, continuous: list[Signal]) -> Iterator[BackupJob]:
    clusters = [r for r in manifests.of_kind("postgresql") if r.group == _ZALANDO]
    if not clusters:
        return
    config = _zalando_config(manifests)
    for cluster in clusters:
        spec = cluster.body.get("spec")
        if not isinstance(spec, YamlMap):
            continue
        if spec.get("enableLogicalBackup") is True:
            yield _zalando_logical(cluster, spec, config)
        bucket = next((config[k] for k in _WAL_BUCKETS if k in config), None)
        if bucket is not None:
            continuous.append(
                Signal(
                    how=f"Spilo WAL archiving ({bucket[0]})", location=bucket[1], ref=cluster.ref
                )
            )
            yield _spilo_base(cluster, config)


def _zalando_config(manifests: Manifests) -> dict[str, tuple[str, Location]]:
    """Operator and pod-environment settings: OperatorConfiguration sections and ConfigMaps."""
    found: dict[str, tuple[str, Location]] = {}
    holders: list[YamlMap] = []
    for resource in manifests.resources:
        if resource.group == _ZALANDO and resource.kind == "OperatorConfiguration":
            section = resource.body.get("configuration")
            if isinstance(section, YamlMap):
                holders.extend(v for v in section.values() if isinstance(v, YamlMap))
        elif resource.kind == "ConfigMap" and isinstance(
            data := resource.body.get("data"), YamlMap
        ):
            holders.append(data)
    for holder in holders:
        for key, value in holder.items():
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                found.setdefault(key, (str(value), holder.value_location(key)))
    return found


def _zalando_logical(
    cluster: Resource, spec: YamlMap, config: dict[str, tuple[str, Location]]
) -> BackupJob:
    if "logicalBackupSchedule" in spec:
        schedule = read_schedule(spec, "logicalBackupSchedule")
    elif "logical_backup_schedule" in config:
        text, where = config["logical_backup_schedule"]
        schedule = read_schedule(_holder(text, where), "value")
    else:
        schedule = read_schedule(_holder(_ZALANDO_LOGICAL, spec.at("enableLogicalBackup")), "value")
    sse = config.get("logical_backup_s3_sse")
    kept = config.get("logical_backup_s3_retention_time")
    return BackupJob(
        ref=cluster.ref,
        source="Zalando logical backup"
        + (
            ""
            if "logicalBackupSchedule" in spec or "logical_backup_schedule" in config
            else " (the operator's default schedule)"
        ),
        tool="pg_dumpall",
        location=cluster.location,
        **_schedule_fields(schedule),
        encryption=Encryption(
            encrypted=True, how=f"logical_backup_s3_sse: {sse[0]}", location=sse[1]
        )
        if sse
        else None,
        encryption_note="no logical_backup_s3_sse in the operator configuration in the repository",
        retention=Retention(
            seconds=span_seconds(kept[0]),
            how=f"logical_backup_s3_retention_time: {kept[0]}",
            location=kept[1],
        )
        if kept
        else None,
    )


def _spilo_base(cluster: Resource, config: dict[str, tuple[str, Location]]) -> BackupJob:
    if "BACKUP_SCHEDULE" in config:
        text, where = config["BACKUP_SCHEDULE"]
        schedule = read_schedule(_holder(text, where), "value")
    else:
        schedule = read_schedule(_holder(_SPILO_BASE, cluster.location), "value")
    keep = config.get("BACKUP_NUM_TO_RETAIN")
    count = int(keep[0]) if keep and keep[0].isdigit() else _SPILO_KEEP
    how = f"BACKUP_NUM_TO_RETAIN: {count}" if keep else f"Spilo's default of {count} base backups"
    key = next((k for k in config if _WALG_KEYS.match(k)), None)
    return BackupJob(
        ref=f"{cluster.ref} (base backups)",
        source="Spilo base backup"
        + ("" if "BACKUP_SCHEDULE" in config else " (Spilo's default BACKUP_SCHEDULE)"),
        tool="wal-g/wal-e",
        location=cluster.location,
        **_schedule_fields(schedule),
        encryption=Encryption(encrypted=True, how=key, location=config[key][1]) if key else None,
        retention=Retention(
            seconds=count * schedule.interval if schedule.interval else None,
            how=how,
            location=keep[1] if keep else cluster.location,
        ),
    )


def _holder(text: str, where: Location) -> YamlMap:
    holder = YamlMap(where)
    holder["value"] = text
    holder.value_at["value"] = where
    return holder
