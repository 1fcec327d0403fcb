"""Which action references, includes and images of CI pipelines are not pinned immutably."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from golive.checks._ci_model import CiPipelines, Image, Include, Pipeline
from golive.model import Finding, Location

__all__ = ["Pinning", "review_pinning"]

_SHA = re.compile(r"^[0-9a-f]{40}$", re.IGNORECASE)
_SHA_IN_URL = re.compile(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])", re.IGNORECASE)
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$", re.IGNORECASE)


@dataclass(kw_only=True)
class Pinning:
    """What the review found: failures (actions, includes), warnings (images), and counts."""

    failures: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    pinned: int = 0
    local: int = 0
    variable: int = 0  # images named by a variable, chosen when the pipeline runs


def review_pinning(ci: CiPipelines) -> Pinning:
    """Every `uses:`, GitLab `include:` and container image, judged."""
    review = Pinning()
    images: dict[tuple[str, int | None, str], Image] = {}
    for pipeline in ci.of("github", "action"):
        for job in pipeline.jobs:
            if job.uses and job.uses_at:
                _uses(review, pipeline, job.uses, job.uses_at, "reusable workflow")
            for step in job.steps:
                if step.uses:
                    _uses(review, pipeline, step.uses, step.uses_at or step.location, "action")
            images.update({(i.location.path, i.location.line, i.ref): i for i in job.images})
    for pipeline in ci.of("gitlab"):
        for include in pipeline.includes:
            _include(review, include)
        for image in (*pipeline.images, *(i for job in pipeline.jobs for i in job.images)):
            images[(image.location.path, image.location.line, image.ref)] = image
    for image in images.values():
        _image(review, image)
    return review


def _uses(review: Pinning, pipeline: Pipeline, uses: str, where: Location, what: str) -> None:
    uses = uses.strip()
    if uses.startswith("./"):
        review.local += 1
        return
    if uses.startswith("docker://"):
        if _DIGEST.search(uses):
            review.pinned += 1
            return
        _fail(
            review,
            f"{uses}: the image is named by a tag, not pinned by a sha256 digest",
            where,
            "ci.pinned-actions.docker",
            uses,
        )
        return
    name, at, ref = uses.rpartition("@") if "@" in uses else (uses, "", "")
    if at and _SHA.match(ref):
        review.pinned += 1
        return
    problem = (
        f'pinned to "{ref}", a tag or branch that can move, not a full commit SHA'
        if at
        else "has no version at all"
    )
    rule = "ci.pinned-actions.workflow" if what == "reusable workflow" else "ci.pinned-actions"
    _fail(review, f"{what} {name or uses} {problem}", where, rule, uses)


def _include(review: Pinning, include: Include) -> None:
    target = include.target
    if include.kind in {"local", "template"}:
        review.local += 1
        return
    if include.kind == "remote":
        if _SHA_IN_URL.search(target):
            review.pinned += 1
            return
        problem = "has no commit SHA in its URL, so its content can change"
    elif include.kind == "project":
        if include.ref and _SHA.match(include.ref.strip()):
            review.pinned += 1
            return
        problem = (
            f'uses ref "{include.ref}", a tag or branch that can move, not a commit SHA'
            if include.ref
            else "has no ref: it follows the project's default branch"
        )
    else:  # component: path@version
        _, at, version = target.rpartition("@")
        if at and _SHA.match(version):
            review.pinned += 1
            return
        problem = f'is pinned to "{version}", not a commit SHA' if at else "has no version"
    _fail(
        review,
        f"include {include.kind} {target} {problem}",
        include.location,
        f"ci.pinned-actions.include-{include.kind}",
        f"{include.kind}:{target}@{include.ref or ''}",
    )


def _image(review: Pinning, image: Image) -> None:
    if _DIGEST.search(image.ref):
        review.pinned += 1
        return
    if "$" in image.ref:
        review.variable += 1
        return
    review.warnings.append(
        Finding(
            message=f"image {image.ref} is named by a tag, not pinned by a sha256 digest",
            location=image.location,
            rule="ci.pinned-actions.image",
            fingerprint=_fingerprint(image.location.path, image.ref),
        )
    )


def _fail(review: Pinning, message: str, where: Location, rule: str, key: str) -> None:
    review.failures.append(
        Finding(
            message=message,
            location=where,
            rule=rule,
            fingerprint=_fingerprint(where.path, key),
        )
    )


def _fingerprint(path: str, key: str) -> str:
    return hashlib.sha256(f"{path}\0{key}".encode()).hexdigest()[:16]
