"""The burst of `limits.rate`: the declared allowance, the requests sent, and how each answer
is judged, up to the recovery after a 429."""

from __future__ import annotations

import contextlib
import email.utils
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from golive.checks._limits_parts import Part
from golive.model import Status
from golive.probes.http import Headers, HttpError, request
from golive.probes.safety import Consent, PinnedTarget, ProbeRefused
from golive.thresholds import Quantity

__all__ = [
    "MAX_WAIT",
    "SHOT_TIMEOUT",
    "Allowance",
    "Burst",
    "limit_headers",
    "no_limit",
    "on_time",
    "retry_after",
    "retry_header",
    "try_recovery",
]

_BURST_CAP = 1000  # requests in one burst
_BURST_SECONDS = 10.0
SHOT_TIMEOUT = 5.0
_UNDECLARED_BURST = 100
_DECISIVE = frozenset({429, *range(500, 600)})  # statuses that end a burst
MAX_WAIT = 60.0  # the longest wait for recovery after a 429
_GRACE = 0.5  # added to Retry-After: a server rounding it down still recovers
_LIMIT_HEADERS = (
    "RateLimit-Policy",
    "RateLimit",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)
_WINDOWS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
_WINDOWS |= {"h": 3600, "hr": 3600, "hour": 3600}


@dataclass(frozen=True, kw_only=True)
class Allowance:
    """What the declared limit lets a client send: a window's count, refilled at the rate."""

    count: int | None  # requests per window; None when no limit is declared
    window: float  # seconds
    per_second: float
    burst: int  # requests the probe may send

    @classmethod
    def of(cls, limit: Quantity | None) -> Allowance:
        if limit is None:
            return cls(count=None, window=MAX_WAIT, per_second=0.0, burst=_UNDECLARED_BURST)
        window = float(_window(limit.text))
        count = max(1, round(limit.value * window))
        burst = min(_BURST_CAP, math.ceil(count * 1.5) + 10)
        return cls(count=count, window=window, per_second=limit.value, burst=burst)

    @property
    def margin(self) -> int:
        return max(5, math.ceil((self.count or 0) / 10))

    def by(self, seconds: float) -> int | None:
        """The request number a 429 must come by, `seconds` into the burst."""
        if self.count is None:
            return None
        return self.count + math.floor(self.per_second * seconds) + self.margin

    def required(self) -> str:
        if self.count is None:
            return f"a 429 within {self.burst} requests, Retry-After, recovery"
        return (
            f"a 429 by request {self.count} + {self.margin} (+ the refill while bursting), "
            "no 5xx, Retry-After, recovery"
        )


def _window(text: str) -> int:
    """The window a rate is written per: 60 for "120 req/min" and "120rpm", 1 for "10 req/s"."""
    unit = text.strip().lower()
    if unit.endswith("rpm"):
        return 60
    if unit.endswith("rps") or "/" not in unit:
        return 1
    return _WINDOWS.get(unit.rpartition("/")[2].strip(), 1)


@dataclass(frozen=True, kw_only=True)
class _Shot:
    number: int  # in the order sent, from 1
    at: float  # seconds from the start of the burst to sending it
    status: int | None = None
    headers: Headers = field(default_factory=Headers)
    error: str | None = None


class Burst:
    """`total` GETs over a few connections, stopping at the first 429 or 5xx or after 10 s.
    A slow burst goes on past `total` until it is past what the declared rate `allowed` by
    then (at most 1,000 requests), so that it can still outrun the limit."""

    def __init__(
        self,
        target: PinnedTarget,
        path: str,
        *,
        total: int,
        allowed: Callable[[float], int | None],
    ) -> None:
        self.target = target
        self.path = path
        self.total = total
        self.allowed = allowed
        self.shots: list[_Shot] = []
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._next = 1
        self._stop = False
        self._refused: ProbeRefused | None = None
        self._started = 0.0

    @property
    def summary(self) -> str:
        return f"{len(self.shots)} requests in {self.seconds:.2f} s"

    def having(self, test: Callable[[int], bool]) -> list[_Shot]:
        """The answered requests whose status passes `test`, in the order sent."""
        return [s for s in self.shots if s.status is not None and test(s.status)]

    def run(self, workers: int) -> None:
        self._started = time.monotonic()
        threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.seconds = time.monotonic() - self._started
        self.shots.sort(key=lambda shot: shot.number)
        if self._refused is not None and not self.having(lambda status: status in _DECISIVE):
            raise self._refused

    def _work(self) -> None:
        while True:
            with self._lock:
                elapsed = time.monotonic() - self._started
                total = min(_BURST_CAP, max(self.total, (self.allowed(elapsed) or 0) + 1))
                if self._stop or elapsed >= _BURST_SECONDS or self._next > total:
                    return
                number = self._next
                self._next += 1
            at = time.monotonic() - self._started
            try:
                response = request(
                    self.target, "GET", self.path, consent=Consent.ACTIVE, timeout=SHOT_TIMEOUT
                )
            except HttpError as exc:
                shot = _Shot(number=number, at=at, error=str(exc))
            except ProbeRefused as exc:
                with self._lock:
                    self._refused = exc
                    self._stop = True
                return
            else:
                shot = _Shot(number=number, at=at, status=response.status, headers=response.headers)
            with self._lock:
                self.shots.append(shot)
                if shot.status is not None and shot.status in _DECISIVE:
                    self._stop = True


def no_limit(burst: Burst, allowance: Allowance, path: str) -> Part:
    shots, sent = burst.shots, burst.summary
    answered = burst.having(lambda status: True)
    failures = [s for s in shots if s.error is not None]
    if not answered:
        reason = failures[0].error if failures else "nothing was sent"
        return Part(
            status=Status.UNKNOWN,
            evidence=sent,
            problem=f"no request of the burst to GET {path} was answered ({reason})",
        )
    if failures:
        return Part(
            status=Status.FAIL,
            evidence=f"{sent}; {len(failures)} failed below HTTP",
            problem=f"{len(failures)} requests of the burst failed ({failures[0].error}) and "
            "none got 429: the service drops connections instead of shedding with 429",
        )
    statuses = ", ".join(sorted({str(s.status) for s in answered}))
    evidence = f"{sent}, statuses {statuses}"
    if all(s.status is not None and 400 <= s.status < 500 for s in answered):
        return Part(
            status=Status.UNKNOWN,
            evidence=evidence,
            problem=f"GET {path} answered only {statuses} and no 429: name a path that "
            "answers the probe normally",
        )
    allowed = allowance.by(burst.seconds)
    if allowed is None:
        enough = len(shots) >= allowance.burst
        over = f"{len(shots)} requests"
    else:
        enough = len(shots) > allowed
        over = f"{len(shots)} requests, past the allowance of {allowed}"
    if not enough and len(shots) >= _BURST_CAP:
        return Part(
            status=Status.UNKNOWN,
            evidence=evidence,
            problem=f"the declared allowance ({allowed} requests) is more than one burst may "
            f"send ({_BURST_CAP:,}): no 429 in {len(shots)} requests decides nothing",
        )
    if not enough:
        return Part(
            status=Status.UNKNOWN,
            evidence=evidence,
            problem=f"the burst could not outrun the declared rate ({sent}, allowance "
            f"{allowed if allowed is not None else allowance.burst}): the service answers too "
            "slowly for this probe to reach its limit",
        )
    return Part(
        status=Status.FAIL,
        evidence=evidence,
        problem=f"no rate limit observed: {over} to GET {path} in {burst.seconds:.2f} s "
        "and none got 429",
    )


def on_time(first: _Shot, allowance: Allowance, sent: str, path: str) -> Part:
    evidence = f"{sent}; first 429 at request {first.number}"
    allowed = allowance.by(first.at)
    if allowed is None or first.number <= allowed:
        return Part(status=Status.PASS, evidence=evidence)
    return Part(
        status=Status.WARN,
        evidence=evidence,
        problem=f"the rate limit is looser than declared: the first 429 came at request "
        f"{first.number} of GET {path}, the declared limit allows {allowed} "
        "(or several instances each count alone)",
        aspect="allowance",
    )


def retry_header(rejected: list[_Shot]) -> Part:
    missing = [s for s in rejected if "retry-after" not in s.headers]
    if not missing:
        return Part(status=Status.PASS, evidence="Retry-After on every 429")
    return Part(
        status=Status.WARN,
        evidence=f"{len(missing)} of {len(rejected)} 429s without Retry-After",
        problem="429 responses carry no Retry-After: clients cannot tell when to come back",
        aspect="retry-after",
    )


def retry_after(headers: Headers) -> tuple[float | None, str | None]:
    """Seconds Retry-After asks for (a delay, or an HTTP date against the response's Date),
    and the header as sent."""
    raw = headers.get("retry-after")
    if raw is None:
        return None, None
    text = raw.strip()
    if text.isdigit():
        return float(text), raw
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None, raw
    now = time.time()
    with contextlib.suppress(TypeError, ValueError):
        now = email.utils.parsedate_to_datetime(headers.get("date") or "").timestamp()
    return max(0.0, when - now), raw


def try_recovery(
    target: PinnedTarget,
    path: str,
    *,
    wait: float | None,
    window: float,
    budget: float,
    normal: int | None,
) -> Part:
    """One GET after the wait: it must get 2xx, or what the path answered before the limit."""
    asked = wait is not None
    needed = wait if wait is not None else window
    what = f"Retry-After of {needed:g} s" if asked else f"one window ({needed:g} s)"
    if needed > budget:
        return Part(
            status=Status.UNKNOWN,
            evidence=f"recovery not tried ({what})",
            problem=f"recovery is unknown: waiting {what} is longer than the "
            f"{max(budget, 0):.0f} s this check may wait",
        )
    time.sleep(needed + _GRACE if asked else needed)
    try:
        response = request(target, "GET", path, consent=Consent.ACTIVE, timeout=2 * SHOT_TIMEOUT)
    except HttpError as exc:
        return Part(
            status=Status.UNKNOWN,
            evidence=f"recovery GET failed ({exc})",
            problem=f"the GET {path} after the wait failed: {exc}",
        )
    evidence = f"after {what}: {response.status}"
    if 200 <= response.status < 300 or response.status == normal:
        return Part(status=Status.PASS, evidence=evidence)
    if response.status == 429 or response.status >= 500:
        return Part(
            status=Status.FAIL,
            evidence=evidence,
            problem=f"the service did not recover: GET {path} still got {response.status} "
            f"after waiting the {what}",
        )
    return Part(
        status=Status.UNKNOWN,
        evidence=evidence,
        problem=f"GET {path} after the wait got {response.status}, so recovery is unknown",
    )


def limit_headers(shot: _Shot | None) -> str:
    if shot is None:
        return ""
    found = [(name, shot.headers.get(name)) for name in _LIMIT_HEADERS]
    return ", ".join(f"{name}: {value}" for name, value in found if value is not None)
