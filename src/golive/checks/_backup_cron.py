"""Backup schedules (cron, macros, `@every`) read into the longest gap between two runs."""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ScheduleError", "go_duration", "worst_interval", "worst_union"]

_MINUTE = 60.0
_DAY_MINUTES = 1440
# Eight years from a leap year: every pattern of days repeats within four years (the
# 100/400-year leap rules aside), so the longest gap seen here is the longest there is.
_FIRST_DAY = datetime.date(2024, 1, 1).toordinal()
_DAYS = 8 * 366
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_WEEKDAYS = {
    name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))
}
_TIMEZONE = re.compile(r"^(?:CRON_TZ|TZ)=\S+\s+")
_GO_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class ScheduleError(ValueError):
    """The schedule cannot be read, or never runs; the message says why."""


@dataclass(frozen=True, kw_only=True)
class _Cron:
    """A cron schedule read into its sets: the times of day it runs, and the days."""

    times: tuple[int, ...]  # minutes after midnight, sorted
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    either: bool  # Vixie cron and robfig/cron: restricted day and weekday mean either one

    def runs_on(self, day: datetime.date) -> bool:
        if day.month not in self.months:
            return False
        on_day = day.day in self.days
        on_weekday = (day.isoweekday() % 7) in self.weekdays
        return (on_day or on_weekday) if self.either else (on_day and on_weekday)


def worst_interval(text: str, *, seconds_field: bool = False) -> float:
    """The longest time in seconds between two runs of the schedule `text`.

    Reads five-field cron (`minute hour day-of-month month day-of-week`, with names, ranges,
    lists and steps), the macros `@hourly` ... `@yearly` (and k8up's `@daily-random` forms,
    which keep their period), `@every <Go duration>`, and a leading `CRON_TZ=`/`TZ=`. With
    `seconds_field`, a six-field schedule starts with seconds (CloudNativePG); those are
    checked but not counted, so the result is exact to the minute.
    """
    return worst_union([text], seconds_field=seconds_field)


def worst_union(texts: Sequence[str], *, seconds_field: bool = False) -> float:
    """The longest time in seconds without a run of any of the schedules `texts` (a weekly
    full backup and incremental ones on the other days run daily together)."""
    crons: list[_Cron] = []
    every: list[float] = []
    for text in texts:
        parsed = _parse(text, seconds_field=seconds_field)
        if isinstance(parsed, float):
            every.append(parsed)
        else:
            crons.append(parsed)
    if every:  # a fixed period: the shortest one bounds every gap
        return min(every)
    cached: dict[tuple[int, ...], tuple[tuple[int, ...], int]] = {}
    gaps: list[int] = []
    last: int | None = None  # the minute of the latest run, counted from the first day
    for offset in range(_DAYS):
        day = datetime.date.fromordinal(_FIRST_DAY + offset)
        running = tuple(i for i, cron in enumerate(crons) if cron.runs_on(day))
        if not running:
            continue
        if running not in cached:
            times = tuple(sorted({t for i in running for t in crons[i].times}))
            inner = max((b - a for a, b in itertools.pairwise(times)), default=0)
            cached[running] = (times, inner)
        times, inner = cached[running]
        gaps.append(inner)
        if last is not None:
            gaps.append(offset * _DAY_MINUTES + times[0] - last)
        last = offset * _DAY_MINUTES + times[-1]
    if last is None:
        raise ScheduleError("the schedule names no day that exists (it never runs)")
    if len(gaps) == 1:  # one run in eight years: at least that long between runs
        gaps.append(_DAYS * _DAY_MINUTES)
    return max(gaps) * _MINUTE


def _parse(text: str, *, seconds_field: bool) -> _Cron | float:
    spec = _TIMEZONE.sub("", text.strip())
    lowered = spec.lower()
    if lowered.startswith("@every"):
        return go_duration(spec[len("@every") :].strip())
    if lowered.startswith("@"):
        base = lowered.removesuffix("-random")
        if base == "@reboot":
            raise ScheduleError("@reboot runs only when the scheduler starts, not periodically")
        if base not in _MACROS:
            raise ScheduleError(f'unknown macro "{spec}"')
        spec = _MACROS[base]
    fields = spec.split()
    if seconds_field and len(fields) == 6:
        _field(fields[0], 0, 59, {}, "second")
        fields = fields[1:]
    if len(fields) != 5:
        expected = "five (or six, starting with seconds)" if seconds_field else "five"
        raise ScheduleError(f"{len(fields)} fields; a cron schedule has {expected}")
    minutes = _field(fields[0], 0, 59, {}, "minute")
    hours = _field(fields[1], 0, 23, {}, "hour")
    return _Cron(
        times=tuple(sorted(hour * 60 + minute for hour in hours for minute in minutes)),
        days=frozenset(_field(fields[2], 1, 31, {}, "day of month")),
        months=frozenset(_field(fields[3], 1, 12, _MONTHS, "month")),
        weekdays=frozenset(d % 7 for d in _field(fields[4], 0, 7, _WEEKDAYS, "day of week")),
        either=_restricted(fields[2]) and _restricted(fields[4]),
    )


def go_duration(text: str) -> float:
    """Seconds in a Go duration (`720h0m0s`, `1h30m`, `90s`)."""
    position, total = 0, 0.0
    for match in _GO_PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        raise ScheduleError(f'"{text}" is not a duration such as 24h or 1h30m')
    if total <= 0:
        raise ScheduleError(f'"{text}" is not a positive duration')
    return total


def _restricted(field: str) -> bool:
    return field not in {"*", "?"}


def _field(text: str, low: int, high: int, names: dict[str, int], what: str) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        values.update(_part(part, low, high, names, what))
    return values


def _part(part: str, low: int, high: int, names: dict[str, int], what: str) -> range:
    span, _, step_text = part.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) == 0:
            raise ScheduleError(f'"{part}": the step of the {what} must be a positive number')
        step = int(step_text)
    if span in {"*", "?"}:
        start, end = low, high
    elif "-" in span:
        first, _, last = span.partition("-")
        start, end = _value(first, low, high, names, what), _value(last, low, high, names, what)
        if start > end:
            raise ScheduleError(f'"{part}": the {what} range runs backwards')
    else:
        start = _value(span, low, high, names, what)
        end = high if step_text else start  # robfig/cron: "5/15" means 5-max/15
    return range(start, end + 1, step)


def _value(text: str, low: int, high: int, names: dict[str, int], what: str) -> int:
    word = text.strip().lower()
    if word in names:
        return names[word]
    if not word.isdigit():
        raise ScheduleError(f'"{text}" is not a {what} (golive reads numbers, names, *, -, /, ,)')
    value = int(word)
    if not low <= value <= high:
        raise ScheduleError(f"{what} {value} is outside {low}-{high}")
    return value
