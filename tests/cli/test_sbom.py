"""`golive sbom`: a CycloneDX 1.6 document from the lockfiles, its exit codes and messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from golive.cli import sbom

DATA = Path(__file__).resolve().parents[1] / "data" / "deps"


@pytest.fixture
def invoke() -> CliRunner:
    return CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """golive (test harness)."""

    sbom.register(app)
    return app


def _valid(document: str) -> dict[str, object]:
    validation = pytest.importorskip("cyclonedx.validation.json")
    from cyclonedx.schema import SchemaVersion

    assert validation.JsonStrictValidator(SchemaVersion.V1_6).validate_str(document) is None
    parsed: dict[str, object] = json.loads(document)
    return parsed


def test_sbom_prints_a_valid_document(invoke: CliRunner) -> None:
    result = invoke.invoke(_app(), ["sbom", str(DATA / "rust-app")])
    assert result.exit_code == 0, result.output
    document = _valid(result.stdout)
    assert document["specVersion"] == "1.6"
    assert [c["purl"] for c in document["components"]] == [  # type: ignore[attr-defined]
        "pkg:cargo/itoa@1.0.9",
        "pkg:cargo/serde@1.0.188",
        "pkg:cargo/smallvec@2.0.0-alpha.1",
        "pkg:cargo/time@0.3.20",
    ]
    assert document["metadata"]["component"]["name"] == "rust-app"  # type: ignore[index]


def test_sbom_writes_a_file(invoke: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "sbom.json"
    result = invoke.invoke(_app(), ["sbom", str(DATA / "node-npm"), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {target}: 3 components (npm 3) from 1 lockfile(s)\n"
    _valid(target.read_text())


def test_sbom_warns_about_manifests_without_a_lockfile(invoke: CliRunner) -> None:
    result = invoke.invoke(_app(), ["sbom", str(DATA / "requirements")])
    assert result.exit_code == 0
    assert "no lockfile resolves requirements-dev.txt" in result.stderr
    assert len(json.loads(result.stdout)["components"]) == 3


def test_sbom_with_nothing_to_describe_is_a_usage_error(invoke: CliRunner, tmp_path: Path) -> None:
    shutil.copytree(DATA / "rust-loose", tmp_path / "loose")
    result = invoke.invoke(_app(), ["sbom", str(tmp_path / "loose")])
    assert result.exit_code == 2
    assert "nothing to describe: no lockfile with third-party packages was found" in result.stderr
    assert result.stdout == ""


def test_sbom_exclude_and_missing_directory(invoke: CliRunner, tmp_path: Path) -> None:
    excluded = invoke.invoke(_app(), ["sbom", str(DATA / "rust-app"), "--exclude", "Cargo.lock"])
    assert excluded.exit_code == 2
    missing = invoke.invoke(_app(), ["sbom", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    assert "no such directory" in missing.stderr
