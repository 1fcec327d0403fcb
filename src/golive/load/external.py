"""Load-test results made by other tools -- k6, Locust, wrk and wrk2 -- read into one value.

`read_results` takes a k6 end-of-test summary (the JSON of `handleSummary`, of
`--summary-export`, or the versioned machine-readable summary), a Locust `<prefix>_stats.csv`
(or the `--csv` prefix itself), or the text wrk and wrk2 print with `--latency`, and returns an
`ExternalResult`: what the run counted, in golive's units (seconds, requests per second, a
fraction), and notes on what the file does not say. A file that is none of these, or lacks
what every result needs, raises `ExternalResultError` naming the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, assert_never

from golive.load._external_base import (
    ExternalResult,
    ExternalResultError,
    Format,
    Model,
    statistic_key,
)
from golive.load._external_k6 import read_k6
from golive.load._external_locust import read_locust
from golive.load._external_wrk import read_wrk

__all__ = [
    "FORMATS",
    "ExternalResult",
    "ExternalResultError",
    "Format",
    "Model",
    "locate",
    "read_results",
    "statistic_key",
]

FORMATS: tuple[Format, ...] = ("k6", "locust", "wrk")


def locate(path: Path) -> Path | None:
    """The results file at `path`, or Locust's `<path>_stats.csv` when `path` is a prefix."""
    if path.is_file():
        return path
    stats = path.with_name(path.name + "_stats.csv")
    return stats if stats.is_file() else None


def read_results(
    path: Path, format: Format | Literal["auto"] = "auto", *, shown: str | None = None
) -> ExternalResult:
    """Read the results file at `path` (`shown` names it in errors; default: the path)."""
    name = shown or str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExternalResultError(f"not UTF-8 text: {exc.reason}", path=name) from None
    except OSError as exc:
        raise ExternalResultError(f"cannot be read: {exc.strerror or exc}", path=name) from None
    kind = _detect(text, name) if format == "auto" else format
    match kind:
        case "k6":
            return read_k6(text, name)
        case "locust":
            return read_locust(text, name, path)
        case "wrk":
            return read_wrk(text, name)
        case _:
            assert_never(kind)


def _detect(text: str, name: str) -> Format:
    stripped = text.lstrip()
    first = stripped.partition("\n")[0]
    if stripped.startswith(("{", "[")):
        return "k6"
    if first.startswith("Timestamp,User Count"):
        raise ExternalResultError(
            "this is Locust's _stats_history.csv; name the _stats.csv file beside it",
            path=name,
            line=1,
        )
    if first.startswith("Type,Name,") or ("Request Count" in first and "," in first):
        return "locust"
    if re.search(r"^\s*[0-9]+ requests in ", text, re.MULTILINE) or "Requests/sec:" in text:
        return "wrk"
    raise ExternalResultError(
        "not a k6 summary (JSON), a Locust _stats.csv or wrk output"
        + ("" if stripped else ": the file is empty"),
        path=name,
        line=1,
    )
