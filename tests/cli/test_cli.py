"""The command line as a user meets it: real subprocesses, exit codes, messages."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from golive_cli import golive
from typer.testing import CliRunner

from golive import __version__

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "service"
needs_cargo = pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")


def test_version() -> None:
    run = golive("--version")
    assert (run.returncode, run.stdout) == (0, f"golive {__version__}\n")


def test_no_arguments_shows_help_and_an_unknown_flag_is_a_usage_error() -> None:
    assert "check" in golive().stdout + golive().stderr
    run = golive("check", "--frobnicate")
    assert run.returncode == 2
    assert "No such option" in run.stderr


def test_help_texts_keep_their_square_brackets() -> None:
    """Help is rendered as markup: a bracketed TOML table or task box must survive it."""
    wide = {"COLUMNS": "240"}
    assert "or [tool.golive] in pyproject.toml" in golive("check", "--help", env=wide).stdout
    assert "Tick `- [x]` the tasks" in golive("report", "--help", env=wide).stdout
    assert "(- [ ] items under headings)" in golive("import", "--help", env=wide).stdout


@pytest.mark.slow
@needs_cargo
def test_the_example_is_no_go_and_names_why() -> None:
    run = golive("check", EXAMPLE)
    assert run.returncode == 1, run.stderr
    assert "NO-GO" in run.stdout
    assert "quality.clippy" in run.stdout and "src/lib.rs:216:8" in run.stdout
    assert "docs.security-policy" in run.stdout
    assert "\x1b[" not in run.stdout  # plain text when piped


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "LICENSE").write_text("Permission is hereby granted, free of charge, " * 5)
    return tmp_path


def test_a_threshold_typo_exits_2_with_line_and_column(repo: Path) -> None:
    (repo / "golive.toml").write_text('[items."perf.latency"]\nwith = { p95 = "<100mss" }\n')
    run = golive("check", repo, cwd=repo)
    assert run.returncode == 2
    assert run.stdout == ""
    assert 'golive.toml:2:16: item "perf.latency": unknown unit "mss" in "<100mss"' in run.stderr
    assert "Traceback" not in run.stderr


def test_an_unknown_key_exits_2_with_line_and_column(repo: Path) -> None:
    (repo / "golive.toml").write_text('[policy]\nunknwn = "warn"\n')
    run = golive("check", repo, cwd=repo)
    assert run.returncode == 2
    assert 'golive.toml:2:1: unknown key "unknwn"; did you mean "unknown"?' in run.stderr


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    run = golive("check", tmp_path / "nope")
    assert run.returncode == 2 and "no such directory" in run.stderr


PLUGIN = '''
from golive.checks import Check, NoParams, passed
from golive.model import Kind, Outcome


class Crashes(Check):
    """A check with a bug in it."""

    id = "demo.crashes"
    kind = Kind.STATIC

    def run(self, params: NoParams, root) -> Outcome:
        raise ZeroDivisionError("division by zero")


class Fine(Check):
    """A check that works."""

    id = "demo.fine"
    kind = Kind.STATIC

    def run(self, params: NoParams, repo) -> Outcome:
        return passed(f"{len(repo.files)} files")
'''

PROFILE = """
[profile]
name = "demo"
title = "Demo"

[sections.s]
title = "S"

[items."demo.one"]
title = "Crashes"
section = "s"
checks = ["demo.crashes"]

[items."demo.two"]
title = "Works"
section = "s"
checks = ["demo.fine"]

[items."demo.three"]
title = "License"
section = "s"
checks = ["docs.license"]
"""


def test_a_check_that_raises_errors_its_item_and_the_review_completes(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    plugin = tmp_path_factory.mktemp("plugin")
    (plugin / "golive_demo_checks.py").write_text(PLUGIN)
    meta = plugin / "golive_demo_checks-0.1.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: golive-demo-checks\nVersion: 0.1\n"
    )
    (meta / "entry_points.txt").write_text("[golive.checks]\ndemo = golive_demo_checks\n")
    (repo / "demo.toml").write_text(PROFILE)
    (repo / "golive.toml").write_text('[service]\nprofiles = ["demo.toml"]\n')
    run = golive("check", repo, "--format", "json", cwd=repo, env={"PYTHONPATH": str(plugin)})
    assert run.returncode == 1, run.stderr
    items = {item["id"]: item for item in json.loads(run.stdout)["items"]}
    assert items["demo.one"]["status"] == "error"
    assert "ZeroDivisionError: division by zero" in items["demo.one"]["reason"]
    assert items["demo.two"]["status"] == "pass"
    assert items["demo.three"]["status"] == "pass"


@pytest.mark.slow
def test_without_cargo_the_rust_items_are_unknown_with_the_reason(tmp_path: Path) -> None:
    bare_path = os.pathsep.join(p for p in ("/usr/bin", "/bin") if Path(p).is_dir())
    if shutil.which("cargo", path=bare_path):
        pytest.skip("cargo is installed system-wide; cannot hide it")
    run = golive(
        "check",
        EXAMPLE,
        "--item",
        "quality.clippy",
        "--item",
        "quality.format",
        "--format",
        "json",
        env={"PATH": bare_path},
    )
    assert run.returncode == 1, run.stderr
    items = {item["id"]: item for item in json.loads(run.stdout)["items"]}
    clippy = items["quality.clippy"]
    assert clippy["status"] == "unknown"
    assert {c["id"]: c["summary"] for c in clippy["checks"]}[
        "rust.clippy"
    ] == "cargo is not installed (not found on PATH)"
    formats = {c["id"]: c["status"] for c in items["quality.format"]["checks"]}
    assert formats == {"rust.fmt": "unknown", "python.format": "not_applicable"}
    assert items["quality.format"]["status"] == "unknown"


def test_several_formats_at_once_go_to_their_files_and_the_terminal(repo: Path) -> None:
    out = repo / "out"
    run = golive(
        "check",
        repo,
        "--kind",
        "static",
        "-f",
        "json",
        "-o",
        out / "review.json",
        "-f",
        f"markdown={out / 'summary.md'}",
        cwd=repo,
    )
    assert run.returncode == 1, run.stderr
    assert json.loads((out / "review.json").read_text())["schema"] == "golive.review/v1"
    assert (out / "summary.md").read_text().startswith("## golive: ❌ NO-GO")
    assert "NO-GO" in run.stdout


def test_only_one_format_may_go_to_standard_output(repo: Path) -> None:
    run = golive("check", repo, "-f", "json", "-f", "markdown")
    assert run.returncode == 2
    assert "only one format can go to standard output" in run.stderr


def test_an_unknown_item_selection_suggests_the_right_one(repo: Path) -> None:
    run = golive("check", repo, "--item", "perf.latncy")
    assert run.returncode == 2
    assert 'did you mean "perf.latency"?' in run.stderr


def test_unknown_warn_and_an_item_subset_can_give_go(repo: Path) -> None:
    run = golive(
        "check", repo, "--item", "go-live.docs-complete", "--unknown", "warn", "--format", "json"
    )
    data = json.loads(run.stdout)
    assert [i["id"] for i in data["items"]] == ["go-live.docs-complete"]
    assert data["decision"]["verdict"] == "GO"  # a should item failing is a condition
    assert run.returncode == 0


def test_coverage_shows_every_seed_item() -> None:
    mocopr = golive("coverage", "--profile", "mocopr")
    assert mocopr.returncode == 0
    assert "mocopr: 170 items in 13 sections" in mocopr.stdout
    tusklang = golive("coverage", "--profile", "tusklang", "--format", "json")
    rows = json.loads(tusklang.stdout)
    assert sum(row["items"] for row in rows) == 187 and len(rows) == 13


def test_the_catalog_page_in_docs_is_not_stale() -> None:
    run = golive("checks", "--format", "markdown")
    assert run.returncode == 0
    assert run.stdout == (ROOT / "docs" / "checks.md").read_text(), "run `make docs`"


def test_explain_a_check_an_item_and_a_typo() -> None:
    check = golive("explain", "rust.release-profile")
    assert check.returncode == 0 and "codegen-units" in check.stdout
    item = golive("explain", "perf.latency", "--profile", "production")
    assert (
        item.returncode == 0
        and "load.latency" in item.stdout
        and "[performance_metrics] response_time" in item.stdout
    )
    typo = golive("explain", "rust.clipy")
    assert typo.returncode == 2 and 'did you mean "rust.clippy"?' in typo.stderr


def test_init_writes_a_checklist_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "billing"\nversion = "0.1.0"\n')
    first = golive("init", tmp_path)
    assert first.returncode == 0, first.stderr
    text = (tmp_path / "golive.toml").read_text()
    assert 'name = "billing"' in text and "Rust" in text
    again = golive("init", tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    loads = golive("check", tmp_path, "--kind", "static", "--format", "json")
    assert loads.returncode in (0, 1), loads.stderr


def test_profiles_lists_the_built_in_profiles() -> None:
    run = golive("profiles")
    assert "production" in run.stdout and "170 items in 13 sections" in run.stdout


def test_a_crash_in_golive_itself_exits_3_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, repo: Path
) -> None:
    import golive.runner
    from golive.cli._app import app, run  # noqa: F401 -- run registers the commands

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(golive.runner, "run_review", broken)
    from golive.cli import catalog, check, init, sbom

    for module in (check, catalog, init, sbom):
        module.register(app)
    result = CliRunner().invoke(app, ["check", str(repo)])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: a bug" in result.output
    assert "Traceback" not in result.output


def test_import_turns_a_markdown_checklist_into_a_profile_that_loads(tmp_path: Path) -> None:
    seed = ROOT / "tests" / "data" / "seeds" / "mocopr.md"
    profile = tmp_path / "ours.toml"
    run = golive("import", seed, "-o", profile)
    assert run.returncode == 0, run.stderr
    assert "170 items, all unverified until mapped" in run.stdout
    coverage = golive("coverage", "--profile", profile, "--format", "json", cwd=tmp_path)
    rows = json.loads(coverage.stdout)
    assert sum(r["items"] for r in rows) == 170 and sum(r["unverified"] for r in rows) == 170
    again = golive("import", seed, "-o", profile)
    assert again.returncode == 2 and "exists" in again.stderr
    empty = tmp_path / "empty.md"
    empty.write_text("# Nothing to do\n")
    assert golive("import", empty).returncode == 2


def test_init_leaves_test_data_out_and_does_not_mistake_it_for_the_stack(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "1"\n')
    fixture = tmp_path / "tests" / "data" / "node-app"
    fixture.mkdir(parents=True)
    (fixture / "package.json").write_text("{}\n")
    run = golive("init", tmp_path, "--print")
    assert 'exclude = ["tests/data/**"]' in run.stdout
    assert "Found here: Python." in run.stdout
