"""Run a composite action's steps here, the way a GitHub runner does: each `run:` step is a
real bash process (`bash --noprofile --norc -eo pipefail`, GitHub's command for `shell:
bash`) with its own `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`; `${{ }}` expressions and
`if:` conditions are evaluated; a `uses:` step is not run but answered by the test."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ActionRun", "evaluate", "run_action", "substitute"]

BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))"
    r"|(?P<name>[A-Za-z_][\w.-]*))"
)
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"expression not understood here: {text[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _lookup(path: str, contexts: Mapping[str, Any]) -> Any:
    if path in {"true", "false"}:
        return path == "true"
    if path == "null":
        return None
    value: Any = contexts
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()  # GitHub compares strings ignoring case
    return bool(left == right)


def evaluate(text: str, contexts: Mapping[str, Any]) -> Any:
    """The value of an expression of GitHub's language, for the part of it actions here use:
    context paths, quoted strings, `==`, `!=`, `!`, `&&`, `||` and parentheses. A function
    call (`always()`, `hashFiles(...)`) is refused, so a test notices when one appears."""
    tokens = _tokens(text)
    position = 0

    def peek() -> str | None:
        return tokens[position][1] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def primary() -> Any:
        kind, value = take()
        if value == "(" and kind == "op":
            inner = either()
            if take()[1] != ")":
                raise ValueError(f"unbalanced parentheses in {text!r}")
            return inner
        if value == "!" and kind == "op":
            return not primary()
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "name":
            if peek() == "(":
                raise ValueError(f"function {value}() is not supported here: {text!r}")
            return _lookup(value, contexts)
        raise ValueError(f"unexpected {value!r} in {text!r}")

    def comparison() -> Any:
        left = primary()
        while peek() in {"==", "!="}:
            operator = take()[1]
            right = primary()
            left = _equal(left, right) if operator == "==" else not _equal(left, right)
        return left

    def both() -> Any:
        left = comparison()
        while peek() == "&&":
            take()
            right = comparison()
            left = right if left else left
        return left

    def either() -> Any:
        left = both()
        while peek() == "||":
            take()
            right = both()
            left = left if left else right
        return left

    result = either()
    if position != len(tokens):
        raise ValueError(f"trailing {tokens[position][1]!r} in {text!r}")
    return result


def substitute(value: Any, contexts: Mapping[str, Any]) -> str:
    """A `with:` or `env:` value with every `${{ }}` replaced by its value, as text."""
    return _EXPRESSION.sub(lambda m: _text(evaluate(m.group(1), contexts)), _text(value))


def _condition(text: str, contexts: Mapping[str, Any]) -> bool:
    inner = _EXPRESSION.fullmatch(text.strip())
    return bool(evaluate(inner.group(1) if inner else text, contexts))


def _outputs(path: Path) -> dict[str, str]:
    """`name=value` lines, and `name<<DELIMITER` blocks, as GitHub reads `$GITHUB_OUTPUT`."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text("utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, delimiter = line.partition("<<")
            block: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            outputs[name] = "\n".join(block)
        elif line:
            name, _, value = line.partition("=")
            outputs[name] = value
    return outputs


@dataclass
class ActionRun:
    """What a run of the action did."""

    returncode: int  # 0 when every step succeeded, else the exit code of the step that failed
    failed_step: str | None
    outputs: dict[str, str]  # the action's outputs
    steps: dict[str, dict[str, str]]  # outputs of each step with an id
    ran: list[str]  # names of the steps that ran, in order
    uses: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # actions called
    log: str = ""  # what the run steps printed, standard output and error
    summary: str = ""  # the job summary the steps wrote


def run_action(
    action: Mapping[str, Any],
    *,
    inputs: Mapping[str, str],
    workspace: Path,
    temp: Path,
    action_path: Path,
    on_uses: Callable[[str, dict[str, str]], dict[str, str]],
    stand_ins: Mapping[str, dict[str, str]] | None = None,
    env: Mapping[str, str] | None = None,
) -> ActionRun:
    """Run `action`'s steps in order, stopping at the first that fails, as a runner does.

    `inputs` override the declared defaults. `on_uses(ref, with)` answers a `uses:` step
    with its outputs. A step whose id is in `stand_ins` is not run: its outputs are given.
    """
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ValueError(f"inputs the action does not declare: {sorted(unknown)}")
    values = {name: _text((spec or {}).get("default", "")) for name, spec in declared.items()}
    values.update(inputs)
    steps: dict[str, dict[str, dict[str, str]]] = {}
    contexts: dict[str, Any] = {"inputs": values, "steps": steps}
    run = ActionRun(returncode=0, failed_step=None, outputs={}, steps={}, ran=[])
    temp.mkdir(parents=True, exist_ok=True)
    for number, step in enumerate(action["runs"]["steps"]):
        name = step.get("name") or step.get("id") or f"step {number + 1}"
        if "if" in step and not _condition(str(step["if"]), contexts):
            continue
        run.ran.append(name)
        step_id = step.get("id")
        if step_id and stand_ins and step_id in stand_ins:
            steps[step_id] = {"outputs": dict(stand_ins[step_id])}
            continue
        if "uses" in step:
            given = {k: substitute(v, contexts) for k, v in (step.get("with") or {}).items()}
            run.uses.append((step["uses"], given))
            produced = on_uses(step["uses"], given)
        else:
            output = temp / f"output-{number}"
            summary = temp / f"summary-{number}"
            output.write_text("")
            summary.write_text("")
            script = temp / f"step-{number}.sh"
            script.write_text(step["run"], encoding="utf-8")
            step_env = {k: substitute(v, contexts) for k, v in (step.get("env") or {}).items()}
            process = subprocess.run(
                [*BASH, str(script)],
                cwd=workspace,
                env={
                    **os.environ,
                    **(env or {}),
                    "GITHUB_ACTION_PATH": str(action_path),
                    "GITHUB_WORKSPACE": str(workspace),
                    "RUNNER_TEMP": str(temp),
                    "GITHUB_OUTPUT": str(output),
                    "GITHUB_STEP_SUMMARY": str(summary),
                    **step_env,
                },
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            run.log += process.stdout + process.stderr
            run.summary += summary.read_text("utf-8")
            produced = _outputs(output)
            if process.returncode != 0:
                if step_id:
                    steps[step_id] = {"outputs": produced}
                run.returncode, run.failed_step = process.returncode, name
                break
        if step_id:
            steps[step_id] = {"outputs": produced}
    for name, spec in (action.get("outputs") or {}).items():
        run.outputs[name] = substitute(spec["value"], contexts)
    run.steps = {key: value["outputs"] for key, value in steps.items()}
    return run
