"""How a service logs: the logger set-ups of its Rust and Python code, structured or plain text,
including loggers written by hand that print JSON lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from golive.checks._observability_code import Hit, ServiceCode
from golive.model import Location

__all__ = ["LogSetup", "facade_calls", "log_setups", "prints"]

# Keys that make a printed line a log record rather than output: two of them, quoted as JSON
# keys (`"level":`, `\"msg\":`, `'ts':`) or written as key=value pairs.
_LOG_KEYS = r"(?:level|lvl|severity|msg|message|ts|ts_ms|time|timestamp|@timestamp)"
_JSON_KEY = re.compile(rf"""\\?["']{_LOG_KEYS}\\?["']\s*:""")
_KV_KEY = re.compile(rf"(?<![\w\"'])\b{_LOG_KEYS}=")
_RUST_PRINT = r"\be?print(?:ln)?!\s*\(|\bwriteln?!\s*\([^,]*std(?:out|err)"
_PY_PRINT = r"(?<![\w.])print\(|\bsys\.std(?:out|err)\.write\("
_RUST_FN = re.compile(r"\bfn\s+(\w+)")
_PY_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)")
_JSON_FORMATTER = (
    r"JsonFormatter|JSONFormatter|pythonjsonlogger|ecs_logging|json_log_formatter|"
    r"JSONRenderer|StdlibFormatter"
)


@dataclass(frozen=True, kw_only=True)
class LogSetup:
    """A place where the service's log format is decided."""

    what: str  # "tracing-subscriber fmt with .json()"
    structured: bool
    location: Location
    fix: str | None = None  # for a plain-text one: how to make it structured


def log_setups(code: ServiceCode) -> list[LogSetup]:
    return [*_rust(code), *_python(code), *_by_hand(code)]


def prints(code: ServiceCode) -> list[Hit]:
    """Lines that write to stdout or stderr directly."""
    return code.grep(_RUST_PRINT, language="rust") + code.grep(_PY_PRINT, language="python")


def facade_calls(code: ServiceCode) -> list[Hit]:
    """Calls of a logging facade whose output format someone else decides (`log::info!`,
    `tracing::warn!`, Python's `logging.getLogger`)."""
    return code.grep(
        r"\b(?:log|tracing)::(?:error|warn|info|debug|trace|event)!|"
        r"^\s*(?:error|warn|info|debug|trace)!\s*\(",
        language="rust",
    ) + code.grep(
        r"\blogging\.getLogger\(|^\s*(?:import logging|from logging import)", language="python"
    )


# --- Rust ----------------------------------------------------------------------------------


def _where(code: ServiceCode, pattern: str) -> Location | None:
    """The first place in the code matching `pattern`; None when the code never uses it (a
    crate declared but never called sets nothing up)."""
    hits = code.grep(pattern, language="rust")
    return hits[0].location if hits else None


_RUST_STRUCTURED = {
    "tracing-bunyan-formatter": (
        "tracing-bunyan-formatter (Bunyan JSON)",
        r"BunyanFormattingLayer",
    ),
    "json-subscriber": ("json-subscriber (JSON)", r"json_subscriber::"),
    "tracing-stackdriver": ("tracing-stackdriver (JSON)", r"tracing_stackdriver::"),
    "tracing-logfmt": ("tracing-logfmt (key-value)", r"tracing_logfmt::"),
    "json-env-logger": ("json_env_logger (JSON)", r"json_env_logger::"),
    "femme": ("femme (newline-delimited JSON)", r"femme::"),
    "structured-logger": ("structured-logger (JSON)", r"structured_logger::"),
    "logfmt": ("logfmt (key-value)", r"logfmt::"),
    "slog-json": ("slog with slog-json (JSON)", r"slog_json::"),
    "slog-bunyan": ("slog with slog-bunyan (Bunyan JSON)", r"slog_bunyan::"),
}
_RUST_JSON_LOGGER = "json_env_logger, or tracing-subscriber with its `json` feature and `.json()`"
_RUST_PLAIN = {
    "env-logger": ("env_logger (text)", r"env_logger::"),
    "pretty-env-logger": ("pretty_env_logger (text for terminals)", r"pretty_env_logger::"),
    "simple-logger": ("simple_logger (text)", r"simple_logger::|SimpleLogger::"),
    "stderrlog": ("stderrlog (text)", r"stderrlog::"),
    "simplelog": ("simplelog (text)", r"simplelog::|(?:Term|Simple|Write)Logger::"),
    "slog-term": ("slog with slog-term (text for terminals)", r"slog_term::"),
}


def _rust(code: ServiceCode) -> Iterator[LogSetup]:
    yield from _tracing_subscriber(code)
    for crate, (what, pattern) in _RUST_STRUCTURED.items():
        if code.declared(crate) and (place := _where(code, pattern)):
            yield LogSetup(what=what, structured=True, location=place)
    for crate, (what, pattern) in _RUST_PLAIN.items():
        if code.declared(crate) and (place := _where(code, pattern)):
            fix = f"Log JSON instead of {what.partition(' ')[0]}: {_RUST_JSON_LOGGER}."
            if crate == "slog-term":
                fix = (
                    "Build the slog drain with slog-json: "
                    "`slog_json::Json::default(std::io::stderr())`."
                )
            yield LogSetup(what=what, structured=False, location=place, fix=fix)
    yield from _configurable(code)


def _tracing_subscriber(code: ServiceCode) -> Iterator[LogSetup]:
    deps = code.declared("tracing-subscriber")
    if not deps:
        return
    files = {p for p, t in code.code("rust").items() if "tracing_subscriber" in t}
    # `.json()` with no argument and no `.await` after it: not reqwest's `response.json()`.
    json_calls = [
        h
        for h in code.grep(r"\.json\(\)(?!\s*\.await)|\bformat::Json\b", language="rust")
        if h.path in files
    ]
    fmt = [
        h
        for h in code.grep(
            r"\bfmt::(?:layer|init|try_init|Subscriber|fmt)\b|\bFmtSubscriber\b|"
            r"tracing_subscriber::fmt\b|(?<![\w:])fmt\(\)",
            language="rust",
        )
        if h.path in files
    ]
    has_feature = any("json" in d.features for d in deps)
    if json_calls:
        for hit in json_calls:
            yield LogSetup(
                what="tracing-subscriber fmt with .json() (JSON)",
                structured=True,
                location=hit.location,
            )
    elif fmt:
        feature = "its `json` feature is on, but " if has_feature else ""
        yield LogSetup(
            what=f"tracing-subscriber fmt without .json() ({feature}text)",
            structured=False,
            location=fmt[0].location,
            fix=(
                "Turn on tracing-subscriber's `json` feature and build the fmt subscriber with "
                "`.json()`: `tracing_subscriber::fmt().json().init()`."
            ),
        )
    # The `json` feature alone, with no fmt set-up found, decides nothing: the format stays
    # unknown rather than guessed.


def _configurable(code: ServiceCode) -> Iterator[LogSetup]:
    """Loggers whose format is a choice: log4rs, fern and flexi_logger."""
    if code.declared("log4rs") and (place := _where(code, r"log4rs::")):
        json = code.grep(r"\bJsonEncoder\b", language="rust") + code.grep(
            r"^\s*kind:\s*[\"']?json\b", deploy=True
        )
        yield (
            LogSetup(what="log4rs with a JSON encoder", structured=True, location=json[0].location)
            if json
            else LogSetup(
                what="log4rs with its pattern encoder (text)",
                structured=False,
                location=place,
                fix=(
                    "Turn on log4rs's `json_encoder` feature and use `JsonEncoder` (or "
                    "`encoder: { kind: json }` in its YAML configuration)."
                ),
            )
        )
    for crate, marker, fix in (
        ("fern", r"serde_json|json!\(", "Format each record as JSON in fern's `.format(...)`."),
        ("flexi-logger", r"json_format", "Use `flexi_logger::json_format` as the format."),
    ):
        ident = crate.replace("-", "_")
        if code.declared(crate) and (place := _where(code, rf"{ident}::")):
            files = {p for p, t in code.code("rust").items() if f"{ident}::" in t}
            json = [h for h in code.grep(marker, language="rust") if h.path in files]
            name = crate.replace("-", "_")
            yield (
                LogSetup(
                    what=f"{name} with a JSON format", structured=True, location=json[0].location
                )
                if json
                else LogSetup(
                    what=f"{name} without a JSON formatter (text)",
                    structured=False,
                    location=place,
                    fix=fix,
                )
            )


# --- Python --------------------------------------------------------------------------------


def _py(code: ServiceCode, pattern: str) -> list[Hit]:
    return code.grep(pattern, language="python")


def _python(code: ServiceCode) -> Iterator[LogSetup]:
    yield from _structlog(code)
    serializing = _py(code, r"\bserialize\s*=\s*True")
    for hit in serializing:
        if "loguru" in code.sources[hit.path]:
            yield LogSetup(
                what="loguru with serialize=True (JSON)", structured=True, location=hit.location
            )
    serialized = {h.path for h in serializing}
    loguru = [
        h
        for h in _py(code, r"^\s*from loguru import|^\s*import loguru")
        if h.path not in serialized
    ]
    if loguru:
        yield LogSetup(
            what="loguru without serialize=True (text)",
            structured=False,
            location=loguru[0].location,
            fix="Add a JSON sink: `logger.add(sys.stderr, serialize=True)`.",
        )
    yield from _stdlib(code)


def _structlog(code: ServiceCode) -> Iterator[LogSetup]:
    renderers = _py(code, r"\b(?:JSONRenderer|KeyValueRenderer|LogfmtRenderer)\(")
    for hit in renderers:
        kind = "JSON" if "JSONRenderer" in hit.text else "key-value"
        yield LogSetup(
            what=f"structlog with a {kind} renderer", structured=True, location=hit.location
        )
    console = _py(code, r"\bConsoleRenderer\(")
    used = _py(code, r"\bstructlog\.configure\(") or _py(
        code, r"^\s*(?:import structlog|from structlog)"
    )
    deps = code.declared("structlog")
    if console or (not renderers and (used or deps)):
        place = (console or used)[0].location if console or used else deps[0].location
        yield LogSetup(
            what="structlog with its ConsoleRenderer, which renders for humans (text)",
            structured=False,
            location=place,
            fix=(
                "End structlog's processors with `structlog.processors.JSONRenderer()` "
                "(or KeyValueRenderer / LogfmtRenderer) in production."
            ),
        )


def _json_formatter_names(code: ServiceCode) -> list[str]:
    """Known JSON formatters, and the service's own Formatter subclasses that call json.dumps."""
    names = [_JSON_FORMATTER]
    for text in code.code("python").values():
        if "json.dumps" in text or "json.dump(" in text:
            names += re.findall(r"^\s*class\s+(\w+)\(\s*(?:logging\.)?Formatter\s*\)", text, re.M)
    return names


def _stdlib(code: ServiceCode) -> Iterator[LogSetup]:
    json_formatter = re.compile("|".join(rf"\b(?:{n})\b" for n in _json_formatter_names(code)))
    configs = _py(
        code,
        r"\b(?:dictConfig|fileConfig|basicConfig)\(|\.setFormatter\(|^\s*LOGGING\s*=\s*\{",
    )
    # INI or YAML logging configuration naming a JSON formatter class (`class = ...Json...`).
    json_config = code.grep(
        r"(?i)^\s*-?\s*(?:class|\(\)|'\(\)'|\"\(\)\")\s*[:=]\s*\S*json", deploy=True
    )
    seen: set[str] = set()
    for hit in configs:
        if hit.path in seen:
            continue
        seen.add(hit.path)
        call = re.search(r"dictConfig|fileConfig|basicConfig|setFormatter|LOGGING", hit.text)
        how = call.group(0) if call else "logging"
        text = code.sources[hit.path]
        if json_formatter.search(text) or (how in {"fileConfig", "dictConfig"} and json_config):
            yield LogSetup(
                what=f"logging ({how}) with a JSON formatter",
                structured=True,
                location=hit.location,
            )
        else:
            yield LogSetup(
                what=f"logging ({how}) with a text format",
                structured=False,
                location=hit.location,
                fix=(
                    "Give the handlers a JSON formatter: python-json-logger's JsonFormatter or "
                    "ecs-logging's StdlibFormatter."
                ),
            )


# --- written by hand -----------------------------------------------------------------------


def _by_hand(code: ServiceCode) -> Iterator[LogSetup]:
    """Functions that print log records themselves: a print whose text has two log keys."""
    for language, pattern, define in (
        ("rust", _RUST_PRINT, _RUST_FN),
        ("python", _PY_PRINT, _PY_DEF),
    ):
        for hit in code.grep(pattern, language=language):
            json_keys = len(_JSON_KEY.findall(hit.text))
            kv_keys = len(_KV_KEY.findall(hit.text))
            if max(json_keys, kv_keys) < 2:
                continue
            function, line = _enclosing(code.sources[hit.path], hit.line, define)
            kind = "JSON" if json_keys >= kv_keys else "key-value"
            stream = "stderr" if re.search(r"eprint|stderr", hit.text) else "stdout"
            name = f"{function}() ({hit.path}:{line})" if function else "code"
            yield LogSetup(
                what=f"hand-written {kind} logger: {name} writes {kind} lines to {stream}",
                structured=True,
                location=hit.location,
            )


def _enclosing(text: str, line: int, define: re.Pattern[str]) -> tuple[str | None, int | None]:
    """The function around `line`: the nearest definition above it."""
    lines = text.splitlines()
    for number in range(min(line, len(lines)), 0, -1):
        found = define.search(lines[number - 1])
        if found:
            return found.group(1), number
    return None, None
