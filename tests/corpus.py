"""Where the shared corpus of real manifests, rules and rollouts is, for the tests that use it.

`GOLIVE_CORPUS` names it; otherwise the first `shared/corpus` beside the repository or above
it. Tests that need it are skipped, with the reason, where it is not.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CORPUS"]


def _find() -> Path:
    named = os.environ.get("GOLIVE_CORPUS")
    if named:
        return Path(named)
    root = Path(__file__).resolve().parents[1]
    for folder in root.parents:
        if (folder / "shared" / "corpus").is_dir():
            return folder / "shared" / "corpus"
    return root.parent / "shared" / "corpus"  # absent: the tests that need it are skipped


CORPUS = _find()
