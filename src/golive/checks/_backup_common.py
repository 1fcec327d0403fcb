"""Small readers shared by the backup recognisers: schedules, keep-counts, nested keys."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from golive.checks._backup_cron import ScheduleError, worst_interval
from golive.checks._backup_model import Retention
from golive.checks._yaml import YamlMap
from golive.model import Location

__all__ = ["Schedule", "dig", "keep_retention", "read_schedule", "span_seconds"]

_DAY = 86400.0
_KEEP_DAYS = {"hourly": 1 / 24, "daily": 1.0, "weekly": 7.0, "monthly": 30.0, "yearly": 365.0}
_SPAN = re.compile(
    r"^\s*(\d+)\s*(d|day|days|w|wk|week|weeks|m|mo|month|months|y|year|years|h|hour|hours)\s*$",
    re.IGNORECASE,
)
_SPAN_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "m": 30.0, "y": 365.0}


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """A schedule as written, and what golive made of it."""

    text: str | None
    location: Location
    interval: float | None
    problem: str | None = None  # it has none: the backup never runs on its own
    error: str | None = None  # it cannot be read: golive cannot tell how often it runs


def read_schedule(holder: YamlMap, key: str, *, seconds_field: bool = False) -> Schedule:
    """The schedule at `holder[key]`, read into its longest gap between runs."""
    value = holder.get(key)
    where = holder.value_location(key) if key in holder else holder.location
    text = value if isinstance(value, str) and value.strip() else None
    if text is None:
        return Schedule(text=None, location=where, interval=None, problem="it has no schedule")
    try:
        interval = worst_interval(text, seconds_field=seconds_field)
    except ScheduleError as error:
        return Schedule(
            text=text,
            location=where,
            interval=None,
            error=f'its schedule "{text}" cannot be read: {error}',
        )
    return Schedule(text=text, location=where, interval=interval)


def dig(value: Any, *keys: str) -> Any:
    """`value[k1][k2]...` through mappings, or None."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def keep_retention(policy: Any, interval: float | None, tool: str) -> Retention | None:
    """Retention from `keepLast`/`keepDaily`/... counts (k8up, Stash): the longest span kept."""
    if not isinstance(policy, YamlMap):
        return None
    best: Retention | None = None
    for key, value in policy.items():
        unit = key.lower().removeprefix("keep")
        if not key.lower().startswith("keep") or not _count(value):
            continue
        if unit == "last":
            seconds = value * interval if interval else None
        elif unit in _KEEP_DAYS:
            seconds = value * _KEEP_DAYS[unit] * _DAY
        else:
            continue
        found = Retention(
            seconds=seconds, how=f"{tool} {key}: {value}", location=policy.value_location(key)
        )
        if best is None or (seconds or 0.0) > (best.seconds or 0.0):
            best = found
    return best


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def span_seconds(text: str) -> float | None:
    """Seconds in a span such as `30d`, `4w`, `6m` (months), `1 week`, `2 months`."""
    match = _SPAN.match(text)
    if match is None:
        return None
    unit = match.group(2).lower()
    key = "m" if unit.startswith("mo") or unit == "m" else unit[0]
    return int(match.group(1)) * _SPAN_DAYS[key] * _DAY
