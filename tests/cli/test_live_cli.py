"""`golive check --live` end to end: targets from golive.toml, --target, credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from golive_cli import golive
from livekit import Listener, free_port, http_server

HEALTH = b'{"status": "UP", "components": {"db": {"status": "UP"}}}'


class Service(BaseHTTPRequestHandler):
    """/healthz answers; /readyz shows components to a caller with the right token only."""

    def do_GET(self) -> None:
        authorised = self.headers.get("Authorization") == "Bearer let-me-in"
        body = HEALTH if authorised else b'{"status": "UP"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with http_server(Service) as number:
        yield number


def checklist(repo: Path, url: str, *, extra: str = "") -> Path:
    (repo / "golive.toml").write_text(
        f"""
[service]
health = {{ liveness = "/healthz", readiness = "/readyz" }}

[targets.local]
url = "{url}"
allow_private = true
token_env = "GOLIVE_TEST_TOKEN"

[checks."health.liveness"]
with = {{ interval = "0s" }}
{extra}
"""
    )
    return repo


def items(run_stdout: str) -> dict[str, str]:
    return {item["id"]: item["status"] for item in json.loads(run_stdout)["items"]}


def test_a_live_item_passes_against_the_declared_target(tmp_path: Path, port: int) -> None:
    repo = checklist(tmp_path, f"http://127.0.0.1:{port}")
    run = golive("check", repo, "--live", "--item", "health.liveness", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert items(run.stdout) == {"health.liveness": "pass"}


def test_without_live_the_live_check_is_not_run(tmp_path: Path, port: int) -> None:
    repo = checklist(tmp_path, f"http://127.0.0.1:{port}")
    run = golive("check", repo, "--item", "health.database", "--format", "json")
    data = json.loads(run.stdout)
    assert data["items"] == []
    assert [(i["id"], i["kinds"]) for i in data["not_evaluated"]] == [("health.database", ["live"])]


def test_target_overrides_the_url_for_one_run(tmp_path: Path, port: int) -> None:
    with Listener() as declared:
        repo = checklist(tmp_path, f"http://127.0.0.1:{declared.port}")
        run = golive(
            "check",
            repo,
            "--live",
            "--item",
            "health.liveness",
            "--target",
            f"local=http://127.0.0.1:{port}",
            "--format",
            "json",
        )
    assert items(run.stdout) == {"health.liveness": "pass"}
    assert declared.connections == 0


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("local", "expected NAME=URL"),
        ("local=ftp://x", "expected NAME=URL"),
        ("prod=http://127.0.0.1:1", "no target prod in [targets] (declared: local)"),
    ],
)
def test_a_bad_target_option_is_a_usage_error(tmp_path: Path, given: str, message: str) -> None:
    repo = checklist(tmp_path, "http://127.0.0.1:1")
    run = golive("check", repo, "--live", "--target", given)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_the_credential_comes_from_the_named_variable_and_is_never_shown(
    tmp_path: Path, port: int
) -> None:
    repo = checklist(tmp_path, f"http://127.0.0.1:{port}")
    args = ("check", repo, "--live", "--item", "health.database", "--format", "json")
    without = golive(*args)
    assert items(without.stdout) == {"health.database": "fail"}  # no components shown
    given = golive(*args, env={"GOLIVE_TEST_TOKEN": "let-me-in"})
    assert items(given.stdout) == {"health.database": "pass"}
    assert "let-me-in" not in given.stdout + given.stderr


def test_a_service_that_is_down_fails_its_liveness_item(tmp_path: Path) -> None:
    repo = checklist(tmp_path, f"http://127.0.0.1:{free_port()}")
    run = golive("check", repo, "--live", "--item", "health.liveness", "--format", "json")
    assert run.returncode == 1
    assert items(run.stdout) == {"health.liveness": "fail"}


def test_a_dry_run_prints_the_plan_and_sends_nothing(tmp_path: Path) -> None:
    with Listener() as service:
        repo = checklist(
            tmp_path,
            f"http://127.0.0.1:{service.port}",
            extra="""
[items."perf.latency"]
with = { path = "/api", rate = "200 req/s", duration = "10s", ramp = "0s", p95 = "<1s" }
""",
        )
        run = golive("check", repo, "--live", "--dry-run", "--item", "perf.latency", "--item",
                     "health.liveness")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert service.connections == 0
    assert "nothing was sent" in run.stdout
    assert "perf.latency · load.latency → local" in run.stdout
    assert "refused: needs load, target gives passive" in run.stdout
    assert "200 req/s for 10 s: about 2,000 GETs of /api" in run.stdout
    assert "health.liveness · health.liveness → local" in run.stdout
