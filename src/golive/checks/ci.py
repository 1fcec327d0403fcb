"""CI/CD pipelines: stages present, third-party actions pinned, least-privilege permissions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import Field

from golive.checks._ci_load import load_pipelines
from golive.checks._ci_model import CiPipelines
from golive.checks._ci_permissions import review_permissions
from golive.checks._ci_pinning import review_pinning
from golive.checks._ci_rules import STAGES
from golive.checks._ci_stages import Evidence, detect_stages
from golive.checks.base import (
    Check,
    CheckParams,
    Facts,
    NoParams,
    failed,
    not_applicable,
    passed,
    unknown,
    warned,
)
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Outcome

__all__ = ["FIXTURES", "PinnedActions", "Stage", "StageParams", "WorkflowPermissions"]

_PER_STAGE = 3  # places shown for each stage found
_CODE_SUFFIXES = frozenset(
    {"py", "rs", "go", "js", "mjs", "cjs", "ts", "tsx", "jsx", "java", "kt", "kts", "scala", "rb"}
    | {"php", "cs", "fs", "c", "cc", "cpp", "h", "hpp", "swift", "ex", "exs", "erl", "hs", "ml"}
    | {"clj", "dart", "lua", "pl", "sh", "tf"}
)
_MANIFESTS = frozenset(
    {"dockerfile", "containerfile", "cargo.toml", "pyproject.toml", "setup.py", "package.json"}
    | {"go.mod", "pom.xml", "build.gradle", "build.gradle.kts", "gemfile", "makefile"}
)
_VENDORED = frozenset({"node_modules", "vendor", "third_party", "target", "dist", "build", ".venv"})
_EXAMPLES = {
    "tests": "pytest, cargo test, go test, npm test, mvn test, tox, nox",
    "lint": "ruff, flake8, clippy, cargo fmt --check, eslint, golangci-lint, pre-commit",
    "security-scan": "pip-audit, cargo audit/deny, npm audit, bandit, semgrep, CodeQL, trivy fs",
    "image-scan": "trivy image, grype, docker scout, snyk container, anchore/scan-action",
    "build": "cargo build --release, python -m build, docker build, build-push-action",
    "deploy": "kubectl apply, helm upgrade, terraform apply, fly deploy, an environment",
    "rollback": "kubectl rollout undo, helm rollback, a manual rollback job that deploys",
    "verify": "after a deploy: curl .../health, kubectl rollout status, golive check --live",
}


def ci_pipelines(repo: Repository) -> CiPipelines:
    """Every CI configuration of the repository: GitHub Actions, GitLab CI, Azure, CircleCI,
    Bitbucket and Jenkinsfiles, parsed into jobs and steps (unreadable files as findings)."""
    return load_pipelines(repo)


FIXTURES: Mapping[str, Callable[..., Any]] = {"ci_pipelines": ci_pipelines}


class StageParams(CheckParams):
    stage: str | None = None  # one stage
    stages: list[str] = Field(default_factory=list)  # or several, all required


class Stage(Check):
    """The CI pipeline has the given stage.

    A stage is recognised from what the jobs run, not from names alone: the commands of their
    scripts (`cargo nextest run`, `trivy image`, `helm upgrade`), the actions, tasks and
    templates they use (`docker/build-push-action`, `Jobs/SAST.gitlab-ci.yml`), task runners
    and scripts named after the stage (`make test`, `./scripts/deploy.sh`), and a job or
    step named after the stage when it also runs a command. A job with a deployment
    environment that does something deploys; a manually started job named rollback that
    deploys rolls back; verify counts only after a deploy (later in the job, a job that needs
    the deploy, a later stage, or a workflow started by a deployment). Stages: tests, lint,
    security-scan, image-scan, build, deploy, rollback, verify. Reads GitHub Actions, GitLab CI
    (with local includes), Azure Pipelines, CircleCI, Bitbucket Pipelines and Jenkinsfiles.
    """

    id = "ci.stage"
    kind = Kind.STATIC
    Params = StageParams
    fix = "Add a CI job that runs the missing stage; docs/ci.md lists what golive recognises."

    def run(self, params: StageParams, repo: Repository, ci_pipelines: CiPipelines) -> Outcome:
        wanted = list(dict.fromkeys([*([params.stage] if params.stage else []), *params.stages]))
        valid = ", ".join(STAGES)
        if not wanted:
            return unknown(f"no stage was asked for: set `stage` or `stages` to one of {valid}")
        invalid = [stage for stage in wanted if stage not in STAGES]
        if invalid:
            return unknown(f"unknown stage(s) {', '.join(invalid)}; the stages are {valid}")
        ci = ci_pipelines
        problems = ci.unreadable_in(*ci.systems)
        pipelines = [p for p in ci.pipelines if p.system != "action"]  # used by workflows
        if not pipelines and not problems:
            if not _has_code(repo):
                return not_applicable("the repository has no code and no CI configuration")
            return failed(
                "no CI pipeline found",
                required=f"a CI pipeline with {', '.join(wanted)}",
                remediation="Add a CI pipeline (.github/workflows/ci.yml or .gitlab-ci.yml) "
                f"that runs {', '.join(wanted)}.",
            )
        if not pipelines:
            return unknown(
                f"no CI configuration could be read ({len(problems)} file(s))",
                findings=problems,
            )
        evidence = detect_stages(ci)
        found: dict[str, list[Evidence]] = defaultdict(list)
        early: dict[str, list[Evidence]] = defaultdict(list)
        for item in evidence:
            (found if item.after_deploy else early)[item.stage].append(item)
        facts: Facts = {
            "pipelines": len(pipelines),
            "jobs": sum(len(p.jobs) for p in pipelines),
            "unreadable": len(problems),
            **{f"found.{stage}": len(found[stage]) for stage in STAGES},
        }
        missing = [stage for stage in wanted if not found[stage]]
        present = [stage for stage in wanted if found[stage]]
        observed = "found: " + (
            ", ".join(f"{stage} ({len(found[stage])})" for stage in present) or "none"
        )
        shown = [f for stage in present for f in _places(stage, found[stage])]
        if missing and problems:
            return unknown(
                f"no {', '.join(missing)} stage in the files golive could read; "
                f"{len(problems)} file(s) could not be read",
                observed=observed,
                findings=[*problems, *shown],
                facts=facts,
            )
        if missing:
            return failed(
                f"no {', '.join(missing)} stage in the CI pipeline",
                observed=observed,
                required="stages: " + ", ".join(wanted),
                findings=[
                    *(_missing(stage, early[stage]) for stage in missing),
                    *(_places(stage, found[stage])[0] for stage in present),
                ],
                remediation=self.fix,
                facts=facts,
            )
        if len(wanted) == 1:
            first = _best(found[wanted[0]])[0]
            summary = f"{wanted[0]}: {first.how} ({first.location})"
        else:
            summary = f"the pipeline has every stage asked for: {', '.join(wanted)}"
        return passed(summary, observed=observed, findings=shown, facts=facts)


class PinnedActions(Check):
    """Third-party CI actions are pinned by commit SHA.

    Every `uses: owner/repo[/path]@ref` of the GitHub workflows and local composite actions
    (steps, and reusable workflows called by jobs) must name a full 40-character commit SHA;
    first-party `actions/*` and `github/*` too, the strict reading of GitHub's hardening
    guide. Local actions (`./...`) are fine; `docker://` images need a sha256 digest. GitLab:
    `include: remote` needs a commit SHA in its URL, `include: project` a `ref:` that is a
    commit SHA, `include: component` a SHA version. Container images named by tag alone
    (GitLab `image:`/`services:`, GitHub `container:`/`services:`) are warnings.
    """

    id = "ci.pinned-actions"
    kind = Kind.STATIC
    fix = (
        "Pin each action to the full commit SHA of a release, with the tag as a comment "
        "(`uses: actions/checkout@<sha> # v4.2.2`); let Dependabot or Renovate update them."
    )

    def run(self, params: NoParams, ci_pipelines: CiPipelines) -> Outcome:
        ci = ci_pipelines
        checked = ci.of("github", "action", "gitlab")
        problems = ci.unreadable_in("github", "action", "gitlab")
        if not checked and not problems:
            others = sorted(ci.systems)
            return not_applicable(
                "no GitHub Actions workflows or GitLab CI configuration"
                + (f" ({', '.join(others)} pipelines are not checked)" if others else "")
            )
        if not checked:
            return unknown("no workflow could be read", findings=problems)
        review = review_pinning(ci)
        unpinned = len(review.failures)
        total = review.pinned + unpinned
        facts: Facts = {
            "pinned": review.pinned,
            "unpinned": unpinned,
            "local": review.local,
            "images_by_tag": len(review.warnings),
            "images_by_variable": review.variable,
            "unreadable": len(problems),
        }
        observed = f"{review.pinned} of {total} reference(s) pinned"
        required = "a full commit SHA (a sha256 digest for images)"
        findings = [*review.failures, *problems, *review.warnings]
        if unpinned:
            return failed(
                f"{unpinned} action or include reference(s) are not pinned to a commit SHA",
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if problems:
            return unknown(
                f"{len(problems)} CI file(s) could not be read; the rest are pinned",
                findings=findings,
                facts=facts,
            )
        if review.warnings:
            return warned(
                f"{len(review.warnings)} image(s) are named by tag, not pinned by digest; "
                "actions and includes are pinned",
                observed=observed,
                required=required,
                findings=findings,
                remediation="Pin images by digest (`image: rust:1.82@sha256:...`).",
                facts=facts,
            )
        return passed(
            f"every reference is pinned ({total} by commit SHA or digest)"
            if total
            else "no third-party actions, remote includes or images are used",
            observed=observed,
            facts=facts,
        )


class WorkflowPermissions(Check):
    """CI workflow permissions are least-privilege.

    Every GitHub workflow declares `permissions:` at the top level, or on every job (a
    workflow only called by others takes its caller's). `write-all` fails; `read-all`, `{}`
    and explicit scopes are fine. A write scope is a warning unless the job evidently needs it:
    the job deploys, releases or publishes (by what it runs or its name), or a step is known
    to need that scope (`docker/login-action` packages, `aws-actions/configure-aws-credentials`
    id-token, `softprops/action-gh-release` contents, ...). A `pull_request_target` or
    `workflow_run` workflow that checks out the pull request's code fails: untrusted code then
    runs with secrets and a write token. GitLab CI has no token scopes in its file.
    """

    id = "ci.permissions"
    kind = Kind.STATIC
    fix = (
        "Add `permissions: contents: read` at the top of each workflow and grant write scopes "
        "only on the jobs that need them."
    )

    def run(self, params: NoParams, ci_pipelines: CiPipelines) -> Outcome:
        ci = ci_pipelines
        workflows = ci.of("github")
        problems = ci.unreadable_in("github")
        if not workflows and not problems:
            if "gitlab" in ci.systems:
                return not_applicable(
                    "GitLab CI only: a GitLab job token's access is set in the project's "
                    "settings (CI/CD > Job token permissions), not in .gitlab-ci.yml"
                )
            return not_applicable("no GitHub Actions workflows")
        if not workflows:
            return unknown("no workflow could be read", findings=problems)
        review = review_permissions(ci)
        facts: Facts = {
            "workflows": review.workflows,
            "jobs": review.jobs,
            "jobs_declared": review.declared,
            "workflows_inheriting": review.inherited,
            "failures": len(review.failures),
            "warnings": len(review.warnings),
            "unreadable": len(problems),
        }
        observed = f"{review.declared} of {review.jobs} job(s) with declared permissions"
        findings = [*review.failures, *problems, *review.warnings]
        if review.failures:
            return failed(
                f"{len(review.failures)} permission problem(s) in the workflows",
                observed=observed,
                required="declared, least-privilege permissions",
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if problems:
            return unknown(
                f"{len(problems)} workflow(s) could not be read; the rest are least-privilege",
                findings=findings,
                facts=facts,
            )
        if review.warnings:
            return warned(
                f"{len(review.warnings)} write scope(s) that no step evidently needs",
                observed=observed,
                findings=findings,
                remediation="Move write scopes to the jobs that need them, or drop them.",
                facts=facts,
            )
        return passed(
            f"all {review.workflows} workflow(s) declare least-privilege permissions",
            observed=observed,
            facts=facts,
        )


def _best(items: list[Evidence]) -> list[Evidence]:
    """Evidence from commands before evidence through names, in file order."""
    return sorted(items, key=lambda e: (e.named, e.location.path, e.location.line or 0))


def _places(stage: str, items: list[Evidence]) -> list[Finding]:
    return [
        Finding(
            message=f"{stage}: {item.how}",
            location=item.location,
            rule=f"ci.stage.{stage}",
            evidence=True,
        )
        for item in _best(items)[:_PER_STAGE]
    ]


def _missing(stage: str, early: list[Evidence]) -> Finding:
    message = f"{stage}: nothing runs it (recognised: {_EXAMPLES[stage]})"
    if early:
        first = _best(early)[0]
        message = (
            f"{stage}: {first.how}, but not after a deploy "
            "(it needs the deploy job, or runs later in the same job)"
        )
        return Finding(message=message, location=first.location, rule=f"ci.stage.{stage}")
    return Finding(message=message, rule=f"ci.stage.{stage}")


def _has_code(repo: Repository) -> bool:
    for path in repo.files:
        *dirs, name = path.lower().split("/")
        if any(d in _VENDORED for d in dirs):
            continue
        if name in _MANIFESTS or (name.rpartition(".")[2] in _CODE_SUFFIXES and "." in name):
            return True
    return False
