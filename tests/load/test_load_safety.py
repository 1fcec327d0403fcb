"""The engine enforces the target policy itself: load consent, the declared max_rate and the
hard caps, the run's budget reserved up front, and traffic to the pinned origin only."""

from __future__ import annotations

from types import ModuleType

import pytest
from livekit import Listener, Nginx

from golive.load import LIGHT_RATE, MAX_RATE, LoadPlan, Stage, run_closed, run_open
from golive.probes.safety import Caps, ProbeRefused


def plan(target: object, *, rate: float = 50, seconds: float = 1, **kw: object) -> LoadPlan:
    return LoadPlan(target=target, path="/", stages=(Stage(rate=rate, seconds=seconds),), **kw)  # type: ignore[arg-type]


def test_a_light_sample_needs_active_consent_and_no_more(kit: ModuleType, nginx: Nginx) -> None:
    passive = kit.target(kit.nginx_url(nginx), consent="passive")
    with pytest.raises(ProbeRefused, match='a latency sample needs consent = "active"'):
        run_open(plan(passive, rate=LIGHT_RATE, seconds=0.5))
    active = kit.target(kit.nginx_url(nginx), consent="active")
    assert run_open(plan(active, rate=LIGHT_RATE, seconds=0.5)).ok == 5
    with pytest.raises(ProbeRefused, match='a load test needs consent = "load"'):
        run_open(plan(active, rate=LIGHT_RATE + 1, seconds=0.5))


def test_consent_below_load_is_refused_and_nothing_is_sent(kit: ModuleType) -> None:
    with Listener() as listener:
        for consent in ("passive", "active"):
            target = kit.target(f"http://127.0.0.1:{listener.port}", consent=consent)
            with pytest.raises(ProbeRefused, match='a load test needs consent = "load"'):
                run_open(plan(target))
            with pytest.raises(ProbeRefused, match="consent"):
                run_closed(plan(target), connections=1, seconds=1)
            assert target.policy.requests_sent == 0
    assert listener.connections == 0


def test_a_rate_above_max_rate_is_refused(kit: ModuleType) -> None:
    with Listener() as listener:
        target = kit.target(f"http://127.0.0.1:{listener.port}", max_rate=100)
        with pytest.raises(ProbeRefused, match=r"peak rate of 150 req/s exceeds max_rate = 100"):
            run_open(plan(target, rate=150))
        ramp = LoadPlan(
            target=target, path="/", start_rate=120, stages=(Stage(rate=10, seconds=1),)
        )
        with pytest.raises(ProbeRefused, match="exceeds max_rate"):
            run_open(ramp)
        with pytest.raises(ProbeRefused, match="cannot keep to a rate"):
            run_closed(plan(target), connections=1, seconds=1)
        unlimited = kit.target(f"http://127.0.0.1:{listener.port}", caps=Caps(requests=10**7))
        with pytest.raises(ProbeRefused, match="hard cap"):
            run_open(plan(unlimited, rate=MAX_RATE + 1, seconds=0.01))
    assert listener.connections == 0


def test_a_plan_beyond_the_budget_is_refused_whole(kit: ModuleType, nginx: Nginx) -> None:
    target = kit.target(kit.nginx_url(nginx), caps=Caps(requests=150))
    with pytest.raises(ProbeRefused, match="200 planned requests exceed"):
        run_open(plan(target, rate=200))
    assert target.policy.requests_sent == 0
    result = run_open(plan(target, rate=100))  # fits: charged before the first request
    assert result.ok == 100
    assert target.policy.requests_sent == 100
    with pytest.raises(ProbeRefused, match=r"exceed what is left of the run's cap of 150 \(50\)"):
        run_open(plan(target, rate=100))
    tiny = kit.target(kit.nginx_url(nginx), caps=Caps(bytes_sent=10_000))
    with pytest.raises(ProbeRefused, match="planned bytes exceed"):
        run_open(plan(tiny, rate=100))


def test_other_bounds_are_refused(kit: ModuleType) -> None:
    with Listener() as listener:
        target = kit.target(f"http://127.0.0.1:{listener.port}", caps=Caps(inflight=10))
        with pytest.raises(ProbeRefused, match="max_inflight = 20 exceeds the run's cap of 10"):
            run_open(plan(target, max_inflight=20))
        long = kit.target(f"http://127.0.0.1:{listener.port}")
        with pytest.raises(ProbeRefused, match="lasts at most 300 s"):
            run_open(plan(long, rate=1, seconds=301))
        with pytest.raises(ProbeRefused, match="no credential"):
            run_open(plan(long, credentials=True))
    assert listener.connections == 0


def test_traffic_goes_to_the_pinned_origin_only(kit: ModuleType, nginx: Nginx) -> None:
    with Listener() as other:
        target = kit.target(kit.nginx_url(nginx))
        result = run_open(plan(target, rate=100, seconds=0.5))
        closed = run_closed(plan(target), connections=2, seconds=0.3)
    assert result.ok == 50 and closed.ok > 0
    assert other.connections == 0


def test_the_request_identifies_golive(kit: ModuleType) -> None:
    heads: list[bytes] = []

    async def record(number: int, head: bytes, writer: object) -> bool:
        heads.append(head)
        writer.write(kit.OK)  # type: ignore[attr-defined]
        return True

    with kit.Scripted(record) as server:
        target = kit.target(server.url + "/base")
        run_open(
            LoadPlan(
                target=target,
                path="/items?page=2",
                method="HEAD",
                headers=(("X-Extra", "1"),),
                stages=(Stage(rate=10, seconds=0.2),),
            )
        )
    head = heads[0].decode()
    assert head.startswith("HEAD /base/items?page=2 HTTP/1.1\r\n")
    assert f"\r\nHost: 127.0.0.1:{server.port}\r\n" in head
    assert f"\r\nX-Golive-Run-Id: {target.policy.run_id}\r\n" in head
    assert "\r\nUser-Agent: golive/" in head
    assert "\r\nX-Extra: 1\r\n" in head


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stages": ()}, "at least one stage"),
        ({"stages": (Stage(rate=1, seconds=1, measured=False),)}, "needs a measured stage"),
        (
            {
                "stages": (
                    Stage(rate=1, seconds=1),
                    Stage(rate=1, seconds=1, measured=False),
                    Stage(rate=1, seconds=1),
                )
            },
            "must follow one another",
        ),
        ({"method": "DELETE"}, "GET, HEAD or POST"),
        ({"method": "POST"}, "needs a body"),
        ({"path": "http://elsewhere/"}, "is not a request path"),
        ({"headers": (("Host", "elsewhere"),)}, "writes the Host header itself"),
        ({"headers": (("X-A", "1\r\nX-B: 2"),)}, "malformed header"),
        ({"timeout": 61}, "timeout must be"),
        ({"max_inflight": 0}, "max_inflight must be"),
        ({"expected": (400, 200)}, "not a range"),
    ],
)
def test_malformed_plans_are_rejected(
    kit: ModuleType, changes: dict[str, object], message: str
) -> None:
    target = kit.target("http://127.0.0.1:9")
    fields: dict[str, object] = {
        "target": target,
        "path": "/",
        "stages": (Stage(rate=1, seconds=1),),
    }
    with pytest.raises(ValueError, match=message):
        LoadPlan(**{**fields, **changes})  # type: ignore[arg-type]
