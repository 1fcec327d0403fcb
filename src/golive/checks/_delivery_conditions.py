"""Error rates in analysis metrics: what a query measures, and the limit a condition sets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Measure", "Reading", "classify", "error_limit", "range_limit"]

_EPSILON = 1e-9
_LABEL = (
    r"(?:response_code|status_code|http_status_code|http_status|response_status|status_class"
    r"|code|status|grpc_code|grpc_status|outcome)"
)
_MATCHER = re.compile(rf"\b{_LABEL}\s*(=~|!~|!=|==|=)\s*[\"']([^\"']*)[\"']", re.IGNORECASE)
_NUMERIC = re.compile(rf"\b{_LABEL}\s*(>=|>)\s*[\"']?(\d+)", re.IGNORECASE)
_QUOTED = re.compile(r"\"(?:\\.|[^\"\\])*\"|'[^']*'")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_:.]*")
_INVERTED = re.compile(r"^\s*\(*\s*(?:1|100)(?:\.0+)?\s*-")
_PERCENT = re.compile(r"\*\s*100\b|\b100\s*\*")
_SPLIT = re.compile(r"&&|\|\||\band\b|\bor\b")
_COMPARISON = re.compile(r"^(.*?)(<=|>=|<|>)(.*)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_OTHER_WORDS = (
    "latency",
    "duration",
    "histogram_quantile",
    "seconds",
    "bucket",
    "_ms",
    "cpu",
    "memory",
    "saturation",
    "throughput",
    "qps",
    "rps",
    "restarts",
)
_ERROR_VALUE = re.compile(r"(?:^|[|(^\[])5|5xx|error|fail|internal|unavailable", re.IGNORECASE)
_SUCCESS_VALUE = re.compile(r"(?:^|[|(^\[])[23]|2xx|success|^ok$", re.IGNORECASE)


class Measure(StrEnum):
    """What a metric's value is."""

    ERROR_RATE = "error rate"
    SUCCESS_RATE = "success rate"
    ERROR_COUNT = "error count"
    OTHER = "other"  # latency, saturation, ...: recognised, and not about errors
    UNCLEAR = ""


@dataclass(frozen=True, kw_only=True)
class Reading:
    """What a metric measures, and whether its value is a percentage."""

    measure: Measure
    percent: bool


def classify(name: str, query: str) -> Reading:
    """What the metric called `name` measures with `query` (any provider's query text).

    An error rate or a success rate when the query says so: the first status matcher
    (`code=~"5.."` selects errors, `code!~"5.."` or `code=~"2.."` successes, `status >= 500`
    errors), turned round by a leading `1 -` or `100 -`; without a matcher, the words of the
    query (`http_errors_total`, `success`), then the metric's name when it names a rate. A
    rate when the query divides (or names a ratio, `asPercent`) or the name says rate, ratio
    or percent; otherwise a count. A `* 100`, or percent in the name, means percent.
    """
    bare = _QUOTED.sub('""', query)
    lowered_name = name.lower()
    named_ratio = any(word in lowered_name for word in ("rate", "ratio", "percent"))
    side = _matcher_side(query)
    if side is None:
        side = _side_of_words(_words(bare))
        if side is None and named_ratio:  # the name alone speaks only when it names a rate
            side = _side_of_words(_words(name.replace("-", "_")))
    elif _INVERTED.match(query):
        side = "success" if side == "error" else "error"
    percent = bool(_PERCENT.search(bare)) or "percent" in lowered_name or "asPercent" in bare
    ratio = "/" in bare or percent or named_ratio or any(_ratio_word(word) for word in _words(bare))
    if side == "error":
        return Reading(
            measure=Measure.ERROR_RATE if ratio else Measure.ERROR_COUNT, percent=percent
        )
    if side == "success" and ratio:
        return Reading(measure=Measure.SUCCESS_RATE, percent=percent)
    words = _words(bare) + _words(name.replace("-", "_"))
    other = any(any(part in word for part in _OTHER_WORDS) for word in words)
    return Reading(measure=Measure.OTHER if other else Measure.UNCLEAR, percent=percent)


def error_limit(reading: Reading, condition: str, *, failure: bool) -> float | None:
    """The error rate a condition draws its line at (a fraction), or None.

    For a success condition: the highest error rate that still succeeds. For a failure
    condition: the error rate above which the measurement fails. Conditions are Argo Rollouts'
    expressions (`result[0] >= 0.95`, `len(result) == 0 || result[0] < 0.02`,
    `asFloat(result) <= 0.01`): each comparison of the result with a number is a limit, and
    comparisons of anything else (`len(result)`, `isNaN(...)`) are left aside. A limit above 1
    is a percentage.
    """
    found = _comparisons(condition)
    if found is None or reading.measure not in {Measure.ERROR_RATE, Measure.SUCCESS_RATE}:
        return None
    comparisons, any_of = found
    # Which side of the result the condition bounds: an error rate succeeds below a limit and
    # fails above one; a success rate the other way round.
    wants_upper = (reading.measure is Measure.ERROR_RATE) != failure
    limits = [value for op, value in comparisons if (op in {"<", "<="}) == wants_upper]
    if not limits:
        return None
    # Several limits: alternatives (`||`) hold as soon as one does, so an upper limit is the
    # largest of them and a lower one the smallest; together (`&&`) the other way round.
    chosen = max(limits) if wants_upper == any_of else min(limits)
    return _as_error_rate(reading, chosen)


def range_limit(reading: Reading, low: float | None, high: float | None) -> float | None:
    """The error rate a Flagger `thresholdRange` allows (outside the range the check fails)."""
    if reading.measure is Measure.ERROR_RATE and high is not None:
        return _as_error_rate(reading, high)
    if reading.measure is Measure.SUCCESS_RATE and low is not None:
        return _as_error_rate(reading, low)
    return None


def _as_error_rate(reading: Reading, value: float) -> float | None:
    scaled = value / 100 if reading.percent or value > 1 + _EPSILON else value
    if not -_EPSILON <= scaled <= 1 + _EPSILON:
        return None
    rate = scaled if reading.measure is Measure.ERROR_RATE else 1 - scaled
    return min(max(rate, 0.0), 1.0)


def _matcher_side(query: str) -> str | None:
    matcher = _MATCHER.search(query)
    numeric = _NUMERIC.search(query)
    if numeric is not None and (matcher is None or numeric.start() < matcher.start()):
        return "error" if int(numeric.group(2)) >= 499 else None
    if matcher is None:
        return None
    op, value = matcher.group(1), matcher.group(2)
    if _ERROR_VALUE.search(value):
        side = "error"
    elif _SUCCESS_VALUE.search(value):
        side = "success"
    else:
        return None  # 4xx, 404, a specific code: not the service's error rate
    if op in {"!~", "!="}:
        side = "success" if side == "error" else "error"
    return side


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def _side_of_words(words: list[str]) -> str | None:
    error = any(any(part in word for part in ("error", "fail", "5xx", "fault")) for word in words)
    success = any(any(part in word for part in ("success", "availab")) for word in words)
    if error != success:
        return "error" if error else "success"
    return None


def _ratio_word(word: str) -> bool:
    return any(part in word for part in ("ratio", "_rate", "rate_", "percent", "aspercent"))


def _comparisons(condition: str) -> tuple[list[tuple[str, float]], bool] | None:
    """`(op, number)` for each comparison of the result (normalised to `result op number`),
    and whether they are alternatives (`||`); None without any."""
    any_of = "||" in condition or re.search(r"\bor\b", condition) is not None
    found: list[tuple[str, float]] = []
    for atom in _SPLIT.split(condition):
        match = _COMPARISON.match(atom.strip())
        if match is None:
            continue
        left, op, right = (part.strip().strip("()").strip() for part in match.groups())
        if _NUMBER.match(right) and _is_result(left):
            found.append((op, float(right)))
        elif _NUMBER.match(left) and _is_result(right):
            found.append((_FLIPPED[op], float(left)))
    return (found, any_of) if found else None


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _is_result(text: str) -> bool:
    lowered = text.lower()
    if "len(" in lowered or "isnan(" in lowered:
        return False
    return "result" in lowered or text.startswith("#") or "(#" in text or ", #" in text
