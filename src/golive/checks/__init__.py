"""Checks: the contract every check follows, the registry, fixtures, and the built-in families.

A third-party check subclasses `Check`, asks for fixtures by parameter name, returns an
`Outcome` (built with `passed`, `failed`, `warned`, `unknown`, `not_applicable`), and is
registered through the `golive.checks` entry-point group.
"""

from golive.checks.base import (
    Check,
    CheckParams,
    NoParams,
    NotApplicable,
    Skip,
    Unknown,
    failed,
    not_applicable,
    passed,
    unknown,
    warned,
)
from golive.checks.registry import PlannedCheck, Registry, RegistryError
from golive.checks.repository import Repository

__all__ = [
    "Check",
    "CheckParams",
    "NoParams",
    "NotApplicable",
    "PlannedCheck",
    "Registry",
    "RegistryError",
    "Repository",
    "Skip",
    "Unknown",
    "failed",
    "not_applicable",
    "passed",
    "unknown",
    "warned",
]
