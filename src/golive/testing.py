"""Testing helpers for check authors: run one check against a directory in one line.

from golive.testing import run_check
assert run_check(ReleaseProfile, "tests/data/rust/tuned").status is Status.PASS
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from golive.checks.base import Check
from golive.checks.fixtures import RunOptions, ServiceInfo
from golive.checks.registry import Registry
from golive.model import Outcome
from golive.runner import execute_check

__all__ = ["run_check"]


@cache
def _installed() -> Registry:
    return Registry.discover()


def run_check(
    check: type[Check],
    root: Path | str,
    *,
    options: RunOptions | None = None,
    service: ServiceInfo | None = None,
    **params: Any,
) -> Outcome:
    """Run `check` against the repository at `root` with `params`, as a review would (with
    the fixtures of every installed check family; `options` as `golive check` sets them and
    `service` as golive.toml declares it)."""
    model = check.Params.model_validate(params)
    fixtures = _installed().fixtures_for(check)
    return execute_check(
        check, model, root=Path(root), fixtures=fixtures, options=options, service=service
    )
