"""The agreement logic of benchmarks/infrastructure.py, on a small repository and made-up
checkov output (the benchmark itself needs checkov and the shared corpus)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from golive.checklist import load_checklist
from golive.checks.registry import Registry
from golive.gate import decide
from golive.model import Kind
from golive.report import Format, RenderOptions, render
from golive.runner import run_review

ROOT = Path(__file__).resolve().parent.parent

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx
          ports: [{containerPort: 80}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: ghcr.io/acme/migrate:1.0
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0
          ports: [{containerPort: 8080}]
"""


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = ROOT / "benchmarks" / "infrastructure.py"
    spec = importlib.util.spec_from_file_location("infra_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["infra_bench"] = module
    spec.loader.exec_module(module)
    return module


def _golive_review(root: Path) -> dict[str, Any]:
    registry = Registry.discover()
    checklist = load_checklist(
        root, registry, profiles=[str(ROOT / "benchmarks/infrastructure.toml")]
    )
    review = run_review(checklist, root=root, registry=registry, scope=frozenset({Kind.STATIC}))
    text = render(Format.JSON, review, decide(review), RenderOptions())
    result: dict[str, Any] = json.loads(text)
    return result


def _checkov(failed: dict[str, list[str]], passed: dict[str, list[str]]) -> list[dict[str, Any]]:
    def entries(by_check: dict[str, list[str]]) -> list[dict[str, str]]:
        return [
            {"check_id": check, "file_path": "/deploy.yaml", "resource": resource}
            for check, resources in by_check.items()
            for resource in resources
        ]

    results = {"failed_checks": entries(failed), "passed_checks": entries(passed)}
    return [{"check_type": "kubernetes", "results": results}]


def test_verdicts_are_compared_per_resource_with_a_reason_for_each_difference(
    bench: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "deploy.yaml").write_text(MANIFESTS)
    corpus = bench.read_corpus(tmp_path)
    golive = bench.golive_verdicts(_golive_review(tmp_path), corpus)
    checkov = bench.checkov_verdicts(
        _checkov(
            failed={
                "CKV_K8S_8": ["Deployment.default.web", "Job.default.migrate"],
                "CKV_K8S_14": ["Deployment.default.web"],
            },
            passed={"CKV_K8S_14": ["Job.default.migrate"]},
        )
    )
    rows = {row.pair.checkov: row for row in bench.compare(golive, checkov, corpus)}

    probes = rows["CKV_K8S_8"]
    assert (probes.both_fail, probes.both_pass) == (1, 0)  # the web Deployment
    assert probes.checkov_only == {
        "a Job or CronJob: golive asks probes of long-running containers only": 1
    }
    assert probes.golive_only == {"checkov does not evaluate Rollout resources": 1}

    tags = rows["CKV_K8S_14"]  # nginx has no tag: both fail it; the Job's image is pinned
    assert (tags.both_fail, tags.both_pass, tags.disagreements) == (1, 1, 0)
