"""The CI integrations: the GitHub Action, the pre-commit hook and the GitLab CI template, and
the examples of them in the documentation.

Their scripts run for real here: the action's steps as a runner runs them (actions_kit), the
GitLab job's script under bash and sh, against real golive reviews of small repositories.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from golive_cli import golive
from integrations.actions_kit import ActionRun, evaluate, run_action, substitute

from golive.report import Format

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
ACTION_FILE = ROOT / "action.yml"
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
GITLAB_FILE = ROOT / "ci" / "gitlab" / "golive.gitlab-ci.yml"
DOCS_FILE = ROOT / "docs" / "ci-integrations.md"
README_FILE = ROOT / "README.md"
SCHEMAS = HERE / "schemas"
SCHEMA_DIGESTS = {  # check-jsonschema 0.39.0, builtin_schemas/vendor (schemas/README.md)
    "github-actions.json": "224326cc5a334bdb97b56b6fc320cd4381ba7d61b477b425ed506e6a420b52ba",
    "github-workflows.json": "d10c9f4656e1bd5bc6727e9b35080e017dc167154726fca93da33c7a6bd1c4f3",
    "gitlab-ci.json": "1c6eeb7d3a34c39996afbfe1ade220480eb05bbeae674e86d3c745dfeeded7fd",
}
ACTION_REF = "golive-dev/golive@"
SETUP_PYTHON = "actions/setup-python@"
UPLOAD_SARIF = "github/codeql-action/upload-sarif@"
FORMATS = {f.value for f in Format}

ACTION: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text("utf-8"))
HOOKS: list[dict[str, Any]] = yaml.safe_load(HOOKS_FILE.read_text("utf-8"))
GITLAB: dict[str, Any] = yaml.safe_load(GITLAB_FILE.read_text("utf-8"))


# --- helpers -------------------------------------------------------------------------------


def _schema(name: str) -> jsonschema.Draft7Validator:
    data = (SCHEMAS / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_DIGESTS[name], f"{name} changed"
    schema = json.loads(data)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _errors(validator: jsonschema.Draft7Validator, document: object) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def _on_key(document: Any) -> Any:
    """YAML 1.1 reads a workflow's `on:` key as the boolean true; GitHub reads it as "on"."""
    if isinstance(document, dict) and True in document:
        document = {("on" if key is True else key): value for key, value in document.items()}
    return document


def _flags(words: list[str]) -> set[str]:
    return {
        word.partition("=")[0] for word in words if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", word)
    }


def _formats(words: list[str]) -> dict[str, str]:
    """FORMAT -> FILE of every `-f FORMAT=FILE` / `--format FORMAT=FILE`."""
    found: dict[str, str] = {}
    for flag, value in pairwise(words):
        if flag in {"-f", "--format"}:
            name, _, file = value.partition("=")
            found[name] = file
    return found


@pytest.fixture(scope="module")
def help_flags() -> dict[str, set[str]]:
    """The options `golive check --help` and `golive gate --help` list."""
    flags = {}
    for command in ("check", "gate"):
        result = golive(command, "--help", env={"COLUMNS": "200"})
        assert result.returncode == 0, result.stderr
        flags[command] = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", result.stdout))
        assert {"--format", "-f", "--kind", "--help"} <= flags[command]
    return flags


def _fake_venv(directory: Path, *, exit_code: int | None = None) -> Path:
    """A stand-in for the virtual environment the integrations install golive into: its
    `golive` records its arguments in `directory/argv`, then runs the real golive (or, for
    `golive check`, exits with `exit_code`)."""
    bin_dir = directory / "bin"
    bin_dir.mkdir(parents=True)
    python = shlex.quote(sys.executable)
    run = f'exec {python} -m golive "$@"'
    if exit_code is not None:
        run = f'[ "$1" = check ] && exit {exit_code}\n{run}'
    scripts = {
        "python": f'#!/bin/sh\nexec {python} "$@"\n',
        "golive": f"#!/bin/sh\nprintf '%s\\0' \"$@\" > {shlex.quote(str(directory / 'argv'))}\n{run}\n",
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return directory


def _argv(venv: Path) -> list[str]:
    return (venv / "argv").read_text("utf-8").split("\0")[:-1]


PROFILE = """\
[profile]
name = "ci-smoke"
title = "CI smoke checklist"

[sections.docs]
title = "Documentation"

[items."docs.readme"]
title = "The README explains installation and usage"
section = "docs"
checks = ["docs.readme"]
with = { sections = ["install", "usage"] }
"""
README = "# smoke\n\n## Installation\n\npip install smoke\n\n## Usage\n\nsmoke run\n"


def _repo(directory: Path, verdict: str) -> Path:
    """A repository golive reviews to `verdict`: GO (its README has the sections the one item
    asks for), NO-GO (no README) or error (its golive.toml has an unknown key: exit 2)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "checklist.toml").write_text(PROFILE)
    service = '[service]\nname = "smoke"\nprofiles = ["checklist.toml"]\n'
    if verdict == "error":
        service += 'colour = "blue"\n'
    (directory / "golive.toml").write_text(service)
    if verdict == "GO":
        (directory / "README.md").write_text(README)
    return directory


# --- the GitHub Action: its metadata -------------------------------------------------------


def _steps() -> list[dict[str, Any]]:
    return ACTION["runs"]["steps"]


def _step(name: str) -> dict[str, Any]:
    (step,) = [s for s in _steps() if s.get("name") == name or s.get("id") == name]
    return step


def test_action_metadata_is_valid_against_the_schemastore_schema() -> None:
    validator = _schema("github-actions.json")
    assert _errors(validator, ACTION) == []
    broken = json.loads(json.dumps(ACTION))
    del broken["runs"]["steps"][1]["shell"]  # GitHub refuses a composite run step without it
    assert _errors(validator, broken)


def test_action_is_composite_with_the_promised_inputs_and_outputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["name"] and ACTION["description"]
    assert set(ACTION["branding"]) == {"icon", "color"}
    defaults = {name: spec.get("default") for name, spec in ACTION["inputs"].items()}
    assert defaults == {
        "path": ".",
        "args": "",
        "version": "",
        "sarif": "golive.sarif",
        "upload-sarif": "true",
        "python-version": "3.11",
        "fail-on-no-go": "true",
    }
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert set(ACTION["outputs"]) == {"verdict", "exit-code", "sarif-file"}


def test_every_run_step_names_its_shell_and_reads_inputs_only_through_env() -> None:
    for step in _steps():
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]
            # An expression in the script text is pasted in before bash reads it: an input
            # holding `"; rm -rf ~` would run. Through env it stays a value.
            assert "${{" not in step["run"], step["name"]
        else:
            assert "uses" in step


def test_every_input_referenced_is_declared_and_every_declared_input_is_used() -> None:
    text = ACTION_FILE.read_text("utf-8")
    referenced = set(re.findall(r"\binputs\.([\w-]+)", text))
    assert referenced == set(ACTION["inputs"])


def test_outputs_come_from_steps_that_exist_and_write_them() -> None:
    ids = [step.get("id") for step in _steps()]
    for name, spec in ACTION["outputs"].items():
        match = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert match, spec["value"]
        step_id, output = match.groups()
        assert step_id in ids, name
        assert f"{output}=" in _step(step_id)["run"], name


def test_steps_refer_only_to_earlier_steps() -> None:
    seen: set[str] = set()
    for step in _steps():
        text = json.dumps(step)
        for step_id in re.findall(r"\bsteps\.([\w-]+)\.outputs\b", text):
            assert step_id in seen, f"{step.get('name')} reads steps.{step_id} before it runs"
        if "id" in step:
            seen.add(step["id"])


def test_actions_are_pinned_to_a_full_commit_sha_with_the_version_beside_it() -> None:
    pins = re.findall(r"uses: (\S+)@(\S+) # (v\S+)", ACTION_FILE.read_text("utf-8"))
    uses = [step["uses"] for step in _steps() if "uses" in step]
    assert len(pins) == len(uses) == 2
    for _action, sha, _version in pins:
        assert re.fullmatch(r"[0-9a-f]{40}", sha)
    assert {action for action, _, _ in pins} == {
        "actions/setup-python",
        "github/codeql-action/upload-sarif",
    }
    assert next(v for a, _, v in pins if a == "actions/setup-python").startswith("v5.")
    docs = DOCS_FILE.read_text("utf-8")
    for action, _, version in pins:  # the documentation names what is pinned
        assert f"`{action}` {version}" in docs


def test_setup_python_leaves_the_jobs_python_alone() -> None:
    step = _step("python")
    assert step["uses"].startswith(SETUP_PYTHON)
    assert step["with"] == {
        "python-version": "${{ inputs.python-version }}",
        "update-environment": False,
    }


def test_the_upload_needs_the_input_and_a_file_written_by_this_run() -> None:
    upload = next(step for step in _steps() if step.get("uses", "").startswith(UPLOAD_SARIF))
    cases = [("true", "golive.sarif", True), ("false", "golive.sarif", False)]
    cases += [("true", "", False), ("True", "x.sarif", True), ("no", "x.sarif", False)]
    for flag, written, expected in cases:
        contexts = {
            "inputs": {"upload-sarif": flag},
            "steps": {"review": {"outputs": {"sarif-file": written}}},
        }
        assert bool(evaluate(upload["if"], contexts)) is expected, (flag, written)
    assert upload["with"] == {"sarif_file": "${{ steps.review.outputs.sarif-file }}"}


def test_the_expression_evaluator_follows_githubs_rules() -> None:
    contexts = {"inputs": {"a": "x", "empty": ""}}
    assert evaluate("inputs.a == 'X'", contexts) is True  # case-insensitive
    assert evaluate("inputs.empty || 'fallback'", contexts) == "fallback"
    assert evaluate("inputs.a && inputs.empty", contexts) == ""
    assert evaluate("!(inputs.a != 'x')", contexts) is True
    assert substitute("v=${{ inputs.a }}", contexts) == "v=x"
    with pytest.raises(ValueError, match="not supported"):
        evaluate("always()", contexts)


# --- the GitHub Action: its steps, run ----------------------------------------------------


def _answer_uses(ref: str, given: dict[str, str]) -> dict[str, str]:
    if ref.startswith(SETUP_PYTHON):
        return {"python-path": sys.executable, "python-version": given["python-version"]}
    if ref.startswith(UPLOAD_SARIF):
        return {"sarif-id": "1"}
    raise AssertionError(f"unexpected action {ref}")


def _run(
    tmp_path: Path,
    verdict: str,
    *,
    exit_code: int | None = None,
    **inputs: str,
) -> tuple[ActionRun, Path, Path]:
    workspace = _repo(tmp_path / "workspace", verdict)
    venv = _fake_venv(tmp_path / "venv", exit_code=exit_code)
    run = run_action(
        ACTION,
        inputs=inputs,
        workspace=workspace,
        temp=tmp_path / "runner-temp",
        action_path=ROOT,
        on_uses=_answer_uses,
        stand_ins={"install": {"venv": str(venv)}},
        env={"NO_COLOR": "1"},
    )
    return run, workspace, venv


def _uploads(run: ActionRun) -> list[dict[str, str]]:
    return [given for ref, given in run.uses if ref.startswith(UPLOAD_SARIF)]


def test_go_uploads_the_sarif_writes_the_summary_and_passes(tmp_path: Path) -> None:
    run, workspace, venv = _run(tmp_path, "GO")
    assert (run.returncode, run.failed_step) == (0, None), run.log
    assert run.outputs == {"verdict": "GO", "exit-code": "0", "sarif-file": "golive.sarif"}
    sarif = json.loads((workspace / "golive.sarif").read_text("utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["invocations"][0]["properties"]["golive/verdict"] == "GO"
    assert _uploads(run) == [{"sarif_file": "golive.sarif"}]
    assert run.summary.startswith("## golive: ✅ GO — smoke")
    assert "golive: GO" in run.log and "::error" not in run.log
    assert "GO   no must item blocks" in run.log  # the terminal report, in the step's log
    argv = _argv(venv)
    assert argv[:2] == ["check", "."]
    assert _formats(argv) == {
        "markdown": str(tmp_path / "runner-temp" / "golive-summary.md"),
        "sarif": "golive.sarif",
    }


def test_no_go_publishes_the_reports_first_then_fails_the_job(tmp_path: Path) -> None:
    run, workspace, _ = _run(tmp_path, "NO-GO")
    assert (run.returncode, run.failed_step) == (1, "Decide")
    assert run.ran[-2:] == ["Upload SARIF to code scanning", "Decide"]
    assert run.outputs == {"verdict": "NO-GO", "exit-code": "1", "sarif-file": "golive.sarif"}
    sarif = json.loads((workspace / "golive.sarif").read_text("utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["docs.readme"]
    assert _uploads(run) == [{"sarif_file": "golive.sarif"}]
    assert "## golive: ❌ NO-GO — smoke" in run.summary
    assert "::error title=golive: NO-GO::" in run.log


def test_no_go_is_a_warning_when_fail_on_no_go_is_false(tmp_path: Path) -> None:
    run, _, _ = _run(tmp_path, "NO-GO", **{"fail-on-no-go": "false"})
    assert run.returncode == 0, run.log
    assert run.outputs["verdict"] == "NO-GO"
    assert "::warning title=golive: NO-GO::" in run.log


@pytest.mark.parametrize("fail_on_no_go", ["true", "false"])
def test_a_configuration_error_fails_the_job_and_uploads_nothing(
    tmp_path: Path, fail_on_no_go: str
) -> None:
    workspace = _repo(tmp_path / "workspace", "error")
    (workspace / "golive.sarif").write_text("{}")  # left by an earlier step: not this run's
    run, _, _ = _run(tmp_path, "error", **{"fail-on-no-go": fail_on_no_go})
    assert (run.returncode, run.failed_step) == (2, "Decide")
    assert run.outputs == {"verdict": "error", "exit-code": "2", "sarif-file": ""}
    assert not (workspace / "golive.sarif").exists()
    assert _uploads(run) == []
    assert 'golive.toml:4:1: unknown key "colour"' in run.log
    assert "::error title=golive: usage or configuration error::" in run.log
    assert "## golive: no decision (exit 2)" in run.summary


@pytest.mark.parametrize(("code", "title"), [(3, "internal error"), (137, "no decision")])
def test_an_internal_error_or_a_killed_golive_fails_the_job(
    tmp_path: Path, code: int, title: str
) -> None:
    run, _, _ = _run(tmp_path, "GO", exit_code=code, **{"fail-on-no-go": "false"})
    assert run.failed_step == "Decide"
    assert run.returncode == (3 if code == 3 else 1)
    assert run.outputs == {"verdict": "error", "exit-code": str(code), "sarif-file": ""}
    assert _uploads(run) == []
    assert f"::error title=golive: {title}::" in run.log


def test_without_upload_or_sarif_nothing_is_uploaded(tmp_path: Path) -> None:
    run, workspace, _ = _run(tmp_path / "a", "GO", **{"upload-sarif": "false"})
    assert run.returncode == 0 and _uploads(run) == []
    assert (workspace / "golive.sarif").exists()
    run, workspace, venv = _run(tmp_path / "b", "GO", sarif="")
    assert run.returncode == 0 and _uploads(run) == []
    assert run.outputs["sarif-file"] == ""
    assert "sarif" not in _formats(_argv(venv))


def test_args_are_split_like_a_shell_command_line_and_never_run(tmp_path: Path) -> None:
    run, workspace, venv = _run(
        tmp_path, "GO", args="--item 'docs.readme' --kind static -f \"json=my report.json\""
    )
    assert run.returncode == 0, run.log
    argv = _argv(venv)
    assert argv[argv.index("--item") + 1] == "docs.readme"
    assert _formats(argv)["json"] == "my report.json"
    assert json.loads((workspace / "my report.json").read_text())["decision"]["verdict"] == "GO"

    run, workspace, venv = _run(tmp_path / "again", "GO", args="--item $(touch ran) `touch ran`")
    assert _argv(venv)[-5:] == ["--item", "$(touch", "ran)", "`touch", "ran`"]
    assert not (workspace / "ran").exists()
    assert run.outputs["exit-code"] == "2"  # no such item: a usage error, not GO


def test_args_with_an_unclosed_quote_are_a_usage_error(tmp_path: Path) -> None:
    run, _, venv = _run(tmp_path, "GO", args="--item 'docs.readme")
    assert (run.returncode, run.failed_step) == (2, "Review with golive")
    assert run.outputs == {"verdict": "error", "exit-code": "2", "sarif-file": ""}
    assert "No closing quotation" in run.log
    assert "::error title=golive: usage error::" in run.log
    assert not (venv / "argv").exists()  # golive never ran


def test_golive_flags_the_action_passes_exist(
    tmp_path: Path, help_flags: dict[str, set[str]]
) -> None:
    _, _, venv = _run(tmp_path, "GO", args="--unknown warn --kind static")
    argv = _argv(venv)
    assert argv[0] == "check"
    assert _flags(argv) <= help_flags["check"]
    assert set(_formats(argv)) <= FORMATS


def _decide(tmp_path: Path, exit_code: str, fail_on_no_go: str) -> ActionRun:
    only = {**ACTION, "runs": {"using": "composite", "steps": [_step("review"), _step("Decide")]}}
    return run_action(
        only,
        inputs={"fail-on-no-go": fail_on_no_go},
        workspace=tmp_path,
        temp=tmp_path / "runner-temp",
        action_path=ROOT,
        on_uses=_answer_uses,
        stand_ins={"review": {"exit-code": exit_code}},
    )


@pytest.mark.parametrize(
    ("exit_code", "fail_on_no_go", "job"),
    [
        ("0", "true", 0),
        ("0", "false", 0),
        ("1", "true", 1),
        ("1", "false", 0),
        ("2", "true", 2),
        ("2", "false", 2),
        ("3", "true", 3),
        ("3", "false", 3),
        ("130", "false", 1),
        ("", "false", 1),  # no code at all is not a GO
        ("0", "yes", 2),  # neither true nor false
        ("1", "False", 2),
    ],
)
def test_the_decision_step_maps_every_exit_code(
    tmp_path: Path, exit_code: str, fail_on_no_go: str, job: int
) -> None:
    run = _decide(tmp_path, exit_code, fail_on_no_go)
    assert run.returncode == job, run.log
    assert run.failed_step == (None if job == 0 else "Decide")


@pytest.mark.parametrize(
    ("version", "spec"),
    [
        ("", "<action path>"),
        ("0.2.0", "golive==0.2.0"),
        ("v1.4.0rc1", "golive==1.4.0rc1"),
        ("golive>=0.2,<0.3", "golive>=0.2,<0.3"),
        ("https://example.org/golive-1.0.tar.gz", "https://example.org/golive-1.0.tar.gz"),
    ],
)
def test_the_install_step_turns_version_into_what_pip_installs(
    tmp_path: Path, version: str, spec: str
) -> None:
    temp = tmp_path / "runner-temp"
    # The venv exists already and `python -m venv` is a no-op: only what reaches pip matters.
    venv = temp / "golive-venv" / "bin"
    venv.mkdir(parents=True)
    log = tmp_path / "pip-argv"
    (venv / "python").write_text(f"#!/bin/sh\nprintf '%s\\0' \"$@\" > {shlex.quote(str(log))}\n")
    (venv / "golive").write_text("#!/bin/sh\necho 'golive 0.1.0'\n")
    for script in venv.iterdir():
        script.chmod(0o755)
    steps = [_step("python"), _step("install")]
    run = run_action(
        {**ACTION, "runs": {"using": "composite", "steps": steps}},
        inputs={"version": version},
        workspace=tmp_path,
        temp=temp,
        action_path=ROOT,
        on_uses=lambda ref, given: {"python-path": shutil.which("true") or "/bin/true"},
    )
    assert run.returncode == 0, run.log
    pip = log.read_text().split("\0")[:-1]
    expected = str(ROOT) if spec == "<action path>" else spec
    assert pip == [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
        expected,
    ]
    assert run.steps["install"] == {"venv": str(temp / "golive-venv")}
    assert "golive 0.1.0" in run.log


@pytest.mark.slow
def test_the_action_installs_golive_from_its_checkout_and_reviews(tmp_path: Path) -> None:
    """Every run step for real, the install included: pip builds golive from this checkout."""
    workspace = _repo(tmp_path / "workspace", "GO")
    run = run_action(
        ACTION,
        inputs={"args": "--kind static"},
        workspace=workspace,
        temp=tmp_path / "runner-temp",
        action_path=ROOT,
        on_uses=_answer_uses,
        env={"NO_COLOR": "1"},
    )
    assert run.returncode == 0, run.log
    assert run.outputs == {"verdict": "GO", "exit-code": "0", "sarif-file": "golive.sarif"}
    assert re.search(r"^golive \d+\.\d+", run.log, re.M)
    assert run.steps["install"]["venv"] == str(tmp_path / "runner-temp" / "golive-venv")


# --- pre-commit ------------------------------------------------------------------------------


def _hook() -> dict[str, Any]:
    (hook,) = [hook for hook in HOOKS if hook["id"] == "golive"]
    return hook


def test_the_pre_commit_hook_runs_the_static_review(help_flags: dict[str, set[str]]) -> None:
    hook = _hook()
    assert hook["name"] == "golive static review"
    words = shlex.split(hook["entry"])
    assert words[:2] == ["golive", "check"]
    assert words[2:] == ["--kind", "static"]
    assert _flags(words) <= help_flags["check"]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is False
    assert "files" not in hook and "types" not in hook  # every file can change the verdict
    assert hook["stages"] == ["pre-commit", "pre-push"]
    assert hook["minimum_pre_commit_version"] == "3.2.0"  # the first with these stage names


def _pre_commit() -> list[str] | None:
    found = shutil.which("pre-commit")
    if found:
        return [found]
    probe = subprocess.run(
        [sys.executable, "-m", "pre_commit", "--version"], capture_output=True, check=False
    )
    return [sys.executable, "-m", "pre_commit"] if probe.returncode == 0 else None


needs_pre_commit = pytest.mark.skipif(
    _pre_commit() is None, reason="pre-commit is not installed (pip install pre-commit)"
)


@needs_pre_commit
def test_pre_commit_accepts_the_hooks_file() -> None:
    command = _pre_commit()
    assert command is not None
    result = subprocess.run(
        [*command, "validate-manifest", str(HOOKS_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=golive", "-c", "user.email=golive@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.mark.slow
@needs_pre_commit
def test_the_hook_installs_golive_and_gates_the_commit(tmp_path: Path) -> None:
    """`pre-commit try-repo` on a snapshot of this work tree (try-repo leaves untracked files
    out): pre-commit installs golive with pip, runs the hook in a repository, and the hook
    passes on GO and fails on NO-GO."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git work tree")
    snapshot = tmp_path / "golive"
    for name in listed.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, snapshot / name)
    _git("init", "-q", cwd=snapshot)
    _git("add", "-A", cwd=snapshot)
    _git("commit", "-q", "-m", "snapshot", cwd=snapshot)

    service = _repo(tmp_path / "service", "NO-GO")
    _git("init", "-q", cwd=service)
    _git("add", "-A", cwd=service)
    command = _pre_commit()
    assert command is not None
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "try-repo", str(snapshot), "golive", "--all-files"],
            cwd=service,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"golive static review\.+Failed", failed.stdout)
    assert "NO-GO" in failed.stdout and "there is no README" in failed.stdout
    (service / "README.md").write_text(README)
    _git("add", "README.md", cwd=service)
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"golive static review\.+Passed", passed.stdout)


# --- GitLab CI -------------------------------------------------------------------------------


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """GitLab's `extends`: hashes merge deeply, everything else is replaced."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _job(name: str, document: dict[str, Any] = GITLAB) -> dict[str, Any]:
    job = document[name]
    parents = job.get("extends", [])
    resolved: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        assert parent in document, f"{name} extends {parent}, which is not in the file"
        resolved = _merge(resolved, _job(parent, document))
    return _merge(resolved, {k: v for k, v in job.items() if k != "extends"})


def test_the_gitlab_template_is_valid_against_gitlabs_schema() -> None:
    validator = _schema("gitlab-ci.json")
    assert _errors(validator, GITLAB) == []
    # Hidden jobs are barely checked by the schema: the job as GitLab runs it is.
    assert _errors(validator, {"golive": _job("golive")}) == []
    assert _errors(validator, {"golive": {**_job("golive"), "rules": [{"iff": "x"}]}})


def test_the_gitlab_jobs_extend_what_exists_and_run_where_promised() -> None:
    assert GITLAB["golive"]["extends"] == ".golive"
    job = _job("golive")
    assert job["image"] == "python:3.11-slim"
    assert job["allow_failure"] is False
    assert job["stage"] == "test"
    assert job["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'},
        {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"},
    ]
    assert job["variables"]["GOLIVE_INSTALL"] == "golive"
    assert not job["variables"]["GOLIVE_VENV"].startswith(("$CI_PROJECT_DIR", "."))


def test_the_artifacts_are_the_files_the_script_writes(help_flags: dict[str, set[str]]) -> None:
    job = _job(".golive")
    script = "\n".join(job["script"])
    written = _formats(shlex.split(script.replace("$GOLIVE_ARGS", "")))
    assert written == {"junit": "golive-junit.xml", "json": "golive.json"}
    assert set(written) <= FORMATS
    assert job["artifacts"]["when"] == "always"  # a NO-GO's reports matter most
    assert sorted(job["artifacts"]["paths"]) == sorted(written.values())
    assert job["artifacts"]["reports"] == {"junit": written["junit"]}
    command = shlex.split(next(line for line in script.splitlines() if " check " in line))
    assert _flags(command) <= help_flags["check"]


def _run_gitlab(
    shell: list[str], cwd: Path, venv: Path, *, install: bool = False, **variables: str
) -> subprocess.CompletedProcess[str]:
    job = _job("golive")
    lines = [
        line
        for line in job["script"]
        if install or ("-m venv" not in line and "pip install" not in line)
    ]
    env = {
        **os.environ,
        **{name: str(value) for name, value in job["variables"].items()},
        "GOLIVE_VENV": str(venv),
        "CI_PROJECT_DIR": str(cwd),
        "NO_COLOR": "1",
        **variables,
    }
    return subprocess.run(
        [*shell, "\n".join(lines)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


SHELLS = [
    pytest.param(["bash", "-eo", "pipefail", "-c"], id="bash"),
    pytest.param(["sh", "-e", "-c"], id="sh"),
]


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("verdict", "code", "message"),
    [
        ("GO", 0, "golive: GO"),
        ("NO-GO", 1, "golive: NO-GO: at least one must item blocks"),
        ("error", 2, "golive: exit 2, a usage or configuration error"),
    ],
)
def test_the_gitlab_job_exits_with_golives_code_and_says_why(
    tmp_path: Path, shell: list[str], verdict: str, code: int, message: str
) -> None:
    project = _repo(tmp_path / "project", verdict)
    venv = _fake_venv(tmp_path / "venv")
    result = _run_gitlab(shell, project, venv, GOLIVE_ARGS="--kind static --unknown warn")
    assert result.returncode == code, result.stdout + result.stderr
    assert message in result.stdout
    argv = _argv(venv)
    assert argv[:2] == ["check", "."]
    assert argv[-4:] == ["--kind", "static", "--unknown", "warn"]
    if verdict == "error":
        assert not (project / "golive-junit.xml").exists()
        return
    junit = ET.parse(project / "golive-junit.xml").getroot()
    assert junit.tag == "testsuites"
    assert (junit.get("failures") == "0") is (verdict == "GO")
    report = json.loads((project / "golive.json").read_text("utf-8"))
    assert report["decision"]["verdict"] == verdict


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("code", "message"), [(3, "an internal error"), (130, "exit 130")])
def test_the_gitlab_job_never_turns_another_code_into_a_no_go(
    tmp_path: Path, shell: list[str], code: int, message: str
) -> None:
    # `allow_failure: {exit_codes: [1]}` lets a NO-GO pass: no other code may become 1.
    venv = _fake_venv(tmp_path / "venv", exit_code=code)
    result = _run_gitlab(shell, _repo(tmp_path / "project", "GO"), venv)
    assert result.returncode == code
    assert message in result.stdout


@pytest.mark.slow
def test_the_gitlab_job_installs_golive_and_reviews(tmp_path: Path) -> None:
    """The whole script, the virtual environment and pip included, with this checkout as
    what pip installs."""
    project = _repo(tmp_path / "project", "GO")
    bin_dir = tmp_path / "image-bin"  # the image's `python`
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    result = _run_gitlab(
        ["bash", "-eo", "pipefail", "-c"],
        project,
        tmp_path / "golive-venv",
        install=True,
        GOLIVE_INSTALL=str(ROOT),
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^golive \d+\.\d+", result.stdout, re.M)
    assert (project / "golive-junit.xml").is_file() and (project / "golive.json").is_file()


# --- the documentation ---------------------------------------------------------------------


def _yaml_blocks(text: str) -> list[Any]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def _documented() -> list[Any]:
    readme = README_FILE.read_text("utf-8")
    section = readme.split("\n## Use in CI\n", 1)[1].split("\n## ", 1)[0]
    return _yaml_blocks(DOCS_FILE.read_text("utf-8")) + _yaml_blocks(section)


def _mappings(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value, *(m for v in value.values() for m in _mappings(v))]
    if isinstance(value, list):
        return [m for v in value for m in _mappings(v)]
    return []


def _args(value: Any) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value or []]


def test_the_readme_section_sits_after_usage_and_before_configuration() -> None:
    readme = README_FILE.read_text("utf-8")
    headings = re.findall(r"^## (.+)$", readme, re.M)
    assert headings.index("Use in CI") == headings.index("Usage") + 1
    assert headings[headings.index("Use in CI") + 1] == "Configuration"
    assert "(docs/ci-integrations.md)" in readme


def test_documented_workflows_are_valid_and_use_the_action_as_declared(
    help_flags: dict[str, set[str]],
) -> None:
    validator = _schema("github-workflows.json")
    blocks = _documented()
    workflows = [_on_key(b) for b in blocks if isinstance(b, dict) and True in b]
    assert workflows, "no complete workflow in the documentation"
    for workflow in workflows:
        assert _errors(validator, workflow) == []
        (job,) = workflow["jobs"].values()
        assert job["permissions"]["security-events"] == "write"
    steps = [
        m for b in blocks for m in _mappings(b) if str(m.get("uses", "")).startswith(ACTION_REF)
    ]
    assert len(steps) >= 3
    for step in steps:
        assert step["uses"] == f"{ACTION_REF}v1"
        given = step.get("with") or {}
        assert set(given) <= set(ACTION["inputs"]), step
        assert _flags(_args(given.get("args"))) <= help_flags["check"]
    for pinned in (m["uses"] for b in blocks for m in _mappings(b) if "uses" in m):
        if not pinned.startswith(ACTION_REF):
            assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", pinned), pinned


def test_documented_pre_commit_and_gitlab_snippets_use_what_exists(
    help_flags: dict[str, set[str]],
) -> None:
    hook_ids = {hook["id"] for hook in HOOKS}
    variables = set(_job(".golive")["variables"])
    hooks = gitlab_jobs = 0
    for mapping in (m for b in _documented() for m in _mappings(b)):
        if "id" in mapping and "hooks" not in mapping and "uses" not in mapping:
            assert mapping["id"] in hook_ids
            assert _flags(_args(mapping.get("args"))) <= help_flags["check"]
            hooks += 1
        if mapping.get("extends") == ".golive":
            assert set(mapping.get("variables", {})) <= variables
            assert _flags(_args(mapping["variables"].get("GOLIVE_ARGS"))) <= help_flags["check"]
            gitlab_jobs += 1
        for include in mapping.get("include", []):
            assert include["remote"].endswith("/ci/gitlab/golive.gitlab-ci.yml")
    assert hooks >= 2 and gitlab_jobs >= 1


def test_golive_passes_the_pins_of_the_documented_workflow(tmp_path: Path) -> None:
    """golive's own CI checks on the example workflow, with the action as a local one (`./`,
    this action.yml): every action is pinned and the job counts as a security scan."""
    docs = DOCS_FILE.read_text("utf-8")
    (text,) = re.findall(r"```yaml\n(# \.github/workflows/golive\.yml\n.*?)```", docs, re.S)
    workflow = _on_key(yaml.safe_load(text))
    repository = tmp_path / "service"
    (repository / ".github" / "workflows").mkdir(parents=True)
    (repository / ".github" / "workflows" / "golive.yml").write_text(
        text.replace(f"{ACTION_REF}v1", "./")
    )
    shutil.copy(ACTION_FILE, repository / "action.yml")
    (repository / "checklist.toml").write_text(
        '[profile]\nname = "ci"\ntitle = "CI"\n\n[sections.ci]\ntitle = "CI"\n\n'
        '[items."ci.pinned"]\ntitle = "Pinned"\nsection = "ci"\nchecks = ["ci.pinned-actions"]\n\n'
        '[items."ci.scan"]\ntitle = "Scanned"\nsection = "ci"\nchecks = ["ci.stage"]\n'
        'with = { stage = "security-scan" }\n'
    )
    (repository / "golive.toml").write_text(
        '[service]\nname = "service"\nprofiles = ["checklist.toml"]\n'
    )
    result = golive("check", repository, "-f", "json")
    report = json.loads(result.stdout)
    statuses = {item["id"]: item["status"] for item in report["items"]}
    assert statuses == {"ci.pinned": "pass", "ci.scan": "pass"}, result.stdout
    assert workflow["jobs"]["golive"]["steps"][-1]["uses"] == f"{ACTION_REF}v1"
