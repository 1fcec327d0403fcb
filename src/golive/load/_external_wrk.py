"""What wrk and wrk2 print with `--latency`: the latency distribution (wrk2's corrected,
"Recorded Latency" one), the request count and duration, and the errors."""

from __future__ import annotations

import re

from golive.load._external_base import ExternalResult, ExternalResultError, statistic_key

__all__ = ["read_wrk"]

_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_WRK_TIME = r"([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)"
_WRK_REQUESTS = re.compile(rf"^\s*([0-9]+) requests in {_WRK_TIME},")
_WRK_RATE = re.compile(r"^Requests/sec:\s*([0-9]+(?:\.[0-9]+)?)")
_WRK_PERCENTILE = re.compile(rf"^\s*([0-9]+(?:\.[0-9]+)?)%\s+{_WRK_TIME}\s*$")
_WRK_THREAD_LATENCY = re.compile(rf"^\s*Latency\s+{_WRK_TIME}\s+{_WRK_TIME}\s+{_WRK_TIME}")
_WRK_SOCKET = re.compile(
    r"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)"
)
_WRK_STATUS = re.compile(r"Non-2xx or 3xx responses: ([0-9]+)")
_WRK2_COUNT = re.compile(r"#\[Max\s*=\s*[0-9.]+,\s*Total count\s*=\s*([0-9]+)\]")


def read_wrk(text: str, name: str) -> ExternalResult:
    """The result in wrk's or wrk2's output `text`; `name` is the file, for errors."""
    lines = text.splitlines()
    wrk2 = "Thread calibration:" in text or "HdrHistogram - Recorded Latency" in text
    latency: dict[str, float] = {}
    samples: int | None = None
    requests = duration = rate = None
    socket = (0, 0, 0, 0)
    status = 0
    section: str | None = None  # the latency distribution being read
    for line in lines:
        if "Latency Distribution" in line:
            section = "recorded" if "Uncorrected" not in line else "uncorrected"
            continue
        if section == "recorded" and (found := _WRK_PERCENTILE.match(line)):
            latency[statistic_key(found[1])] = _seconds(found[2], found[3])
            continue
        if section == "recorded" and (total := _WRK2_COUNT.search(line)):
            samples = int(total[1])
        if section and line.startswith("---"):
            section = None
        if found := _WRK_THREAD_LATENCY.match(line):
            latency.setdefault("avg", _seconds(found[1], found[2]))
            latency.setdefault("max", _seconds(found[5], found[6]))
        elif found := _WRK_REQUESTS.match(line):
            requests, duration = int(found[1]), _seconds(found[2], found[3])
        elif found := _WRK_RATE.match(line):
            rate = float(found[1])
        elif found := _WRK_SOCKET.search(line):
            socket = (int(found[1]), int(found[2]), int(found[3]), int(found[4]))
        elif found := _WRK_STATUS.search(line):
            status = int(found[1])
    if requests is None or rate is None:
        missing = '"N requests in T" line' if requests is None else '"Requests/sec:" line'
        raise ExternalResultError(
            f"no {missing}: not complete wrk output", path=name, line=len(lines) or 1
        )
    connect, read, write, timeout = socket
    attempts = requests + connect + read + write  # each socket error stands for one request
    notes = [
        "wrk counts socket errors per event; each is taken as one failed request",
        "wrk leaves responses slower than its --timeout out of the latency figures",
    ]
    if wrk2:
        notes.append("wrk2 times each request from its planned send (open model)")
    else:
        notes.append(
            "wrk is closed-model: each connection waits for its answer before the next "
            "request, so stalls are under-sampled (coordinated omission)"
        )
    if not any(key.startswith("p") for key in latency):
        notes.append("no latency distribution: run wrk with --latency for percentiles")
    return ExternalResult(
        tool="wrk2" if wrk2 else "wrk",
        format="wrk2 output" if wrk2 else "wrk output",
        model="open" if wrk2 else "closed",
        duration=duration,
        requests=attempts,
        failures=min(attempts, status + timeout + connect + read + write),
        rate=attempts / duration if duration else rate,
        latency=latency,
        latency_samples=samples if samples is not None else requests - timeout,
        latency_excluded=timeout,
        errors={
            kind: count
            for kind, count in zip(
                ("status", "timeout", "connect", "read", "write"),
                (status, timeout, connect, read, write),
                strict=True,
            )
            if count
        },
        notes=tuple(notes),
    )


def _seconds(number: str, unit: str) -> float:
    return float(number) * _WRK_UNITS[unit]
