"""The shape every Kubernetes check shares: waivable parameters, a judge, one way to end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import Field

from golive.checks._k8s_model import K8sResources, Workload
from golive.checks._k8s_report import Report
from golive.checks.base import Check, CheckParams, not_applicable
from golive.model import Outcome

__all__ = ["Judging", "K8sCheck", "P", "WaiveParams"]


class WaiveParams(CheckParams):
    # pattern (fnmatch on `Kind/namespace/name` or the file's path) -> why it is waived
    waive: dict[str, str] = Field(default_factory=dict)


P = TypeVar("P", bound=WaiveParams)


@dataclass(frozen=True, kw_only=True)
class Judging:
    """What a check judges, and the report it fills (its `facts` too)."""

    report: Report
    k8s: K8sResources
    workloads: tuple[Workload, ...]


class K8sCheck(Check, Generic[P]):
    """Base of the Kubernetes checks (never registered itself: it has no `id`).

    A check of the family names what it judges (`what`), why there may be nothing to judge
    (`nothing`) and what it requires; its `judge` adds findings to a `Report` and returns how many
    subjects it looked at (and facts). Unreadable manifests and unrendered charts turn a pass into
    `unknown`; nothing to judge and nothing unread is `not_applicable`.
    """

    what: ClassVar[str] = "workload(s)"
    nothing: ClassVar[str] = "no workloads in the Kubernetes manifests"
    requirement: ClassVar[str] = ""  # the `required` text, formatted with the parameters

    def required(self, params: P) -> str:
        return self.requirement.format(**params.model_dump())

    # adds findings to `on.report` and returns how many subjects it judged
    judge: ClassVar[staticmethod[[Judging, Any], int]]

    def run(
        self, params: P, k8s_resources: K8sResources, k8s_workloads: tuple[Workload, ...]
    ) -> Outcome:
        report = Report(rule=self.id, waive=params.waive)
        judging = Judging(report=report, k8s=k8s_resources, workloads=k8s_workloads)
        return self.finish(report, params, k8s_resources, self.judge(judging, params))

    def finish(self, report: Report, params: P, k8s: K8sResources, checked: int) -> Outcome:
        gaps = k8s.gaps()
        if checked == 0 and not gaps and not report.entries and not report.undecided:
            return not_applicable(self.nothing)
        return report.outcome(
            checked=checked,
            what=self.what,
            required=self.required(params),
            fix=self.fix,
            gaps=gaps,
            facts=report.facts,
        )
