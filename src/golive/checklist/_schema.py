"""The file format of profiles and of a service's golive.toml, as strict pydantic models.

Both files share the `[sections]` and `[items]` tables; a profile adds `[profile]`, a
service file adds `[service]`, `[policy]` and `[targets]`. Unknown keys are errors.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from golive.model import Binding, Level, Match, UnknownPolicy
from golive.thresholds import Dimension, parse_duration, parse_quantity

__all__ = [
    "ID_PATTERN",
    "AttestSpec",
    "CheckDefaultsSpec",
    "CheckSpec",
    "ItemSpec",
    "PolicySpec",
    "ProfileFile",
    "ProfileSpec",
    "ScannerSpec",
    "SectionSpec",
    "ServiceFile",
    "ServiceSpec",
    "TargetSpec",
]

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")


def _id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(
            f'"{value}" is not a valid id; use lower-case words with dashes, joined by dots '
            '(e.g. "security.transport.tls")'
        )
    return value


def _duration_text(value: str) -> str:
    parse_duration(value)  # raises a ThresholdError naming the problem
    return value


def _rate_text(value: str) -> str:
    parse_quantity(value, dimension=Dimension.RATE)  # "500 req/s", "30k req/min"
    return value


def _reason(value: str) -> str:
    if not value.strip():
        raise ValueError("disabling an item needs a reason")
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f'"{value}" is not an http(s) URL with a host')
    return value


Id = Annotated[str, AfterValidator(_id)]
DurationText = Annotated[str, AfterValidator(_duration_text)]
RateText = Annotated[str, AfterValidator(_rate_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionSpec(_Strict):
    title: str


class AttestSpec(_Strict):
    role: str = Field(min_length=1)
    expires: DurationText


class CheckSpec(_Strict):
    id: Id


def _check_entry(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


class ItemSpec(_Strict):
    """An item of a profile, or an override of one in a service file."""

    title: str | None = None
    section: Id | None = None
    level: Level | None = None
    checks: list[Annotated[CheckSpec, BeforeValidator(_check_entry)]] | None = None
    match: Match | None = None
    with_: dict[str, Any] | None = Field(default=None, alias="with")
    attest: AttestSpec | None = None
    disabled: Annotated[str, AfterValidator(_reason)] | None = None
    why: str | None = None
    origin: list[str] | None = None
    timeout: DurationText | None = None


class CheckDefaultsSpec(_Strict):
    """Settings for every use of one check: parameters (an item's own win) and a timeout."""

    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    timeout: DurationText | None = None


class ScannerSpec(_Strict):
    """How another scanner's findings count: its rules, mapped onto the items they verify."""

    report: str | None = None  # a report file, directory or glob; default: the usual places
    max_age: DurationText | None = None  # an older report is stale
    # item id -> the scanner's rule ids (or globs) whose findings count against that item
    items: dict[Id, Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]] = (
        Field(default_factory=dict)
    )


class ProfileSpec(_Strict):
    name: Id
    title: str
    version: str = "1"
    description: str | None = None
    extends: list[str] = Field(default_factory=list)


# Items are validated one by one (see ItemSpec), so one bad item does not hide the others.
RawItems = dict[Id, dict[str, Any]]


class ProfileFile(_Strict):
    profile: ProfileSpec
    sections: dict[Id, SectionSpec] = Field(default_factory=dict)
    items: RawItems = Field(default_factory=dict)
    checks: dict[Id, CheckDefaultsSpec] = Field(default_factory=dict)
    scanners: dict[str, ScannerSpec] = Field(default_factory=dict)
    # "a" = "b": item a (inherited) is the same requirement as b and is folded into it.
    # "a" = ["b", "c"]: b and c together cover a; a's origin and level carry over to both.
    merge: dict[Id, Id | list[Id]] = Field(default_factory=dict)


def _endpoint(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f'"{value}" is not a path; write it as "/healthz"')
    return value


Endpoint = Annotated[str, AfterValidator(_endpoint)]


class HealthSpec(_Strict):
    """The service's health endpoints, as its probes and live checks should find them."""

    liveness: Endpoint | None = None
    readiness: Endpoint | None = None


class RecoverySpec(_Strict):
    """The recovery objectives the service commits to."""

    rto: DurationText | None = None
    rpo: DurationText | None = None


class ServiceSpec(_Strict):
    name: str | None = None
    version: str | None = None  # what sign-offs bind to under `binding = "version"`
    profiles: list[str] = Field(default_factory=lambda: ["production"], min_length=1)
    # gitignore-style patterns of paths the review leaves out: test fixtures, vendored code
    exclude: list[str] = Field(default_factory=list)
    health: HealthSpec = Field(default_factory=HealthSpec)
    recovery: RecoverySpec = Field(default_factory=RecoverySpec)


class PolicySpec(_Strict):
    unknown: UnknownPolicy = UnknownPolicy.BLOCK
    strict: bool = False
    # what a sign-off must have been made for: the service, its version, or the very commit
    binding: Binding = Binding.SERVICE
    # roles whose signature a waiver of a must item needs
    approvers: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=lambda: ["approver"], min_length=1
    )
    warn_before: DurationText = "14d"  # sign-offs and waivers this close to their end warn
    max_waiver: DurationText = "90d"  # longer waivers are listed as over-broad


class TargetSpec(_Strict):
    url: Annotated[str, AfterValidator(_url)]
    allow_private: bool = False
    consent: Literal["passive", "active", "load"] = "passive"
    environment: str | None = None
    ca: str | None = None
    token_env: str | None = None
    auth_scheme: str = "Bearer"
    default: bool = False
    max_rate: RateText | None = None
    confirm_production: bool = False


class ServiceFile(_Strict):
    service: ServiceSpec = Field(default_factory=ServiceSpec)
    policy: PolicySpec = Field(default_factory=PolicySpec)
    targets: dict[Id, TargetSpec] = Field(default_factory=dict)
    sections: dict[Id, SectionSpec] = Field(default_factory=dict)
    items: RawItems = Field(default_factory=dict)
    checks: dict[Id, CheckDefaultsSpec] = Field(default_factory=dict)
    scanners: dict[str, ScannerSpec] = Field(default_factory=dict)

    @field_validator("targets")
    @classmethod
    def _one_default(cls, targets: dict[str, TargetSpec]) -> dict[str, TargetSpec]:
        defaults = [name for name, target in targets.items() if target.default]
        if len(defaults) > 1:
            raise ValueError(f"only one target may be the default (marked: {', '.join(defaults)})")
        return targets
