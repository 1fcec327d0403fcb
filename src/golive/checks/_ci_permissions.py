"""Judging the `permissions:` of GitHub workflows, and the pwn-request pattern."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from golive.checks._ci_model import CiPipelines, Job, Permissions, Pipeline, Step
from golive.checks._ci_rules import name_stages
from golive.checks._ci_stages import deploying_jobs
from golive.model import Finding, Location

__all__ = ["SCOPES", "PermissionReview", "review_permissions"]

SCOPES = frozenset(
    {
        "actions",
        "attestations",
        "checks",
        "contents",
        "deployments",
        "discussions",
        "id-token",
        "issues",
        "models",
        "packages",
        "pages",
        "pull-requests",
        "repository-projects",
        "security-events",
        "statuses",
    }
)
_ACCESS = frozenset({"read", "write", "none"})
_RELEASE_WORDS = frozenset({"release", "releases", "publish", "deploy", "deployment", "pages"})
# Actions and commands that evidently need a write scope, and which.
_ACTION_NEEDS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (prefix, frozenset(scopes.split()))
    for prefix, scopes in (
        ("actions/deploy-pages", "pages id-token"),
        ("actions/attest", "id-token attestations"),
        ("actions/attest-build-provenance", "id-token attestations"),
        ("actions/attest-sbom", "id-token attestations"),
        ("aws-actions/configure-aws-credentials", "id-token"),
        ("google-github-actions/auth", "id-token"),
        ("azure/login", "id-token"),
        ("hashicorp/vault-action", "id-token"),
        ("pypa/gh-action-pypi-publish", "id-token"),
        ("sigstore/", "id-token"),
        ("softprops/action-gh-release", "contents"),
        ("ncipollo/release-action", "contents"),
        ("googleapis/release-please-action", "contents pull-requests issues"),
        ("google-github-actions/release-please-action", "contents pull-requests issues"),
        ("changesets/action", "contents pull-requests"),
        ("peter-evans/create-pull-request", "contents pull-requests"),
        ("stefanzweifel/git-auto-commit-action", "contents"),
        ("docker/login-action", "packages"),
        ("docker/build-push-action", "packages"),
        ("github/codeql-action", "security-events"),
        ("ossf/scorecard-action", "security-events id-token"),
        ("actions/dependency-review-action", "pull-requests"),
        ("marocchino/sticky-pull-request-comment", "pull-requests"),
        ("thollander/actions-comment-pull-request", "pull-requests"),
        ("actions/labeler", "pull-requests"),
        ("actions/stale", "issues pull-requests"),
        ("dorny/test-reporter", "checks"),
        ("enricomi/publish-unit-test-result-action", "checks pull-requests"),
        ("mikepenz/action-junit-report", "checks"),
        ("actions/github-script", "actions checks deployments issues pull-requests statuses"),
    )
)
_COMMAND_NEEDS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(pattern), frozenset(scopes.split()))
    for pattern, scopes in (
        (r"\bgh\s+release\b|\bgit\s+push\b|semantic-release|goreleaser|\bgit\s+tag\b", "contents"),
        (r"ghcr\.io|\bnpm\s+publish\b|docker\s+push", "packages"),
        (r"\bgh\s+pr\s+(?:comment|review|edit|merge|create)\b", "pull-requests"),
        (r"\bgh\s+issue\b", "issues"),
        (r"\bcosign\s+(?:sign|attest)\b", "id-token"),
        (r"\bgh\s+workflow\s+run\b", "actions"),
    )
)
_UNTRUSTED_REF = re.compile(
    r"github\.event\.pull_request\.(?:head|merge_commit_sha)|github\.head_ref|refs/pull/"
    r"|github\.event\.workflow_run\.head_(?:sha|branch)"
)
_UNTRUSTED_CHECKOUT = re.compile(r"\bgh\s+pr\s+checkout\b|\bgit\s+fetch\b.*\bpull/")
_UNTRUSTED_EVENTS = ("pull_request_target", "workflow_run")


@dataclass(kw_only=True)
class PermissionReview:
    """Failures, warnings and counts of one review of the workflows' permissions."""

    failures: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    workflows: int = 0
    jobs: int = 0
    declared: int = 0  # jobs whose token permissions are declared (theirs or the workflow's)
    inherited: int = 0  # workflows only called by others, which take the caller's permissions


def review_permissions(ci: CiPipelines) -> PermissionReview:
    review = PermissionReview()
    deployers = deploying_jobs(ci)
    for pipeline in ci.of("github"):
        review.workflows += 1
        review.jobs += len(pipeline.jobs)
        _untrusted_checkout(review, pipeline)
        called_only = set(pipeline.triggers) == {"workflow_call"}
        top = pipeline.permissions
        if top is not None:
            _judge(review, top, "the workflow")
        elif called_only:
            review.inherited += 1
        needy: dict[str, list[str]] = {}  # top-level write scope -> jobs that do not need it
        for job in pipeline.jobs:
            justified = _justified(job, (pipeline.path, job.id) in deployers)
            if job.permissions is not None:
                review.declared += 1
                _judge(review, job.permissions, f"job '{job.id}'", justified)
            elif top is not None:
                review.declared += 1
                for scope in top.writes:
                    if scope not in justified:
                        needy.setdefault(scope, []).append(job.id)
            elif not called_only:
                _add(
                    review.failures,
                    f"job '{job.id}' declares no permissions, and neither does the workflow: "
                    "it gets the repository's default token, which can write",
                    job.location,
                    "ci.permissions.missing",
                )
        for scope, jobs in needy.items():
            assert top is not None
            _add(
                review.warnings,
                f"{scope}: write at the workflow level reaches job(s) that do not evidently "
                f"need it ({', '.join(jobs)}); grant it only to the jobs that do",
                top.scope_at.get(scope, top.location),
                "ci.permissions.write-scope",
            )
    return review


def _judge(
    review: PermissionReview,
    permissions: Permissions,
    owner: str,
    justified: frozenset[str] | None = None,
) -> None:
    where = permissions.location
    if permissions.preset == "write-all":
        _add(review.failures, f"{owner} grants write-all", where, "ci.permissions.write-all")
        return
    if permissions.preset not in {None, "read-all"}:
        message = f'{owner}: "{permissions.preset}" is not read-all, write-all or a mapping'
        _add(review.failures, message, where, "ci.permissions.invalid")
        return
    for scope, access in permissions.scopes.items():
        at = permissions.scope_at.get(scope, where)
        if scope not in SCOPES or access not in _ACCESS:
            message = f"{owner}: {scope}: {access} is not a permission GitHub knows"
            _add(review.failures, message, at, "ci.permissions.invalid")
        elif access == "write" and justified is not None and scope not in justified:
            message = (
                f"{owner} asks for {scope}: write but does not evidently need it "
                "(no deploy, release or publish, and no step known to need it)"
            )
            _add(review.warnings, message, at, "ci.permissions.write-scope")


def _justified(job: Job, deploys: bool) -> frozenset[str]:
    """The write scopes `job` evidently needs; every scope for deploy and release jobs."""
    words = set(re.split(r"[^a-z0-9]+", f"{job.id} {job.name}".lower()))
    if deploys or words & _RELEASE_WORDS or "deploy" in name_stages(job.name):
        return SCOPES
    needed: set[str] = set()
    for step in job.steps:
        needed |= _step_needs(step)
    return frozenset(needed)


def _step_needs(step: Step) -> set[str]:
    needed: set[str] = set()
    if step.uses:
        name = step.uses.lower().partition("@")[0]
        for prefix, scopes in _ACTION_NEEDS:
            if name == prefix.rstrip("/") or name.startswith(prefix.rstrip("/") + "/"):
                needed |= scopes
    for script in step.scripts:
        for pattern, scopes in _COMMAND_NEEDS:
            if pattern.search(script.text):
                needed |= scopes
    return needed


def _untrusted_checkout(review: PermissionReview, pipeline: Pipeline) -> None:
    events = [event for event in _UNTRUSTED_EVENTS if event in pipeline.triggers]
    if not events:
        return
    for job in pipeline.jobs:
        for step in job.steps:
            ref = step.inputs.get("ref", "") if _is_checkout(step) else ""
            run = " ".join(script.text for script in step.scripts)
            in_run = _UNTRUSTED_CHECKOUT.search(run) or (
                _UNTRUSTED_REF.search(run) and "checkout" in run
            )
            if _UNTRUSTED_REF.search(ref) or in_run:
                _add(
                    review.failures,
                    f"job '{job.id}' checks out untrusted pull request code in a "
                    f"{events[0]} workflow, which runs with secrets and a write token",
                    step.uses_at or step.location,
                    f"ci.permissions.{events[0].replace('_', '-')}",
                )


def _is_checkout(step: Step) -> bool:
    return (step.uses or "").lower().partition("@")[0] == "actions/checkout"


def _add(findings: list[Finding], message: str, where: Location, rule: str) -> None:
    findings.append(Finding(message=message, location=where, rule=rule))
