"""Locust's `--csv` output: the Aggregated row of `<prefix>_stats.csv`, with the failures and
the last timestamp from the files beside it. Locust times are milliseconds."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

from golive.load._external_base import ExternalResult, ExternalResultError, statistic_key

__all__ = ["read_locust"]

_LOCUST_COLUMNS = ("Name", "Request Count", "Failure Count", "Requests/s")
_LOCUST_CODE = re.compile(r"(?:code=|\b)([1-5][0-9][0-9])\b")


def read_locust(text: str, name: str, path: Path) -> ExternalResult:
    """The Aggregated row of the `_stats.csv` at `path` (read as `text`; `name` for errors)."""
    rows = list(csv.reader(text.splitlines()))
    header = rows[0] if rows else []
    missing = [column for column in _LOCUST_COLUMNS if column not in header]
    if missing:
        raise ExternalResultError(
            f"not a Locust _stats.csv: no column {', '.join(missing)}", path=name, line=1
        )
    column = {title: index for index, title in enumerate(header)}
    found = [
        (number, row)
        for number, row in enumerate(rows[1:], start=2)
        if len(row) > column["Name"] and row[column["Name"]] == "Aggregated"
    ]
    if not found:
        raise ExternalResultError(
            'no "Aggregated" row: the run ended before any request was counted',
            path=name,
            line=len(rows) or 1,
        )
    line, row = found[0]
    if len(row) != len(header):
        raise ExternalResultError(
            f"the Aggregated row has {len(row)} fields, the header {len(header)}",
            path=name,
            line=line,
        )

    def cell(title: str) -> float | None:
        if title not in column or row[column[title]] in ("", "N/A"):
            return None
        try:
            return float(row[column[title]])
        except ValueError:
            raise ExternalResultError(
                f'"{title}" is not a number: {row[column[title]]!r}', path=name, line=line
            ) from None

    requests, failures, rate = (cell(t) for t in ("Request Count", "Failure Count", "Requests/s"))
    if requests is None or failures is None:
        raise ExternalResultError("the Aggregated row has no request counts", path=name, line=line)
    latency: dict[str, float] = {}
    rounding: dict[str, float] = {}
    for title in header:
        if title.endswith("%") and (value := cell(title)) is not None:
            key = statistic_key(title[:-1])
            latency[key], rounding[key] = value / 1000, _locust_rounding(value)
    for key, titles in (
        ("avg", ("Average Response Time",)),
        ("min", ("Min Response Time", "Min")),
        ("max", ("Max Response Time", "Max")),
    ):
        for title in titles:
            if (value := cell(title)) is not None:
                latency[key] = value / 1000
                rounding.pop(key, None)
                break
    errors, statuses = _locust_failures(path)
    return ExternalResult(
        tool="locust",
        format="Locust stats CSV",
        model="closed",
        duration=requests / rate if rate else None,
        requests=round(requests),
        failures=round(failures),
        rate=rate,
        latency=latency,
        latency_rounding=rounding,
        latency_samples=round(requests),
        errors=errors,
        statuses=statuses,
        finished=_locust_finished(path),
        notes=(
            "Locust is closed-model: each user waits for its answer before the next request, "
            "so stalls are under-sampled (coordinated omission) and tail latencies understated",
            "Locust rounds its percentiles (to 1 ms under 100 ms, 10 ms under 1 s, "
            "100 ms under 10 s)",
        ),
    )


def _locust_rounding(milliseconds: float) -> float:
    """Half the step Locust rounds a response time of this size to, in seconds."""
    for limit, step in ((100, 1), (1000, 10), (10_000, 100)):
        if milliseconds < limit:
            return step / 2000
    return 0.5


def _locust_failures(path: Path) -> tuple[dict[str, int], dict[int, int]]:
    """Failures by error text, and by status where the text names one (`_failures.csv`)."""
    errors: dict[str, int] = {}
    statuses: dict[int, int] = {}
    sibling = _sibling(path, "_failures.csv")
    if sibling is None:
        return errors, statuses
    try:
        with sibling.open(encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                text, count = row.get("Error") or "", int(row.get("Occurrences") or 0)
                errors[text] = errors.get(text, 0) + count
                if code := _LOCUST_CODE.search(text):
                    statuses[int(code[1])] = statuses.get(int(code[1]), 0) + count
    except (OSError, ValueError, csv.Error, UnicodeDecodeError):
        return {}, {}  # the failures file only adds detail; the stats stand without it
    return errors, statuses


def _locust_finished(path: Path) -> datetime | None:
    """The last timestamp of `_stats_history.csv`, when it is there."""
    sibling = _sibling(path, "_stats_history.csv")
    if sibling is None:
        return None
    try:
        lines = sibling.read_text(encoding="utf-8").splitlines()
        return datetime.fromtimestamp(int(lines[-1].split(",", 1)[0]), UTC)
    except (OSError, ValueError, IndexError, UnicodeDecodeError, OverflowError):
        return None


def _sibling(path: Path, suffix: str) -> Path | None:
    if not path.name.endswith("_stats.csv"):
        return None
    sibling = path.with_name(path.name.removesuffix("_stats.csv") + suffix)
    return sibling if sibling.is_file() else None
