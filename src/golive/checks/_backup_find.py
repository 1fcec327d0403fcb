"""The backup inventory of a repository: every backup job, check, archiving and data store."""

from __future__ import annotations

import re

from golive.checks._backup_cronjobs import read_cronjobs
from golive.checks._backup_model import Inventory, Signal
from golive.checks._backup_operators import read_operators
from golive.checks._backup_postgres import read_postgres
from golive.checks._backup_signals import BACKUP_WORDS, continuous_archiving
from golive.checks._backup_text import ConfigMaps, Segment, container_segments, pod_spec
from golive.checks._manifests import Manifests, Resource, Unreadable
from golive.checks._yaml import YamlMap
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["build_inventory"]

# Long-running workloads: a Job or CronJob that runs a database image is a client of it.
_SERVERS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod"}
    | {"Rollout", "DeploymentConfig"}
)
_WORKLOADS = _SERVERS | {"Job", "CronJob"}
_STORAGE_KINDS = frozenset({"StatefulSet", "PersistentVolumeClaim", "PersistentVolume"})
_DATABASE_GROUPS = re.compile(
    r"cnpg\.io|zalan\.do|crunchydata\.com|percona\.com|mongodb|mysql|mariadb|redis|elastic\.co"
    r"|strimzi|cassandra|k8ssandra|rabbitmq|minio|clickhouse|cockroach|vitess|scylla",
    re.IGNORECASE,
)
_NOT_A_STORE = re.compile(r"backup|restore|schedule|config|user|grant|database$", re.IGNORECASE)
_DATABASE_IMAGE = re.compile(
    r"(?:^|/)(?:postgres|postgresql|postgis|timescaledb|mysql|mariadb|percona-server|mongo"
    r"|mongodb|redis|valkey|keydb|cassandra|scylla|elasticsearch|opensearch|minio|etcd"
    r"|clickhouse|cockroach|influxdb|neo4j|couchdb|couchbase|rabbitmq|kafka|zookeeper)"
    r"(?:[-_:@/.]|$)",
    re.IGNORECASE,
)
_DATABASE_ENV = re.compile(
    r"^(?:(?:[A-Z0-9]+_)*(?:DATABASE|DB|POSTGRES|POSTGRESQL|MYSQL|MARIADB|MONGO|MONGODB|REDIS"
    r"|CASSANDRA|ELASTICSEARCH)(?:_[A-Z0-9]+)*|PGHOST|PGDATABASE)=",
    re.MULTILINE,
)
_CHART_STORE = re.compile(r"kind:\s*(?:StatefulSet|PersistentVolumeClaim)\b|volumeClaimTemplates")


def build_inventory(manifests: Manifests, repo: Repository) -> Inventory:
    config_maps = ConfigMaps(manifests)
    cron = read_cronjobs(manifests, repo, config_maps)
    operator_jobs, operator_checks, operator_archiving = read_operators(manifests)
    postgres_jobs, postgres_archiving = read_postgres(manifests)
    archiving = [*operator_archiving, *postgres_archiving]
    stores: list[Signal] = []
    for resource in manifests.resources:
        held = _stores(resource)
        stores.extend(held)
        if resource.kind not in _WORKLOADS:
            continue
        spec = pod_spec(resource)
        segments = container_segments(spec, resource.namespace, config_maps) if spec else []
        if not held and resource.kind in _SERVERS:
            stores.extend(_used_stores(resource, segments, repo))
        found = continuous_archiving(segments, repo)
        if found is not None:
            archiving.append(Signal(how=found.how, location=found.location, ref=resource.ref))
    needed, other = _unreadable(manifests, repo)
    hints, chart_stores = _charts(manifests, repo)
    return Inventory(
        resources=len(manifests.resources),
        jobs=(*cron.jobs, *operator_jobs, *postgres_jobs),
        verifications=(*cron.verifications, *operator_checks),
        continuous=tuple(archiving),
        data_stores=(*stores, *chart_stores),
        unreadable=tuple(needed),
        unreadable_other=other,
        chart_hints=tuple(hints),
    )


def _stores(resource: Resource) -> list[Signal]:
    if resource.kind in _STORAGE_KINDS and resource.group in {"", "apps"}:
        return [Signal(how=resource.kind, location=resource.location, ref=resource.ref)]
    if _DATABASE_GROUPS.search(resource.group) and not _NOT_A_STORE.search(resource.kind):
        return [
            Signal(
                how=f"{resource.kind} ({resource.group})",
                location=resource.location,
                ref=resource.ref,
            )
        ]
    return []


def _used_stores(resource: Resource, segments: list[Segment], repo: Repository) -> list[Signal]:
    """A workload that runs a database image, mounts a claim, or is given a database address."""
    spec = pod_spec(resource)
    for volume in (spec.get("volumes") or ()) if spec else ():
        if isinstance(volume, YamlMap) and isinstance(volume.get("persistentVolumeClaim"), dict):
            return [
                Signal(
                    how="mounts a PersistentVolumeClaim",
                    location=volume.at("persistentVolumeClaim"),
                    ref=resource.ref,
                )
            ]
    for segment in segments:
        pattern = {"image": _DATABASE_IMAGE, "env": _DATABASE_ENV}.get(segment.kind)
        match = pattern.search(segment.text) if pattern else None
        if match is not None:
            what = "runs" if segment.kind == "image" else "is configured with"
            token = segment.text if segment.kind == "image" else match.group(0).rstrip("=")
            return [
                Signal(
                    how=f"{what} {token}",
                    location=segment.locate(match.start(), token, repo),
                    ref=resource.ref,
                )
            ]
    return []


def _unreadable(manifests: Manifests, repo: Repository) -> tuple[list[Unreadable], int]:
    """Files that could not be read, split into those that may hold a backup job (they mention
    backups, or are too large to look into) and the rest."""
    needed, other = [], 0
    for problem in manifests.unreadable:
        text = repo.text(problem.path)
        if text is None or BACKUP_WORDS.search(text) or "CronJob" in text:  # None: too large
            needed.append(problem)
        else:
            other += 1
    return needed, other


def _charts(manifests: Manifests, repo: Repository) -> tuple[list[Signal], list[Signal]]:
    """Helm chart files (not rendered) that mention backups, and charts that hold data."""
    hints: list[Signal] = []
    stores: list[Signal] = []
    for path in repo.files:
        if not manifests.in_chart(path) or not path.endswith((".yaml", ".yml", ".tpl")):
            continue
        text = repo.text(path) or ""
        for pattern, found in ((BACKUP_WORDS, hints), (_CHART_STORE, stores)):
            match = pattern.search(text)
            if match is not None:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                where = Location(path=path, line=line, column=column)
                found.append(
                    Signal(
                        how=f"Helm chart file mentions {match.group(0)}", location=where, ref=path
                    )
                )
    return hints, stores
