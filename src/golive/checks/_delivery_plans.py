"""Every progressive rollout of the repository, and the files of rollouts golive cannot judge."""

from __future__ import annotations

import re
from collections.abc import Iterator

from golive.checks._delivery_argo import ArgoReader
from golive.checks._delivery_flagger import FlaggerReader
from golive.checks._delivery_model import BlueGreenPlan, CanaryPlan, DeliveryPlans, Unjudged
from golive.checks._manifests import Manifests, Resource
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["load_plans"]

_KIND = re.compile(r"^[ \t-]*kind:[ \t]*[\"']?(Rollout|Canary)[\"']?[ \t]*(?:#.*)?$", re.MULTILINE)
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".json")


def load_plans(manifests: Manifests, repo: Repository) -> DeliveryPlans:
    argo = ArgoReader(manifests)
    flagger = FlaggerReader(manifests)
    canaries: list[CanaryPlan] = []
    blue_greens: list[BlueGreenPlan] = []
    ab_tests: list[Resource] = []
    for plan in (*argo.rollouts(), *flagger.canaries()):
        match plan:
            case CanaryPlan():
                canaries.append(plan)
            case BlueGreenPlan():
                blue_greens.append(plan)
            case Resource():
                ab_tests.append(plan)
    managed = argo.managed() | flagger.targets()
    deployments = sum(1 for d in manifests.of_kind("Deployment") if d.name not in managed)
    return DeliveryPlans(
        canaries=tuple(canaries),
        blue_greens=tuple(blue_greens),
        ab_tests=tuple(ab_tests),
        unjudged=tuple(_unjudged(manifests, repo)),
        deployments=deployments,
        templates=argo.templates + flagger.templates,
    )


def _unjudged(manifests: Manifests, repo: Repository) -> Iterator[Unjudged]:
    for problem in manifests.unreadable:
        text = repo.text(problem.path) or ""
        reason = f"cannot be read ({problem.reason})"
        for strategy, _ in _strategies(problem.path, text):
            yield Unjudged(
                path=problem.path, strategy=strategy, reason=reason, location=problem.location
            )
    for chart in manifests.charts:
        prefix = f"{chart}/" if chart else ""
        for path in repo.files:
            if not path.startswith(prefix) or not path.endswith(_TEMPLATE_SUFFIXES):
                continue
            content = repo.text(path)
            if not content or "kind" not in content:
                continue
            reason = f"is a template of the Helm chart {chart or '.'}, which golive does not render"
            for strategy, where in _strategies(path, content):
                yield Unjudged(path=path, strategy=strategy, reason=reason, location=where)


def _strategies(path: str, text: str) -> list[tuple[str, Location]]:
    """Which strategies the rollouts written in `text` use, told from the text alone."""
    found: dict[str, Location] = {}
    for match in _KIND.finditer(text):
        where = Location(path=path, line=text.count("\n", 0, match.start()) + 1)
        if match.group(1) == "Rollout":
            named = [
                strategy
                for strategy, key in (("canary", "canary"), ("blue-green", "blueGreen"))
                if re.search(rf"^\s*{key}\s*:", text, re.MULTILINE)
            ]
        elif re.search(r"^\s*stepWeights?\s*:", text, re.MULTILINE):
            named = ["canary"]
        elif re.search(r"^\s*match\s*:", text, re.MULTILINE):
            named = []  # an A/B test
        elif re.search(r"^\s*iterations\s*:", text, re.MULTILINE):
            named = ["blue-green"]
        else:
            named = []
        for strategy in named or (["canary", "blue-green"] if match.group(1) == "Rollout" else []):
            found.setdefault(strategy, where)
    return list(found.items())
