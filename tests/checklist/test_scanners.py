"""`[scanners.TOOL.items]`: other scanners' rules mapped onto checklist items, so a real
checkov report counts as evidence under golive's decision."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from golive_cli import golive

from golive.checklist import ConfigError, load_checklist
from golive.checks.registry import Registry

CHECKOV = Path(__file__).parents[1] / "data" / "scan" / "checkov"

PROFILE = """\
[profile]
name = "k8s"
title = "Kubernetes"

[sections.k8s]
title = "Kubernetes"

[items."k8s.probes"]
title = "Liveness and readiness probes"
section = "k8s"
level = "must"

[items."k8s.resources"]
title = "Resource requests and limits"
section = "k8s"
level = "must"

[items."docker.non-root"]
title = "The container runs as a non-root user"
section = "k8s"
level = "should"

[scanners.checkov.items]
"k8s.probes" = ["CKV_K8S_8", "CKV_K8S_9"]
"k8s.resources" = ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"]
"docker.non-root" = ["CKV_DOCKER_3"]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(CHECKOV, root)
    (root / "k8s.toml").write_text(PROFILE)
    (root / "golive.toml").write_text('[service]\nname = "shop"\nprofiles = ["./k8s.toml"]\n')
    return root


def test_the_mapping_gives_each_item_the_rules_of_its_tool(repo: Path) -> None:
    checklist = load_checklist(repo, Registry.discover())
    refs = {
        item.id: [(r.id, r.params.tool, r.params.rules) for r in item.checks]
        for item in checklist.items
    }
    assert refs["k8s.probes"] == [("scan.findings", "checkov", ["CKV_K8S_8", "CKV_K8S_9"])]
    assert refs["docker.non-root"] == [("scan.findings", "checkov", ["CKV_DOCKER_3"])]


def test_a_real_checkov_report_decides_the_items_it_maps_onto(repo: Path, tmp_path: Path) -> None:
    done = golive("check", repo, "-f", f"json={tmp_path / 'r.json'}")
    assert done.returncode == 1, done.stderr
    items = {i["id"]: i for i in json.loads((tmp_path / "r.json").read_text())["items"]}
    probes = items["k8s.probes"]
    assert probes["status"] == "fail"
    findings = probes["checks"][0]["findings"]
    assert sorted(f["rule"] for f in findings) == ["checkov:CKV_K8S_8", "checkov:CKV_K8S_9"]
    for finding in findings:
        where = finding["location"]
        line = (repo / where["path"]).read_text().splitlines()[where["line"] - 1]
        assert (where["path"], line) == ("k8s/deployment.yaml", "apiVersion: apps/v1")
    assert len(items["k8s.resources"]["checks"][0]["findings"]) == 4
    assert items["docker.non-root"]["checks"][0]["findings"][0]["location"]["path"] == "Dockerfile"


def test_the_service_file_can_remap_an_item(repo: Path, tmp_path: Path) -> None:
    (repo / "golive.toml").write_text(
        '[service]\nname = "shop"\nprofiles = ["./k8s.toml"]\n\n'
        '[scanners.checkov.items]\n"k8s.probes" = ["CKV_K8S_8"]\n'
    )
    checklist = load_checklist(repo, Registry.discover())
    probes = next(i for i in checklist.items if i.id == "k8s.probes")
    assert [r.params.rules for r in probes.checks] == [["CKV_K8S_8"]]


def test_a_mapping_onto_an_unknown_item_is_an_error_with_its_place(repo: Path) -> None:
    (repo / "golive.toml").write_text(
        '[service]\nname = "shop"\nprofiles = ["./k8s.toml"]\n\n'
        '[scanners.checkov.items]\n"k8s.probe" = ["CKV_K8S_8"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_checklist(repo, Registry.discover())
    text = str(caught.value)
    assert 'golive.toml:6:1: scanner checkov: no item "k8s.probe"' in text
    assert 'did you mean "k8s.probes"' in text
