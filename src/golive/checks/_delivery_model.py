"""What golive reads from Argo Rollouts and Flagger manifests: traffic steps, holds, analyses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from golive.checks._manifests import Resource
from golive.model import Location

__all__ = [
    "Analysis",
    "BlueGreenPlan",
    "Bound",
    "CanaryPlan",
    "DeliveryPlans",
    "Hold",
    "Metric",
    "Probe",
    "Timing",
    "TrafficStep",
    "Unjudged",
    "go_duration",
    "percent",
]

_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration(value: Any) -> float | None:
    """Seconds from a Go duration (`10m`, `1m30s`) or a bare number of seconds; None when the
    value is anything else (a template placeholder, a typo)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    total, position = 0.0, 0
    while position < len(text):
        part = _PART.match(text, position)
        if part is None:
            return None
        total += float(part.group(1)) * _UNITS[part.group(2)]
        position = part.end()
    return total


def percent(fraction: float) -> str:
    """A fraction as a short percentage: 0.02 -> "2%", 0.055 -> "5.5%"."""
    return f"{round(fraction * 100, 4):g}%"


@dataclass(frozen=True, kw_only=True)
class Bound:
    """An error rate an analysis metric compares with, and where the condition is written."""

    error_rate: float  # a fraction: 0.02 is 2 % of requests failing
    text: str  # the condition or range as written
    location: Location


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One analysis metric, read as far as the error-rate policy needs."""

    name: str
    location: Location
    source: str  # the provider: "prometheus", "job", "web", "builtin"...
    measures: str  # "error rate", "success rate", "error count", "other", "" (not recognised)
    rollback: Bound | None = None  # the error rate above which the metric fails the analysis
    success: Bound | None = None  # the error rate up to which the metric succeeds
    never_fails: str | None = None  # why a failed measurement cannot fail the analysis
    unclear: str | None = None  # a numeric condition golive could not read as an error rate
    interval: Timing | None = None  # time between measurements, where set
    timeout: Timing | None = None  # how long one measurement may take, where set
    hold: float | None = 0.0  # seconds a step analysis waits for it; None: until stopped


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """An analysis a rollout runs (a step, background, pre- or post-promotion, experiment)."""

    where: str  # "step 3 analysis", "background analysis", "prePromotionAnalysis"
    location: Location
    metrics: tuple[Metric, ...] = ()
    checks: tuple[str, ...] = ()  # other gates that can fail it (Flagger webhooks)
    unresolved: tuple[str, ...] = ()  # what it needs that golive cannot read, as phrases

    @property
    def hold(self) -> float | None:
        """Seconds until every metric has completed; None when one runs until stopped."""
        holds = [metric.hold for metric in self.metrics]
        if any(hold is None for hold in holds):
            return None
        return max((hold for hold in holds if hold is not None), default=0.0)


@dataclass(frozen=True, kw_only=True)
class TrafficStep:
    """A share of the traffic the new version receives (or, for the promotion, gains)."""

    percent: float  # 0-100
    location: Location
    what: str  # "setWeight: 20", "stepWeight: 10"


@dataclass(frozen=True, kw_only=True)
class Hold:
    """Time the rollout waits with the canary taking traffic, before full promotion."""

    what: str  # "pause 10m", "step 3 analysis"
    seconds: float | None  # None: no end of its own
    location: Location
    manual: bool = False  # a person resumes it
    unresolved: tuple[str, ...] = ()  # what its length depends on that golive cannot read


@dataclass(frozen=True, kw_only=True)
class Timing:
    """A duration set (or defaulted) on a field, and where."""

    seconds: float
    location: Location
    what: str  # "readinessProbe periodSeconds of container app (default 10)"


@dataclass(frozen=True, kw_only=True)
class Probe:
    """The readiness probe of one container of the pods a rollout manages."""

    container: str
    period: Timing
    timeout: Timing


@dataclass(frozen=True, kw_only=True)
class CanaryPlan:
    """A canary: its traffic steps, the holds before promotion, and its analyses."""

    resource: Resource
    tool: str  # "Argo Rollouts" or "Flagger"
    strategy_at: Location  # where the strategy (or Flagger's analysis) is written
    steps: tuple[TrafficStep, ...] = ()
    promotion: TrafficStep | None = None  # the last move to 100 %, as an increment
    unstepped: str | None = None  # why there are no traffic steps at all
    holds: tuple[Hold, ...] = ()
    window_at: Location | None = None  # where the hold time is set, for findings
    analyses: tuple[Analysis, ...] = ()
    skipped: str | None = None  # why the analyses do not run (Flagger skipAnalysis)
    skipped_at: Location | None = None


@dataclass(frozen=True, kw_only=True)
class BlueGreenPlan:
    """A blue-green rollout: its analyses, promotion gate, health checks and switch window."""

    resource: Resource
    tool: str
    strategy_at: Location
    pre: Analysis | None = None
    post: Analysis | None = None
    manual_gate: str | None = None  # how a person gates the promotion, when one does
    auto_promotion: Timing | None = None  # promotion after this long, whatever the analysis
    skipped: str | None = None
    skipped_at: Location | None = None
    probes: tuple[Probe, ...] = ()
    pods_unknown: str | None = None  # why the pod template could not be read
    cadence: tuple[Timing, ...] = ()  # analysis intervals
    timeouts: tuple[Timing, ...] = ()  # analysis timeouts
    switch: Timing | None = None  # how long the previous version stays to switch back to
    switch_unbounded: str | None = None  # it stays until something else ends
    switch_gap: str | None = None  # why nothing keeps the previous version
    switch_unresolved: tuple[str, ...] = ()  # what the window depends on that golive cannot read


@dataclass(frozen=True, kw_only=True)
class Unjudged:
    """A file that holds rollouts golive cannot judge: unreadable, or a Helm chart template."""

    path: str
    strategy: str  # "canary" or "blue-green"
    reason: str
    location: Location


@dataclass(frozen=True, kw_only=True)
class DeliveryPlans:
    """Every progressive rollout of the repository, and what golive could not read."""

    canaries: tuple[CanaryPlan, ...] = ()
    blue_greens: tuple[BlueGreenPlan, ...] = ()
    ab_tests: tuple[Resource, ...] = ()  # Flagger A/B tests (header match): neither kind
    unjudged: tuple[Unjudged, ...] = ()  # rollouts in files golive cannot read or render
    deployments: int = 0  # plain Deployments no rollout manages
    templates: int = 0  # AnalysisTemplates, ClusterAnalysisTemplates and MetricTemplates
