"""Testing helpers for check authors: run one check against a directory in one line.

from golive.testing import run_check
assert run_check(ReleaseProfile, "tests/data/rust/tuned").status is Status.PASS
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golive.checks.base import Check
from golive.checks.fixtures import FIXTURES
from golive.model import Outcome
from golive.runner import execute_check

__all__ = ["run_check"]


def run_check(check: type[Check], root: Path | str, **params: Any) -> Outcome:
    """Run `check` against the repository at `root` with `params`, as a review would."""
    model = check.Params.model_validate(params)
    return execute_check(check, model, root=Path(root), fixtures=FIXTURES)
