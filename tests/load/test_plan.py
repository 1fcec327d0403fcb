"""Arrival schedules (no drift, exact counts, ramps) and the latency histogram (lossless merge,
reproducible encoding)."""

from __future__ import annotations

import math
import random
from types import ModuleType

import pytest

from golive.load import Latencies, LoadPlan, Stage
from golive.load.plan import Arrivals


def times(arrivals: Arrivals) -> list[float]:
    cursor = arrivals.cursor()
    return [cursor.time(i)[0] for i in range(arrivals.total)]


def test_a_constant_rate_is_start_plus_i_over_rate() -> None:
    arrivals = Arrivals.of((Stage(rate=1000, seconds=300),))
    assert arrivals.total == 300_000
    cursor = arrivals.cursor()
    for i in (0, 1, 999, 123_457, 299_999):
        assert cursor.time(i)[0] == pytest.approx(i / 1000, abs=1e-12)


def test_a_ramp_integrates_its_rate() -> None:
    arrivals = Arrivals.of(
        (Stage(rate=100, seconds=10, measured=False), Stage(rate=100, seconds=5)), 10
    )
    # (10 + 100) / 2 * 10 = 550 during the ramp, then 500
    assert arrivals.total == 1050
    assert arrivals.measured_from == 10 and arrivals.measured_seconds == 5
    assert arrivals.measured_rate == pytest.approx(100)
    at = times(arrivals)
    assert at == sorted(at)
    assert at[0] == 0 and at[549] < 10 <= at[550]
    # the gaps shrink as the rate grows: 1/10 s at the start, 1/100 s at the end
    assert at[1] - at[0] == pytest.approx(0.1, rel=0.05)
    assert at[549] - at[548] == pytest.approx(0.01, rel=0.05)
    assert at[551] - at[550] == pytest.approx(0.01, abs=1e-9)
    measured = [t for t, m in (arrivals.cursor().time(i) for i in range(arrivals.total)) if m]
    assert len(measured) == 500


def test_a_ramp_down_and_a_pause() -> None:
    stages = (Stage(rate=0, seconds=2), Stage(rate=0, seconds=2), Stage(rate=50, seconds=2))
    arrivals = Arrivals.of(stages, 100)
    assert arrivals.total == 100 + 0 + 50
    at = times(arrivals)
    assert at == sorted(at) and at[-1] < 6
    assert all(t < 2 for t in at[:100])  # a ramp down from 100/s to 0 ...
    assert all(t >= 4 for t in at[100:])  # ... nothing while the rate is 0, then up to 50/s
    assert at[1] - at[0] == pytest.approx(0.01, rel=0.01)


def test_the_steady_shape(kit: ModuleType) -> None:
    target = kit.target("http://127.0.0.1:9")
    plan = LoadPlan.steady(target, "/", rate=200, seconds=30)
    assert plan.stages == (Stage(rate=200, seconds=10, measured=False), Stage(rate=200, seconds=30))
    assert plan.start_rate == 20
    assert plan.max_inflight == 400
    assert plan.requests == 1100 + 6000
    assert plan.peak_rate == 200
    assert plan.seconds == 40
    assert LoadPlan.steady(target, "/", rate=5000, seconds=1, ramp=0).max_inflight == 1000
    assert LoadPlan.steady(target, "/", rate=10, seconds=1, max_inflight=3).max_inflight == 3


def test_latencies_merge_without_loss() -> None:
    rng = random.Random(7)
    values = [rng.expovariate(50) for _ in range(20_000)]
    whole, left, right = Latencies(), Latencies(), Latencies()
    for i, value in enumerate(values):
        whole.record(value)
        (left if i % 2 else right).record(value)
    left.merge(right)
    assert left.count == whole.count == 20_000
    for p in (0, 50, 90, 99, 99.9, 100):
        assert left.percentile(p) == whole.percentile(p)
    assert left.mean == pytest.approx(whole.mean)
    exact = sorted(values)[int(0.99 * len(values))]
    assert whole.percentile(99) == pytest.approx(exact, rel=0.002)


def test_latencies_encode_and_decode() -> None:
    latencies = Latencies()
    for value in (0.0000001, 0.001, 0.0125, 2.5, 120.0):
        latencies.record(value)
    again = Latencies.decode(latencies.encode())
    assert again.count == 5
    assert again.min == pytest.approx(1e-6)
    assert again.percentile(50) == pytest.approx(0.0125, rel=0.001)
    assert again.max == pytest.approx(60, rel=0.001)  # clamped to the histogram's range
    assert latencies.encode() == again.encode()


def test_an_empty_distribution_says_nan() -> None:
    empty = Latencies()
    assert empty.count == 0
    assert math.isnan(empty.percentile(99)) and math.isnan(empty.mean) and math.isnan(empty.max)
    empty.merge(Latencies())
    assert Latencies.decode(empty.encode()).count == 0
