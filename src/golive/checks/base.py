"""The check contract: what a check declares, what it receives and what it returns.

A check is a small class. Its docstring's first line is its title (and the message users
read); the rest of the docstring explains it in `golive explain`. It declares a stable dotted
`id`, a `kind`, a parameter model, the checks it `requires`, and a `run` method that asks for
its inputs -- fixtures -- by parameter name::

    class ReleaseProfile(Check):
        \"\"\"The release profile enables LTO, one codegen unit, abort on panic and strip.\"\"\"

        id = "rust.release-profile"
        kind = Kind.STATIC

        def run(self, params: NoParams, cargo_workspace: CargoWorkspace) -> Outcome: ...

Ordinary failure is an `Outcome`. A check (or a fixture it asked for) raises `NotApplicable`
or `Unknown` when there is nothing to check or it cannot decide; any other exception means
the check is broken, and the runner marks its item `error`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from golive.model import Finding, Kind, Outcome, Status

__all__ = [
    "Check",
    "CheckParams",
    "Facts",
    "NoParams",
    "NotApplicable",
    "Skip",
    "Unknown",
    "as_evidence",
    "failed",
    "not_applicable",
    "passed",
    "unknown",
    "warned",
]


class CheckParams(BaseModel):
    """Base of every parameter model: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(CheckParams):
    """For checks that take no parameters."""


class Skip(Exception):  # noqa: N818 -- a signal, not an error
    """Raised by a check or a fixture when there is nothing to decide; carries the reason."""

    status: ClassVar[Status]

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotApplicable(Skip):
    """Nothing to check here (no Cargo.toml for a Rust check)."""

    status = Status.NOT_APPLICABLE


class Unknown(Skip):
    """Could not decide: a tool is missing, dependencies cannot be fetched offline, ..."""

    status = Status.UNKNOWN


class Check:
    """Base class of all checks. Subclasses set `id` and `kind` and define `run`."""

    id: ClassVar[str]
    kind: ClassVar[Kind]
    Params: ClassVar[type[CheckParams]] = NoParams
    requires: ClassVar[frozenset[str]] = frozenset()
    timeout: ClassVar[float] = 60.0  # seconds; tool checks raise it
    aliases: ClassVar[tuple[str, ...]] = ()  # former ids, kept forever
    fix: ClassVar[str | None] = None  # the usual remediation, shown with a failure
    # True: runs alone, after every other check, because what it does (a burst of requests)
    # would disturb what the others observe.
    exclusive: ClassVar[bool] = False
    # Live checks: the consent their probes need ("passive", "active" or "load") and what they
    # send, shown by `golive check --live --dry-run` before anything is sent.
    consent: ClassVar[str | None] = None
    traffic: ClassVar[str] = ""

    @classmethod
    def title(cls) -> str:
        doc = inspect.getdoc(cls) or cls.id
        return doc.strip().splitlines()[0]

    @classmethod
    def plan(cls, params: CheckParams) -> str:
        """What the check would send with `params`, for a dry run (`traffic` by default)."""
        return cls.traffic

    @classmethod
    def consent_for(cls, params: CheckParams) -> str | None:
        """The consent the check's probes need with `params` (`consent` by default)."""
        return cls.consent

    @classmethod
    def description(cls) -> str:
        doc = inspect.getdoc(cls) or ""
        _, _, rest = doc.partition("\n")
        return inspect.cleandoc(rest)

    @property
    def family(self) -> str:
        return self.id.partition(".")[0]

    @classmethod
    def fixture_names(cls) -> tuple[str, ...]:
        """The fixtures `run` asks for, in order (every parameter but `self` and `params`)."""
        signature = inspect.signature(cls.run)
        return tuple(name for name in signature.parameters if name not in {"self", "params"})

    # Subclasses define `run(self, params: <their Params>, <fixture>: <type>, ...)`.
    def run(self, *args: Any, **kwargs: Any) -> Outcome:
        raise NotImplementedError(f"{type(self).__name__} does not define run()")


# --- outcome helpers: the ordinary endings of a check ------------------------------------------


Facts = Mapping[str, str | int | float | bool]


class Ending(Protocol):
    """The signature of `passed`, `failed`, `warned`, `unknown` and `not_applicable`."""

    def __call__(
        self,
        summary: str,
        *,
        observed: str | None = None,
        required: str | None = None,
        findings: Iterable[Finding] = (),
        remediation: str | None = None,
        facts: Facts | None = None,
    ) -> Outcome: ...


def _ending(status: Status) -> Ending:
    def make(
        summary: str,
        *,
        observed: str | None = None,
        required: str | None = None,
        findings: Iterable[Finding] = (),
        remediation: str | None = None,
        facts: Facts | None = None,
    ) -> Outcome:
        return Outcome(
            status=status,
            summary=summary,
            observed=observed,
            required=required,
            findings=tuple(findings),
            remediation=remediation,
            facts=dict(facts or {}),
        )

    make.__name__ = status.value
    return make


passed = _ending(Status.PASS)
failed = _ending(Status.FAIL)
warned = _ending(Status.WARN)
unknown = _ending(Status.UNKNOWN)
not_applicable = _ending(Status.NOT_APPLICABLE)


def as_evidence(findings: Iterable[Finding]) -> list[Finding]:
    """`findings` marked as what was seen to hold: listed beside an outcome's problems, never
    counted among them."""
    return [dataclasses.replace(f, evidence=True) for f in findings]
