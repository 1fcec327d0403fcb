"""The threshold language: limits such as ``p95 < 100ms``, ``>60k req/min`` or ``<=10MiB``."""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import assert_never

__all__ = [
    "Comparator",
    "Dimension",
    "Quantity",
    "Range",
    "Threshold",
    "ThresholdError",
    "describe_duration",
    "format_duration",
    "min_samples",
    "parse_duration",
    "parse_quantity",
    "parse_range",
    "parse_threshold",
]


class Dimension(enum.StrEnum):
    """What a quantity measures; each dimension has one canonical unit."""

    DURATION = "duration"  # seconds
    RATE = "rate"  # requests per second
    RATIO = "ratio"  # a fraction from 0 to 1
    SIZE = "size"  # bytes
    COUNT = "count"  # a plain number


class Comparator(enum.StrEnum):
    """How an observed value must relate to the limit."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="


class ThresholdError(ValueError):
    """Text that is not a threshold, quantity or range; says where and what to write instead."""

    def __init__(self, message: str, *, text: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.column = column  # 0-based offset in `text` where the problem starts


_MINUTE = Fraction(60)
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_DURATION_UNITS: dict[str, Fraction] = {
    "ns": Fraction(1, 10**9),
    **dict.fromkeys(("us", "µs", "μs"), Fraction(1, 10**6)),  # micro sign and Greek mu
    "ms": Fraction(1, 1000),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), Fraction(1)),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), _MINUTE),  # never month
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), _HOUR),
    **dict.fromkeys(("d", "day", "days"), _DAY),
    **dict.fromkeys(("w", "week", "weeks"), 7 * _DAY),
    **dict.fromkeys(("month", "months"), 30 * _DAY),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), 365 * _DAY),
}
_PER = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hr": 3600}
_RATE_UNITS: dict[str, Fraction] = {
    **{
        f"{word}/{per}": Fraction(1, seconds)
        for word in ("req", "reqs", "request", "requests")
        for per, seconds in (*_PER.items(), ("hour", 3600))
    },
    "rps": Fraction(1),
    "rpm": Fraction(1, 60),
}
# Looked up as written; words of three letters or more also in lower case.
_CASED_UNITS: dict[str, tuple[Dimension, Fraction]] = {
    **{name: (Dimension.DURATION, factor) for name, factor in _DURATION_UNITS.items()},
    **{name: (Dimension.RATE, factor) for name, factor in _RATE_UNITS.items()},
    "%": (Dimension.RATIO, Fraction(1, 100)),
}
# Looked up in lower case: "1gb" and "10MiB" are both fine.
_SIZE_UNITS: dict[str, Fraction] = {
    **dict.fromkeys(("b", "byte", "bytes"), Fraction(1)),
    **{f"{p}b": Fraction(1000**n) for n, p in enumerate("kmgt", start=1)},
    **{f"{p}ib": Fraction(1024**n) for n, p in enumerate("kmgt", start=1)},
}
_SCALES = {"k": Fraction(10**3), "K": Fraction(10**3), "M": Fraction(10**6)}
_CADENCES = {
    "hourly": _HOUR,
    "daily": _DAY,
    "weekly": 7 * _DAY,
    "monthly": 30 * _DAY,
    "quarterly": 90 * _DAY,
    "annually": 365 * _DAY,
    "yearly": 365 * _DAY,
}
_HINTS = {
    Dimension.DURATION: "ms, s, m, h, d, w",
    Dimension.RATE: "req/s, req/min, req/h, rps, rpm",
    Dimension.RATIO: "%",
    Dimension.SIZE: "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB",
}
_ALL_UNITS = (
    f"a duration ({_HINTS[Dimension.DURATION]}), a rate ({_HINTS[Dimension.RATE]}), "
    f"a percentage (%) or a size ({_HINTS[Dimension.SIZE]})"
)
# Display units, largest first; see _pick for how one is chosen.
_DURATION_DISPLAY = tuple((n, _DURATION_UNITS[n]) for n in ("d", "h", "m", "s", "ms", "us", "ns"))
_RATE_DISPLAY = (("req/s", Fraction(1)), ("req/min", Fraction(1, 60)), ("req/h", Fraction(1, 3600)))
_SIZE_DISPLAY = tuple(
    (name, Fraction(base**n))
    for n, p in ((4, "T"), (3, "G"), (2, "M"), (1, "K"))
    for name, base in ((f"{p}iB", 1024), (f"{p}B", 1000))
)
_STATISTICS = {
    **dict.fromkeys(("avg", "mean", "average"), "avg"),
    **dict.fromkeys(("min", "minimum"), "min"),
    **dict.fromkeys(("max", "maximum"), "max"),
    **dict.fromkeys(("med", "median"), "median"),
}
_STATISTIC_HINT = "p<N>, p(<N>), avg, mean, min, max, med, median"
_COMPARATOR_HINT = "one of " + ", ".join(Comparator)
_NEAR_COMPARATORS = {"=": "==", "=>": ">=", "=<": "<=", "<>": "!=", "!": "!=", "=!": "!="}
_UNICODE_COMPARATORS = {"≤": "<=", "⩽": "<=", "≥": ">=", "⩾": ">=", "≠": "!="}

_NUMBER = re.compile(r"[0-9](?:_?[0-9])*(?:\.[0-9]+)?")
_PERCENTILE = re.compile(r"p(?:\((?P<a>[0-9]+(?:\.[0-9]+)?)\)|(?P<b>[0-9]+(?:\.[0-9]+)?))")
_METRIC = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_WORD = re.compile(r"\S+")
_COMPARATOR = re.compile(r"[<>=!]+")
_BYTES_NOTE = re.compile(r"\(\s*(?P<bytes>[0-9][0-9,_]*)\s*B\s*\)$")
_WITHIN = re.compile(r"within[_\s]+")
_RANGE_NAME = re.compile(r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)\s*:")


@dataclass(frozen=True, kw_only=True)
class Quantity:
    """A number with its dimension, held in the dimension's canonical unit."""

    value: float  # seconds, requests per second, fraction 0..1, bytes, or a plain count
    dimension: Dimension
    text: str  # as written

    def __str__(self) -> str:
        match self.dimension:
            case Dimension.DURATION:
                return format_duration(self.value)
            case Dimension.RATE:
                return " ".join(_pick(self.value, _RATE_DISPLAY, "req/s"))
            case Dimension.RATIO:
                return f"{_shortest(self.value, Fraction(1, 100))}%"
            case Dimension.SIZE:
                number, unit = _pick(self.value, _SIZE_DISPLAY, "B", exact=True)
                exact = f"{int(self.value):,} B"
                return exact if unit == "B" else f"{number} {unit} ({exact})"
            case Dimension.COUNT:
                return _shortest(self.value, Fraction(1))
            case _:
                assert_never(self.dimension)


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """A limit: ``[metric] [statistic] comparator quantity``."""

    comparator: Comparator
    quantity: Quantity
    statistic: str | None  # "p95", "p99.9", "avg", "min", "max", "median"
    metric: str | None  # "error_rate" in "error_rate < 1%"
    text: str

    def holds(self, observed: float) -> bool:
        """Whether `observed`, in the quantity's canonical unit, is within the limit."""
        limit = self.quantity.value
        match self.comparator:
            case Comparator.LT:
                return observed < limit
            case Comparator.LE:
                return observed <= limit
            case Comparator.GT:
                return observed > limit
            case Comparator.GE:
                return observed >= limit
            case Comparator.EQ:
                return observed == limit
            case Comparator.NE:
                return observed != limit
            case _:
                assert_never(self.comparator)

    def __str__(self) -> str:
        parts = (self.metric, self.statistic, str(self.comparator), str(self.quantity))
        return " ".join(part for part in parts if part)


@dataclass(frozen=True, kw_only=True)
class Range:
    """An inclusive range of numbers, such as ``port: 1-65535``."""

    low: float
    high: float
    name: str | None
    text: str

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        bounds = f"{_shortest(self.low, Fraction(1))}-{_shortest(self.high, Fraction(1))}"
        return f"{self.name}: {bounds}" if self.name else bounds


def parse_threshold(
    text: str, *, dimension: Dimension | None = None, default_statistic: str | None = None
) -> Threshold:
    """Read ``[metric] [statistic] comparator quantity``; the quantity must be of `dimension`."""
    if not text.strip():
        raise _error(text, 0, 'empty threshold; write a comparator and a quantity, e.g. "<100ms"')
    for column, char in enumerate(text):
        if char in _UNICODE_COMPARATORS:
            raise _error(
                text,
                column,
                f'"{char}" is not a comparator in "{text}"; write "{_UNICODE_COMPARATORS[char]}"'
                " (comparators are ASCII)",
            )
    found = _COMPARATOR.search(text)
    if found is None:
        column = len(text) - len(text.lstrip())
        raise _error(text, column, f'missing comparator in "{text}"; expected {_COMPARATOR_HINT}')
    try:
        comparator = Comparator(found.group())
    except ValueError:
        near = _NEAR_COMPARATORS.get(found.group())
        advice = f'use "{near}"' if near else f"expected {_COMPARATOR_HINT}"
        message = f'"{found.group()}" is not a comparator in "{text}"; {advice}'
        raise _error(text, found.start(), message) from None
    metric, statistic = _parse_head(text, found.start())
    if statistic is None and default_statistic is not None:
        statistic = _parse_statistic(default_statistic, default_statistic, 0)
    return Threshold(
        comparator=comparator,
        quantity=_parse_quantity(text, found.end(), dimension),
        statistic=statistic,
        metric=metric,
        text=text,
    )


def parse_quantity(text: str, *, dimension: Dimension | None = None) -> Quantity:
    """Read a number and unit; without `dimension` the unit decides, and a bare number counts."""
    return _parse_quantity(text, 0, dimension)


def parse_duration(text: str) -> float:
    """Read a duration in seconds: ``30s``, ``4_hours``, ``within_24_hours`` or ``daily``."""
    word = text.strip().lower()
    if word in _CADENCES:
        return float(_CADENCES[word])
    if word.isalpha():
        message = (
            f'unknown duration "{text.strip()}"; expected a number and a unit, e.g. "30s" or '
            f'"4_hours", or one of {", ".join(_CADENCES)}'
        )
        raise _error(text, _skip_space(text, 0), message)
    within = _WITHIN.match(text, _skip_space(text, 0))
    start = within.end() if within else 0
    return _parse_quantity(text, start, Dimension.DURATION).value


def parse_range(text: str) -> Range:
    """Read an inclusive range ``low-high``, optionally named: ``port: 1-65535``."""
    named = _RANGE_NAME.match(text)
    position = named.end() if named else 0
    bounds: list[Fraction] = []
    for bound in ("low", "high"):
        position = _skip_space(text, position)
        if bound == "high":
            if not text.startswith("-", position):
                raise _range_error(text, position, 'expected "-" between the bounds')
            position = _skip_space(text, position + 1)
        number = _NUMBER.match(text, position)
        if number is None:
            raise _range_error(text, position, f"expected a number for the {bound} bound")
        bounds.append(_fraction(number.group(), text, position))
        position = number.end()
    if text[position:].strip():
        raise _range_error(text, _skip_space(text, position), "unexpected text after the range")
    low, high = bounds
    if low > high:
        start = _skip_space(text, named.end() if named else 0)
        raise _range_error(text, start, "the low bound is above the high bound")
    return Range(
        low=_float(low, text, 0),
        high=_float(high, text, 0),
        name=named["name"] if named else None,
        text=text,
    )


def format_duration(seconds: float) -> str:
    """Show seconds in the largest unit that keeps the number short: "100 ms", "2 h", "30 d"."""
    if seconds < 0:
        return f"-{format_duration(-seconds)}"
    return " ".join(_pick(seconds, _DURATION_DISPLAY, "s"))


def describe_duration(seconds: float) -> str:
    """A span the way people say it, in at most two units: "0.42 s", "45 min", "3 d 4 h".

    For ages and run times measured by a check; unlike `format_duration` it rounds, so the text
    need not read back as the exact value.
    """
    if not math.isfinite(seconds):
        return repr(seconds)
    if seconds < 0:
        return f"-{describe_duration(-seconds)}"
    if 0 < seconds < 0.01:
        return f"{seconds * 1000:.3g} ms"
    if seconds < 59.995:
        return f"{seconds:.2f}".rstrip("0").rstrip(".") + " s"
    whole = round(seconds)
    for size, unit, smaller, rest in ((86_400, "d", 3600, "h"), (3600, "h", 60, "min")):
        if whole >= size:
            big, small = divmod(whole, size)
            small //= smaller
            return f"{big} {unit}" + (f" {small} {rest}" if small else "")
    minutes, rest_seconds = divmod(whole, 60)
    return f"{minutes} min" + (f" {rest_seconds} s" if rest_seconds else "")


def min_samples(statistic: str) -> int:
    """The fewest samples that make `statistic` meaningful: ``p(q)`` needs 10 / (1 - q/100).

    The median is p50 (20 samples); avg, min and max need 30, the usual rule of thumb below
    which a sample says little about its distribution.
    """
    name = _parse_statistic(statistic.strip(), statistic, _skip_space(statistic, 0))
    match name:
        case "median":
            return min_samples("p50")
        case "avg" | "min" | "max":
            return 30
        case _:
            return math.ceil(10 / (1 - Fraction(Decimal(name[1:])) / 100))


def _parse_head(text: str, end: int) -> tuple[str | None, str | None]:
    """The metric and statistic written before the comparator, either of them optional."""
    words = [(word.group(), word.start()) for word in _WORD.finditer(text, 0, end)]
    match words:
        case []:
            return None, None
        case [(word, column)] if _looks_like_statistic(word):
            return None, _parse_statistic(word, text, column)
        case [(word, _)] if _METRIC.fullmatch(word):
            return word, None
        case [(metric, _), (word, column)] if _METRIC.fullmatch(metric):
            return metric, _parse_statistic(word, text, column)
        case _:
            word, column = words[2] if len(words) > 2 else words[0]
            raise _error(
                text,
                column,
                f'unexpected "{word}" before the comparator in "{text}"; '
                "expected [metric] [statistic] comparator quantity",
            )


def _looks_like_statistic(word: str) -> bool:
    lowered = word.lower()
    return lowered in _STATISTICS or re.match(r"p(?:[0-9(.]|$)", lowered) is not None


def _parse_statistic(word: str, text: str, column: int) -> str:
    lowered = word.lower()
    if lowered in _STATISTICS:
        return _STATISTICS[lowered]
    percentile = _PERCENTILE.fullmatch(lowered)
    if percentile is None:
        raise _error(
            text,
            column,
            f'unknown statistic "{word}" in "{text}"; expected one of {_STATISTIC_HINT}',
        )
    q = Decimal(percentile["a"] or percentile["b"])
    if not 0 < q < 100:
        raise _error(
            text,
            column,
            f'percentile "{word}" in "{text}" must be between 0 and 100, exclusive; e.g. p95',
        )
    return f"p{_plain(q)}"


def _parse_quantity(text: str, start: int, expected: Dimension | None) -> Quantity:
    """Read the quantity in `text` from `start` to the end; columns count from text's start."""
    position, end = _skip_space(text, start), len(text.rstrip())
    if position >= end:
        before = text[:start].strip()
        message = f'missing quantity after "{before}" in "{text}"' if before else "empty quantity"
        raise _error(text, end, f'{message}; write a number and a unit, e.g. "100ms"')
    number = _NUMBER.match(text, position)
    if number is None:
        raise _error(text, position, f'expected a number in "{text}"')
    amount = _fraction(number.group(), text, position)
    unit_start = _skip_space(text, number.end())
    if text.startswith("_", unit_start) and text[unit_start + 1 : unit_start + 2].isalpha():
        unit_start += 1  # "4_hours"
    note = _BYTES_NOTE.search(text, unit_start, end)
    unit_end = len(text[: note.start()].rstrip()) if note else end
    unit = re.sub(r"\s*/\s*", "/", text[unit_start:unit_end])
    scale, found = _resolve_unit(unit, text, unit_start, expected)
    if found is None:
        match expected:
            case None | Dimension.COUNT:
                dimension, factor = Dimension.COUNT, Fraction(1)
            case Dimension.RATIO:
                dimension, factor = Dimension.RATIO, Fraction(1)
            case Dimension.DURATION | Dimension.RATE | Dimension.SIZE:
                needs = f"a {expected} needs one of {_HINTS[expected]}"
                raise _error(text, number.end(), f'unit required in "{text}"; {needs}')
            case _:
                assert_never(expected)
    else:
        dimension, factor = found
        if expected is not None and dimension is not expected:
            raise _error(
                text,
                unit_start,
                f'wrong dimension in "{text}": "{unit}" is a {dimension} unit but '
                f"a {expected} is expected; {_expected(expected)}",
            )
    if scale != 1 and dimension not in (Dimension.RATE, Dimension.COUNT):
        raise _scale_error(text, unit_start)
    value = amount * scale * factor
    if dimension is Dimension.RATIO and value > 1:
        problem = f"percentage {number.group()}% is above 100%" if unit else "ratio is above 1"
        raise _error(
            text,
            position,
            f'{problem} in "{text}"; write a fraction from 0 to 1 or a percentage up to 100%',
        )
    if dimension is Dimension.SIZE and value.denominator != 1:
        raise _error(
            text, position, f'size in "{text}" is not a whole number of bytes ({float(value)} B)'
        )
    if note:
        written = note["bytes"].replace(",", "").replace("_", "")
        if dimension is not Dimension.SIZE or Fraction(written) != value:
            message = f'byte count "{note.group()}" in "{text}" does not match the size before it'
            raise _error(text, note.start(), message)
    return Quantity(
        value=_float(value, text, position), dimension=dimension, text=text[start:end].strip()
    )


def _resolve_unit(
    unit: str, text: str, column: int, expected: Dimension | None
) -> tuple[Fraction, tuple[Dimension, Fraction] | None]:
    """The scale suffix (k, K, M) and the unit, if any, written after a number."""
    if unit[:1] in _SCALES:
        rest = unit[1:].lstrip()
        scaled = _lookup_unit(rest) if rest else None
        if not rest or (scaled and scaled[0] is Dimension.RATE):
            return _SCALES[unit[0]], scaled
        if scaled and _lookup_unit(unit) is None:
            raise _scale_error(text, column)
    if not unit:
        return Fraction(1), None
    found = _lookup_unit(unit)
    if found is None:
        raise _error(text, column, f'unknown unit "{unit}" in "{text}"; {_expected(expected)}')
    return Fraction(1), found


def _lookup_unit(name: str) -> tuple[Dimension, Fraction] | None:
    # "M" is never lowered to "m": it is the million scale, and "m" is a minute.
    if name in _CASED_UNITS:
        return _CASED_UNITS[name]
    if len(name) > 2 and name.lower() in _CASED_UNITS:
        return _CASED_UNITS[name.lower()]
    if name.lower() in _SIZE_UNITS:
        return Dimension.SIZE, _SIZE_UNITS[name.lower()]
    return None


def _expected(dimension: Dimension | None) -> str:
    match dimension:
        case None:
            return f"expected {_ALL_UNITS}"
        case Dimension.COUNT:
            return "expected a plain number such as 10 or 10k"
        case Dimension.RATIO:
            return "expected one of %, or a bare fraction from 0 to 1"
        case _:
            return f"expected one of {_HINTS[dimension]}"


def _error(text: str, column: int, message: str) -> ThresholdError:
    return ThresholdError(message, text=text, column=column)


def _scale_error(text: str, column: int) -> ThresholdError:
    message = f'scale suffix "{text[column]}" in "{text}" only applies to rates and counts'
    return _error(text, column, message)


def _range_error(text: str, column: int, problem: str) -> ThresholdError:
    problem = problem if text.strip() else "empty range"
    return _error(text, column, f'{problem} in "{text}"; write e.g. "1-65535" or "port: 1-65535"')


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _fraction(digits: str, text: str, column: int) -> Fraction:
    try:
        return Fraction(digits.replace("_", ""))
    except ValueError:  # more digits than Python converts to int
        raise _error(text, column, f'number too long in "{text}"') from None


def _float(value: Fraction, text: str, column: int) -> float:
    try:
        return float(value)
    except OverflowError:
        raise _error(text, column, f'number too large in "{text}"') from None


def _pick(
    value: float, units: tuple[tuple[str, Fraction], ...], base: str, *, exact: bool = False
) -> tuple[str, str]:
    """The largest unit in which `value` is at least 1 and needs at most three decimals.

    The number shown reads back as `value`; with `exact` it must also equal it, not just round
    to it (a size is a whole number of bytes).
    """
    if not math.isfinite(value):
        return repr(value), base
    for name, factor in units:
        wanted = Fraction(value) / factor
        for places in range(4):
            number = round(wanted, places)
            if number >= 1 and (number == wanted if exact else float(number * factor) == value):
                return _plain(Decimal(f"{int(number * 10**places)}e-{places}")), name
    return _shortest(value, Fraction(1)), base


def _shortest(value: float, factor: Fraction) -> str:
    """The shortest decimal that, read back and multiplied by `factor`, is exactly `value`."""
    exact = Fraction(value) / factor
    text = ""
    for digits in range(1, 40):
        quotient = Context(prec=digits).divide(Decimal(exact.numerator), Decimal(exact.denominator))
        text = _plain(quotient)
        if float(Fraction(text) * factor) == value:
            break
    return text


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
