"""The production-safe rules: debug, log level, reload, profiling, CORS, TLS, expected values."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.checks._config_model import Entry, Environment, field_name
from golive.checks._config_values import (
    equals,
    is_log_level_key,
    level_rank,
    only_reference,
    show,
    truthy,
)
from golive.model import Finding

__all__ = ["RULES", "SafetyReview", "review_production"]

_DEBUG = frozenset({"debug", "debug_enabled", "debug_mode", "enable_debug", "debugging"})
_RELOAD = frozenset(
    {"hot_reload", "hotreload", "hot_reloading", "auto_reload", "autoreload", "live_reload"}
    | {"reload", "reload_on_change"}
)
_PROFILING = frozenset(
    {"profiling", "profiling_enabled", "profiler", "profiler_enabled", "enable_profiling"}
    | {"pprof", "pprof_enabled"}
)
_ORIGINS = frozenset(
    {"allow_origins", "allowed_origins", "allow_origin", "origins", "origin", "cors"}
    | {"access_control_allow_origin"}
)
_TLS_SWITCHES = frozenset(
    {"ssl", "tls", "ssl_enabled", "tls_enabled", "use_ssl", "use_tls", "ssl_verify"}
    | {"verify_ssl", "tls_verify", "verify_tls", "ssl_verify_peer"}
)
_TLS_INSECURE = frozenset(
    {"insecure", "insecure_skip_verify", "tls_insecure", "ssl_insecure", "skip_tls_verify"}
    | {"tls_skip_verify", "skip_ssl_verify", "ssl_no_verify"}
)
_SSL_MODE = frozenset({"ssl_mode", "sslmode"})
_SSL_SAFE = frozenset({"require", "required", "verify_ca", "verify_full", "verify_identity"})
_SSL_WEAK = frozenset({"disable", "disabled", "allow", "prefer", "preferred"})
_URL_WEAK = re.compile(
    r"(?:^|[?&;\s])(?:(?P<mode>sslmode|ssl-mode|ssl_mode)=(?:disabled?|allow|prefer(?:red)?)"
    r"|(?P<switch>ssl|tls|usessl|use_ssl|encrypt)=(?:false|0|no|off))\b",
    re.IGNORECASE,
)
_GOVERNED = _DEBUG | _RELOAD | _PROFILING | _TLS_SWITCHES | _TLS_INSECURE | _SSL_MODE
_ALIASES = (_DEBUG, _RELOAD, _PROFILING, _SSL_MODE)
_LOG_LEVEL_NAMES = frozenset({"log_level", "loglevel", "logging_level", "rust_log"})
_WARN = 3.0  # the rank of `warn` in _config_values.LEVEL_ORDER

Rule = Callable[[Entry], str | None]


def _on(entry: Entry) -> bool:
    value = entry.value
    switch = truthy(value)
    return switch is True or (switch is None and value not in (None, "", [], {}))


def _debug(entry: Entry) -> str | None:
    if entry.names & _DEBUG and _on(entry):
        return f"{entry.dotted} = {show(entry.value)}: debugging is on"
    return None


def _log_level(entry: Entry) -> str | None:
    if not is_log_level_key(entry):
        return None
    rank = level_rank(entry.value)
    if rank is None or rank >= _WARN:
        return None
    return f"{entry.dotted} = {show(entry.value)}: more verbose than warn"


def _reload(entry: Entry) -> str | None:
    if entry.names & _RELOAD and truthy(entry.value) is True:
        return f"{entry.dotted} = {show(entry.value)}: hot reload is on"
    return None


def _profiling(entry: Entry) -> str | None:
    if entry.names & _PROFILING and truthy(entry.value) is True:
        return f"{entry.dotted} = {show(entry.value)}: profiling is on"
    return None


def _cors_key(entry: Entry) -> bool:
    words = entry.identity.split("_")
    about_cors = "cors" in words or "access_control_allow_origin" in entry.names
    return about_cors and bool(entry.names & _ORIGINS)


def _cors(entry: Entry) -> str | None:
    if not _cors_key(entry):
        return None
    value = entry.value
    items = value if isinstance(value, list) else re.split(r"[,\s]+", str(value))
    if any(str(item).strip() == "*" for item in items):
        return f"{entry.dotted} allows every origin (*): restrict CORS to the known origins"
    return None


def _tls(entry: Entry) -> str | None:
    if entry.names & _SSL_MODE and isinstance(entry.value, str):
        mode = entry.value.strip().lower().replace("-", "_")
        if mode in _SSL_WEAK:
            return f"{entry.dotted} = {show(entry.value)}: connections may go unencrypted"
        if mode not in _SSL_SAFE:
            return (
                f"{entry.dotted} = {show(entry.value)}: not a mode golive knows to be safe "
                "(require, verify-ca, verify-full)"
            )
    if entry.names & _TLS_SWITCHES and truthy(entry.value) is False:
        return f"{entry.dotted} = {show(entry.value)}: TLS is switched off"
    if entry.names & _TLS_INSECURE and truthy(entry.value) is True:
        return f"{entry.dotted} = {show(entry.value)}: certificates are not verified"
    if isinstance(entry.value, str):
        weak = _URL_WEAK.search(entry.value)
        if weak is not None:
            setting = weak.group().strip(" ?&;")
            return f"{entry.dotted} sets {setting}: the connection is not encrypted"
    return None


RULES: Mapping[str, Rule] = {
    "debug": _debug,
    "log-level": _log_level,
    "hot-reload": _reload,
    "profiling": _profiling,
    "cors": _cors,
    "tls": _tls,
}


@dataclass(kw_only=True)
class SafetyReview:
    """What the rules found in one environment."""

    problems: list[Finding] = field(default_factory=list)
    undecided: list[Finding] = field(default_factory=list)
    judged: int = 0  # values a rule or an expectation looked at
    absent_off: list[str] = field(default_factory=list)  # `false` expectations with no key


def review_production(environment: Environment, expect: Mapping[str, Any]) -> SafetyReview:
    review = SafetyReview()
    expected_entries: set[int] = set()
    start = environment.own_files[0].start
    for key, want in expect.items():
        found = environment.matching(key) or _spellings(environment, key)
        if not found and want is False:
            # A switch the configuration does not have cannot be on: `hot_reload = false` holds
            # for a service with no hot reload. Expected values and `true` need the key itself.
            review.absent_off.append(key)
            continue
        if not found:
            review.problems.append(
                Finding(
                    message=f"{key} is not set; expected {_expected(want)}",
                    location=start,
                    rule="config.production-safe.expected",
                    fingerprint=f"expected:{field_name(key)}",
                )
            )
            continue
        for entry in found:
            expected_entries.add(id(entry))
            review.judged += 1
            if only_reference(entry.value):
                review.undecided.append(_from_environment(entry))
            elif not _meets(entry, want):
                review.problems.append(
                    Finding(
                        message=f"{entry.dotted} = {show(entry.value, entry.dotted)}; "
                        f"expected {_expected(want)}",
                        location=entry.location,
                        rule="config.production-safe.expected",
                        fingerprint=f"expected:{entry.identity}",
                    )
                )
    for entry in environment.entries:
        if id(entry) in expected_entries:
            continue
        governed = _governed(entry)
        if only_reference(entry.value):
            if governed:
                review.judged += 1
                review.undecided.append(_from_environment(entry))
            continue
        review.judged += governed
        for name, rule in RULES.items():
            message = rule(entry)
            if message is not None:
                review.judged += not governed  # a database URL that turns TLS off
                review.problems.append(
                    Finding(
                        message=message,
                        location=entry.location,
                        rule=f"config.production-safe.{name}",
                        fingerprint=f"{name}:{entry.identity}",
                    )
                )
                break
    return review


def _spellings(environment: Environment, key: str) -> list[Entry]:
    """For an expectation on a well-known switch (`debug_enabled`, `hot_reload`, `log_level`,
    `ssl_mode`...), the keys that spell the same switch otherwise (`features.debug`)."""
    name = field_name(key)
    if name in _LOG_LEVEL_NAMES:
        return [entry for entry in environment.entries if is_log_level_key(entry)]
    for group in _ALIASES:
        if name in group:
            return [entry for entry in environment.entries if entry.names & group]
    return []


def _meets(entry: Entry, want: Any) -> bool:
    wanted = level_rank(want) if isinstance(want, str) else None
    have = level_rank(entry.value)
    if wanted is not None and have is not None and is_log_level_key(entry):
        return have >= wanted  # an equal or stricter level
    return equals(entry.value, want)


def _governed(entry: Entry) -> bool:
    """Whether a rule speaks about this key, whatever its value."""
    return bool(entry.names & _GOVERNED) or is_log_level_key(entry) or _cors_key(entry)


def _from_environment(entry: Entry) -> Finding:
    return Finding(
        message=f"{entry.dotted} = {show(entry.value)}: set from the environment at deploy "
        "time, so golive cannot tell its production value",
        location=entry.location,
        rule="config.production-safe.from-environment",
    )


def _expected(want: Any) -> str:
    if isinstance(want, list):
        return "one of " + ", ".join(show(option) for option in want)
    return show(want)
