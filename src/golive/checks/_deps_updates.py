"""Automated dependency updates: Dependabot and Renovate configurations, what they cover and
how often they run."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from golive.checks._deps_inventory import VENDORED_DIRS, read_text
from golive.checks._deps_model import Ecosystem, Inventory
from golive.checks._yaml import YamlError, YamlMap, parse_yaml
from golive.checks.repository import Repository
from golive.model import Location

__all__ = [
    "DAY",
    "UpdateConfig",
    "UpdateEntry",
    "describe_period",
    "find_update_configs",
    "repository_ecosystems",
]

DAY = 86_400.0
_DEPENDABOT = {
    "cargo": "cargo",
    "pip": "pip",
    "uv": "pip",
    "pipenv": "pip",
    "poetry": "pip",
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "bun": "npm",
    "github-actions": "github-actions",
    "docker": "docker",
}
_INTERVALS = {
    "daily": 1,
    "weekly": 7,
    "monthly": 30,
    "quarterly": 91,
    "semiannually": 182,
    "yearly": 365,
}
_RENOVATE_MANAGERS = {
    "cargo": "cargo",
    **dict.fromkeys(
        (
            "pep621",
            "pep723",
            "pip_requirements",
            "pip-compile",
            "pip_setup",
            "pipenv",
            "poetry",
            "setup-cfg",
        ),
        "pip",
    ),
    "npm": "npm",
    "github-actions": "github-actions",
    "dockerfile": "docker",
}
_RENOVATE_PRESETS = {
    "schedule:daily": 1,
    "schedule:nonOfficeHours": 1,
    "schedule:officeHours": 1,
    "schedule:weekdays": 1,
    "schedule:earlyMondays": 7,
    "schedule:weekly": 7,
    "schedule:weekends": 7,
    "schedule:monthly": 30,
    "schedule:quarterly": 91,
    "schedule:yearly": 365,
}
_RENOVATE_FILES = (
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
)
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun"


@dataclass(frozen=True, kw_only=True)
class UpdateEntry:
    """One thing an update tool does: which ecosystems (None: all), how often, where it says so."""

    tool: str
    ecosystems: frozenset[str] | None
    period: float | None  # seconds between runs; None when the schedule cannot be read
    schedule: str
    location: Location
    disabled: str | None = None  # why this entry opens no update pull requests


@dataclass(frozen=True, kw_only=True)
class UpdateConfig:
    path: str
    tool: str
    location: Location  # where an entry for a missing ecosystem would go
    entries: tuple[UpdateEntry, ...] = ()
    problems: tuple[tuple[str, Location], ...] = ()


def describe_period(seconds: float) -> str:
    days = seconds / DAY
    if days == 0:
        return "continuously"
    return "every day" if days == 1 else f"every {days:g} days"


def repository_ecosystems(repo: Repository, inventory: Inventory) -> dict[str, Location]:
    """The update ecosystems the repository has, each with a file that shows it."""
    found: dict[str, Location] = {}
    labels = {Ecosystem.CARGO: "cargo", Ecosystem.PYPI: "pip", Ecosystem.NPM: "npm"}
    for manifest in inventory.with_dependencies:
        found.setdefault(labels[manifest.ecosystem], Location(path=manifest.path))
    workflows = repo.glob(".github/workflows/*.yml", ".github/workflows/*.yaml")
    if workflows:
        found["github-actions"] = Location(path=workflows[0])
    for path in repo.files:
        name = path.rpartition("/")[2].lower()
        if any(part in VENDORED_DIRS for part in path.split("/")[:-1]):
            continue
        if (
            name in {"dockerfile", "containerfile"}
            or name.endswith(".dockerfile")
            or (name.startswith("dockerfile."))
        ):
            found.setdefault("docker", Location(path=path))
    return found


def find_update_configs(repo: Repository) -> list[UpdateConfig]:
    configs = []
    dependabot = repo.find("dependabot.yml", "dependabot.yaml", dirs=(".github",))
    if dependabot:
        configs.append(_dependabot(dependabot, read_text(repo, dependabot) or ""))
    for name in _RENOVATE_FILES:
        if repo.exists(name):
            configs.append(_renovate_file(name, read_text(repo, name) or ""))
            break
    if repo.exists("package.json"):
        try:
            package = json.loads(read_text(repo, "package.json") or "{}")
        except json.JSONDecodeError:
            package = {}
        if isinstance(package, dict) and isinstance(package.get("renovate"), dict):
            line = _line_of(read_text(repo, "package.json") or "", "renovate") or 1
            configs.append(
                _renovate(
                    "package.json", package["renovate"], read_text(repo, "package.json") or "", line
                )
            )
    return configs


# --- Dependabot -------------------------------------------------------------------------------


def _dependabot(path: str, text: str) -> UpdateConfig:
    top = Location(path=path, line=1)
    try:
        data = parse_yaml(text, path, typed=True)
    except YamlError as error:
        return UpdateConfig(
            path=path, tool="dependabot", location=top, problems=((error.message, error.location),)
        )
    if not isinstance(data, YamlMap) or not isinstance(data.get("updates"), list):
        return UpdateConfig(
            path=path,
            tool="dependabot",
            location=top,
            problems=(("has no `updates:` list", top),),
        )
    problems = []
    if data.get("version") != 2:
        problems.append(("`version: 2` is required", data.at("version")))
    entries = []
    for item in data["updates"]:
        if not isinstance(item, YamlMap):
            continue
        where = item.at("package-ecosystem")
        ecosystem = str(item.get("package-ecosystem", ""))
        schedule = item.get("schedule")
        schedule = schedule if isinstance(schedule, YamlMap) else None
        interval = str(schedule.get("interval", "")) if schedule is not None else ""
        period: float | None = _INTERVALS.get(interval)
        if interval == "cron" and schedule is not None:
            period = _cron_days(str(schedule.get("cronjob", "")))
        disabled = (
            "open-pull-requests-limit: 0 turns version updates off"
            if item.get("open-pull-requests-limit") == 0
            else None
        )
        entries.append(
            UpdateEntry(
                tool="dependabot",
                ecosystems=frozenset({_DEPENDABOT.get(ecosystem, ecosystem)}),
                period=None if period is None else period * DAY,
                schedule=interval or "no schedule",
                location=schedule.at("interval") if schedule is not None else where,
                disabled=disabled,
            )
        )
    return UpdateConfig(
        path=path,
        tool="dependabot",
        location=data.at("updates"),
        entries=tuple(entries),
        problems=tuple(problems),
    )


def _cron_days(cron: str) -> float | None:
    fields = cron.split()
    if len(fields) != 5:
        return None
    _, hour, day_of_month, _, day_of_week = fields
    if day_of_week != "*":
        return 7
    if day_of_month != "*":
        return 30
    return 0 if hour == "*" or hour.startswith("*/") else 1


# --- Renovate ---------------------------------------------------------------------------------


def _renovate_file(path: str, text: str) -> UpdateConfig:
    try:
        data = json.loads(text) if not path.endswith("json5") else _json5(text)
    except (json.JSONDecodeError, ValueError):
        try:
            data = _json5(text)  # .renovaterc may be JSON5 too
        except (json.JSONDecodeError, ValueError) as exc:
            return UpdateConfig(
                path=path,
                tool="renovate",
                location=Location(path=path, line=1),
                problems=((f"cannot be read as JSON or JSON5: {exc}", Location(path=path)),),
            )
    if not isinstance(data, dict):
        return UpdateConfig(
            path=path,
            tool="renovate",
            location=Location(path=path, line=1),
            problems=(("is not a JSON object", Location(path=path)),),
        )
    return _renovate(path, data, text, 1)


def _renovate(path: str, data: Mapping[str, Any], text: str, line: int) -> UpdateConfig:
    managers = data.get("enabledManagers")
    covered = (
        frozenset(_RENOVATE_MANAGERS.get(str(m), str(m)) for m in managers)
        if isinstance(managers, list)
        else None
    )
    schedules, extends = _strings(data.get("schedule")), _strings(data.get("extends"))
    period = _renovate_period(schedules, extends)
    where = Location(path=path, line=_line_of(text, "schedule") or line)
    return UpdateConfig(
        path=path,
        tool="renovate",
        location=Location(path=path, line=_line_of(text, "enabledManagers") or line),
        entries=(
            UpdateEntry(
                tool="renovate",
                ecosystems=covered,
                period=None if period is None else period * DAY,
                schedule=", ".join(schedules)
                or ", ".join(e for e in extends if e.startswith("schedule:"))
                or "at any time",
                location=where,
                disabled="`enabled: false` turns Renovate off"
                if data.get("enabled") is False
                else None,
            ),
        ),
    )


def _strings(value: Any) -> list[str]:
    """A Renovate option that is one string or a list of them."""
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _renovate_period(schedules: Iterable[str], extends: Iterable[str]) -> float | None:
    periods: list[float | None] = [_RENOVATE_PRESETS[e] for e in extends if e in _RENOVATE_PRESETS]
    periods += [_schedule_days(text.lower().strip()) for text in schedules]
    if not periods:
        return 0  # Renovate's default: at any time
    known = [p for p in periods if p is not None]
    return None if len(known) < len(periods) else min(known)


def _schedule_days(text: str) -> float | None:
    if text in {"at any time", ""}:
        return 0
    if len(text.split()) == 5 and re.fullmatch(r"[\d*/,\- ]+", text):
        return _cron_days(text)
    for pattern, days in (
        (r"every (\d+) months?", None),
        (r"every (\d+) weeks?", None),
        (r"\bmonth", 30),
        (r"weekday|every day|daily", 1),
        (rf"weekend|\b(?:on|every) (?:{_DAYS})\b|\b(?:{_DAYS})s?\b", 7),
        (r"^(?:before|after) \d{1,2}(?::\d\d)?\s*(?:am|pm)?(?: and before \d.*)?$", 1),
    ):
        match = re.search(pattern, text)
        if match:
            if days is None:
                unit = 30 if "month" in pattern else 7
                return int(match[1]) * unit
            return days
    return None


def _line_of(text: str, key: str) -> int | None:
    """The line where a JSON or JSON5 object key is written (quoted or not)."""
    found = re.search(rf"""(?:^|[{{,\s])["']?{re.escape(key)}["']?\s*:""", text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _json5(text: str) -> Any:
    """Read the JSON5 that Renovate configs use: comments, trailing commas, unquoted keys and
    single-quoted strings, turned into JSON."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in "\"'":
            end = i + 1
            while end < len(text) and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            body = text[i + 1 : end]
            out.append(json.dumps(body.replace('\\"', '"').replace("\\'", "'")))
            i = end + 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
        elif text.startswith("/*", i):
            i = text.find("*/", i) + 2 if "*/" in text[i:] else len(text)
        elif char.isalpha() or char in "_$":
            match = re.match(r"[A-Za-z_$][\w$]*", text[i:])
            assert match is not None
            word = match[0]
            rest = text[i + len(word) :].lstrip()
            out.append(json.dumps(word) if rest.startswith(":") else word)
            i += len(word)
        else:
            out.append(char)
            i += 1
    cleaned = re.sub(r",(\s*[}\]])", r"\1", "".join(out))
    return json.loads(cleaned)
