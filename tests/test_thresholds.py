from __future__ import annotations

import math
import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.thresholds import (
    Comparator,
    Dimension,
    Quantity,
    Threshold,
    ThresholdError,
    describe_duration,
    format_duration,
    min_samples,
    parse_duration,
    parse_quantity,
    parse_range,
    parse_threshold,
)

D = Dimension
DAY = 86_400

# text, canonical form, value, dimension, (statistic, metric)
THRESHOLDS = [
    ("<100ms", "< 100 ms", 0.1, D.DURATION, (None, None)),
    ("p99 < 0.25s", "p99 < 250 ms", 0.25, D.DURATION, ("p99", None)),
    ("p(99.9)<1s", "p99.9 < 1 s", 1.0, D.DURATION, ("p99.9", None)),
    (">1000 req/s", "> 1000 req/s", 1000.0, D.RATE, (None, None)),
    (">60k req/min", "> 1000 req/s", 1000.0, D.RATE, (None, None)),
    (">=80%", ">= 80%", 0.8, D.RATIO, (None, None)),
    ("<1%", "< 1%", 0.01, D.RATIO, (None, None)),
    (">99.9%", "> 99.9%", 0.999, D.RATIO, (None, None)),
    ("<512MB", "< 512 MB (512,000,000 B)", 512_000_000.0, D.SIZE, (None, None)),
    ("<=10MB", "<= 10 MB (10,000,000 B)", 10_000_000.0, D.SIZE, (None, None)),
    ("<=10MiB", "<= 10 MiB (10,485,760 B)", 10_485_760.0, D.SIZE, (None, None)),
    (">=14days", ">= 14 d", 1_209_600.0, D.DURATION, (None, None)),
    ("<2h", "< 2 h", 7200.0, D.DURATION, (None, None)),
    ("error_rate < 1%", "error_rate < 1%", 0.01, D.RATIO, (None, "error_rate")),
    ("alert > 80%", "alert > 80%", 0.8, D.RATIO, (None, "alert")),
    ("alert > 100ms", "alert > 100 ms", 0.1, D.DURATION, (None, "alert")),
    (">500 rps", "> 500 req/s", 500.0, D.RATE, (None, None)),
    ("<6000 rpm", "< 100 req/s", 100.0, D.RATE, (None, None)),
    (">2 req / min", "> 2 req/min", 2 / 60, D.RATE, (None, None)),
    (">1.5M requests/hour", "> 25000 req/min", 1_500_000 / 3600, D.RATE, (None, None)),
    ("<5m", "< 5 m", 300.0, D.DURATION, (None, None)),
    ("<90s", "< 1.5 m", 90.0, D.DURATION, (None, None)),
    ("<250us", "< 250 us", 0.000_25, D.DURATION, (None, None)),
    ("< 2 months", "< 60 d", 60.0 * DAY, D.DURATION, (None, None)),
    ("<1_000ms", "< 1 s", 1.0, D.DURATION, (None, None)),
    ("latency p95 <= 1.5h", "latency p95 <= 1.5 h", 5400.0, D.DURATION, ("p95", "latency")),
    ("mean<20ms", "avg < 20 ms", 0.02, D.DURATION, ("avg", None)),
    ("P(95.0) < 2s", "p95 < 2 s", 2.0, D.DURATION, ("p95", None)),
    ("max<=1 s", "max <= 1 s", 1.0, D.DURATION, ("max", None)),
    ("med != 3", "median != 3", 3.0, D.COUNT, ("median", None)),
    ("==0", "== 0", 0.0, D.COUNT, (None, None)),
    (">10k", "> 10000", 10_000.0, D.COUNT, (None, None)),
    (">=0.5KB", ">= 500 B", 500.0, D.SIZE, (None, None)),
    ("< 1.5 MiB", "< 1.5 MiB (1,572,864 B)", 1_572_864.0, D.SIZE, (None, None)),
    ("<=10 MB (10,000,000 B)", "<= 10 MB (10,000,000 B)", 10_000_000.0, D.SIZE, (None, None)),
]


@pytest.mark.parametrize(("text", "canonical", "value", "dimension", "head"), THRESHOLDS)
def test_threshold_parses(
    text: str, canonical: str, value: float, dimension: Dimension, head: tuple[str | None, ...]
) -> None:
    threshold = parse_threshold(text)
    assert threshold.quantity.value == value
    assert threshold.quantity.dimension is dimension
    assert (threshold.statistic, threshold.metric) == head
    assert threshold.text == text
    assert str(threshold) == canonical
    assert _key(parse_threshold(canonical)) == _key(threshold)


@pytest.mark.parametrize(
    "text",
    [
        ">=80%",
        "<100ms",
        ">1000 req/s",
        "<512MB",
        "<80%",
        "alert > 85%",
        "error_rate > 2%",
        "<30s",
        "<10m",
        ">=90%",
        ">99.9%",
    ],
)
def test_seed_forms_parse(text: str) -> None:
    assert parse_threshold(text).text == text


def test_default_statistic_fills_in_only_when_none_is_written() -> None:
    assert str(parse_threshold("<100ms", default_statistic="p95")) == "p95 < 100 ms"
    assert parse_threshold("p99<1s", default_statistic="p95").statistic == "p99"
    assert parse_threshold("<1s", default_statistic="p(99.0)").statistic == "p99"
    assert parse_threshold("<1s").statistic is None


def test_expected_dimension_allows_bare_ratio_and_count() -> None:
    ratio = parse_threshold("<0.01", dimension=D.RATIO).quantity
    assert (ratio.value, ratio.dimension, str(ratio)) == (0.01, D.RATIO, "1%")
    assert parse_threshold("<1%", dimension=D.RATIO).quantity.value == 0.01
    assert parse_threshold("<=5", dimension=D.COUNT).quantity.dimension is D.COUNT
    assert parse_threshold("<=5").quantity.dimension is D.COUNT


def test_exact_conversions() -> None:
    assert parse_quantity("60000 req/min").value == parse_quantity("1000 req/s").value == 1000.0
    assert parse_quantity("99.9%").value == 0.999
    assert parse_quantity("0.1%").value == 0.001


# text, value, dimension, canonical form
QUANTITIES = [
    ("1000 req/min", 1000 / 60, D.RATE, "1000 req/min"),
    ("1gb", 1e9, D.SIZE, "1 GB (1,000,000,000 B)"),
    ("512MB", 512e6, D.SIZE, "512 MB (512,000,000 B)"),
    ("30s", 30.0, D.DURATION, "30 s"),
    ("300s", 300.0, D.DURATION, "5 m"),
    ("1h", 3600.0, D.DURATION, "1 h"),
    ("1kib", 1024.0, D.SIZE, "1 KiB (1,024 B)"),
    ("10mb", 1e7, D.SIZE, "10 MB (10,000,000 B)"),
    ("2 TiB", 2.0 * 2**40, D.SIZE, "2 TiB (2,199,023,255,552 B)"),
    ("100 B", 100.0, D.SIZE, "100 B"),
    ("10k", 10_000.0, D.COUNT, "10000"),
    ("3 M", 3e6, D.COUNT, "3000000"),
    ("0.5", 0.5, D.COUNT, "0.5"),
    ("2Mreq/s", 2e6, D.RATE, "2000000 req/s"),
    ("10µs", 1e-5, D.DURATION, "10 us"),
    ("1 Hour", 3600.0, D.DURATION, "1 h"),
]


@pytest.mark.parametrize(("text", "value", "dimension", "canonical"), QUANTITIES)
def test_quantity_parses(text: str, value: float, dimension: Dimension, canonical: str) -> None:
    quantity = parse_quantity(text)
    assert (quantity.value, quantity.dimension, quantity.text) == (value, dimension, text)
    assert str(quantity) == canonical
    assert parse_quantity(canonical).value == value


DURATIONS = [
    ("4_hours", 4 * 3600),
    ("30_days", 30 * DAY),
    ("7_years", 7 * 365 * DAY),
    ("24h", DAY),
    ("15_minutes", 900),
    ("30_minutes", 1800),
    ("1_hour", 3600),
    ("within_24_hours", DAY),
    ("within 2 days", 2 * DAY),
    ("hourly", 3600),
    ("daily", DAY),
    ("weekly", 7 * DAY),
    ("monthly", 30 * DAY),
    ("quarterly", 90 * DAY),
    ("annually", 365 * DAY),
    ("yearly", 365 * DAY),
    ("Daily", DAY),
    ("1 month", 30 * DAY),
    ("1m", 60),
    ("1y", 365 * DAY),
    ("2w", 14 * DAY),
    ("100ms", 0.1),
]


@pytest.mark.parametrize(("text", "seconds"), DURATIONS)
def test_duration_parses(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.1, "100 ms"),
        (7200, "2 h"),
        (30 * DAY, "30 d"),
        (0, "0 s"),
        (45, "45 s"),
        (100, "100 s"),
        (90, "1.5 m"),
        (-5, "-5 s"),
        (1e-9, "1 ns"),
    ],
)
def test_format_duration(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 s"),
        (0.001, "1 ms"),
        (0.42, "0.42 s"),
        (59.999, "1 min"),
        (200, "3 min 20 s"),
        (18_720, "5 h 12 min"),
        (90_061, "1 d 1 h"),
        (7 * DAY, "7 d"),
        (-5, "-5 s"),
        (math.inf, "inf"),
    ],
)
def test_describe_duration_rounds_to_two_units(seconds: float, said: str) -> None:
    assert describe_duration(seconds) == said


@pytest.mark.parametrize(
    ("text", "low", "high", "name"),
    [
        ("1-65535", 1, 65535, None),
        ("port: 1-65535", 1, 65535, "port"),
        ("timeout: 1-300", 1, 300, "timeout"),
        (" 0.5 - 1_000 ", 0.5, 1000, None),
        ("7-7", 7, 7, None),
    ],
)
def test_range_parses(text: str, low: float, high: float, name: str | None) -> None:
    parsed = parse_range(text)
    assert (parsed.low, parsed.high, parsed.name, parsed.text) == (low, high, name, text)
    assert low in parsed
    assert high in parsed
    assert low - 1 not in parsed
    assert high + 0.5 not in parsed


def test_range_shows_itself() -> None:
    assert str(parse_range("port:1 - 65535")) == "port: 1-65535"


@pytest.mark.parametrize(
    ("statistic", "samples"),
    [
        ("p95", 200),
        ("p99", 1000),
        ("p99.9", 10_000),
        ("p(99.9)", 10_000),
        ("p50", 20),
        ("median", 20),
        ("avg", 30),
        ("mean", 30),
        ("max", 30),
    ],
)
def test_min_samples(statistic: str, samples: int) -> None:
    assert min_samples(statistic) == samples


# text, expected dimension, message fragments, column
THRESHOLD_ERRORS = [
    ("<100", D.DURATION, ["unit required", "ms, s, m, h, d, w"], 4),
    ("<1%", D.DURATION, ["wrong dimension", '"%" is a ratio unit', "a duration"], 2),
    ("<5s", D.COUNT, ["wrong dimension", "plain number"], 2),
    ("<10", D.SIZE, ["unit required", "MiB"], 3),
    ("avg=123", None, ['"=" is not a comparator', 'use "=="'], 3),
    ("p95 => 1s", None, ['use ">="'], 4),
    ("p95 <> 1s", None, ['use "!="'], 4),
    ("<< 1s", None, ['"<<" is not a comparator', "expected one of <, <="], 0),
    ("p95 ≤ 100ms", None, ['"≤" is not a comparator', 'write "<="'], 4),
    ("≥99%", None, ['write ">="'], 0),
    (">150%", None, ["above 100%"], 1),
    ("<1.5", D.RATIO, ["above 1"], 1),
    ("latency p9x < 1s", None, ['unknown statistic "p9x"', "avg, mean"], 8),
    ("latency fast < 1s", None, ['unknown statistic "fast"'], 8),
    ("p9x<1s", None, ['unknown statistic "p9x"'], 0),
    ("p100<1s", None, ["between 0 and 100"], 0),
    ("p(0) < 1s", None, ["between 0 and 100"], 0),
    ("", None, ["empty threshold"], 0),
    ("   ", D.DURATION, ["empty threshold"], 0),
    ("100ms", None, ["missing comparator", "expected one of <, <=, >, >=, ==, !="], 0),
    ("p95<", None, ['missing quantity after "p95<"'], 4),
    ("<abc", None, ["expected a number"], 1),
    ("<-5ms", None, ["expected a number"], 1),
    ("<10k ms", None, ['scale suffix "k"', "rates and counts"], 3),
    ("<10Ms", None, ['scale suffix "M"'], 3),
    ("<10k", D.RATIO, ['scale suffix "k"'], 3),
    ("<0.3KiB", None, ["whole number of bytes"], 1),
    ("<=10MB (5 B)", None, ["does not match"], 7),
    ("a b c < 1", None, ['unexpected "c"', "[metric] [statistic] comparator quantity"], 4),
    ("1x < 1", None, ['unexpected "1x"'], 0),
    ("<" + "9" * 400, None, ["number too large"], 1),
]


@pytest.mark.parametrize(("text", "dimension", "fragments", "column"), THRESHOLD_ERRORS)
def test_threshold_error(
    text: str, dimension: Dimension | None, fragments: list[str], column: int
) -> None:
    with pytest.raises(ThresholdError) as caught:
        parse_threshold(text, dimension=dimension)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert (caught.value.column, caught.value.text) == (column, text)


def test_unknown_unit_lists_the_expected_dimension() -> None:
    with pytest.raises(ThresholdError) as caught:
        parse_threshold("<100mss", dimension=D.DURATION)
    expected = 'unknown unit "mss" in "<100mss"; expected one of ms, s, m, h, d, w'
    assert (str(caught.value), caught.value.message, caught.value.column) == (expected, expected, 4)


def test_unknown_unit_lists_every_dimension_when_none_is_expected() -> None:
    with pytest.raises(ThresholdError, match="unknown unit") as caught:
        parse_threshold("<100mss")
    for group in ("a duration (ms,", "a rate (req/s,", "a percentage (%)", "a size (B, KB,"):
        assert group in str(caught.value)


Parser = Callable[[str], object]

OTHER_ERRORS: list[tuple[Parser, str, str, int]] = [
    (parse_quantity, "", "empty quantity", 0),
    (parse_quantity, "5 (5 B)", "does not match", 2),
    (parse_quantity, "1 req/day", 'unknown unit "req/day"', 2),
    (parse_duration, "fortnightly", 'unknown duration "fortnightly"', 0),
    (parse_duration, "4_parsecs", 'unknown unit "parsecs"', 2),
    (parse_duration, "1%", "wrong dimension", 1),
    (parse_duration, "10", "unit required", 2),
    (parse_range, "", "empty range", 0),
    (parse_range, "65535-1", "low bound is above the high bound", 0),
    (parse_range, "port 1-2", "expected a number for the low bound", 0),
    (parse_range, "1-", "expected a number for the high bound", 2),
    (parse_range, "1 2", 'expected "-"', 2),
    (parse_range, "1-2x", "unexpected text", 3),
    (min_samples, "p100", "between 0 and 100", 0),
    (min_samples, "mode", 'unknown statistic "mode"', 0),
]


@pytest.mark.parametrize(("parse", "text", "fragment", "column"), OTHER_ERRORS)
def test_other_errors(parse: Parser, text: str, fragment: str, column: int) -> None:
    with pytest.raises(ThresholdError, match=fragment.replace("(", r"\(")) as caught:
        parse(text)
    assert (caught.value.column, caught.value.text) == (column, text)


def test_holds_on_the_boundary() -> None:
    assert parse_threshold("<100ms").holds(0.099)
    assert not parse_threshold("<100ms").holds(0.1)
    assert parse_threshold("<=100ms").holds(0.1)
    assert parse_threshold(">=99.9%").holds(0.999)
    assert parse_threshold("!=0").holds(1)


# Property tests -----------------------------------------------------------------------------

OPERATORS = {
    Comparator.LT: operator.lt,
    Comparator.LE: operator.le,
    Comparator.GT: operator.gt,
    Comparator.GE: operator.ge,
    Comparator.EQ: operator.eq,
    Comparator.NE: operator.ne,
}
UNITS = {
    D.DURATION: ["ns", "us", "µs", "ms", "s", "sec", "m", "min", "h", "hr", "d", "days", "w", "y"],
    D.RATE: ["req/s", "req/min", "req/h", "rps", "rpm", "requests/second", "req / min", "kreq/s"],
    D.RATIO: ["%"],
    D.SIZE: ["B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "kb", "gib"],
    D.COUNT: ["", "k", "K", "M"],
}


def _numbers(top: int, *, decimals: bool = True) -> st.SearchStrategy[str]:
    whole = st.integers(0, top).map(str)
    if not decimals:
        return whole
    fraction = st.just("") | st.text("0123456789", min_size=1, max_size=3).map(lambda d: f".{d}")
    return st.tuples(whole, fraction).map("".join)


def _threshold_texts(dimension: Dimension) -> st.SearchStrategy[str]:
    """Thresholds as a user might write them, built once: strategies are costly to make."""
    space = st.sampled_from(["", " "])
    parts = (
        st.sampled_from(["", "latency ", "error_rate ", "http.server.duration "]),
        st.sampled_from(["", "p95", "p(99.9)", "avg", "mean", "min", "max", "med", "P99"])
        | st.integers(1, 99).map(lambda n: f"p{n}"),
        space,
        st.sampled_from([str(comparator) for comparator in Comparator]),
        space,
        _numbers(99 if dimension is D.RATIO else 10**6, decimals=dimension is not D.SIZE),
        space,
        st.sampled_from(UNITS[dimension]),
    )
    return st.tuples(*parts).map("".join)


THRESHOLD_TEXTS = {dimension: _threshold_texts(dimension) for dimension in Dimension}


def _key(threshold: Threshold) -> tuple[object, ...]:
    """Everything but the text as written."""
    quantity = threshold.quantity
    return (
        threshold.comparator,
        quantity.value,
        quantity.dimension,
        threshold.statistic,
        threshold.metric,
    )


@pytest.mark.parametrize("dimension", list(Dimension))
@given(data=st.data())
def test_round_trip_of_written_thresholds(dimension: Dimension, data: st.DataObject) -> None:
    threshold = parse_threshold(data.draw(THRESHOLD_TEXTS[dimension]))
    assert threshold.quantity.dimension is dimension
    assert _key(parse_threshold(str(threshold))) == _key(threshold)


CANONICAL_VALUES = {
    D.DURATION: st.floats(0, 1e12),
    D.RATE: st.floats(0, 1e12),
    D.RATIO: st.floats(0, 1),
    D.SIZE: st.integers(0, 10**16).map(float),
    D.COUNT: st.floats(0, 1e15),
}


@pytest.mark.parametrize("dimension", list(Dimension))
@given(data=st.data())
def test_round_trip_of_any_canonical_value(dimension: Dimension, data: st.DataObject) -> None:
    value = data.draw(CANONICAL_VALUES[dimension])
    quantity = Quantity(value=value, dimension=dimension, text="")
    threshold = Threshold(
        comparator=data.draw(st.sampled_from(list(Comparator))),
        quantity=quantity,
        statistic=data.draw(st.sampled_from([None, "p95", "p99.9", "avg", "median"])),
        metric=data.draw(st.sampled_from([None, "error_rate"])),
        text="",
    )
    assert _key(parse_threshold(str(threshold))) == _key(threshold)
    assert parse_quantity(str(quantity)).value == value


@given(st.integers(0, 10**9))
def test_rates_per_minute_are_a_sixtieth_per_second(n: int) -> None:
    assert parse_quantity(f"{n} req/min").value == float(Fraction(n, 60))
    assert parse_quantity(f"{n * 60} req/min").value == parse_quantity(f"{n} rps").value
    assert parse_quantity(f"{n}k req/s").value == parse_quantity(f"{n * 1000} req/s").value


@given(st.integers(0, 10**6), st.sampled_from(["K", "M", "G", "T"]))
def test_binary_and_decimal_sizes(n: int, prefix: str) -> None:
    power = "KMGT".index(prefix) + 1
    binary = parse_quantity(f"{n}{prefix}iB").value
    decimal = parse_quantity(f"{n}{prefix}B").value
    assert binary == n * 1024**power
    assert decimal == n * 1000**power
    assert binary >= decimal


@given(st.integers(0, 10**6))
def test_durations_agree_across_units(n: int) -> None:
    assert parse_duration(f"{n}h") == parse_duration(f"{n * 60}m") == parse_duration(f"{n * 3600}s")
    assert parse_duration(f"{n}_days") == parse_duration(f"{n * 24}h")


@given(data=st.data(), dimension=st.sampled_from(list(Dimension)))
def test_holds_agrees_with_the_comparator(data: st.DataObject, dimension: Dimension) -> None:
    threshold = parse_threshold(data.draw(THRESHOLD_TEXTS[dimension]))
    limit = threshold.quantity.value
    observed = data.draw(st.floats(allow_nan=False) | st.just(limit))
    assert threshold.holds(observed) is OPERATORS[threshold.comparator](observed, limit)


PARSERS = [parse_threshold, parse_quantity, parse_duration, parse_range, min_samples]
GRAMMAR_TEXT = st.text("0123456789._ <>=!%()/:-pkKMmsuhdBiGT reqavgdays", max_size=20)


@pytest.mark.parametrize("parse", PARSERS)
@given(text=st.text() | GRAMMAR_TEXT)
def test_any_text_fails_only_with_threshold_error(parse: Parser, text: str) -> None:
    try:
        parse(text)
    except ThresholdError as error:
        assert error.text == text
        assert 0 <= error.column <= len(text)


@given(text=st.text() | GRAMMAR_TEXT, dimension=st.sampled_from(list(Dimension)))
def test_any_text_with_a_dimension_fails_only_with_threshold_error(
    text: str, dimension: Dimension
) -> None:
    for parse in (parse_threshold, parse_quantity):
        try:
            quantity = parse(text, dimension=dimension)
        except ThresholdError as error:
            assert 0 <= error.column <= len(text)
        else:
            got = quantity.quantity if isinstance(quantity, Threshold) else quantity
            assert got.dimension is dimension


@given(
    st.decimals(Decimal("100.001"), Decimal(1000), places=3).map(str)
    | st.floats(100, 1000, exclude_min=True).map(repr)
)
def test_percentages_above_100_fail(number: str) -> None:
    with pytest.raises(ThresholdError, match="above 100%"):
        parse_threshold(f"<{number}%")
    with pytest.raises(ThresholdError, match="above 100%"):
        parse_quantity(f"{number}%", dimension=D.RATIO)


@given(st.floats(1, 1e6, exclude_min=True).map(repr))
def test_ratios_above_1_fail(number: str) -> None:
    with pytest.raises(ThresholdError, match="above 1"):
        parse_threshold(f">{number}", dimension=D.RATIO)
