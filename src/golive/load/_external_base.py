"""The value every results reader returns, its error, and the helpers the readers share."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

__all__ = [
    "ExternalResult",
    "ExternalResultError",
    "Format",
    "Model",
    "as_number",
    "as_object",
    "as_text",
    "as_time",
    "line_of",
    "statistic_key",
]

Format = Literal["k6", "locust", "wrk"]
Model = Literal["open", "closed"]


class ExternalResultError(ValueError):
    """A results file that cannot be read; says which file, which line and why."""

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
        self.message = message
        self.path = path
        self.line = line


@dataclass(frozen=True, kw_only=True)
class ExternalResult:
    """One load-test run as another tool reported it, in golive's units."""

    tool: str  # "k6", "locust", "wrk" or "wrk2"
    format: str  # the kind of file read, e.g. "k6 handleSummary JSON"
    version: str | None = None  # the tool's version, when the file says
    # open: arrivals at a set rate whatever the answers; closed: each user waits for its
    # answer before the next request (coordinated omission); None: the file does not say
    model: Model | None = None
    duration: float | None = None  # seconds the run lasted
    requests: int  # requests counted, failed ones included
    failures: int | None = None  # of them, failed (bad status or transport error)
    rate: float | None = None  # requests per second over the run
    # statistic ("p50", "p95", "p99.9", "avg", "min", "max") -> seconds
    latency: Mapping[str, float] = field(default_factory=dict)
    # statistic -> half the width of the rounding the tool applied, in seconds
    latency_rounding: Mapping[str, float] = field(default_factory=dict)
    latency_samples: int | None = None  # responses behind the latency figures, when known
    # responses left out of the latency figures, every one slower than those in (wrk drops
    # the answers that came after its --timeout)
    latency_excluded: int = 0
    dropped: int | None = None  # arrivals the generator could not send; None: cannot tell
    errors: Mapping[str, int] = field(default_factory=dict)  # kind -> count
    statuses: Mapping[int, int] = field(default_factory=dict)  # failing status -> count
    thresholds: Mapping[str, bool] = field(default_factory=dict)  # the tool's own: held?
    finished: datetime | None = None  # when the run ended, when the file says
    notes: tuple[str, ...] = ()  # what the file does not say, and the tool's known biases

    @property
    def failed_ratio(self) -> float | None:
        if self.failures is None or self.requests <= 0:
            return None
        return self.failures / self.requests

    @property
    def goodput(self) -> float | None:
        """Successful responses per second over the run."""
        if self.rate is None:
            return None
        if self.failures is None or self.requests <= 0:
            return None
        return self.rate * (self.requests - self.failures) / self.requests


def statistic_key(percentile: str | float | Decimal) -> str:
    """The key of a percentile in `ExternalResult.latency`: 95 -> "p95", "99.90" -> "p99.9"."""
    number = Decimal(str(percentile)).normalize()
    if number >= 100:
        return "max"
    if number <= 0:
        return "min"
    text = format(number, "f")
    return f"p{text.rstrip('0').rstrip('.') if '.' in text else text}"


def as_object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_number(value: Any) -> float | None:
    """A finite JSON number, else None (JSON from Python may hold NaN; booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def as_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def as_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1
