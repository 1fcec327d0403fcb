from __future__ import annotations

import time
from pathlib import Path

import pytest

from golive.checks.ci import PinnedActions, Stage, WorkflowPermissions
from golive.model import Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "ci"
RUST = DATA / "rust-service"
PYTHON = DATA / "python-service"
GITLAB = DATA / "gitlab-service"
ALL_STAGES = [
    "tests",
    "lint",
    "security-scan",
    "image-scan",
    "build",
    "deploy",
    "rollback",
    "verify",
]


def _where(outcome_findings: object) -> list[str]:
    return [str(f.location) for f in outcome_findings]  # type: ignore[attr-defined]


# --- ci.stage ---------------------------------------------------------------------------------


def test_stage_params_accept_exactly_stage_and_stages() -> None:
    assert set(Stage.Params.model_fields) == {"stage", "stages"}


def test_stage_every_stage_of_the_rust_service_passes() -> None:
    outcome = run_check(Stage, RUST, stages=ALL_STAGES)
    assert outcome.status is Status.PASS, outcome.summary
    assert outcome.facts["found.deploy"] == 1
    assert ".github/workflows/ci.yml:42" in _where(outcome.findings)  # cargo nextest run


def test_stage_pass_names_the_job_and_the_place() -> None:
    outcome = run_check(Stage, RUST, stage="image-scan")
    assert outcome.status is Status.PASS
    assert outcome.summary.startswith("image-scan: job 'Scan the image' uses aquasecurity/trivy")
    assert outcome.summary.endswith("(.github/workflows/release.yml:61:9)")


def test_stage_tests_found_in_a_block_script_at_its_line() -> None:
    outcome = run_check(Stage, RUST, stage="tests")
    assert outcome.findings[0].message == (
        "tests: job 'Test (${{ matrix.os }})' runs `cargo nextest run --workspace --locked`"
    )
    assert str(outcome.findings[0].location) == ".github/workflows/ci.yml:42"


def test_stage_rollback_and_verify_of_the_rust_service() -> None:
    rollback = run_check(Stage, RUST, stage="rollback")
    assert ".github/workflows/rollback.yml:26" in _where(rollback.findings)  # helm rollback
    verify = run_check(Stage, RUST, stage="verify")
    assert _where(verify.findings) == [
        ".github/workflows/release.yml:96:14",  # kubectl rollout status after helm upgrade
        ".github/workflows/release.yml:105:14",  # curl /health in a job that needs deploy
    ]


def test_stage_missing_deploy_fails() -> None:
    outcome = run_check(Stage, PYTHON, stage="deploy")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no deploy stage in the CI pipeline"
    assert outcome.findings[0].location is None


def test_stage_python_service_has_tests_lint_audit_and_build() -> None:
    stages = ["tests", "lint", "security-scan", "build"]
    assert run_check(Stage, PYTHON, stages=stages).status is Status.PASS


def test_stage_installing_a_linter_is_not_linting() -> None:
    outcome = run_check(Stage, PYTHON, stage="lint")
    assert ".github/workflows/ci.yml:13:14" not in _where(outcome.findings)  # pip install ruff


def test_stage_health_check_before_any_deploy_is_not_verify() -> None:
    outcome = run_check(Stage, PYTHON, stage="verify")
    assert outcome.status is Status.FAIL
    assert "but not after a deploy" in outcome.findings[0].message
    assert str(outcome.findings[0].location) == ".github/workflows/ci.yml:39"


def test_stage_all_of_several_must_be_present() -> None:
    outcome = run_check(Stage, PYTHON, stage="tests", stages=["deploy", "rollback"])
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no deploy, rollback stage in the CI pipeline"
    assert outcome.observed == "found: tests (1)"


def test_stage_gitlab_pipeline_with_includes_extends_and_templates() -> None:
    outcome = run_check(Stage, GITLAB, stages=ALL_STAGES)
    assert outcome.status is Status.PASS, outcome.summary
    where = _where(outcome.findings)
    assert "ci/deploy.gitlab-ci.yml:13:7" in where  # deploy, in the included file
    assert "ci/deploy.gitlab-ci.yml:32:7" in where  # the manual rollback job
    assert ".gitlab-ci.yml:3:5" in where  # security-scan: the SAST template


@pytest.mark.parametrize(
    ("tree", "present", "absent"),
    [
        ("azure", ["tests", "build", "deploy", "verify"], "lint"),
        ("circleci", ["tests", "lint", "build", "deploy"], "verify"),
        ("jenkins", ["tests", "build", "deploy", "verify"], "security-scan"),
        ("bitbucket", ["tests", "lint", "deploy"], "build"),
        ("gitlab-images", ["tests", "build", "security-scan"], "deploy"),
        ("reusable", ["deploy"], "tests"),
    ],
)
def test_stage_other_ci_systems(tree: str, present: list[str], absent: str) -> None:
    assert run_check(Stage, DATA / tree, stages=present).status is Status.PASS
    assert run_check(Stage, DATA / tree, stage=absent).status is Status.FAIL


def test_stage_names_alone_do_not_count() -> None:
    outcome = run_check(Stage, DATA / "names-only", stages=["tests", "deploy"])
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no tests, deploy stage in the CI pipeline"


def test_stage_no_pipeline_fails_when_there_is_code() -> None:
    outcome = run_check(Stage, DATA / "no-ci", stage="tests")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "no CI pipeline found"


def test_stage_not_applicable_without_code_or_ci() -> None:
    outcome = run_check(Stage, DATA / "empty", stage="tests")
    assert outcome.status is Status.NOT_APPLICABLE


def test_stage_unknown_when_nothing_can_be_read() -> None:
    outcome = run_check(Stage, DATA / "malformed", stage="tests")
    assert outcome.status is Status.UNKNOWN
    assert _where(outcome.findings) == [".github/workflows/ci.yml:3:12"]


def test_stage_found_in_readable_files_passes_despite_an_unreadable_one() -> None:
    assert run_check(Stage, DATA / "mixed", stage="tests").status is Status.PASS
    outcome = run_check(Stage, DATA / "mixed", stage="deploy")
    assert outcome.status is Status.UNKNOWN  # it may be in the file that could not be read
    assert ".github/workflows/deploy.yml:9:1" in _where(outcome.findings)


def test_stage_unknown_stage_name_lists_the_valid_ones() -> None:
    outcome = run_check(Stage, RUST, stage="smoke")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == f"unknown stage(s) smoke; the stages are {', '.join(ALL_STAGES)}"


def test_stage_without_a_stage_is_unknown() -> None:
    assert run_check(Stage, RUST).status is Status.UNKNOWN


# --- ci.pinned-actions ------------------------------------------------------------------------


def test_pinned_all_sha_pinned_passes() -> None:
    outcome = run_check(PinnedActions, RUST)
    assert outcome.status is Status.PASS
    assert outcome.facts["pinned"] == 17  # workflows and the composite action
    assert outcome.facts["local"] == 3


def test_pinned_tags_fail_at_each_uses_line() -> None:
    outcome = run_check(PinnedActions, PYTHON)
    assert outcome.status is Status.FAIL
    assert outcome.facts["unpinned"] == 10
    first = outcome.findings[0]
    assert str(first.location) == ".github/workflows/ci.yml:9:9"
    assert first.message == (
        'action actions/checkout pinned to "v4", a tag or branch that can move, '
        "not a full commit SHA"
    )
    rules = {f.rule for f in outcome.findings}
    assert {"ci.pinned-actions.docker", "ci.pinned-actions.image"} <= rules


def test_pinned_reusable_workflow_by_tag_fails() -> None:
    outcome = run_check(PinnedActions, DATA / "reusable")
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.rule) for f in outcome.findings] == [
        (".github/workflows/ci.yml:13:5", "ci.pinned-actions.workflow")
    ]


def test_pinned_gitlab_includes_by_tag_or_branch_fail_and_images_warn() -> None:
    outcome = run_check(PinnedActions, GITLAB)
    assert outcome.status is Status.FAIL
    failures = [f for f in outcome.findings if f.rule != "ci.pinned-actions.image"]
    assert [str(f.location) for f in failures] == [".gitlab-ci.yml:4:5", ".gitlab-ci.yml:8:5"]
    assert outcome.facts["images_by_tag"] == 7


def test_pinned_gitlab_by_sha_and_digest_passes() -> None:
    assert run_check(PinnedActions, DATA / "gitlab-pinned").status is Status.PASS


def test_pinned_images_by_tag_alone_warn() -> None:
    outcome = run_check(PinnedActions, DATA / "gitlab-images")
    assert outcome.status is Status.WARN
    assert outcome.facts["images_by_variable"] == 1  # chosen when the pipeline runs


def test_pinned_not_applicable_without_workflows() -> None:
    assert run_check(PinnedActions, DATA / "no-ci").status is Status.NOT_APPLICABLE
    outcome = run_check(PinnedActions, DATA / "jenkins")
    assert outcome.status is Status.NOT_APPLICABLE
    assert "jenkins pipelines are not checked" in outcome.summary


def test_pinned_unknown_when_a_workflow_cannot_be_read() -> None:
    assert run_check(PinnedActions, DATA / "malformed").status is Status.UNKNOWN
    assert run_check(PinnedActions, DATA / "mixed").status is Status.UNKNOWN


# --- ci.permissions ---------------------------------------------------------------------------


def test_permissions_least_privilege_passes() -> None:
    outcome = run_check(WorkflowPermissions, RUST)
    assert outcome.status is Status.PASS, [f.message for f in outcome.findings]


def test_permissions_missing_write_all_and_pull_request_target_fail() -> None:
    outcome = run_check(WorkflowPermissions, PYTHON)
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.rule) for f in outcome.findings] == [
        (".github/workflows/ci.yml:6:3", "ci.permissions.missing"),
        (".github/workflows/ci.yml:18:3", "ci.permissions.missing"),
        (".github/workflows/ci.yml:41:3", "ci.permissions.missing"),
        (".github/workflows/ci.yml:52:5", "ci.permissions.write-all"),
        (".github/workflows/preview.yml:15:9", "ci.permissions.pull-request-target"),
    ]


def test_permissions_workflow_run_checking_out_the_head_fails() -> None:
    outcome = run_check(WorkflowPermissions, DATA / "workflow-run")
    assert outcome.status is Status.FAIL
    assert outcome.findings[0].rule == "ci.permissions.workflow-run"


def test_permissions_unneeded_write_scopes_warn() -> None:
    outcome = run_check(WorkflowPermissions, DATA / "permissions-warn")
    assert outcome.status is Status.WARN
    assert [str(f.location) for f in outcome.findings] == [
        ".github/workflows/docs.yml:22:7",  # issues: write on a link checker
        ".github/workflows/docs.yml:8:3",  # contents: write for every job
    ]
    assert "build-docs" in outcome.findings[1].message  # the release job needs its write


def test_permissions_called_workflow_inherits_the_callers() -> None:
    outcome = run_check(WorkflowPermissions, DATA / "reusable")
    assert outcome.status is Status.PASS
    assert outcome.facts["workflows_inheriting"] == 1


def test_permissions_gitlab_only_is_not_applicable_with_a_note() -> None:
    outcome = run_check(WorkflowPermissions, GITLAB)
    assert outcome.status is Status.NOT_APPLICABLE
    assert "GitLab" in outcome.summary


def test_permissions_not_applicable_without_workflows() -> None:
    assert run_check(WorkflowPermissions, DATA / "no-ci").status is Status.NOT_APPLICABLE


def test_permissions_unknown_when_a_workflow_cannot_be_read() -> None:
    assert run_check(WorkflowPermissions, DATA / "malformed").status is Status.UNKNOWN
    assert run_check(WorkflowPermissions, DATA / "mixed").status is Status.UNKNOWN


# --- hostile YAML -----------------------------------------------------------------------------


@pytest.mark.parametrize("check", [Stage, PinnedActions, WorkflowPermissions])
def test_python_object_tag_is_refused_and_never_executed(check: type, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (tmp_path / "app.py").write_text("print('hi')\n")
    (workflows / "ci.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
        f'    steps:\n      - run: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    outcome = run_check(check, tmp_path, **({"stage": "tests"} if check is Stage else {}))
    assert not marker.exists()
    assert outcome.status is Status.UNKNOWN
    assert "refused the Python object tag" in outcome.findings[0].message


def test_python_object_tag_in_a_repository_tree() -> None:
    outcome = run_check(PinnedActions, DATA / "python-tag")
    assert outcome.status is Status.UNKNOWN
    assert str(outcome.findings[0].location) == ".github/workflows/ci.yml:11:16"


def test_alias_bomb_is_refused_within_a_second() -> None:
    started = time.perf_counter()
    outcome = run_check(WorkflowPermissions, DATA / "alias-bomb")
    assert time.perf_counter() - started < 1.0
    assert outcome.status is Status.UNKNOWN
    assert "alias bomb" in outcome.findings[0].message


# --- repositories that are actions ------------------------------------------------------------


def test_a_repository_that_is_a_composite_action(tmp_path: Path) -> None:
    (tmp_path / "action.yml").write_text(
        "name: Setup tool\nruns:\n  using: composite\n  steps:\n"
        "    - uses: actions/cache@v4\n      with:\n        path: ~/.tool\n"
        "    - run: ./install.sh\n      shell: bash\n"
    )
    (tmp_path / "install.sh").write_text("#!/bin/sh\necho installing\n")
    assert run_check(Stage, tmp_path, stage="tests").summary == "no CI pipeline found"
    outcome = run_check(PinnedActions, tmp_path)
    assert outcome.status is Status.FAIL
    assert [str(f.location) for f in outcome.findings] == ["action.yml:5:7"]


def test_an_unrelated_action_yaml_that_does_not_parse_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "action.yaml").write_text("{{ template }}: [\n")
    assert run_check(PinnedActions, tmp_path).status is Status.NOT_APPLICABLE


def test_ci_files_of_nested_projects_are_not_the_repositorys(tmp_path: Path) -> None:
    nested = tmp_path / "examples" / "demo"
    (nested / ".github" / "workflows").mkdir(parents=True)
    (nested / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest\n"
    )
    (nested / "Jenkinsfile").write_text(
        "pipeline { stages { stage('T') { steps { sh 'pytest' } } } }\n"
    )
    (tmp_path / "app.py").write_text("print('hi')\n")
    assert run_check(Stage, tmp_path, stage="tests").summary == "no CI pipeline found"


def test_a_local_action_outside_github_is_read_when_a_workflow_uses_it(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n"
        "      - uses: ./tools/test\n"
    )
    (tmp_path / "tools" / "test").mkdir(parents=True)
    (tmp_path / "tools" / "test" / "action.yml").write_text(
        "name: test\nruns:\n  using: composite\n  steps:\n"
        "    - run: cargo test --workspace\n      shell: bash\n"
    )
    outcome = run_check(Stage, tmp_path, stage="tests")
    assert outcome.status is Status.PASS
    assert (
        outcome.summary
        == "tests: job 't' runs `cargo test --workspace` (tools/test/action.yml:5:12)"
    )
