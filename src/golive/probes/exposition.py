"""A strict reader of what a metrics endpoint serves: the Prometheus text format 0.0.4 and
OpenMetrics 1.0 text.

`parse` reads a page into families (name, TYPE, HELP, UNIT and samples with their labels) or
raises `ExpositionError` naming the first line that breaks the format. Text 0.0.4 is read
as the reference parser (`expfmt`, behind `promtool check metrics`) reads it, with two
differences that follow the format's documentation instead: trailing blanks are ignored,
and a series exposed twice with the same labels is an error (Prometheus drops the second
sample). OpenMetrics adds its own rules: the page ends with `# EOF`, no blank lines or free
comments, families are never interleaved, timestamps are seconds, and exemplars may follow a
sample. `histograms` groups a histogram family's `_bucket`, `_sum` and `_count` samples into
series and says what is wrong with each.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "OPENMETRICS",
    "Exposition",
    "ExpositionError",
    "Family",
    "HistogramSeries",
    "Sample",
    "histograms",
    "is_openmetrics",
    "parse",
]

OPENMETRICS = "application/openmetrics-text"

Format = Literal["text", "openmetrics"]

_TEXT_TYPES = frozenset({"counter", "gauge", "histogram", "summary", "untyped"})
_OM_TYPES = frozenset(
    {"counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"}
)
# The sample-name suffixes each type's family owns, "" for the family's own name.
_TEXT_SUFFIXES: Mapping[str, tuple[str, ...]] = {
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
}
_OM_SUFFIXES: Mapping[str, tuple[str, ...]] = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
}
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    r"|[nN][aA][nN]"
)
_INTEGER = re.compile(r"-?[0-9]+")
_BLANKS = " \t"
_INT64 = 2**63


class ExpositionError(ValueError):
    """The page breaks the format; `line` is 1-based."""

    def __init__(self, message: str, *, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One sample line: `http_requests_total{code="200"} 1027 1395066363000`."""

    name: str
    labels: tuple[tuple[str, str], ...]  # in the order written
    value: float
    timestamp: float | None  # seconds since the epoch
    line: int

    def label(self, name: str) -> str | None:
        for key, value in self.labels:
            if key == name:
                return value
        return None

    @property
    def label_names(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.labels)


@dataclass(frozen=True, kw_only=True)
class Family:
    """A metric family: its metadata and its samples, in the order written."""

    name: str
    type: str  # counter, gauge, histogram, summary, untyped (text) / unknown, info ... (OM)
    help: str | None
    unit: str | None
    samples: tuple[Sample, ...]
    line: int  # the first line that names it
    declared: bool  # a TYPE line gave its type

    def label_values(self, name: str) -> frozenset[str]:
        return frozenset(v for s in self.samples if (v := s.label(name)) is not None)

    @property
    def label_names(self) -> frozenset[str]:
        return frozenset(key for s in self.samples for key, _ in s.labels)


@dataclass(frozen=True, kw_only=True)
class Exposition:
    """A parsed page."""

    format: Format
    families: tuple[Family, ...]

    def family(self, name: str) -> Family | None:
        return next((f for f in self.families if f.name == name), None)

    @property
    def sample_names(self) -> frozenset[str]:
        return frozenset(s.name for f in self.families for s in f.samples)


@dataclass(frozen=True, kw_only=True)
class HistogramSeries:
    """One series of a histogram family: its buckets (upper bound, cumulative count) in
    order of bound, its `_count` and `_sum`."""

    labels: tuple[tuple[str, str], ...]  # without `le`
    buckets: tuple[tuple[float, float], ...]
    count: float | None
    sum: float | None
    line: int
    unbounded: int = 0  # `_bucket` samples without an `le` label

    @property
    def bounds(self) -> tuple[float, ...]:
        return tuple(bound for bound, _ in self.buckets)

    def problems(self) -> list[str]:
        """What breaks the histogram's rules: a `+Inf` bucket, cumulative counts, `_count`
        equal to the `+Inf` bucket, at least one finite bound."""
        found: list[str] = []
        if self.unbounded:
            found.append(f"{self.unbounded} bucket(s) without an le label")
        if not self.buckets:
            return [*found, "no buckets"]
        if not any(math.isinf(bound) and bound > 0 for bound in self.bounds):
            found.append('no le="+Inf" bucket')
        if not any(math.isfinite(bound) for bound in self.bounds):
            found.append("no finite bucket bound, only +Inf")
        counts = [count for _, count in self.buckets]
        if any(math.isnan(count) for count in counts):
            found.append("a bucket count is NaN")
        for (low, below), (high, above) in zip(self.buckets, self.buckets[1:], strict=False):
            if above < below:
                found.append(
                    f"bucket counts are not cumulative: le={_bound(high)} has {_number(above)} "
                    f"but le={_bound(low)} has {_number(below)}"
                )
                break
        infinite = [count for bound, count in self.buckets if math.isinf(bound) and bound > 0]
        if self.count is None:
            found.append("no _count sample")
        elif infinite and self.count != infinite[0]:
            found.append(
                f'_count is {_number(self.count)} but the le="+Inf" bucket is '
                f"{_number(infinite[0])}"
            )
        return found


def is_openmetrics(content_type: str | None) -> bool:
    """Whether a Content-Type announces OpenMetrics text."""
    return (content_type or "").split(";", 1)[0].strip().lower() == OPENMETRICS


def parse(data: bytes | str, *, openmetrics: bool = False) -> Exposition:
    """Read a whole page; raises `ExpositionError` at the first line that breaks the format."""
    text = _decode(data) if isinstance(data, bytes) else data
    return _Parser(openmetrics=openmetrics).run(text)


def histograms(family: Family) -> list[HistogramSeries]:
    """The series of a histogram (or gauge histogram) family, in the order first written."""
    count_suffix, sum_suffix = (
        ("_gcount", "_gsum") if family.type == "gaugehistogram" else ("_count", "_sum")
    )
    series: dict[tuple[tuple[str, str], ...], _Builder] = {}
    for sample in family.samples:
        if sample.name == family.name + "_bucket":
            key = tuple(sorted((k, v) for k, v in sample.labels if k != "le"))
            builder = series.setdefault(key, _Builder(line=sample.line))
            le = sample.label("le")
            if le is None:
                builder.unbounded += 1
            else:
                builder.buckets.append((_le(le), sample.value))
        elif sample.name in {family.name + count_suffix, family.name + sum_suffix}:
            key = tuple(sorted(sample.labels))
            builder = series.setdefault(key, _Builder(line=sample.line))
            if sample.name.endswith(count_suffix):
                builder.count = sample.value
            else:
                builder.sum = sample.value
    return [
        HistogramSeries(
            labels=labels,
            buckets=tuple(sorted(b.buckets, key=lambda pair: pair[0])),
            count=b.count,
            sum=b.sum,
            line=b.line,
            unbounded=b.unbounded,
        )
        for labels, b in series.items()
    ]


@dataclass(kw_only=True)
class _Builder:
    line: int
    buckets: list[tuple[float, float]] = field(default_factory=list)
    count: float | None = None
    sum: float | None = None
    unbounded: int = 0


@dataclass(kw_only=True)
class _FamilyBuilder:
    name: str
    line: int
    type: str | None = None
    help: str | None = None
    unit: str | None = None
    samples: list[Sample] = field(default_factory=list)
    closed: bool = False  # another family's samples came after this one's (OpenMetrics)

    def build(self, default_type: str) -> Family:
        return Family(
            name=self.name,
            type=self.type or default_type,
            help=self.help,
            unit=self.unit,
            samples=tuple(self.samples),
            line=self.line,
            declared=self.type is not None,
        )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ExpositionError(f"invalid UTF-8 (byte 0x{data[exc.start]:02x})", line=line) from None


class _Parser:
    def __init__(self, *, openmetrics: bool) -> None:
        self.om = openmetrics
        self.families: dict[str, _FamilyBuilder] = {}
        self.series: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        self.current: _FamilyBuilder | None = None

    def run(self, text: str) -> Exposition:
        lines = text.split("\n") if text else []
        ended = text.endswith("\n")
        if ended:
            lines.pop()
        if lines and not ended:
            raise ExpositionError("the last line does not end with a newline", line=len(lines))
        eof = False
        for number, line in enumerate(lines, start=1):
            if eof:
                raise ExpositionError("text after # EOF", line=number)
            if self.om:
                eof = self._om_line(line, number)
            else:
                self._text_line(line, number)
        if self.om and not eof:
            raise ExpositionError("the page does not end with # EOF", line=max(1, len(lines)))
        default = "unknown" if self.om else "untyped"
        return Exposition(
            format="openmetrics" if self.om else "text",
            families=tuple(f.build(default) for f in self.families.values()),
        )

    # --- lines ----------------------------------------------------------------------------

    def _text_line(self, line: str, number: int) -> None:
        stripped = line.lstrip(_BLANKS)
        if not stripped.strip(_BLANKS):
            return
        if stripped.startswith("#"):
            cursor = _Cursor(stripped, 1, number)
            cursor.blanks()
            keyword = cursor.token()
            if keyword in {"HELP", "TYPE"}:
                self._metadata(keyword, cursor)
            return  # any other comment is ignored
        self._sample(_Cursor(stripped, 0, number))

    def _om_line(self, line: str, number: int) -> bool:
        if not line:
            raise ExpositionError("a blank line (OpenMetrics has none)", line=number)
        if line.startswith("#"):
            if line == "# EOF":
                return True
            cursor = _Cursor(line, 1, number)
            if not cursor.blanks():
                raise ExpositionError(f"unexpected comment {line[:40]!r}", line=number)
            keyword = cursor.token()
            if keyword not in {"HELP", "TYPE", "UNIT"}:
                raise ExpositionError(
                    f"unexpected comment {line[:40]!r} (only HELP, TYPE, UNIT and EOF)",
                    line=number,
                )
            self._metadata(keyword, cursor)
            return False
        self._sample(_Cursor(line, 0, number))
        return False

    def _metadata(self, keyword: str, cursor: _Cursor) -> None:
        number = cursor.number
        if not cursor.blanks():
            raise ExpositionError(f"no metric name after # {keyword}", line=number)
        name = cursor.match(_METRIC_NAME)
        if name is None:
            raise ExpositionError(f"invalid metric name in # {keyword}", line=number)
        if cursor.more() and not cursor.blanks():
            raise ExpositionError(f"invalid metric name in # {keyword}", line=number)
        family = self._family(name, number)
        late = family.samples or family.closed if self.om else keyword == "TYPE" and family.samples
        if late:
            raise ExpositionError(
                f'# {keyword} for "{name}" after its samples (metadata comes first)', line=number
            )
        if keyword == "HELP":
            if family.help is not None:
                raise ExpositionError(f'second HELP line for "{name}"', line=number)
            family.help = cursor.escaped_rest(quote=self.om)
        elif keyword == "TYPE":
            if family.type is not None:
                raise ExpositionError(f'second TYPE line for "{name}"', line=number)
            kind = cursor.rest().strip(_BLANKS)
            allowed = _OM_TYPES if self.om else _TEXT_TYPES
            if kind not in allowed:
                expected = ", ".join(sorted(allowed))
                problem = f'unknown metric type "{kind}"' if kind else "no metric type"
                raise ExpositionError(
                    f'{problem} for "{name}"; expected one of {expected}', line=number
                )
            family.type = kind
        else:  # UNIT
            if family.unit is not None:
                raise ExpositionError(f'second UNIT line for "{name}"', line=number)
            unit = cursor.rest().strip(_BLANKS)
            if unit and not name.endswith("_" + unit):
                raise ExpositionError(
                    f'the family "{name}" does not end with its unit "_{unit}"', line=number
                )
            family.unit = unit
        self._switch(family, number)

    def _sample(self, cursor: _Cursor) -> None:
        number = cursor.number
        name = cursor.match(_METRIC_NAME)
        if name is None:
            raise ExpositionError("invalid metric name", line=number)
        labels: list[tuple[str, str]] = []
        gap = not self.om and cursor.blanks()
        if cursor.peek() == "{":
            labels = cursor.labels(name, quote_escape=True)
            gap = cursor.blanks() or not self.om  # text allows `name{...}1`
        elif self.om:
            gap = cursor.blanks()
        if not gap:
            raise ExpositionError(
                f'expected a blank and a value after "{name}", found {cursor.rest()[:20]!r}',
                line=number,
            )
        family = self._owner(name, number)
        value_text = cursor.token()
        value = _float(value_text)
        if value is None:
            hint = " (lines end with \\n alone, not \\r\\n)" if value_text.endswith("\r") else ""
            raise ExpositionError(
                f"expected a float as value, got {value_text!r}{hint}", line=number
            )
        timestamp: float | None = None
        if cursor.blanks() and cursor.more() and not cursor.rest().startswith("#"):
            timestamp = self._timestamp(cursor.token(), number)
            cursor.blanks()
        if cursor.more():
            if self.om and cursor.rest().startswith("#"):
                self._exemplar(cursor, name)
            else:
                raise ExpositionError(
                    f"unexpected text after the sample: {cursor.rest()[:30]!r}", line=number
                )
        self._check_le(family, name, labels, number)
        key = (name, tuple(sorted(labels)))
        if key in self.series:
            raise ExpositionError(
                f"the series {_series(name, labels)} was already exposed on line "
                f"{self.series[key]}",
                line=number,
            )
        self.series[key] = number
        family.samples.append(
            Sample(name=name, labels=tuple(labels), value=value, timestamp=timestamp, line=number)
        )

    def _timestamp(self, text: str, number: int) -> float:
        if self.om:
            value = _float(text)
            if value is None or not math.isfinite(value):
                raise ExpositionError(f'expected a timestamp in seconds, got "{text}"', line=number)
            return value
        if not _INTEGER.fullmatch(text) or not -_INT64 <= int(text) < _INT64:
            raise ExpositionError(
                f'expected an integer timestamp in milliseconds, got "{text}"', line=number
            )
        return int(text) / 1000

    def _exemplar(self, cursor: _Cursor, name: str) -> None:
        number = cursor.number
        cursor.position += 1
        if not cursor.blanks() or cursor.peek() != "{":
            raise ExpositionError("an exemplar is written # {labels} value", line=number)
        cursor.labels(name, quote_escape=True)
        if not cursor.blanks():
            raise ExpositionError("no value in the exemplar", line=number)
        if _float(cursor.token()) is None:
            raise ExpositionError("the exemplar's value is not a float", line=number)
        if cursor.blanks() and cursor.more():
            stamp = cursor.token()
            if _float(stamp) is None:
                raise ExpositionError(
                    f'the exemplar\'s timestamp "{stamp}" is not a number', line=number
                )
        cursor.blanks()
        if cursor.more():
            raise ExpositionError(
                f"unexpected text after the exemplar: {cursor.rest()[:30]!r}", line=number
            )

    def _check_le(
        self, family: _FamilyBuilder, name: str, labels: list[tuple[str, str]], number: int
    ) -> None:
        kind = family.type
        checked = (
            "le"
            if kind in {"histogram", "gaugehistogram"} and name == family.name + "_bucket"
            else "quantile"
            if kind == "summary" and name == family.name
            else None
        )
        if checked is None:
            return
        for key, value in labels:
            if key == checked and _float(value) is None:
                raise ExpositionError(
                    f'expected a float as value for the "{checked}" label, got "{value}"',
                    line=number,
                )

    # --- families -------------------------------------------------------------------------

    def _family(self, name: str, number: int) -> _FamilyBuilder:
        if name not in self.families:
            self.families[name] = _FamilyBuilder(name=name, line=number)
        return self.families[name]

    def _owner(self, name: str, number: int) -> _FamilyBuilder:
        """The family a sample name belongs to: a declared family whose type owns the suffix,
        else the family of that very name."""
        table = _OM_SUFFIXES if self.om else _TEXT_SUFFIXES
        for suffix in (
            "",
            "_bucket",
            "_sum",
            "_count",
            "_total",
            "_created",
            "_gsum",
            "_gcount",
            "_info",
        ):
            if suffix and not name.endswith(suffix):
                continue
            base = name[: len(name) - len(suffix)] if suffix else name
            family = self.families.get(base)
            if family is None or family.type is None:
                continue
            owned = table.get(family.type, ("",))
            if suffix in owned:
                self._switch(family, number)
                return family
        family = self._family(name, number)  # undeclared: the sample's whole name
        self._switch(family, number)
        return family

    def _switch(self, family: _FamilyBuilder, number: int) -> None:
        if self.current is family:
            return
        if self.om and family.closed:
            raise ExpositionError(
                f'the family "{family.name}" continues after another family (line '
                f"{family.line} began it; OpenMetrics families are not interleaved)",
                line=number,
            )
        if self.current is not None:
            self.current.closed = True
        self.current = family


class _Cursor:
    """A position in one line."""

    def __init__(self, text: str, position: int, number: int) -> None:
        self.text = text
        self.position = position
        self.number = number

    def more(self) -> bool:
        return self.position < len(self.text)

    def peek(self) -> str:
        return self.text[self.position : self.position + 1]

    def rest(self) -> str:
        return self.text[self.position :]

    def blanks(self) -> bool:
        start = self.position
        while self.position < len(self.text) and self.text[self.position] in _BLANKS:
            self.position += 1
        return self.position > start

    def token(self) -> str:
        start = self.position
        while self.position < len(self.text) and self.text[self.position] not in _BLANKS:
            self.position += 1
        return self.text[start : self.position]

    def match(self, pattern: re.Pattern[str]) -> str | None:
        found = pattern.match(self.text, self.position)
        if found is None:
            return None
        self.position = found.end()
        return found.group()

    def escaped_rest(self, *, quote: bool) -> str:
        """The rest of the line with `\\\\` and `\\n` (and `\\"` in OpenMetrics) unescaped."""
        return self._unescape(self.rest(), quote=quote, what="HELP text")

    def labels(self, name: str, *, quote_escape: bool) -> list[tuple[str, str]]:
        number = self.number
        self.position += 1  # {
        labels: list[tuple[str, str]] = []
        seen: set[str] = set()
        while True:
            self.blanks()
            if self.peek() == "}":
                self.position += 1
                return labels
            label = self.match(_LABEL_NAME)
            if label is None:
                found = self.rest()[:20]
                raise ExpositionError(f'invalid label name for "{name}" at {found!r}', line=number)
            if label in seen:
                raise ExpositionError(f'duplicate label "{label}" for "{name}"', line=number)
            seen.add(label)
            self.blanks()
            if self.peek() != "=":
                raise ExpositionError(
                    f'expected "=" after the label "{label}" of "{name}"', line=number
                )
            self.position += 1
            self.blanks()
            if self.peek() != '"':
                raise ExpositionError(
                    f'expected \'"\' at the start of the value of label "{label}" of "{name}"',
                    line=number,
                )
            labels.append((label, self._quoted(label, quote_escape)))
            self.blanks()
            if self.peek() == ",":
                self.position += 1
            elif self.peek() != "}":
                raise ExpositionError(
                    f'expected "," or "}}" after the label "{label}" of "{name}"', line=number
                )

    def _quoted(self, label: str, quote_escape: bool) -> str:
        start = self.position + 1
        index = start
        while index < len(self.text):
            char = self.text[index]
            if char == "\\":
                index += 2
                continue
            if char == '"':
                self.position = index + 1
                return self._unescape(
                    self.text[start:index], quote=quote_escape, what=f'label "{label}"'
                )
            index += 1
        raise ExpositionError(f'the value of label "{label}" is not closed', line=self.number)

    def _unescape(self, raw: str, *, quote: bool, what: str) -> str:
        if "\\" not in raw:
            return raw
        out: list[str] = []
        index = 0
        while index < len(raw):
            char = raw[index]
            if char != "\\":
                out.append(char)
                index += 1
                continue
            escaped = raw[index + 1 : index + 2]
            if escaped == "\\":
                out.append("\\")
            elif escaped == "n":
                out.append("\n")
            elif escaped == '"' and quote:
                out.append('"')
            else:
                raise ExpositionError(
                    f"invalid escape sequence '\\{escaped}' in {what}", line=self.number
                )
            index += 2
        return "".join(out)


def _float(text: str) -> float | None:
    if not _FLOAT.fullmatch(text):
        return None
    return float(text)


def _le(text: str) -> float:
    value = _float(text)
    return math.nan if value is None else value


def _bound(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:g}"


def _number(value: float) -> str:
    return f"{value:g}"


def _series(name: str, labels: list[tuple[str, str]]) -> str:
    if not labels:
        return name
    inner = ",".join(f'{k}="{v}"' for k, v in labels)
    return f"{name}{{{inner}}}"
