"""Restore tests: running the team's command, or reading the record a restore test left."""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path
from typing import Any

from golive._toml_positions import locate
from golive.checks._process import run_tool
from golive.checks._yaml import YamlError, YamlMap, parse_yaml
from golive.checks.base import Unknown, failed, passed, unknown
from golive.checks.repository import Repository
from golive.model import Finding, Location, Outcome
from golive.thresholds import describe_duration

__all__ = ["read_record", "run_command"]

_TAIL_LINES = 20
_LINE_CHARS = 240
_SKEW = 300.0  # seconds a record's clock may run ahead of this machine's
_SECRET = re.compile(
    r"(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\S*?\s*[=:]\s*)\S+"
)
_USERINFO = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")
_PASSED = {"pass", "passed", "success", "succeeded", "ok"}
_FAILED = {"fail", "failed", "failure", "error"}


def run_command(command: str, *, root: Path, repo: Repository, deadline: float) -> Outcome:
    """Run `command` with `sh -c` in the repository's root: exit 0 passes, anything else fails
    with the last lines of its output; past `deadline` seconds it is stopped (unknown)."""
    where = _configured_at(repo, command)
    try:
        run = run_tool(["sh", "-c", command], cwd=root, timeout=deadline)
    except Unknown as stopped:
        raise Unknown(
            f"the restore test `{command}` did not finish within its deadline of "
            f"{describe_duration(deadline)} and was stopped (raise `deadline` if it needs longer)"
        ) from stopped
    output = "\n".join(part for part in (run.stdout.rstrip(), run.stderr.rstrip()) if part)
    tail = [_redact(line)[:_LINE_CHARS] for line in output.splitlines()[-_TAIL_LINES:]]
    facts: dict[str, str | int | float | bool] = {
        "command": command,
        "exit_code": run.returncode,
        "seconds": round(run.seconds, 2),
        "output_lines": len(output.splitlines()),
    }
    took = f"{run.seconds:.1f} s"
    if run.returncode == 0:
        return passed(
            f"the restore test passed: `{command}` exited 0 in {took}",
            observed=f"exit 0 in {took}",
            required="exit 0",
            facts=facts,
        )
    if run.returncode == 127 and "not found" in output:
        raise Unknown(f"the restore test could not start: `{command}`: {tail[-1] if tail else ''}")
    shown = "\n".join(tail) if tail else "(no output)"
    return failed(
        f"the restore test failed: `{command}` exited {run.returncode} after {took}",
        observed=f"exit {run.returncode}",
        required="exit 0",
        findings=[
            Finding(
                message=f"exit {run.returncode}; the last lines of its output:\n{shown}",
                location=where,
                rule="backup.restore-test",
            )
        ],
        remediation="Run the restore test by hand, fix what stops the restore, and run it again.",
        facts=facts,
    )


def read_record(path: str, *, root: Path, max_age: float) -> Outcome | None:
    """The outcome of the restore-test record at `path`, or None when there is no record."""
    file = (root / path).resolve()
    if not file.is_relative_to(root.resolve()):
        raise Unknown(f"the restore-test record {path} is outside the repository")
    if not file.is_file():
        return None
    where = Location(path=path, line=1, column=1)
    try:
        data = parse_yaml(file.read_text("utf-8"), path)
    except (OSError, UnicodeDecodeError) as error:
        return unknown(f"{path} cannot be read: {error}", findings=[_at(str(error), where)])
    except YamlError as error:
        return unknown(
            f"{path} is not JSON: {error.message}", findings=[_at(error.message, error.location)]
        )
    if not isinstance(data, YamlMap):
        return unknown(f"{path} holds no object", findings=[_at("expected an object", where)])
    finished, problem = _finished(data)
    result = str(data.get("result", "")).strip().lower()
    if finished is None:
        return unknown(
            f"{path}: {problem}", findings=[_at(problem, data.value_location("finished_at"))]
        )
    if result not in _PASSED | _FAILED:
        message = 'result must be "pass" or "fail"'
        return unknown(f"{path}: {message}", findings=[_at(message, data.value_location("result"))])
    age = (datetime.datetime.now(datetime.UTC) - finished).total_seconds()
    when = f"{finished.isoformat(timespec='seconds')} ({describe_duration(age)} ago)"
    facts: dict[str, str | int | float | bool] = {
        "record": path,
        "finished_at": finished.isoformat(timespec="seconds"),
        "age_seconds": round(age),
        "result": result,
    }
    if age < -_SKEW:
        message = f"finished_at {finished.isoformat(timespec='seconds')} is in the future"
        return unknown(
            f"{path}: {message}", findings=[_at(message, data.value_location("finished_at"))]
        )
    details = data.get("details")
    if result in _FAILED:
        message = f"the last restore test failed on {when}" + (f": {details}" if details else "")
        return failed(
            message,
            observed=f"result {result}",
            required="result pass",
            findings=[_at(_redact(message), data.value_location("result"))],
            remediation="Fix what stopped the restore, run the restore test again and record it.",
            facts=facts,
        )
    if age > max_age:
        message = f"the last restore test is too old: it finished {when}"
        return failed(
            message,
            observed=f"{describe_duration(age)} old",
            required=f"at most {describe_duration(max_age)} old",
            findings=[_at(message, data.value_location("finished_at"))],
            remediation="Run the restore test again and record it.",
            facts=facts,
        )
    return passed(
        f"the last restore test passed on {when}",
        observed=f"{describe_duration(age)} old",
        required=f"at most {describe_duration(max_age)} old",
        facts=facts,
    )


def _finished(data: YamlMap) -> tuple[datetime.datetime | None, str]:
    value = data.get("finished_at")
    if not isinstance(value, str):
        return None, "finished_at (an ISO 8601 time) is missing"
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None, f'finished_at "{value}" is not an ISO 8601 time'
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)  # documented: no offset means UTC
    return moment, ""


def _at(message: str, location: Location) -> Finding:
    return Finding(message=message, location=location, rule="backup.restore-test")


def _redact(line: str) -> str:
    return _USERINFO.sub(r"\1***@", _SECRET.sub(r"\1***", line))


def _configured_at(repo: Repository, command: str) -> Location | None:
    """Where golive.toml (or pyproject.toml's [tool.golive]) sets `run` to this command."""
    for path in ("golive.toml", "pyproject.toml"):
        text = repo.text(path) if repo.exists(path) else None
        if text is None:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        for keys, span in locate(text).items():
            if keys and keys[-1] == "run" and _value(data, keys) == command:
                where = span.value or span.key
                return Location(path=path, line=where.line, column=where.column)
    return None


def _value(data: Any, keys: tuple[str | int, ...]) -> Any:
    for key in keys:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    return data
