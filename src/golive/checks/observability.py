"""Observability in the code: structured logging and distributed tracing, read statically from
the service's Rust and Python code, dependencies and deployment files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from golive.checks._deps_model import Inventory
from golive.checks._observability_code import ServiceCode, at, load_service_code
from golive.checks._observability_logging import LogSetup, facade_calls, log_setups, prints
from golive.checks._observability_tracing import (
    BACKENDS,
    NOT_EXPORTED,
    TraceSetup,
    endpoints,
    trace_setups,
    tracing_libraries,
)
from golive.checks.base import (
    Check,
    CheckParams,
    NoParams,
    as_evidence,
    failed,
    not_applicable,
    passed,
    unknown,
    warned,
)
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome

__all__ = ["FIXTURES", "StructuredLogging", "TracingConfigured", "TracingParams"]

_SHOWN = 3  # places named in a summary


def service_code(repo: Repository, deps_manifests: Inventory) -> ServiceCode:
    """The service's Rust and Python code (tests, examples and vendored trees left out), its
    runtime dependencies and its deployment files."""
    return load_service_code(repo, deps_manifests)


FIXTURES: Mapping[str, Callable[..., Any]] = {"service_code": service_code}


def _places(locations: Iterable[Location]) -> str:
    shown = [str(location) for location in locations]
    more = f" (and {len(shown) - _SHOWN} more)" if len(shown) > _SHOWN else ""
    return ", ".join(shown[:_SHOWN]) + more


def _listing(setups: Iterable[LogSetup | TraceSetup]) -> str:
    return "; ".join(f"{s.what} at {s.location}" for s in setups)


class StructuredLogging(Check):
    """The service logs structured records (JSON or key-value).

    Reads the service's Rust and Python code and runtime dependencies (tests, examples and
    vendored code left out) for the places where the log format is decided. Structured:
    tracing-subscriber's fmt with `.json()` (or its `json` feature when no fmt set-up is in
    the code), slog with slog-json or slog-bunyan, tracing-bunyan-formatter, log4rs with a JSON
    encoder, json_env_logger, femme, structured-logger, tracing-logfmt; structlog with a
    JSON, key-value or logfmt renderer, python-json-logger, ecs-logging, loguru with
    `serialize=True`, and `logging` configured with a JSON formatter (a known one, or the
    service's own Formatter subclass that calls `json.dumps`). Plain text: env_logger,
    pretty_env_logger, simple_logger, stderrlog, simplelog, slog-term, fern or flexi_logger
    without a JSON format, tracing-subscriber's fmt without `.json()`, structlog's
    ConsoleRenderer (its default, meant for humans), loguru's default sink, `logging` with a
    text format. A logger written by hand counts as structured when a print in it writes two
    log keys ("level", "msg", "ts", ...) as JSON keys or key=value pairs.

    Pass when every set-up found is structured; warn when some are plain text; fail when all
    are, or when the code neither logs nor prints; unknown when no set-up is found but the
    code prints or logs through a facade (`log`, `tracing`, `logging.getLogger`) whose format
    is decided elsewhere.
    """

    id = "logging.structured"
    kind = Kind.STATIC
    fix = (
        "Log JSON lines: tracing-subscriber's `fmt().json()` (Rust) or a JSON formatter "
        "(structlog's JSONRenderer, python-json-logger) for Python."
    )

    def run(self, params: NoParams, service_code: ServiceCode) -> Outcome:
        code = service_code
        if not code.languages:
            return not_applicable("no Rust or Python code")
        setups = log_setups(code)
        structured = [s for s in setups if s.structured]
        plain = [s for s in setups if not s.structured]
        evidence = as_evidence(
            at(s.location, s.what, "logging.structured-logger") for s in structured
        )
        problems = [at(s.location, f"{s.what}; fix: {s.fix}", "logging.plain-text") for s in plain]
        facts = {"structured": len(structured), "plain": len(plain)}
        required = "every logger writes JSON or key-value records"
        if structured and not plain:
            return passed(
                f"structured logging: {_listing(structured[:_SHOWN])}",
                observed=_listing(structured),
                required=required,
                findings=evidence,
                facts=facts,
            )
        if structured:
            return warned(
                f"logs both structured and plain text; plain: {_listing(plain[:_SHOWN])}",
                observed=f"structured: {_listing(structured)}; plain: {_listing(plain)}",
                required=required,
                findings=[*problems, *evidence],
                remediation=plain[0].fix,
                facts=facts,
            )
        if plain:
            return failed(
                f"logs plain text only: {_listing(plain[:_SHOWN])}",
                observed=_listing(plain),
                required=required,
                findings=problems,
                remediation=plain[0].fix,
                facts=facts,
            )
        return self._no_setup(code)

    def _no_setup(self, code: ServiceCode) -> Outcome:
        printed = prints(code)
        facade = facade_calls(code)
        seen = []
        if printed:
            where = _places(h.location for h in printed)
            seen.append(f"{len(printed)} direct print(s) to stdout/stderr ({where})")
        if facade:
            seen.append(
                f"{len(facade)} use(s) of a logging facade whose format is decided elsewhere "
                f"({_places(h.location for h in facade)})"
            )
        scanned = f"{len(code.sources)} source file(s) of the service"
        if seen:
            return unknown(
                "no logging set-up found, so the record format cannot be told: " + "; ".join(seen),
                observed=f"{scanned}: " + "; ".join(seen),
                required="a structured logger set up in the service's code",
                facts={"prints": len(printed), "facade": len(facade)},
            )
        return failed(
            f"the service does not log: no logger and no output in {scanned}",
            required="a structured logger set up in the service's code",
            remediation=self.fix,
        )


class TracingParams(CheckParams):
    # The backend the spans must reach: jaeger, zipkin, otlp, datadog, honeycomb, tempo, ...
    backend: str | None = None


class TracingConfigured(Check):
    """Distributed tracing is wired in (OpenTelemetry or an equivalent exporter).

    A tracing library among the runtime dependencies is not enough: something must set it
    up. Counted as set-ups: a span exporter or tracer provider built in the code
    (`opentelemetry_otlp::new_pipeline`, `SpanExporter::builder`, `TracerProvider`,
    `tracing_opentelemetry::layer`; Python `TracerProvider(`, `set_tracer_provider`,
    `OTLPSpanExporter(`, `configure_azure_monitor`, ddtrace), a launcher
    (`opentelemetry-instrument`, `ddtrace-run`) in a Dockerfile, Procfile or manifest, the
    OpenTelemetry Operator's injection annotation, and, for a service that declares the
    OpenTelemetry distro or instrumentation packages, `OTEL_EXPORTER_OTLP_ENDPOINT` /
    `OTEL_TRACES_EXPORTER` set in its deployment files (a plain text search of YAML,
    Dockerfiles and .env files). Sentry with `traces_sample_rate` is tracing to Sentry: it
    follows requests across services only through Sentry's own headers, not to a tracing
    backend, so it is a warning unless the backend asked for is sentry.

    `backend`: the exporter must speak a protocol the backend accepts (OTLP counts for
    Jaeger, which accepts it natively since 1.35; Zipkin does not), or name it in its endpoint.
    A backend name golive does not know is accepted only when it appears in the exporter's
    configuration. Deprecated clients (jaeger-client, the OpenTelemetry Jaeger exporters) warn.
    """

    id = "tracing.configured"
    kind = Kind.STATIC
    Params = TracingParams
    fix = (
        "Set up an OpenTelemetry tracer provider with an OTLP span exporter "
        "(opentelemetry-otlp in Rust, opentelemetry-exporter-otlp in Python) and point "
        "OTEL_EXPORTER_OTLP_ENDPOINT at the collector."
    )

    def run(self, params: TracingParams, service_code: ServiceCode) -> Outcome:
        code = service_code
        if not code.languages:
            return not_applicable("no Rust or Python code")
        libraries = tracing_libraries(code)
        configured = endpoints(code)
        setups = trace_setups(code, configured)
        env = "; ".join(f"{e.variable}={e.value or '?'} at {e.location}" for e in configured)
        required = (
            f"spans exported to {params.backend}" if params.backend else "a span exporter set up"
        )
        if not libraries and not setups:
            note = (
                f" (the deployment sets {env}, but nothing in the service reads it)" if env else ""
            )
            return failed(
                "no tracing library among the dependencies" + note,
                observed=f"{len(code.dependencies)} runtime dependencies in "
                f"{_places(code.manifests) or 'no manifest'}",
                required=required,
                findings=[
                    at(place, "no tracing library among the dependencies", "tracing.missing")
                    for place in code.manifests
                ]
                or [Finding(message="no dependency manifest", rule="tracing.missing")],
                remediation=self.fix,
            )
        if not setups:
            names = ", ".join(sorted({d.name for d in libraries}))
            return failed(
                f"{names} declared, never initialised: no exporter or tracer provider is set up",
                observed=f"declared: {names}" + (f"; deployment: {env}" if env else ""),
                required=required,
                findings=[
                    at(d.location, f"{d.name} declared, never initialised", "tracing.uninitialised")
                    for d in libraries
                ],
                remediation=self.fix,
            )
        declared = ", ".join(sorted({f"{d.name} ({d.location})" for d in libraries}))
        return _judge(
            params,
            declared or "none declared",
            setups,
            configured_text=env,
            required=required,
            fix=self.fix,
        )


def _judge(
    params: TracingParams,
    declared: str,
    setups: list[TraceSetup],
    *,
    configured_text: str,
    required: str,
    fix: str,
) -> Outcome:
    evidence = as_evidence(at(s.location, s.what, "tracing.setup") for s in setups)
    observed = f"libraries: {declared}; set-up: {_listing(setups)}"
    if configured_text:
        observed += f"; deployment: {configured_text}"
    exporters = [s for s in setups if s.protocol is not None]
    if not exporters:
        return unknown(
            f"tracing is set up ({_places(s.location for s in setups)}) but no span exporter "
            "golive recognises: its spans may go nowhere",
            observed=observed,
            required=required,
        )
    real = [s for s in exporters if s.protocol not in NOT_EXPORTED]
    if not real:
        return failed(
            "spans are not exported to a tracing backend: " + _listing(s for s in exporters),
            observed=observed,
            required=required,
            findings=[
                at(s.location, f"{s.what}: spans stay local", "tracing.not-exported")
                for s in exporters
            ],
            remediation=fix,
        )
    notes: list[str] = []
    if params.backend:
        reached, note = _reaches(params.backend, real, configured_text)
        if reached is None:
            return unknown(note, observed=observed, required=required, findings=evidence)
        if not reached:
            return failed(
                note,
                observed=observed,
                required=required,
                findings=[
                    at(s.location, f"{s.what} does not reach {params.backend}", "tracing.backend")
                    for s in real
                ],
                remediation=f"Export spans to {params.backend}: {fix}",
            )
        notes.append(note)
        observed += f"; {note}"
    deprecated = [s for s in real if s.deprecated]
    if deprecated:
        return warned(
            "tracing through a deprecated client: "
            + "; ".join(f"{s.what} at {s.location} ({s.deprecated})" for s in deprecated),
            observed=observed,
            required=required,
            findings=[
                *(
                    at(s.location, f"{s.what}: {s.deprecated}", "tracing.deprecated")
                    for s in deprecated
                ),
                *evidence,
            ],
            remediation="Replace it with OpenTelemetry's OTLP exporter.",
        )
    if all(s.protocol == "sentry" for s in real) and (params.backend or "") != "sentry":
        return warned(
            "only Sentry performance tracing: traces reach Sentry, which links services by "
            "its own headers, not a distributed-tracing backend (OpenTelemetry, Jaeger, Zipkin)",
            observed=observed,
            required=required,
            findings=evidence,
            remediation=fix,
        )
    protocols = ", ".join(sorted({s.protocol or "" for s in real}))
    return passed(
        f"tracing exports {protocols}: {_listing(real[:_SHOWN])}"
        + (f" ({notes[0]})" if notes else ""),
        observed=observed,
        required=required,
        findings=evidence,
    )


def _reaches(backend: str, real: list[TraceSetup], configured_text: str) -> tuple[bool | None, str]:
    """Whether the exporters reach `backend` (None: cannot tell), and the sentence saying so."""
    wanted = re.sub(r"[^a-z0-9]", "", backend.lower())
    config = " ".join([configured_text, *(s.text for s in real)]).lower()
    named = wanted in re.sub(r"[^a-z0-9]", "", config)
    protocols = sorted({s.protocol or "" for s in real})
    known = next((v for k, v in BACKENDS.items() if re.sub(r"[^a-z0-9]", "", k) == wanted), None)
    if known is not None:
        accepted, why = known
        matching = [
            p for p in protocols if p in accepted or (p == "jaeger-client" and "jaeger" in accepted)
        ]
        if matching:
            return True, f"{', '.join(matching)} reaches {backend}: {why}"
        if named:
            return True, f"the exporter's configuration names {backend}"
        return False, f"the exporter targets {', '.join(protocols)}, not {backend} ({why})"
    if named:
        return True, f"the exporter's configuration names {backend}"
    return None, (
        f'cannot tell whether spans reach "{backend}": golive does not know that backend and '
        f"the exporters ({', '.join(protocols)}) do not name it in their configuration"
    )
