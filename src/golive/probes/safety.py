"""The target policy every live probe goes through: who may be contacted, how, and how much.

Nothing in golive opens a connection to a service except through `ProbePolicy`:

- only the origins (scheme, host, port) named in `[targets]` are ever contacted, and a path
  only when a check names it (from the checklist);
- each host is resolved once per run and every connection goes to that pinned address, so a
  DNS answer that changes mid-run (rebinding) changes nothing;
- loopback, private, link-local and cloud-metadata addresses are refused unless the target
  says `allow_private = true`;
- a probe needs the consent level of its target: `passive` (plain GETs), `active` (crafted
  bad requests, bursts), `load` (load tests);
- hard caps the checklist cannot raise: requests, bytes sent, requests in flight and the
  run's duration; ten timeouts in a row open a circuit breaker on that target.

A refusal is a `ProbeRefused` whose message says what was refused and why; checks turn it
into `unknown` with that reason. Headers that carry credentials are redacted by `redact`
wherever a probe reports what it sent or received.
"""

from __future__ import annotations

import enum
import ipaddress
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from golive import __version__
from golive.model import Target

__all__ = [
    "REDACTED",
    "Caps",
    "Consent",
    "Origin",
    "PinnedTarget",
    "ProbePolicy",
    "ProbeRefused",
    "redact",
    "redact_text",
]

REDACTED = "[redacted]"

# Header names whose values are credentials or session handles (lower case).
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "mcp-session-id",
        "x-api-key",
        "api-key",
        "x-auth-token",
    }
)

# Addresses no probe may reach without `allow_private`, beyond what `ipaddress` calls private.
_METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))


class ProbeRefused(Exception):  # noqa: N818 -- a refusal with its reason, not a crash
    """The target policy does not allow this probe; the message says why."""


class Consent(enum.IntEnum):
    """How intrusive a probe may be, in increasing order."""

    PASSIVE = 0  # single GET/HEAD requests: health, headers, TLS
    ACTIVE = 1  # crafted bad requests, oversized bodies, rate-limit bursts
    LOAD = 2  # load tests

    @classmethod
    def parse(cls, text: str) -> Consent:
        return cls[text.upper()]

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, kw_only=True)
class Caps:
    """Hard limits of one run. The checklist cannot raise them; tests may lower them."""

    requests: int = 100_000  # requests sent in the whole run
    bytes_sent: int = 100 * 1024 * 1024  # request bytes (headers and bodies) in the whole run
    inflight: int = 1_000  # requests open at once
    run_seconds: float = 15 * 60  # wall time from the first probe
    timeouts_in_a_row: int = 10  # then the target's circuit breaker opens


@dataclass(frozen=True, kw_only=True)
class Origin:
    scheme: str  # http or https
    host: str  # as written, lower case; IPv6 without brackets
    port: int

    @classmethod
    def of(cls, url: str) -> Origin:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in {"http", "https"} or not parts.hostname:
            raise ProbeRefused(f'"{url}" is not an http(s) URL with a host')
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise ProbeRefused(f'"{url}": {exc}') from None
        return cls(scheme=scheme, host=parts.hostname.lower(), port=port)

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.netloc}"


Resolver = Callable[[str, int], Sequence[str]]


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _forbidden(address: str) -> str | None:
    """Why `address` needs `allow_private`, or None for a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast:
        return "a private or reserved address"
    return None


@dataclass(kw_only=True)
class _Counters:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    bytes_sent: int = 0
    started: float | None = None


class ProbePolicy:
    """The run's targets, resolved and pinned, and the budget every probe draws from."""

    def __init__(
        self,
        targets: Iterable[Target],
        *,
        caps: Caps | None = None,
        resolver: Resolver = _resolve,
        root: Path | None = None,
        credentials: dict[str, str] | None = None,
        confirm_load: bool = False,
    ) -> None:
        self.caps = caps or Caps()
        self.run_id = str(uuid.uuid4())
        self.user_agent = f"golive/{__version__} (production-readiness probe)"
        self._targets = {t.name: t for t in targets}
        self._resolver = resolver
        self._root = root
        self._credentials = dict(credentials or {})
        self.confirm_load = confirm_load  # `--confirm-load`: load tests of production targets
        self._pinned: dict[str, PinnedTarget] = {}
        self._lock = threading.Lock()
        self._counters = _Counters()
        self._inflight = threading.BoundedSemaphore(self.caps.inflight)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._targets)

    @property
    def requests_sent(self) -> int:
        return self._counters.requests

    @property
    def bytes_sent(self) -> int:
        return self._counters.bytes_sent

    def target(self, name: str | None = None) -> PinnedTarget:
        """The named target (or the only one), resolved once and pinned for the run."""
        if not self._targets:
            raise ProbeRefused("no target is declared: add a [targets.NAME] table with its url")
        if name is None:
            chosen = [t.name for t in self._targets.values() if t.default]
            if len(self._targets) == 1:
                name = next(iter(self._targets))
            elif len(chosen) == 1:
                name = chosen[0]
            else:
                names = ", ".join(sorted(self._targets))
                raise ProbeRefused(
                    f"several targets are declared ({names}); name one with target, or mark "
                    "one default = true"
                )
        if name not in self._targets:
            known = ", ".join(sorted(self._targets))
            raise ProbeRefused(f'no target "{name}" is declared (declared: {known})')
        with self._lock:
            if name not in self._pinned:
                self._pinned[name] = self._pin(self._targets[name])
            return self._pinned[name]

    def _pin(self, target: Target) -> PinnedTarget:
        origin = Origin.of(target.url)
        try:
            addresses = list(self._resolver(origin.host, origin.port))
        except (OSError, UnicodeError) as exc:
            raise ProbeRefused(f"{origin.host} does not resolve: {exc}") from None
        if not addresses:
            raise ProbeRefused(f"{origin.host} does not resolve to any address")
        if not target.allow_private:
            for address in addresses:
                why = _forbidden(address)
                if why is not None:
                    raise ProbeRefused(
                        f"{origin.host} resolves to {address}, {why}; set allow_private = true "
                        f"on target {target.name} if that is intended"
                    )
        ca = None
        if target.ca is not None:
            ca = Path(target.ca)
            if not ca.is_absolute() and self._root is not None:
                ca = self._root / ca
        base = urlsplit(target.url).path.rstrip("/")
        return PinnedTarget(
            policy=self,
            name=target.name,
            origin=origin,
            address=addresses[0],
            base_path=base,
            consent=Consent.parse(target.consent),
            environment=target.environment,
            ca=ca,
            credential=self._credentials.get(target.name),
            max_rate=target.max_rate,
            confirm_production=target.confirm_production,
        )

    # --- the budget ---------------------------------------------------------------------------

    def charge(self, request_bytes: int) -> None:
        """Count one request of `request_bytes` against the caps (refused once they are spent)."""
        counters = self._counters
        with counters.lock:
            now = time.monotonic()
            if counters.started is None:
                counters.started = now
            if now - counters.started > self.caps.run_seconds:
                raise ProbeRefused(f"the run's time cap of {self.caps.run_seconds:.0f} s is spent")
            if counters.requests >= self.caps.requests:
                raise ProbeRefused(f"the run's cap of {self.caps.requests} requests is spent")
            if counters.bytes_sent + request_bytes > self.caps.bytes_sent:
                raise ProbeRefused(f"the run's cap of {self.caps.bytes_sent} bytes sent is spent")
            counters.requests += 1
            counters.bytes_sent += request_bytes

    def reserve(self, requests: int, request_bytes: int) -> None:
        """Charge a load test's planned `requests` (of `request_bytes` in all) before it starts:
        all of it fits in what is left of the caps, or none of it is sent."""
        counters = self._counters
        with counters.lock:
            now = time.monotonic()
            if counters.started is None:
                counters.started = now
            if now - counters.started > self.caps.run_seconds:
                raise ProbeRefused(f"the run's time cap of {self.caps.run_seconds:.0f} s is spent")
            left = self.caps.requests - counters.requests
            if requests > left:
                raise ProbeRefused(
                    f"{requests} planned requests exceed what is left of the run's cap of "
                    f"{self.caps.requests} ({left})"
                )
            if counters.bytes_sent + request_bytes > self.caps.bytes_sent:
                raise ProbeRefused(
                    f"{request_bytes} planned bytes exceed the run's cap of {self.caps.bytes_sent}"
                )
            counters.requests += requests
            counters.bytes_sent += request_bytes

    def add_bytes(self, count: int) -> None:
        """Count body bytes streamed after the request was charged."""
        counters = self._counters
        with counters.lock:
            if counters.bytes_sent + count > self.caps.bytes_sent:
                raise ProbeRefused(f"the run's cap of {self.caps.bytes_sent} bytes sent is spent")
            counters.bytes_sent += count

    def slot(self) -> threading.BoundedSemaphore:
        """Held while a request is open: at most `caps.inflight` at once."""
        return self._inflight


@dataclass(kw_only=True, eq=False)
class PinnedTarget:
    """One declared target with its address pinned; the only way probes reach a service."""

    policy: ProbePolicy
    name: str
    origin: Origin
    address: str  # the pinned IP every connection goes to
    base_path: str  # the target URL's path, prepended to every probed path
    consent: Consent
    environment: str | None
    ca: Path | None  # an extra trust anchor for TLS (a private CA)
    credential: str | None  # the Authorization value from the environment, never stored
    max_rate: float | None = None  # the highest request rate (req/s) the target allows
    confirm_production: bool = False  # the checklist allows load tests of this production target
    _timeouts: int = 0
    _twins: set[Origin] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __str__(self) -> str:
        return f"{self.name} ({self.origin})"

    def require(self, consent: Consent, what: str) -> None:
        """Refuse unless the target's consent level allows `what`."""
        if self.consent < consent:
            raise ProbeRefused(
                f'{what} needs consent = "{consent}" on target {self.name} '
                f'(it has "{self.consent}")'
            )
        if consent is Consent.LOAD and self.environment == "production":
            if not self.confirm_production:
                raise ProbeRefused(
                    f"{what} of production target {self.name} needs confirm_production = true "
                    "on the target"
                )
            if not self.policy.confirm_load:
                raise ProbeRefused(
                    f"{what} of production target {self.name} needs --confirm-load on the "
                    "command line"
                )

    def url(self, path: str) -> str:
        """The absolute URL of `path` (a path the checklist names) on this target."""
        if not path.startswith("/"):
            raise ProbeRefused(f'"{path}" is not a path (it must start with /)')
        return f"{self.origin}{self.base_path}{path}"

    def plain_twin(self, port: int) -> Origin:
        """The plain-HTTP origin on this target's host at `port` (a port the checklist names,
        for the check that plain HTTP redirects to HTTPS); allowed from now on."""
        twin = Origin(scheme="http", host=self.origin.host, port=port)
        with self._lock:
            self._twins.add(twin)
        return twin

    def allows_origin(self, origin: Origin) -> bool:
        return origin == self.origin or origin in self._twins

    def connect(self, timeout: float, *, origin: Origin | None = None) -> socket.socket:
        """A TCP connection to the pinned address, for this target's origin or a declared
        plain-HTTP twin."""
        origin = origin or self.origin
        if not self.allows_origin(origin):
            raise ProbeRefused(f"{origin} is not target {self.name} ({self.origin})")
        self._breaker()
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((self.address, origin.port))
        except BaseException:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def record(self, *, timed_out: bool) -> None:
        """Feed the circuit breaker: ten timeouts in a row stop every further probe."""
        with self._lock:
            self._timeouts = self._timeouts + 1 if timed_out else 0

    def _breaker(self) -> None:
        if self._timeouts >= self.policy.caps.timeouts_in_a_row:
            raise ProbeRefused(
                f"target {self.name} timed out {self._timeouts} times in a row; "
                "no further probes are sent to it in this run"
            )


def redact(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` with the values of credential and session headers replaced."""
    return [(k, REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in headers]


def redact_text(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every occurrence of the given secret values replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
