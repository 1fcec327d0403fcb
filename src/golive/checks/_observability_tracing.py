"""How a service exports traces: tracing libraries among its dependencies, the places that set
up a tracer provider or a span exporter, auto-instrumentation launchers and the deployment's
OpenTelemetry settings, and which backend each exporter speaks to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from golive.checks._observability_code import Dependency, Hit, ServiceCode
from golive.model import Location

__all__ = ["BACKENDS", "Endpoint", "TraceSetup", "endpoints", "trace_setups", "tracing_libraries"]

# Backends by name: the export protocols each accepts, and why, for the observed text.
BACKENDS: dict[str, tuple[frozenset[str], str]] = {
    "jaeger": (frozenset({"jaeger", "otlp"}), "Jaeger accepts OTLP natively since 1.35"),
    "tempo": (frozenset({"otlp", "jaeger", "zipkin"}), "Tempo accepts OTLP, Jaeger and Zipkin"),
    "zipkin": (frozenset({"zipkin"}), "Zipkin takes Zipkin's own format"),
    "otlp": (frozenset({"otlp"}), "OTLP"),
    "opentelemetry": (frozenset({"otlp"}), "OTLP"),
    "honeycomb": (frozenset({"otlp"}), "Honeycomb ingests OTLP"),
    "newrelic": (frozenset({"otlp"}), "New Relic ingests OTLP"),
    "datadog": (frozenset({"datadog"}), "Datadog takes its agent's protocol"),
    "azure-monitor": (frozenset({"azure-monitor"}), "Azure Monitor takes its exporter's protocol"),
    "sentry": (frozenset({"sentry"}), "Sentry takes its SDK's protocol"),
}
# Where spans go nowhere a trace can be followed across services.
NOT_EXPORTED = frozenset({"console", "none"})

_PY_LIBRARIES = r"opentelemetry-|ddtrace$|jaeger-client$|azure-monitor-opentelemetry"
_RUST_LIBRARIES = r"opentelemetry|tracing-opentelemetry$|datadog-tracing$"
_AUTO_PACKAGES = r"opentelemetry-distro$|opentelemetry-instrumentation"
_DEPRECATED = {
    "jaeger": "the Jaeger exporters are deprecated by OpenTelemetry in favour of OTLP",
    "jaeger-client": "jaeger-client is archived; use OpenTelemetry with OTLP",
}


@dataclass(frozen=True, kw_only=True)
class TraceSetup:
    """A place that sets up tracing, and the protocol its spans leave by (None: a tracer
    provider or a bridge, with no exporter of its own)."""

    what: str
    location: Location
    protocol: str | None
    text: str = ""  # the line, for matching a backend's name
    deprecated: str | None = None


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """An OpenTelemetry (or Datadog) setting in a deployment file: variable, value, place."""

    variable: str
    value: str
    location: Location


# (pattern, what, protocol, deprecated) for Rust and Python code.
_RUST_SETUPS = (
    (r"opentelemetry_otlp::(?:new_pipeline|new_exporter|SpanExporter)\b", "OTLP exporter", "otlp"),
    (r"opentelemetry_jaeger::\w+", "Jaeger exporter (opentelemetry-jaeger)", "jaeger"),
    (r"opentelemetry_zipkin::(?:new_pipeline|ZipkinExporter|\w+)", "Zipkin exporter", "zipkin"),
    (r"opentelemetry_datadog::\w+", "Datadog exporter", "datadog"),
    (r"opentelemetry_application_insights::\w+", "Application Insights", "azure-monitor"),
    (r"opentelemetry_stdout::\w+", "stdout exporter", "console"),
    (r"\b(?:Sdk)?TracerProvider::builder\(", "tracer provider", None),
    (r"\bglobal::set_tracer_provider\(", "global tracer provider", None),
    (
        r"\btracing_opentelemetry::(?:layer|OpenTelemetryLayer)\b",
        "tracing-opentelemetry layer",
        None,
    ),
)
_PY_SETUPS = (
    (r"\bOTLPSpanExporter\(", "OTLP span exporter", "otlp"),
    (r"\bJaegerExporter\(", "Jaeger exporter (opentelemetry-exporter-jaeger)", "jaeger"),
    (r"\bZipkinExporter\(", "Zipkin exporter", "zipkin"),
    (r"\bConsoleSpanExporter\(", "console span exporter", "console"),
    (
        r"\b(?:configure_azure_monitor|AzureMonitorTraceExporter)\(",
        "Azure Monitor",
        "azure-monitor",
    ),
    (
        r"^\s*import ddtrace\.auto|\bddtrace\.patch(?:_all)?\("
        r"|\bfrom ddtrace import (?:tracer|patch)",
        "ddtrace",
        "datadog",
    ),
    (r"\bjaeger_client\.Config\(|^\s*from jaeger_client import", "jaeger-client", "jaeger-client"),
    (r"(?<![\w.])TracerProvider\(", "tracer provider", None),
    (r"\bset_tracer_provider\(", "global tracer provider", None),
)


def tracing_libraries(code: ServiceCode) -> list[Dependency]:
    """Runtime dependencies that are tracing libraries (sentry only when it samples traces)."""
    found = [
        d
        for d in code.dependencies
        if re.match(_PY_LIBRARIES if d.ecosystem.value == "pypi" else _RUST_LIBRARIES, d.name)
    ]
    if _sentry(code):
        found += code.declared("sentry-sdk", "sentry")
    return found


def endpoints(code: ServiceCode) -> list[Endpoint]:
    found = []
    for hit in code.grep(
        r"\b(OTEL_EXPORTER_OTLP(?:_TRACES)?_ENDPOINT|OTEL_TRACES_EXPORTER|DD_AGENT_HOST|"
        r"DD_TRACE_AGENT_URL)\b",
        deploy=True,
    ):
        variable = re.search(r"OTEL_\w+|DD_\w+", hit.text)
        if variable is not None:
            value = _value(code.deploy[hit.path], hit.line, variable.group(0))
            found.append(Endpoint(variable=variable.group(0), value=value, location=hit.location))
    return found


def trace_setups(code: ServiceCode, configured: list[Endpoint]) -> list[TraceSetup]:
    """The places that set up tracing, given the deployment's settings (`endpoints`)."""
    setups = [*_code_setups(code), *_auto(code, configured)]
    auto_packages = [d for d in code.dependencies if re.match(_AUTO_PACKAGES, d.name)]
    if configured and not setups and auto_packages:
        # The OpenTelemetry distro is configured through these variables alone; its launcher
        # (`opentelemetry-instrument`) was not seen, which the observed text says.
        exporter = _exporter(configured)
        for endpoint in configured:
            setups.append(
                TraceSetup(
                    what=(
                        f"deployment sets {endpoint.variable}={endpoint.value or '?'} for the "
                        "OpenTelemetry auto-instrumentation "
                        f"({auto_packages[0].name}; its launcher was not found in the repository)"
                    ),
                    location=endpoint.location,
                    protocol=exporter,
                    text=endpoint.value,
                )
            )
    return setups


def _code_setups(code: ServiceCode) -> Iterator[TraceSetup]:
    for language, table in (("rust", _RUST_SETUPS), ("python", _PY_SETUPS)):
        for pattern, what, protocol in table:
            for hit in code.grep(pattern, language=language):
                if _only_imported(hit, language):
                    continue
                yield _setup(what, hit, protocol, _urls(code.sources[hit.path]))
    for hit in _sentry(code):
        yield _setup("Sentry performance tracing (traces_sample_rate)", hit, "sentry", "")


def _only_imported(hit: Hit, language: str) -> bool:
    text = hit.text
    return (
        text.startswith("use ")
        if language == "rust"
        else text.startswith("import ") and "auto" not in text
    )


def _urls(text: str) -> str:
    """The URLs written in a file that sets up tracing: where its exporter may send spans."""
    return " ".join(re.findall(r"https?://[^\s\"'`]+", text))


def _setup(what: str, hit: Hit, protocol: str | None, urls: str) -> TraceSetup:
    return TraceSetup(
        what=what,
        location=hit.location,
        protocol=protocol,
        text=f"{hit.text} {urls}",
        deprecated=_DEPRECATED.get(protocol or ""),
    )


def _sentry(code: ServiceCode) -> list[Hit]:
    return [
        h
        for h in code.grep(r"\btraces_sample(?:_rate|r)\s*[=:]")
        if re.search(r"\bsentry(?:_sdk)?\b", code.sources[h.path])
    ]


def _auto(code: ServiceCode, configured: list[Endpoint]) -> Iterator[TraceSetup]:
    """Launchers and injected auto-instrumentation in Dockerfiles, Procfiles and manifests."""
    exporter = _exporter(configured)
    config = " ".join(e.value for e in configured)
    for pattern, what, protocol in (
        (r"\bopentelemetry-instrument\b", "opentelemetry-instrument launcher", exporter),
        (r"\bauto_instrumentation\.initialize\(", "OpenTelemetry auto-instrumentation", exporter),
        (r"\bddtrace-run\b", "ddtrace-run launcher", "datadog"),
        (
            r"instrumentation\.opentelemetry\.io/inject-[\w-]+\s*:\s*[\"']?(?!false)\w",
            "OpenTelemetry Operator injection",
            exporter,
        ),
    ):
        hits = code.grep(pattern, deploy=True) + code.grep(pattern, language="python")
        for hit in hits:
            yield TraceSetup(
                what=what, location=hit.location, protocol=protocol, text=f"{hit.text} {config}"
            )


def _exporter(configured: list[Endpoint]) -> str:
    """The exporter OpenTelemetry's environment configuration selects (otlp by default)."""
    for endpoint in configured:
        if endpoint.variable == "OTEL_TRACES_EXPORTER" and endpoint.value:
            first = endpoint.value.split(",")[0].strip().lower()
            return {"logging": "console"}.get(first, first)
    return "otlp"


def _value(text: str, line: int, variable: str) -> str:
    """The value given to `variable` on its line (`X=v`, `X: v`) or the next (`value: v`)."""
    lines = text.splitlines()
    same = lines[line - 1] if line <= len(lines) else ""
    after = same.partition(variable)[2]
    found = re.match(r"""\s*["']?\s*[:=]\s*["']?([^"'\s#}]+)""", after)
    if found and found.group(1) not in {"", "|", ">"}:
        return found.group(1)
    for following in lines[line : line + 2]:
        found = re.match(r"""\s*-?\s*value\s*:\s*["']?([^"'\s#]+)""", following)
        if found:
            return found.group(1)
    return ""
