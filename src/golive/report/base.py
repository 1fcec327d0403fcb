"""The report seam: the formats golive writes, and what every renderer receives.

A renderer turns a finished review and its decision into text. It never runs anything and
never prints; the command line decides where the text goes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from golive.model import Status

if TYPE_CHECKING:
    from golive.report.baseline import Comparison

__all__ = ["SHOWN_BY_DEFAULT", "Format", "RenderOptions"]


class Format(enum.StrEnum):
    TERMINAL = "terminal"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    JUNIT = "junit"
    HTML = "html"


# Item statuses listed one by one unless `show_all`; the rest are counted per section.
SHOWN_BY_DEFAULT = frozenset(
    {
        Status.PASS,
        Status.FAIL,
        Status.WARN,
        Status.ERROR,
        Status.UNKNOWN,
        Status.EXPIRED,
        Status.WAIVED,
    }
)


@dataclass(frozen=True, kw_only=True)
class RenderOptions:
    color: bool = False
    width: int = 100
    verbose: bool = False  # tracebacks of crashed checks, facts of every outcome
    show_all: bool = False  # list every item, not only the ones that need reading
    comparison: Comparison | None = None  # `--baseline`: show what changed since then
