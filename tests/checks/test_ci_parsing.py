from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.checks._ci_load import load_pipelines
from golive.checks._ci_model import CiPipelines, Script
from golive.checks._ci_rules import (
    action_stages,
    command_stages,
    is_setup,
    name_stages,
    synthesized_commands,
    task_target,
)
from golive.checks._yaml import Reference, YamlError, YamlMap, parse_yaml
from golive.checks.repository import Repository
from golive.model import Location

DATA = Path(__file__).parent.parent / "data" / "ci"


def _load(root: Path) -> CiPipelines:
    return load_pipelines(Repository.scan(root))


# --- YAML -------------------------------------------------------------------------------------


def test_yaml_keeps_one_based_locations_and_block_script_lines() -> None:
    data = parse_yaml("jobs:\n  test:\n    run: |\n      pytest\n", "ci.yml")
    test = data["jobs"]["test"]
    assert test.at("run") == Location(path="ci.yml", line=3, column=5)
    assert test.value_location("run") == Location(path="ci.yml", line=4)  # below the `|`


def test_yaml_merge_keys_and_gitlab_references() -> None:
    text = (
        ".base: &base\n  image: rust:1.82\n  stage: test\n"
        "job:\n  <<: *base\n  stage: lint\n  script:\n    - !reference [.setup, script]\n"
    )
    job = parse_yaml(text, "g.yml")["job"]
    assert job["image"] == "rust:1.82"  # merged
    assert job["stage"] == "lint"  # an explicit key wins over the merged one
    assert job["script"][0] == Reference(
        path=(".setup", "script"), location=Location(path="g.yml", line=8, column=7)
    )


def test_yaml_scalars_stay_text_except_null_and_booleans() -> None:
    data = parse_yaml("on: push\nyes: no\nn: 3\nempty:\nflag: true\n", "w.yml")
    assert dict(data) == {"on": "push", "yes": "no", "n": "3", "empty": None, "flag": True}


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['true']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/object/new:subprocess.Popen [['true']]\n",
        "a: !!python/module:os\n",
    ],
)
def test_yaml_python_tags_are_refused(text: str) -> None:
    with pytest.raises(YamlError, match="refused the Python object tag"):
        parse_yaml(text, "x.yml")


def test_yaml_recursive_alias_is_refused() -> None:
    with pytest.raises(YamlError, match="contains itself"):
        parse_yaml("a: &a [1, *a]\n", "x.yml")


def test_yaml_expansion_is_bounded() -> None:
    text = "a: &a [1, 2, 3, 4]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    assert len(parse_yaml(text, "x.yml")["c"]) == 4
    with pytest.raises(YamlError, match="alias bomb"):
        parse_yaml(text, "x.yml", max_nodes=50)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 3000 + "]" * 3000,  # the parser would slow down quadratically
        "".join(" " * i + f"k{i}:\n" for i in range(1500)),  # past the recursion limit
        "a: " + "x" * (1024 * 1024),  # larger than any CI file
    ],
)
def test_yaml_deep_or_huge_documents_are_refused_quickly(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(YamlError, match=r"refused|nested too deeply"):
        parse_yaml(text, "x.yml")
    assert time.perf_counter() - started < 1.0


def test_yaml_syntax_error_has_its_location() -> None:
    with pytest.raises(YamlError) as raised:
        parse_yaml("a: [1, 2\nb: 3\n", "x.yml")
    assert raised.value.location.path == "x.yml"
    assert raised.value.location.line == 2


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab: -[]{}&*!|>'\"#\n\t?,%@`")), max_size=60))
def test_yaml_any_text_parses_or_is_refused_with_a_reason(text: str) -> None:
    try:
        parse_yaml(text, "fuzz.yml")
    except YamlError as exc:
        assert exc.message
        assert exc.location.path == "fuzz.yml"


# --- scripts ----------------------------------------------------------------------------------


def test_script_lines_join_continuations_and_skip_comments() -> None:
    script = Script(
        text="# build\ndocker build \\\n  -t app .\n\ndocker push app\n",
        location=Location(path="ci.yml", line=10),
    )
    assert [(where.line, line) for where, line in script.lines()] == [
        (11, "docker build -t app ."),
        (14, "docker push app"),
    ]


# --- the ci_pipelines fixture -----------------------------------------------------------------


def test_fixture_reads_workflows_and_local_composite_actions() -> None:
    ci = _load(DATA / "rust-service")
    assert sorted(p.path for p in ci.of("github")) == [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        ".github/workflows/rollback.yml",
    ]
    action = ci.action_at("./.github/actions/setup-rust")
    assert action is not None
    assert (action.jobs[0].steps[0].uses or "").startswith("dtolnay/rust-toolchain@")
    release = next(p for p in ci.pipelines if p.path.endswith("release.yml"))
    deploy = next(j for j in release.jobs if j.id == "deploy")
    assert deploy.environment == "production"
    assert deploy.needs == ("build", "scan")
    assert deploy.permissions is not None
    assert deploy.permissions.writes == ("id-token",)
    assert set(release.triggers) == {"push", "workflow_dispatch"}


def test_fixture_gitlab_includes_extends_and_references() -> None:
    ci = _load(DATA / "gitlab-service")
    (pipeline,) = ci.of("gitlab")
    assert pipeline.files == ("ci/deploy.gitlab-ci.yml", ".gitlab-ci.yml")
    assert pipeline.stages == ("lint", "test", "build", "scan", "deploy", "verify")
    assert [i.kind for i in pipeline.includes] == ["local", "template", "project", "remote"]
    jobs = {job.id: job for job in pipeline.jobs}
    assert ".kube" not in jobs  # hidden jobs do not run
    unit = [s.scripts[0].text for s in jobs["unit-tests"].steps]
    assert unit[0] == "go mod download"  # from !reference [.download, script]
    deploy = jobs["deploy-production"]
    assert deploy.steps[0].scripts[0].text.startswith("kubectl config use-context")  # extends
    assert [i.ref for i in deploy.images] == ["bitnami/kubectl:1.31"]
    assert deploy.environment == "production"
    assert jobs["rollback-production"].manual
    assert jobs["smoke-test"].needs == ("deploy-production",)


def test_fixture_gitlab_missing_include_and_include_cycle(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(
        "include:\n  - local: a.yml\n  - local: gone.yml\ntest:\n  script: [pytest]\n"
    )
    (tmp_path / "a.yml").write_text("include: /.gitlab-ci.yml\nlint:\n  script: [ruff check]\n")
    ci = _load(tmp_path)
    (pipeline,) = ci.of("gitlab")
    assert sorted(job.id for job in pipeline.jobs) == ["lint", "test"]
    assert [str(f.location) for f in ci.unreadable_in("gitlab")] == [".gitlab-ci.yml:3:5"]


def test_fixture_a_workflow_that_is_not_a_mapping_is_unreadable(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "a.yml").write_text("- just\n- a list\n")
    (workflows / "b.yaml").write_text("on: push\n")
    ci = _load(tmp_path)
    assert not ci.pipelines
    assert [f.message for f in ci.unreadable_in("github")] == [
        "a workflow must be a mapping with `on:` and `jobs:`",
        "the workflow has no `jobs:` mapping",
    ]


def test_fixture_jenkinsfile_stages_and_shell_blocks() -> None:
    (pipeline,) = _load(DATA / "jenkins").of("jenkins")
    assert [job.name for job in pipeline.jobs] == ["Test", "Package", "Deploy", "Verify"]
    deploy = pipeline.jobs[2].steps[0].scripts[0]
    assert deploy.location.line == 22
    _, first = next(deploy.lines())
    assert first.startswith("helm upgrade --install inventory")


def test_fixture_bitbucket_steps_used_twice_are_one_job() -> None:
    (pipeline,) = _load(DATA / "bitbucket").of("bitbucket")
    assert [job.name for job in pipeline.jobs] == ["Test", "Lint", "Deploy to production"]
    assert pipeline.jobs[2].environment == "production"
    assert pipeline.jobs[2].manual


# --- recognising stages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "stages"),
    [
        ("cargo nextest run --workspace", {"tests"}),
        ("uv run pytest -x", {"tests"}),
        ("./mvnw -B clean verify", {"tests"}),
        ("cargo +nightly fmt --all -- --check", {"lint"}),
        ("pip install ruff && ruff check .", {"lint"}),
        ("cargo install cargo-audit --locked && cargo audit", {"security-scan"}),
        ("trivy fs --scanners vuln,secret .", {"security-scan"}),
        ("trivy --quiet image --exit-code 1 app:1", {"image-scan"}),
        ("grype registry.example.com/app:1.2", {"image-scan"}),
        ("golive check", {"security-scan"}),
        ("golive check --live --target staging", {"verify"}),
        ("cargo build --release --locked", {"build"}),
        ("cargo build", set()),
        ("docker buildx build --push -t app .", {"build"}),
        ("kubectl -n prod apply -f k8s/", {"deploy"}),
        ("helm upgrade --install app ./chart --atomic", {"deploy", "rollback"}),
        ("kubectl argo rollouts abort app", {"rollback"}),
        ('curl -fsS "https://app.example.com/healthz"', {"verify"}),
        ("kubectl rollout status deploy/app", {"verify"}),
        ('echo "run pytest and cargo test"', set()),
        ("cat pytest.ini", set()),
    ],
)
def test_commands_recognised(line: str, stages: set[str]) -> None:
    assert {stage for stage, _ in command_stages(line)} == stages


@pytest.mark.parametrize(
    ("name", "stages"),
    [
        ("Run unit tests", {"tests"}),
        ("Smoke test production", {"verify"}),
        ("Scan the Docker image", {"image-scan"}),
        ("Roll back production", {"rollback"}),
        ("DeployWeb", {"deploy"}),
        ("Install test dependencies", set()),
        ("Upload build artifacts", set()),
    ],
)
def test_names_recognised(name: str, stages: set[str]) -> None:
    assert name_stages(name) == stages


@pytest.mark.parametrize(
    ("uses", "inputs", "stages"),
    [
        ("github/codeql-action/analyze@v3", {}, {"security-scan"}),
        ("github/codeql-action/upload-sarif@v3", {}, set()),  # uploads what others found
        ("snyk/actions/node@master", {}, {"security-scan"}),
        ("snyk/actions/docker@master", {}, {"image-scan"}),
        ("aquasecurity/trivy-action@0.28.0", {"image-ref": "app:1"}, {"image-scan"}),
        ("aquasecurity/trivy-action@0.28.0", {"scan-type": "fs"}, {"security-scan"}),
        ("docker/build-push-action@v6", {}, {"build"}),
        ("docker/login-action@v3", {}, set()),
        ("AzureWebApp@1", {}, {"deploy"}),
        ("azurewebapp/some-action@v1", {}, set()),  # a GitHub owner, not the Azure task
        ("atlassian/aws-ecs-deploy:1.12.1", {}, {"deploy"}),
        ("docker://aquasec/trivy:0.56.2", {}, set()),
    ],
)
def test_actions_recognised(uses: str, inputs: dict[str, str], stages: set[str]) -> None:
    assert action_stages(uses, inputs) == stages


def test_commands_made_from_action_and_task_inputs() -> None:
    assert synthesized_commands("actions-rs/cargo@v1", {"command": "test"}) == ["cargo test "]
    assert synthesized_commands("Docker@2", {"command": "buildAndPush"}) == ["docker build"]
    assert synthesized_commands("docker/setup-buildx-action@v3", {}) == []
    assert synthesized_commands("HelmDeploy@0", {"command": "rollback"}) == ["helm rollback"]


def test_task_targets_and_setup_actions() -> None:
    assert task_target("make test") == "test"
    assert task_target("./scripts/deploy.sh production") == "./scripts/deploy.sh"
    assert task_target("npm run build:prod") == "build:prod"
    assert task_target("kubectl get pods") is None
    assert is_setup("actions/checkout@v4")
    assert is_setup("docker/login-action@v3")
    assert not is_setup("docker/build-push-action@v6")


def test_parsed_mapping_type() -> None:
    assert isinstance(parse_yaml("a: 1\n", "x.yml"), YamlMap)
