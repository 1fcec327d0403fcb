"""The API surfaces of a repository (OpenAPI documents, Rust libraries, Python packages), each
judged against its own bar for `docs.api`."""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field

from golive.checks._doctopics_openapi import check_document, find_documents
from golive.checks._doctopics_pyapi import python_api
from golive.checks._doctopics_rustdoc import rust_api
from golive.checks.repository import Repository
from golive.model import Finding, Status
from golive.thresholds import Threshold

__all__ = ["Surface", "openapi_surface", "python_surface", "rust_surface"]


@dataclass(frozen=True, kw_only=True)
class Surface:
    """One kind of API and how well it is documented."""

    name: str
    status: Status  # PASS, FAIL or UNKNOWN
    summary: str  # what matters, in a few words
    observed: str  # what was measured
    required: str
    findings: tuple[Finding, ...] = ()
    facts: dict[str, str | int | float | bool] = field(default_factory=dict)


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def openapi_surface(repo: Repository, given: str | None) -> Surface | None:
    """Every OpenAPI document (or the one the checklist names): valid, operations described."""
    paths = [posixpath.normpath(given).strip("/")] if given else find_documents(repo)
    reports = [check_document(repo, path, given=bool(given)) for path in paths]
    reports = [report for report in reports if not report.skipped]
    if not reports:
        return None
    problems = [p for report in reports for p in report.problems]
    undocumented = [p for report in reports for p in report.undocumented]
    operations = sum(report.operations for report in reports)
    observed = "; ".join(
        f"{r.path}: {r.version or 'no version'}, {r.documented} of {r.operations} operation(s) "
        f"described" + (f", {len(r.problems)} problem(s)" if r.problems else "")
        + (f", {r.unresolved} path item(s) referenced from other files" if r.unresolved else "")
        for r in reports
    )  # fmt: skip
    if problems:
        summary = f"{len(problems)} problem(s) make the OpenAPI document invalid"
    elif undocumented:
        summary = (
            f"{len(undocumented)} of {operations} API operation(s) have no summary or description"
        )
    else:
        summary = f"{operations} API operation(s) described"
    findings = tuple(
        Finding(
            message=p.message,
            location=p.location,
            rule=p.rule,
            fingerprint=_fingerprint(p.rule, p.location.path, p.message),
        )
        for p in (*problems, *undocumented)
    )
    return Surface(
        name="OpenAPI",
        status=Status.FAIL if problems or undocumented else Status.PASS,
        summary=summary,
        observed=observed,
        required="a valid OpenAPI document whose every operation has a summary or description",
        findings=findings,
        facts={
            "openapi_documents": len(reports),
            "openapi_operations": operations,
            "openapi_undocumented": len(undocumented),
            "openapi_problems": len(problems),
        },
    )


def python_surface(repo: Repository, threshold: Threshold) -> Surface | None:
    """The share of public functions, classes and methods with docstrings."""
    api = python_api(repo)
    if api is None or (api.public == 0 and not api.unparsable):
        return None
    facts: dict[str, str | int | float | bool] = {
        "python_public": api.public,
        "python_documented": api.documented,
        "python_unparsable": len(api.unparsable),
    }
    required = f"Python docstrings on {threshold.text} of the public API"
    if api.public == 0:
        return Surface(
            name="Python",
            status=Status.UNKNOWN,
            summary=f"{len(api.unparsable)} Python module(s) could not be parsed",
            observed=f"Python: unparsable {', '.join(api.unparsable[:5])}",
            required=required,
            facts=facts,
        )
    share = f"{api.share:.1%}"
    observed = (
        f"Python ({', '.join(api.packages)}): {api.documented} of {api.public} public "
        f"functions, classes and methods have docstrings ({share})"
    ) + (f"; {len(api.unparsable)} module(s) not parsable" if api.unparsable else "")
    met = threshold.holds(api.share)
    findings = tuple(
        Finding(
            message=f"public {item.kind} {item.name} has no docstring",
            location=item.location,
            rule="python-undocumented",
            fingerprint=_fingerprint("python-undocumented", item.location.path, item.name),
        )
        for item in api.undocumented
    )
    return Surface(
        name="Python",
        status=Status.PASS if met else Status.FAIL,
        summary=f"{share} of the public Python API has docstrings"
        + ("" if met else f" (required {threshold.text})"),
        observed=observed,
        required=required,
        findings=findings if not met else (),
        facts={**facts, "python_share": round(api.share, 4)},
    )


def rust_surface(repo: Repository, *, timeout: float, notes: list[str]) -> Surface | None:
    """rustdoc's missing_docs warnings for every library of the workspace."""
    api = rust_api(repo, timeout=timeout)
    if api is None:
        return None
    required = "no missing_docs warning for the public items of the Rust libraries"
    if not api.libraries:
        if api.reason is not None:
            return Surface(
                name="Rust",
                status=Status.UNKNOWN,
                summary=f"the Rust workspace could not be read ({api.reason})",
                observed=f"Rust: {api.reason}",
                required=required,
            )
        notes.append(f"Rust: {', '.join(api.binaries)}: binary crate(s) only, no library API")
        return None
    libraries = ", ".join(api.libraries)
    facts: dict[str, str | int | float | bool] = {
        "rust_libraries": len(api.libraries),
        "rust_missing_docs": len(api.missing),
    }
    if api.measured:
        findings = tuple(
            Finding(
                message=item.message,
                location=item.location,
                rule="missing_docs",
                fingerprint=_fingerprint(
                    "missing_docs", item.location.path if item.location else "", item.message
                ),
            )
            for item in api.missing
        )
        return Surface(
            name="Rust",
            status=Status.FAIL if api.missing else Status.PASS,
            summary=f"rustdoc finds {len(api.missing)} undocumented public Rust item(s)",
            observed=f"Rust ({libraries}): {len(api.missing)} missing_docs warning(s)",
            required=required,
            findings=findings,
            facts={**facts, "rust_command": api.command or ""},
        )
    if set(api.strict) == set(api.libraries):
        return Surface(
            name="Rust",
            status=Status.PASS,
            summary="the Rust libraries deny missing_docs",
            observed=(
                f"Rust ({libraries}): rustdoc not run ({api.reason}); every library denies "
                "missing_docs, so any build that succeeds documents all public items"
            ),
            required=required,
            facts={**facts, "rust_measured": False},
        )
    lax = [name for name in api.libraries if name not in api.strict]
    return Surface(
        name="Rust",
        status=Status.UNKNOWN,
        summary=f"could not run rustdoc on the Rust libraries ({api.reason})",
        observed=(
            f"Rust ({libraries}): rustdoc not run ({api.reason}); "
            f"{', '.join(lax)} do(es) not deny missing_docs, so nothing else vouches for them"
        ),
        required=required,
        facts={**facts, "rust_measured": False},
    )
