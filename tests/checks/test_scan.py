"""scan.findings: other scanners' reports (SARIF, pip-audit, cargo-audit JSON) as evidence.

The checkov report in tests/data/scan/checkov and the pip-audit reports are real recordings
(tests/data/scan/README.md says how they were made); ruff's SARIF is made here by running
ruff. The SARIF logs written inline exercise what the specification says about levels,
suppressions, baselines, messages and URIs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.checks._coverage_paths import PathPlacer
from golive.checks._scan_audits import DependencyFiles
from golive.checks._scan_model import ReportError
from golive.checks._scan_reports import DEFAULT_PLACES, parse_report
from golive.checks.repository import Repository
from golive.checks.scan import ScanFindings
from golive.model import Finding, Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "scan"
CHECKOV = DATA / "checkov"
AUDITS = DATA / "audits"
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


def scan(root: Path, **params: Any) -> Outcome:
    return run_check(ScanFindings, root, **params)


def rules_of(outcome: Outcome) -> list[str]:
    return sorted(finding.rule or "" for finding in outcome.findings)


def checkov_results() -> list[dict[str, Any]]:
    log = json.loads((CHECKOV / "results_sarif.sarif").read_text("utf-8"))
    results: list[dict[str, Any]] = log["runs"][0]["results"]
    return results


# --- a real checkov report --------------------------------------------------------------------


def test_checkov_report_fails_with_one_finding_per_failed_check() -> None:
    outcome = scan(CHECKOV)
    raw = checkov_results()
    assert outcome.status is Status.FAIL
    assert len(raw) == 21
    assert len(outcome.findings) == 20  # CKV_K8S_43 is suppressed by an annotation
    assert outcome.summary == "20 unaddressed finding(s) in results_sarif.sarif (Checkov 3.3.30)"
    assert outcome.facts["suppressed"] == 1
    assert outcome.facts["error"] == 20
    assert outcome.facts["tools"] == "Checkov 3.3.30"
    assert outcome.facts["age_from"] == "the file's modification time"  # checkov writes no time
    assert "checkov:CKV_K8S_43" not in rules_of(outcome)
    assert outcome.remediation is not None


def test_probe_rules_point_at_the_deployment() -> None:
    outcome = scan(CHECKOV, tool="checkov", rules=["CKV_K8S_8", "CKV_K8S_9"])
    assert outcome.status is Status.FAIL
    by_rule = {finding.rule or "": finding for finding in outcome.findings}
    assert sorted(by_rule) == ["checkov:CKV_K8S_8", "checkov:CKV_K8S_9"]
    liveness = by_rule["checkov:CKV_K8S_8"]
    assert liveness.message == "Liveness Probe Should be Configured"
    assert by_rule["checkov:CKV_K8S_9"].message == "Readiness Probe Should be Configured"
    assert str(liveness.location) == "k8s/deployment.yaml:2"
    lines = (CHECKOV / "k8s/deployment.yaml").read_text("utf-8").splitlines()
    assert lines[0].startswith("#")  # the report skips the comment: line 2 starts the resource
    assert lines[1] == "apiVersion: apps/v1"
    assert lines[2] == "kind: Deployment"
    assert "livenessProbe" not in "\n".join(lines)
    assert outcome.facts["ignored_by_rules"] == 19
    assert outcome.summary.startswith("2 unaddressed finding(s) of CKV_K8S_8, CKV_K8S_9 in ")


def test_dockerfile_rule_points_at_the_dockerfile() -> None:
    outcome = scan(CHECKOV, tool="Checkov", rules=["checkov:CKV_DOCKER_3"])
    [finding] = outcome.findings
    assert (finding.rule, str(finding.location)) == ("checkov:CKV_DOCKER_3", "Dockerfile:1")
    assert "USER" not in (CHECKOV / "Dockerfile").read_text("utf-8")


def test_rule_globs_select_exactly_their_rules() -> None:
    outcome = scan(CHECKOV, tool="checkov", rules=["CKV_K8S_*"])
    expected = sorted(
        f"checkov:{r['ruleId']}"
        for r in checkov_results()
        if r["ruleId"].startswith("CKV_K8S_") and not r.get("suppressions")
    )
    assert rules_of(outcome) == expected
    assert "checkov:CKV2_K8S_6" not in expected and len(expected) == 17
    assert rules_of(scan(CHECKOV, rules=["ckv_k8s_1?"])) == [
        "checkov:CKV_K8S_10",
        "checkov:CKV_K8S_11",
        "checkov:CKV_K8S_12",
        "checkov:CKV_K8S_13",
        "checkov:CKV_K8S_15",
    ]
    assert rules_of(scan(CHECKOV, rules=["CKV_K8S_1"])) == []  # ids are whole, not prefixes


def test_profile_mapping_gives_each_item_its_own_rules() -> None:
    # What a checklist's [scanners.checkov] rules = { RULE = ITEM } table becomes: one
    # scan.findings per item, with the rules mapped to it.
    mapping = {"CKV_K8S_8": "k8s.probes", "CKV_K8S_9": "k8s.probes", "CKV_DOCKER_3": "docker.user"}
    items: dict[str, list[str]] = defaultdict(list)
    for rule, item in mapping.items():
        items[item].append(rule)
    found = {
        item: rules_of(scan(CHECKOV, tool="checkov", rules=rules)) for item, rules in items.items()
    }
    assert found == {
        "k8s.probes": ["checkov:CKV_K8S_8", "checkov:CKV_K8S_9"],
        "docker.user": ["checkov:CKV_DOCKER_3"],
    }


def test_a_suppressed_rule_passes_and_is_counted() -> None:
    outcome = scan(CHECKOV, tool="checkov", rules=["CKV_K8S_43"])
    assert outcome.status is Status.PASS
    assert outcome.summary == (
        "no unaddressed findings of CKV_K8S_43 in results_sarif.sarif (Checkov 3.3.30)"
    )
    assert outcome.facts["suppressed"] == 1
    assert (
        outcome.observed == "0 error, 0 warning, 0 note; 1 suppressed, 0 fixed; 20 of other rules"
    )


def test_fingerprints_are_distinct_and_stable() -> None:
    first = [f.fingerprint for f in scan(CHECKOV).findings]
    assert len(set(first)) == len(first) == 20
    assert all(fingerprint and len(fingerprint) == 16 for fingerprint in first)
    assert [f.fingerprint for f in scan(CHECKOV).findings] == first


def test_checkov_run_on_a_subdirectory_is_placed_in_it() -> None:
    outcome = scan(
        DATA, report="subdir-run/results_sarif.sarif", rules=["CKV_K8S_8", "CKV_DOCKER_3"]
    )
    places = {finding.rule: str(finding.location) for finding in outcome.findings}
    assert places == {
        "checkov:CKV_K8S_8": "checkov/k8s/deployment.yaml:2",  # the report says checkov/checkov/
        "checkov:CKV_DOCKER_3": "checkov/Dockerfile:1",
    }


def test_another_tool_is_not_applicable() -> None:
    outcome = scan(CHECKOV, tool="trivy")
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary == (
        "no report of trivy among the scanner reports found: results_sarif.sarif (Checkov 3.3.30)"
    )


# --- real ruff runs -----------------------------------------------------------------------------


def ruff_sarif(root: Path, output: str = "reports/ruff.sarif") -> Path:
    assert RUFF is not None, "ruff is a development dependency"
    (root / output).parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [RUFF, "check", "--no-cache", "--isolated", "--output-format", "sarif", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode in {0, 1}, run.stderr
    (root / output).write_text(run.stdout, "utf-8")
    return root / output


def test_ruff_report_with_absolute_file_uris(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os\n\n\ndef main() -> int:\n    return 1\n")
    report = ruff_sarif(tmp_path)
    assert f"file://{tmp_path.resolve()}/app.py" in report.read_text("utf-8")
    outcome = scan(tmp_path, tool="ruff")
    assert outcome.status is Status.FAIL
    [finding] = outcome.findings
    assert finding.rule == "ruff:F401"
    assert finding.message == "`os` imported but unused"
    assert str(finding.location) == "app.py:1:8"
    assert outcome.summary.startswith("1 unaddressed finding(s) in reports/ruff.sarif (ruff ")


def test_ruff_report_made_on_another_machine_is_placed_by_its_tail(tmp_path: Path) -> None:
    (tmp_path / "src/shop").mkdir(parents=True)
    (tmp_path / "src/shop/orders.py").write_text("import os\n")
    report = ruff_sarif(tmp_path)
    elsewhere = report.read_text("utf-8").replace(
        f"file://{tmp_path.resolve()}/", "file:///home/runner/work/shop/shop/"
    )
    report.write_text(elsewhere, "utf-8")
    [finding] = scan(tmp_path, tool="ruff").findings
    assert str(finding.location) == "src/shop/orders.py:1:8"


def test_clean_ruff_report_passes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def main() -> int:\n    return 1\n")
    ruff_sarif(tmp_path, "ruff.sarif")
    outcome = scan(tmp_path)
    assert outcome.status is Status.PASS
    assert outcome.summary.startswith("no unaddressed findings in ruff.sarif (ruff ")
    assert outcome.facts["results"] == 0


# --- pip-audit and cargo-audit ------------------------------------------------------------------


def test_audits_fail_at_the_requirement_and_the_lock_entry() -> None:
    outcome = scan(AUDITS)
    assert outcome.status is Status.FAIL
    by_rule = {finding.rule or "": finding for finding in outcome.findings}
    assert sorted(by_rule) == ["cargo-audit:RUSTSEC-2020-0071", "pip-audit:PYSEC-2018-28"]
    requests = by_rule["pip-audit:PYSEC-2018-28"]
    assert str(requests.location) == "requirements.txt:1"
    assert requests.message.startswith(
        "requests@2.19.0: PYSEC-2018-28 (GHSA-x84v-xcm2-53pg, CVE-2018-18074), fixed in 2.20.0: "
        "The Requests package before 2.20.0"
    )
    assert requests.fingerprint == "pip-audit:PYSEC-2018-28:requests@2.19.0"
    time_crate = by_rule["cargo-audit:RUSTSEC-2020-0071"]
    assert time_crate.message == (
        "time@0.1.45: RUSTSEC-2020-0071 (CVE-2020-26235, GHSA-wcg3-cvx6-7396), patched >=0.2.23: "
        "Potential segfault in the time crate"
    )
    lock = (AUDITS / "Cargo.lock").read_text("utf-8").splitlines()
    assert time_crate.location is not None and time_crate.location.path == "Cargo.lock"
    line = time_crate.location.line or 0
    assert lock[line - 1 : line + 1] == ['name = "time"', 'version = "0.1.45"']
    assert outcome.facts["note"] == 1  # ansi_term is unmaintained: a warning, not a failure
    assert outcome.facts["dependencies_audited"] == 7  # 2 by pip-audit, 5 in the Cargo.lock


def test_audit_rules_match_advisory_aliases() -> None:
    outcome = scan(AUDITS, tool="pip-audit", rules=["CVE-2018-18074"])
    assert rules_of(outcome) == ["pip-audit:PYSEC-2018-28"]
    assert rules_of(scan(AUDITS, rules=["GHSA-*"])) == [
        "cargo-audit:RUSTSEC-2020-0071",
        "pip-audit:PYSEC-2018-28",
    ]


def test_cargo_audit_warnings_are_notes() -> None:
    outcome = scan(AUDITS, tool="cargo-audit", rules=["RUSTSEC-2021-0139"])
    assert outcome.status is Status.PASS
    assert outcome.facts["note"] == 1


def test_pip_audit_that_audited_nothing_is_unknown() -> None:
    outcome = scan(DATA / "pip-skipped")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == (
        "pip-audit.json: pip-audit audited none of its dependencies (requests: Dependency not "
        "found on PyPI and could not be audited: requests (2.19.0))"
    )


def test_pip_audit_that_skipped_some_dependencies_warns(tmp_path: Path) -> None:
    report = json.loads((AUDITS / "pip-audit.json").read_text("utf-8"))
    report["dependencies"][0] = {"name": "requests", "skip_reason": "not found on PyPI"}
    (tmp_path / "pip-audit.json").write_text(json.dumps(report))
    outcome = scan(tmp_path)
    assert outcome.status is Status.WARN
    assert "1 dependency(ies) were not audited (requests: not found on PyPI)" in outcome.summary


# --- what SARIF 2.1.0 says ----------------------------------------------------------------------


def sarif(results: list[dict[str, Any]], **run: Any) -> dict[str, Any]:
    tool = run.pop("tool", {"driver": {"name": "Acme Lint", "version": "1.2"}})
    return {"version": "2.1.0", "runs": [{"tool": tool, "results": results, **run}]}


def result(rule: str = "R1", uri: str = "app.py", **fields: Any) -> dict[str, Any]:
    return {
        "ruleId": rule,
        "message": {"text": f"{rule} fired"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
        **fields,
    }


def write(root: Path, log: Any, name: str = "acme.sarif") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(log) if not isinstance(log, str) else log, "utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "src/core.py").write_text("x = 1\n")
    (tmp_path / "src/my file.py").write_text("y = 2\n")
    return tmp_path


def test_level_defaults_follow_the_rules(repo: Path) -> None:
    rules = [
        {"id": "NOTE", "defaultConfiguration": {"level": "note"}},
        {"id": "ERR", "defaultConfiguration": {"level": "error"}},
        {"id": "PLAIN"},
        {"id": "OVERRIDDEN", "defaultConfiguration": {"level": "error"}},
    ]
    overrides = [
        {"descriptor": {"id": "OVERRIDDEN"}, "configuration": {"level": "note"}},
    ]
    write(
        repo,
        sarif(
            [
                result("NOTE"),  # the rule says note: counted, not failing
                result("ERR", ruleIndex=1),
                result("PLAIN"),  # no level anywhere: warning
                result("UNKNOWN-RULE"),  # no rule descriptor: warning
                result("OVERRIDDEN"),  # the invocation's override wins over the rule
                result("PASSED", kind="pass"),
                result("REVIEW", kind="review"),  # not "fail" and no level: none
                result("LOUD", level="error", kind="informational"),
            ],
            tool={"driver": {"name": "Acme Lint", "rules": rules}},
            invocations=[{"executionSuccessful": True, "ruleConfigurationOverrides": overrides}],
        ),
    )
    outcome = scan(repo)
    assert rules_of(outcome) == ["acme:ERR", "acme:PLAIN", "acme:UNKNOWN-RULE"]
    assert outcome.facts["error"] == 1
    assert outcome.facts["warning"] == 2
    assert outcome.facts["note"] == 2
    assert outcome.facts["none"] == 3


def test_suppressions_and_baseline_states(repo: Path) -> None:
    write(
        repo,
        sarif(
            [
                result("ACCEPTED", suppressions=[{"kind": "inSource", "status": "accepted"}]),
                result("NO-STATUS", suppressions=[{"kind": "external"}]),
                result(
                    "UNDER-REVIEW", suppressions=[{"kind": "external", "status": "underReview"}]
                ),
                result("REJECTED", suppressions=[{"kind": "inSource", "status": "rejected"}]),
                result(
                    "MIXED",
                    suppressions=[{"kind": "inSource"}, {"kind": "external", "status": "rejected"}],
                ),
                result("EMPTY", suppressions=[]),
                result("GONE", baselineState="absent"),
                result("UNCHANGED", baselineState="unchanged"),
                result("NEW", baselineState="new"),
            ]
        ),
    )
    outcome = scan(repo)
    assert rules_of(outcome) == [
        "acme:EMPTY",
        "acme:MIXED",
        "acme:NEW",
        "acme:REJECTED",
        "acme:UNCHANGED",
        "acme:UNDER-REVIEW",
    ]
    assert (outcome.facts["suppressed"], outcome.facts["fixed"]) == (2, 1)
    assert outcome.observed == "0 error, 6 warning, 0 note; 2 suppressed, 1 fixed"


def test_messages_from_message_strings(repo: Path) -> None:
    rules = [
        {"id": "R1", "messageStrings": {"default": {"text": "'{0}' is used {1} times {{sic}}"}}}
    ]
    write(
        repo,
        sarif(
            [
                result("R1", message={"id": "default", "arguments": ["x", "3"]}),
                result("R2", message={"id": "global"}),
                result("R3", message={"text": "multi\n  line\ttext"}),
                result("R4", message={}),
            ],
            tool={
                "driver": {
                    "name": "Acme",
                    "rules": rules,
                    "globalMessageStrings": {"global": {"text": "from the tool"}},
                }
            },
        ),
    )
    messages = sorted(finding.message for finding in scan(repo).findings)
    assert messages == [
        "'x' is used 3 times {sic}",
        "(no message)",
        "from the tool",
        "multi line text",
    ]


def at(rule: str, artifact: dict[str, Any], **region: int) -> dict[str, Any]:
    physical = {"artifactLocation": artifact, **({"region": region} if region else {})}
    return {
        "ruleId": rule,
        "message": {"text": f"{rule} fired"},
        "locations": [{"physicalLocation": physical}],
    }


def test_uris_are_placed_in_the_repository(repo: Path) -> None:
    root = repo.resolve().as_uri()
    located = [
        at("ABSOLUTE", {"uri": f"{root}/src/core.py"}, startLine=3, startColumn=5),
        at("DOT", {"uri": "./src/core.py"}),
        at("ENCODED", {"uri": "src/my%20file.py"}),
        at("UNDECLARED-BASE", {"uri": "src/core.py", "uriBaseId": "%SRCROOT%"}),
        at("REMOTE-BASE", {"uri": "core.py", "uriBaseId": "SRC"}),
        at("CHAINED-BASE", {"uri": "core.py", "uriBaseId": "PKG"}),
        at("BY-INDEX", {"index": 0}),
        at("OUTSIDE", {"uri": "file:///opt/vendor/lib/helper.py"}),
        at("URL", {"uri": "https://example.com/schema.json"}),
    ]
    bases = {
        "CHECKOUT": {"uri": "file:///home/runner/work/app/app/"},
        "SRC": {"uri": "file:///home/runner/work/app/app/src/"},
        "PKG": {"uri": "src/", "uriBaseId": "CHECKOUT"},
    }
    artifacts = [{"location": {"uri": "app.py", "uriBaseId": "CHECKOUT"}}]
    write(repo, sarif(located, originalUriBaseIds=bases, artifacts=artifacts))
    found = {
        f.rule: (str(f.location) if f.location else None, f.message) for f in scan(repo).findings
    }
    assert found == {
        "acme:ABSOLUTE": ("src/core.py:3:5", "ABSOLUTE fired"),
        "acme:DOT": ("src/core.py", "DOT fired"),
        "acme:ENCODED": ("src/my file.py", "ENCODED fired"),
        "acme:UNDECLARED-BASE": ("src/core.py", "UNDECLARED-BASE fired"),
        "acme:REMOTE-BASE": ("src/core.py", "REMOTE-BASE fired"),
        "acme:CHAINED-BASE": ("src/core.py", "CHAINED-BASE fired"),
        "acme:BY-INDEX": ("app.py", "BY-INDEX fired"),
        "acme:OUTSIDE": (None, "OUTSIDE fired (helper.py, outside the repository)"),
        "acme:URL": (None, "URL fired (schema.json, outside the repository)"),
    }


def test_partial_fingerprints_survive_moved_lines(repo: Path) -> None:
    def fingerprint(line: int, prints: dict[str, str] | None) -> str | None:
        moved = result("R1", "app.py", partialFingerprints=prints) if prints else result("R1")
        moved["locations"][0]["physicalLocation"]["region"] = {"startLine": line}
        write(repo, sarif([moved]))
        [finding] = scan(repo).findings
        return finding.fingerprint

    hashed = {"primaryLocationLineHash": "39fa2ee980eb94b0:1"}
    assert fingerprint(3, hashed) == fingerprint(30, hashed)
    assert fingerprint(3, None) == fingerprint(30, None)  # content: rule, file and message
    assert fingerprint(3, hashed) != fingerprint(3, None)


def test_tool_filter_picks_one_run_of_many(repo: Path) -> None:
    semgrep = {"driver": {"name": "Semgrep OSS"}}
    write(repo, sarif([result("python.lang.eval")], tool=semgrep), "reports/semgrep.sarif")
    write(repo, sarif([result("DL3008")], tool={"driver": {"name": "Hadolint"}}), "hadolint.sarif")
    assert rules_of(scan(repo, tool="semgrep")) == ["semgrep:python.lang.eval"]
    assert rules_of(scan(repo, tool="Semgrep OSS")) == ["semgrep:python.lang.eval"]
    assert rules_of(scan(repo, tool="hadolint")) == ["hadolint:DL3008"]
    assert rules_of(scan(repo)) == ["hadolint:DL3008", "semgrep:python.lang.eval"]
    assert scan(repo, tool="sem").status is Status.NOT_APPLICABLE


def test_report_parameter_takes_a_file_a_directory_or_a_glob(repo: Path) -> None:
    write(repo, sarif([result("A")]), "out/one.sarif")
    write(repo, sarif([result("B")]), "out/deeper/two.json")
    assert rules_of(scan(repo, report="out/one.sarif")) == ["acme:A"]
    assert rules_of(scan(repo, report="out")) == ["acme:A", "acme:B"]
    assert rules_of(scan(repo, report="out/**/*.json")) == ["acme:B"]
    assert scan(repo).status is Status.NOT_APPLICABLE  # out/ is not a usual place
    missing = scan(repo, report="out/three.sarif")
    assert (missing.status, missing.summary) == (
        Status.NOT_APPLICABLE,
        "no scanner report found (looked for out/three.sarif)",
    )


def test_no_report_is_not_applicable(repo: Path) -> None:
    outcome = scan(repo)
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary == f"no scanner report found (looked in {', '.join(DEFAULT_PLACES)})"


def test_stale_reports_are_unknown(repo: Path) -> None:
    log = sarif(
        [], invocations=[{"executionSuccessful": True, "endTimeUtc": "2026-01-02T03:04:05Z"}]
    )
    write(repo, log)
    outcome = scan(repo, max_age="7d")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("stale: acme.sarif (Acme Lint 1.2) is ")
    assert "old by its endTimeUtc, older than 7 d; run Acme Lint again" in outcome.summary
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write(repo, sarif([], invocations=[{"executionSuccessful": True, "endTimeUtc": now}]))
    assert scan(repo, max_age="7d").status is Status.PASS


def test_stale_by_modification_time(repo: Path) -> None:
    path = write(repo, sarif([]))
    assert scan(repo, max_age="1h").status is Status.PASS
    old = time.time() - 3 * 3600
    os.utime(path, (old, old))
    outcome = scan(repo, max_age="1h")
    assert outcome.status is Status.UNKNOWN
    assert "old by the file's modification time, older than 1 h" in outcome.summary
    assert scan(repo).status is Status.PASS  # without max_age the age is only reported
    assert scan(repo).facts["age_from"] == "the file's modification time"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "truncated.sarif",
            "truncated.sarif:1:3989: not valid JSON: Unterminated string (the file ends early: "
            "was it cut off?)",
        ),
        (
            "wrong-version.sarif",
            'wrong-version.sarif: SARIF version "2.0.0"; golive reads SARIF 2.1.0',
        ),
        (
            "results-not-list.sarif",
            "results-not-list.sarif: runs[0].results is a string, not a list",
        ),
    ],
)
def test_malformed_reports_are_unknown(name: str, reason: str) -> None:
    outcome = scan(DATA / "malformed", report=name)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith(f"a scanner report cannot be used: {reason}")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "acme.sarif: the file is empty"),
        (
            "[1, 2]",
            "acme.sarif: not a SARIF log, pip-audit or cargo-audit report (the top level is a list)",
        ),
        ('{"version": "2.1.0"}', 'acme.sarif: the SARIF log has no "runs"'),
        (
            '{"version": "2.1.0", "runs": null}',
            'acme.sarif: "runs" is null: the tool failed before any run',
        ),
        (
            '{"version": "2.1.0", "runs": [{"results": []}]}',
            "acme.sarif: runs[0] names no tool (tool.driver.name)",
        ),
        ('{"runs": []}', 'acme.sarif: the SARIF log has no "version"; golive reads SARIF 2.1.0'),
        ('{"dependencies": [{"version": "1"}]}', "acme.sarif: dependencies[0] has no name"),
        (
            '{"vulnerabilities": {"found": true}}',
            'acme.sarif: "vulnerabilities.list" is null, not a list',
        ),
        (
            '{\n  "version": "2.1.0",\n  "runs": [,]\n}',
            "acme.sarif:3:12: not valid JSON: Expecting value",
        ),
    ],
)
def test_unreadable_reports_say_why(repo: Path, content: str, reason: str) -> None:
    write(repo, content)
    outcome = scan(repo)
    assert (outcome.status, outcome.summary) == (
        Status.UNKNOWN,
        f"a scanner report cannot be used: {reason}",
    )


def test_one_unreadable_report_among_several(repo: Path) -> None:
    write(repo, sarif([]), "a.sarif")
    write(repo, "{", "b.sarif")
    write(repo, "not json", "c.sarif")
    outcome = scan(repo)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.endswith("(and 1 more unreadable report(s))")


def test_runs_that_did_not_complete_are_unknown(repo: Path) -> None:
    write(repo, {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Acme"}}}]})
    assert scan(repo).summary == (
        "the Acme run in acme.sarif did not complete: it has no results array (the tool did not "
        "finish its analysis)"
    )
    notification = {"level": "error", "message": {"text": "cannot parse src/core.py"}}
    failed_run = {"executionSuccessful": False, "toolExecutionNotifications": [notification]}
    write(repo, sarif([], invocations=[failed_run]))
    outcome = scan(repo)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.endswith(
        "the tool reports that its execution failed: cannot parse src/core.py"
    )


def test_unknown_json_in_golive_reports_is_unknown(repo: Path) -> None:
    write(repo, {"summary": {"passed": 3}}, ".golive/reports/k6.json")
    outcome = scan(repo)
    assert outcome.status is Status.UNKNOWN
    assert ".golive/reports/k6.json: not a SARIF log, pip-audit or cargo-audit report" in (
        outcome.summary
    )


def test_golives_own_sarif_is_not_evidence(repo: Path) -> None:
    own = sarif(
        [result("K8sProbes", level="error")],
        tool={"driver": {"name": "golive", "version": "0.9.0"}},
        invocations=[{"executionSuccessful": False}],
    )
    write(repo, own, "golive.sarif")
    outcome = scan(repo)
    assert (outcome.status, outcome.summary) == (
        Status.NOT_APPLICABLE,
        "no scanner report found; golive's own report(s) are not evidence: golive.sarif",
    )
    write(repo, sarif([]), "reports/lint.sarif")
    outcome = scan(repo)
    assert outcome.status is Status.PASS
    assert outcome.facts["reports"] == "reports/lint.sarif"


def test_findings_are_whole_finding_values(repo: Path) -> None:
    write(repo, sarif([result("R1", "src/core.py")]))
    [finding] = scan(repo).findings
    assert finding == Finding(
        message="R1 fired",
        location=finding.location,
        rule="acme:R1",
        fingerprint=finding.fingerprint,
    )
    assert finding.location is not None and finding.location.path == "src/core.py"


# --- any JSON value as a report: a result, or a clean ReportError, never a crash ---------------


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
WORD = st.sampled_from(
    ["2.1.0", "error", "warning", "note", "none", "fail", "pass", "review", "absent",
     "accepted", "rejected", "underReview", "file:///x/a.py", "a.py", "./a.py", "%SRCROOT%",
     "BASE", "R1", "file:///C:/a.py", "file://[::1", "http://x/y", "../../etc/passwd",
     "a%00.py", "2026-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "{0} {1} {{", "\ud800"]
)  # fmt: skip
LEAF = st.one_of(JSON, WORD, st.integers(-2, 3))


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the shape a report should have, one time in ten any JSON value in its place."""
    return st.integers(0, 9).flatmap(lambda roll: LEAF if roll == 0 else strategy)


def obj(
    required: dict[str, st.SearchStrategy[Any]] | None = None, **fields: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return maybe(st.fixed_dictionaries(required or {}, optional=fields))


def listed(strategy: st.SearchStrategy[Any], size: int = 3) -> st.SearchStrategy[Any]:
    return maybe(st.lists(strategy, max_size=size))


TEXT = obj(text=LEAF, markdown=LEAF)
ARTIFACT = obj(uri=WORD | LEAF, uriBaseId=WORD, index=st.integers(-1, 2))
REGION = obj(startLine=LEAF, startColumn=LEAF, snippet=TEXT)
RESULT = obj(
    ruleId=WORD,
    ruleIndex=st.integers(-1, 3),
    rule=obj(id=WORD, index=st.integers(-1, 2), toolComponent=obj(index=st.integers(-1, 2))),
    level=WORD,
    kind=WORD,
    message=obj(text=LEAF | WORD, id=WORD, arguments=listed(LEAF), markdown=LEAF),
    locations=listed(obj(physicalLocation=obj(artifactLocation=ARTIFACT, region=REGION))),
    suppressions=listed(obj(status=WORD, kind=WORD)),
    baselineState=WORD,
    partialFingerprints=st.dictionaries(WORD, LEAF, max_size=2),
    fingerprints=maybe(st.dictionaries(WORD, WORD, max_size=2)),
    analysisTarget=ARTIFACT,
)
RULE = obj(
    id=WORD,
    defaultConfiguration=obj(level=WORD),
    messageStrings=maybe(st.dictionaries(WORD, TEXT, max_size=2)),
    shortDescription=TEXT,
)
DRIVER = st.fixed_dictionaries(
    {"name": maybe(st.sampled_from(["Acme", "Semgrep OSS", " "]))},
    optional={
        "rules": listed(RULE),
        "version": LEAF,
        "globalMessageStrings": maybe(st.dictionaries(WORD, TEXT, max_size=2)),
    },
)
INVOCATION = obj(
    executionSuccessful=st.booleans() | LEAF,
    endTimeUtc=WORD | LEAF,
    ruleConfigurationOverrides=listed(
        obj(descriptor=obj(id=WORD, index=st.integers(-1, 2)), configuration=obj(level=WORD))
    ),
    toolExecutionNotifications=listed(obj(level=WORD, message=TEXT)),
)
RUN = maybe(
    st.fixed_dictionaries(
        {"tool": obj({"driver": maybe(DRIVER)}, extensions=listed(obj(rules=listed(RULE))))},
        optional={
            "results": listed(RESULT, 4),
            "invocations": listed(INVOCATION, 2),
            "originalUriBaseIds": maybe(st.dictionaries(WORD, ARTIFACT, max_size=3)),
            "artifacts": listed(obj(location=ARTIFACT)),
        },
    )
)
SARIF_LIKE = st.fixed_dictionaries({"version": maybe(st.just("2.1.0")), "runs": listed(RUN)})
VULN = obj({"id": maybe(WORD)}, aliases=listed(WORD), fix_versions=listed(WORD), description=LEAF)
PIP_AUDIT = st.fixed_dictionaries(
    {
        "dependencies": listed(
            obj({"name": maybe(WORD)}, version=WORD | LEAF, vulns=listed(VULN), skip_reason=LEAF)
        )
    }
)
ADVISORY = obj({"id": maybe(WORD)}, package=WORD, title=LEAF, aliases=listed(WORD))
CRATE = obj(
    advisory=ADVISORY, package=obj(name=WORD, version=WORD), versions=obj(patched=listed(WORD))
)
CARGO_PARTS: dict[str, st.SearchStrategy[Any]] = {
    "warnings": maybe(st.dictionaries(WORD, listed(CRATE), max_size=2)),
    "database": obj({"advisory-count": LEAF}),
    "lockfile": obj({"dependency-count": LEAF}),
}
CARGO_AUDIT = st.fixed_dictionaries(
    {"vulnerabilities": obj({"list": listed(CRATE)})}, optional=CARGO_PARTS
)


@pytest.fixture(scope="module")
def placing(tmp_path_factory: pytest.TempPathFactory) -> tuple[PathPlacer, DependencyFiles]:
    root = tmp_path_factory.mktemp("repo")
    (root / "a.py").write_text("x = 1\n")
    (root / "requirements.txt").write_text("requests==2.0\n")
    (root / "Cargo.lock").write_text('[[package]]\nname = "time"\nversion = "0.1.45"\n')
    repo = Repository.scan(root)
    return PathPlacer(root, repo.files), DependencyFiles(repo, "report.json")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(JSON, SARIF_LIKE, PIP_AUDIT, CARGO_AUDIT))
def test_any_json_value_is_a_report_or_a_clean_error(
    data: Any, placing: tuple[PathPlacer, DependencyFiles]
) -> None:
    placer, files = placing
    try:
        report = parse_report(data, report="report.json", placer=placer, files=files)
    except ReportError as error:
        assert str(error).startswith("report.json: ")
        str(error).encode("utf-8")  # printable: no lone surrogates
        return
    for run in report.runs:
        for found in run.results:
            assert found.level in {"error", "warning", "note", "none"}
            found.message.encode("utf-8")
            assert found.location is None or not found.location.path.startswith("/")
