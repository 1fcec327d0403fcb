"""The shared manifests fixture: resources from YAML and JSON, unreadable files kept, charts set aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import CORPUS

from golive.checks._manifests import load_manifests
from golive.checks.repository import Repository


def repo_with(tmp_path: Path, files: dict[str, str]) -> Repository:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return Repository.scan(tmp_path)


def test_resources_from_many_documents_lists_and_json(tmp_path: Path) -> None:
    manifests = load_manifests(
        repo_with(
            tmp_path,
            {
                "deploy/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
                "deploy/list.yaml": "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: settings}\n",
                "deploy/pdb.json": '{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"}}',
                ".github/workflows/ci.yml": "on: push\njobs: {}\n",
                "values.yaml": "kind: not-a-resource\n",
            },
        )
    )
    assert [r.ref for r in manifests.resources] == [
        "Deployment/shop/web",
        "Service/web",
        "ConfigMap/settings",
        "PodDisruptionBudget/web",
    ]
    service = manifests.of_kind("Service")[0]
    assert (service.index, service.location.line, service.group) == (1, 6, "")
    assert manifests.of_kind("Deployment")[0].group == "apps"


def test_unreadable_files_are_kept_with_their_reason_and_charts_set_aside(tmp_path: Path) -> None:
    manifests = load_manifests(
        repo_with(
            tmp_path,
            {
                "broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n",
                "bomb.yaml": "apiVersion: v1\nkind: Pod\nx: !!python/object/apply:os.system [true]\n",
                "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
                "chart/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
            },
        )
    )
    assert manifests.resources == ()
    assert sorted(u.path for u in manifests.unreadable) == ["bomb.yaml", "broken.yaml"]
    assert manifests.charts == ("chart",)
    assert manifests.in_chart("chart/templates/deploy.yaml")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not present")
def test_the_real_corpus_reads_completely() -> None:
    manifests = load_manifests(Repository.scan(CORPUS))
    assert len(manifests.resources) > 400 and manifests.unreadable == ()
    assert len(manifests.of_kind("PrometheusRule")) >= 8 and manifests.of_kind("Rollout")


def test_deeply_nested_json_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    deep = (
        '{"apiVersion": "v1", "kind": "ConfigMap", "data": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    manifests = load_manifests(repo_with(tmp_path, {"deep.json": deep}))
    assert [u.path for u in manifests.unreadable] == ["deep.json"]


def test_a_chart_at_the_root_hides_only_its_templates(tmp_path: Path) -> None:
    manifests = load_manifests(
        repo_with(
            tmp_path,
            {
                "Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
                "templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
                "crds/widget.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n",
                "list.json": '[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}]',
            },
        )
    )
    assert [r.ref for r in manifests.resources] == [
        "CustomResourceDefinition/widgets.example.com",
        "Namespace/shop",
    ]
    assert manifests.charts == ("",) and manifests.in_chart("templates/deploy.yaml")


def test_an_oversized_manifest_file_is_unreadable_not_forgotten(tmp_path: Path) -> None:
    big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n" + "  k: v\n" * 400_000
    manifests = load_manifests(repo_with(tmp_path, {"big.yaml": big}))
    assert [(u.path, u.reason) for u in manifests.unreadable] == [("big.yaml", "too large to read")]
