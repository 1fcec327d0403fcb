"""Fixtures: the shared inputs checks ask for by parameter name, computed once per run.

A fixture is a function whose parameters name other fixtures, or the seeds the runner
provides: `root` (the repository's directory), `options` (`RunOptions`), `service`
(`ServiceInfo`, what the checklist declares about the service) and `progress` (`Progress`).
It may raise
`NotApplicable` or `Unknown`; every check that asked for it then ends with that status and
reason. A check family may add fixtures of its own through a module-level `FIXTURES`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from golive.checks._manifests import Manifests, load_manifests
from golive.checks.repository import Repository
from golive.model import Target

if TYPE_CHECKING:  # imported by the fixtures that need them, when they run
    from golive.checks import _cargo
    from golive.checks._deps_model import Inventory
    from golive.probes.safety import ProbePolicy

__all__ = ["FIXTURES", "SEEDS", "LoadRuns", "Progress", "RunOptions", "ServiceInfo"]

_T = TypeVar("_T")

SEEDS = frozenset({"root", "options", "service", "progress"})

# `progress(check_id, text)`: a long check (a load test) says how it is doing; a terminal shows
# it while the check runs, CI logs do not.
Progress = Callable[[str, str], None]


@dataclass(frozen=True, kw_only=True)
class ServiceInfo:
    """What the checklist declares about the service (a seed fixture): `[service]` and
    `[targets]` of golive.toml. Anything not declared is None."""

    name: str
    liveness: str | None = None  # the health endpoints probes and live checks should use
    readiness: str | None = None
    rto: float | None = None  # recovery objectives, in seconds
    rpo: float | None = None
    targets: tuple[Target, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """What the person running golive asked for, beyond the checklist (a seed fixture)."""

    history: bool = False  # `--history`: also scan the git history, not only the work tree
    exclude: tuple[str, ...] = ()  # gitignore-style patterns the checklist leaves out of review
    # `--target NAME=URL`: the URL a declared target has in this run (a preview environment)
    target_urls: Mapping[str, str] = field(default_factory=dict)
    # the values of the environment variables the targets name in `token_env`, read by the CLI
    secrets: Mapping[str, str] = field(default_factory=dict)
    confirm_load: bool = False  # `--confirm-load`: load tests may run against production targets


_CARGO_TIMEOUT = 900.0  # seconds; a cold workspace build with clippy can be slow


def repo(root: Path, options: RunOptions) -> Repository:
    """The repository's files: `.gitignore` and the checklist's `exclude` honoured."""
    return Repository.scan(root, exclude=options.exclude)


def manifests(repo: Repository) -> Manifests:
    """Every document with `apiVersion` and `kind` (Kubernetes, Argo Rollouts, PrometheusRule
    ...), parsed once; unreadable files are kept with their reason."""
    return load_manifests(repo)


def deps_manifests(repo: Repository) -> Inventory:
    """Every dependency manifest and lockfile of the repository, parsed (vendored code
    skipped): what the dependency checks and the observability checks read."""
    from golive.checks._deps_inventory import build_inventory

    return build_inventory(repo)


def cargo_workspace(repo: Repository) -> _cargo.CargoWorkspace:
    """The Rust workspace at the repository root (not applicable without a Cargo.toml)."""
    from golive.checks import _cargo

    return _cargo.load_workspace(repo)


def cargo(root: Path, cargo_workspace: _cargo.CargoWorkspace) -> _cargo.Cargo:
    """The cargo executable (unknown when cargo is not installed)."""
    from golive.checks import _cargo

    return _cargo.find_cargo(root)


def rust_diagnostics(cargo: _cargo.Cargo) -> _cargo.Diagnostics:
    """Compiler and clippy messages for every target of the workspace (one cargo run)."""
    from golive.checks import _cargo

    return _cargo.collect_diagnostics(cargo, timeout=_CARGO_TIMEOUT)


def probes(root: Path, service: ServiceInfo, options: RunOptions) -> ProbePolicy:
    """The run's target policy: the declared targets, pinned on first use, with the caps and
    credentials every live probe goes through."""
    from golive.probes.safety import ProbePolicy

    targets = []
    credentials = {}
    for target in service.targets:
        url = options.target_urls.get(target.name, target.url)
        targets.append(replace(target, url=url))
        token = options.secrets.get(target.token_env) if target.token_env else None
        if token:
            credentials[target.name] = f"{target.auth_scheme} {token}".strip()
    return ProbePolicy(
        targets, root=root, credentials=credentials, confirm_load=options.confirm_load
    )


class LoadRuns:
    """The load runs of this review by what was run, so items asking the same load of the same
    endpoint share one run instead of loading the service again."""

    def __init__(self) -> None:
        self._done: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, run: Callable[[], _T]) -> _T:
        # Load checks are exclusive (one at a time), so holding the lock through a run costs
        # nothing and keeps two identical runs from starting together.
        with self._lock:
            if key not in self._done:
                self._done[key] = run()
            result: _T = self._done[key]
            return result


def load_runs() -> LoadRuns:
    """Results of the load runs made so far in this review."""
    return LoadRuns()


FIXTURES: Mapping[str, Callable[..., Any]] = {
    fixture.__name__: fixture
    for fixture in (
        repo,
        manifests,
        deps_manifests,
        cargo_workspace,
        cargo,
        rust_diagnostics,
        probes,
        load_runs,
    )
}
