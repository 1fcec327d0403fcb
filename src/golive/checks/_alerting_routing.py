"""Where an Alertmanager configuration sends alerts, and whether critical ones page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from golive.checks._alerting_am import (
    AlertmanagerConfig,
    AlertmanagerConfigs,
    Receiver,
    Route,
    RouteMatcher,
    severity_accepts,
)
from golive.checks._alerting_sources import unread_summary, unreadable_finding
from golive.checks._alerting_waive import Judged, judge, waived_outcome
from golive.checks.base import as_evidence, failed, passed, unknown
from golive.model import Finding, Location, Outcome

__all__ = ["Review", "Unit", "review_unit", "routing_outcome", "units"]

# Critical alerts are those with `severity` (or Sloth's `sloth_severity`) `critical` or `page`.
# They page when a route whose matchers (its own and its parents') explicitly select them leads to
# a receiver with a paging integration; when no route selects by severity at all, they page when
# the root route's receiver does, since every alert then goes there.

_SEVERITY_LABELS = frozenset({"severity", "sloth_severity"})
_CRITICAL = ("critical", "page")


@dataclass(frozen=True, kw_only=True)
class Unit:
    """What Alertmanager runs with: a main configuration and the AlertmanagerConfig
    resources merged into it (or those resources alone when the main one is elsewhere)."""

    main: AlertmanagerConfig | None
    partials: tuple[AlertmanagerConfig, ...]

    @property
    def name(self) -> str:
        if self.main is not None:
            return self.main.source
        return ", ".join(p.source for p in self.partials)

    @property
    def location(self) -> Location:
        return (self.main or self.partials[0]).location

    @property
    def subjects(self) -> tuple[str, ...]:
        configs = [self.main] if self.main is not None else list(self.partials)
        return tuple(s for config in configs for s in config.subjects)


@dataclass(frozen=True, kw_only=True)
class _Reached:
    receiver: str | None
    found: Receiver | None
    matchers: tuple[RouteMatcher, ...]
    location: Location


@dataclass(frozen=True, kw_only=True)
class Review:
    channels: frozenset[str]  # the channels reachable receivers notify
    failures: tuple[Judged, ...]
    evidence: tuple[Finding, ...]
    notes: tuple[Finding, ...]


def routing_outcome(
    configs: AlertmanagerConfigs,
    *,
    channels: Sequence[str],
    paging: Sequence[str],
    waive: Mapping[str, str],
    fix: str | None,
) -> Outcome:
    """The outcome of alerts.routing over every Alertmanager configuration."""
    problems = [unreadable_finding(u) for u in configs.unreadable]
    found = units(configs.configs)
    required = "channels: " + (", ".join(channels) or "any")
    if paging:
        required += f"; critical alerts page ({', '.join(paging)})"
    if not found:
        if problems or configs.templates:
            return unknown(
                "no Alertmanager configuration read; "
                + unread_summary(len(problems), configs.templates),
                required=required,
                findings=problems,
            )
        return unknown(
            "no Alertmanager configuration in the repository (it may live with the platform "
            "team; a sign-off can stand in)",
            required=required,
        )
    reviews = [review_unit(unit, channels, paging) for unit in found]
    verdict = judge([f for review in reviews for f in review.failures], waive)
    reached = sorted({c for review in reviews for c in review.channels})
    facts: dict[str, str | int | float | bool] = {
        "configurations": len(found),
        "alertmanager_config_resources": len(found[0].partials),
        "channels": ", ".join(reached) or "none",
        "unreadable": len(problems),
        **verdict.facts,
    }
    evidence = as_evidence(f for review in reviews for f in review.evidence)
    notes = [f for review in reviews for f in review.notes]
    observed = "receivers reach: " + (", ".join(reached) or "no channel")
    if verdict.failures:
        return failed(
            f"{len(verdict.failures)} routing problem(s) in {len(found)} configuration(s)",
            observed=observed,
            required=required,
            findings=[*verdict.failures, *evidence, *verdict.waived, *notes],
            remediation=fix,
            facts=facts,
        )
    if problems:
        return unknown(
            f"{len(problems)} file(s) could not be read; the configurations read route well",
            findings=[*problems, *evidence],
            facts=facts,
        )
    if verdict.all_waived:
        return waived_outcome(
            verdict,
            "alert routing falls short",
            observed=observed,
            required=required,
            findings=evidence,
            facts=facts,
        )
    return passed(
        f"alerts reach {', '.join(channels) or ', '.join(reached)}"
        + (" and critical alerts page" if paging else ""),
        observed=observed,
        required=required,
        findings=[*evidence, *notes],
        facts=facts,
    )


def units(configs: Sequence[AlertmanagerConfig]) -> list[Unit]:
    partials = tuple(c for c in configs if c.partial)
    mains = [c for c in configs if not c.partial]
    if not mains:
        return [Unit(main=None, partials=partials)] if partials else []
    return [Unit(main=main, partials=partials) for main in mains]


def review_unit(unit: Unit, channels: Sequence[str], paging: Sequence[str]) -> Review:
    reached = list(_walk(unit))
    failures: list[Judged] = []
    evidence: list[Finding] = []
    notes: list[Finding] = []
    for item in reached:
        if item.receiver is not None and item.found is None:
            failures.append(
                _judged(
                    unit,
                    f"a route sends to receiver {item.receiver!r}, which is not defined",
                    item.location,
                )
            )
    used = {item.found.name: item.found for item in reached if item.found is not None}
    available = frozenset(c for receiver in used.values() for c in receiver.channels)
    for channel in channels:
        receiver = next((r for r in used.values() if channel in r.channels), None)
        if receiver is None:
            failures.append(
                _judged(unit, f"no receiver that routes reach sends to {channel}", unit.location)
            )
        else:
            evidence.append(
                Finding(
                    message=f"{channel}: receiver {receiver.name!r}",
                    location=receiver.location,
                    rule="alerts.routing",
                )
            )
    if not channels and not available:
        failures.append(
            _judged(unit, "no receiver that routes reach notifies anyone", unit.location)
        )
    if paging:
        failures.extend(_critical(unit, reached, frozenset(paging), evidence))
    for config in [*([unit.main] if unit.main else []), *unit.partials]:
        for receiver in config.receivers:
            if receiver.name not in used:
                notes.append(
                    Finding(
                        message=f"receiver {receiver.name!r} is not used by any route",
                        location=receiver.location,
                        rule="alerts.routing",
                    )
                )
    return Review(
        channels=available, failures=tuple(failures), evidence=tuple(evidence), notes=tuple(notes)
    )


def _critical(
    unit: Unit, reached: list[_Reached], paging: frozenset[str], evidence: list[Finding]
) -> Iterator[Judged]:
    selecting = [r for r in reached if _selects_critical(r.matchers)]
    pages = [r for r in selecting if r.found is not None and r.found.channels & paging]
    if pages:
        first = pages[0]
        assert first.found is not None
        evidence.append(
            Finding(
                message=f"critical alerts page through receiver {first.found.name!r} "
                f"({', '.join(sorted(first.found.channels & paging))})",
                location=first.location,
                rule="alerts.routing",
            )
        )
        return
    if selecting:
        first = selecting[0]
        what = ", ".join(sorted(first.found.channels)) if first.found else ""
        yield _judged(
            unit,
            f"critical alerts go to receiver {first.receiver!r} ({what or 'no integration'}), "
            f"which does not page ({', '.join(sorted(paging))})",
            first.location,
        )
        return
    root = reached[0] if reached and unit.main is not None else None
    if root is not None and root.found is not None and root.found.channels & paging:
        evidence.append(
            Finding(
                message=f"every alert, critical ones too, goes to receiver {root.found.name!r} "
                f"({', '.join(sorted(root.found.channels & paging))})",
                location=root.location,
                rule="alerts.routing",
            )
        )
        return
    yield _judged(
        unit,
        "no route sends severity=critical alerts to a paging receiver "
        f"({', '.join(sorted(paging))})",
        root.location if root else unit.location,
    )


def _selects_critical(matchers: tuple[RouteMatcher, ...]) -> bool:
    about = [m for m in matchers if m.label in _SEVERITY_LABELS]
    explicit = any(m.op in {"=", "=~"} for m in about)
    return explicit and any(
        all(severity_accepts(m, value) is not False for m in about) for value in _CRITICAL
    )


def _walk(unit: Unit) -> Iterator[_Reached]:
    main = {r.name: r for r in unit.main.receivers} if unit.main is not None else {}
    inherited = None
    if unit.main is not None and unit.main.route is not None:
        yield from _descend(unit.main.route, None, (), main)
        inherited = unit.main.route.receiver
    for partial in unit.partials:
        if partial.route is not None:
            receivers = {**main, **{r.name: r for r in partial.receivers}}
            yield from _descend(partial.route, inherited, (), receivers)


def _descend(
    route: Route,
    inherited: str | None,
    above: tuple[RouteMatcher, ...],
    receivers: dict[str, Receiver],
) -> Iterator[_Reached]:
    receiver = route.receiver or inherited
    matchers = (*above, *route.matchers)
    yield _Reached(
        receiver=receiver,
        found=receivers.get(receiver) if receiver else None,
        matchers=matchers,
        location=route.location,
    )
    for child in route.routes:
        yield from _descend(child, receiver, matchers, receivers)


def _judged(unit: Unit, message: str, location: Location) -> Judged:
    finding = Finding(message=message, location=location, rule="alerts.routing")
    return Judged(finding=finding, subjects=unit.subjects)
