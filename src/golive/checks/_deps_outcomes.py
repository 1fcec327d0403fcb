"""The outcomes of deps.updates and deps.policy, from what the configuration files say."""

from __future__ import annotations

from pathlib import Path

from golive.checks._deps_auditors import find_tool, run_cargo_deny
from golive.checks._deps_model import Ecosystem, Inventory
from golive.checks._deps_policy import deny_configs, license_policies, runs_cargo_deny
from golive.checks._deps_updates import (
    describe_period,
    find_update_configs,
    repository_ecosystems,
)
from golive.checks.base import Facts, Unknown, failed, not_applicable, passed, unknown
from golive.checks.repository import Repository
from golive.model import Finding, Location, Outcome

__all__ = ["policy_outcome", "updates_outcome"]


def updates_outcome(
    *, repo: Repository, inventory: Inventory, cadence: float | None, fix: str
) -> Outcome:
    """The outcome of deps.updates."""
    ecosystems = repository_ecosystems(repo, inventory)
    if not ecosystems:
        return not_applicable("nothing to update: no manifests, workflows or Dockerfiles")
    configs = find_update_configs(repo)
    required = f"updates for {', '.join(sorted(ecosystems))}" + (
        f", {describe_period(cadence)} or more often" if cadence else ""
    )
    if not configs:
        return failed(
            "no automated dependency updates: no Dependabot or Renovate configuration",
            required=required,
            remediation=fix,
            facts={"ecosystems": ", ".join(sorted(ecosystems))},
        )
    findings = [
        Finding(message=f"{c.path}: {message}", location=where, rule="deps.updates.config")
        for c in configs
        for message, where in c.problems
    ]
    entries = [e for c in configs for e in c.entries]
    active = [e for e in entries if e.disabled is None]
    findings += [
        Finding(message=e.disabled, location=e.location, rule="deps.updates.disabled")
        for e in entries
        if e.disabled
    ]
    for ecosystem, where in sorted(ecosystems.items()):
        if not any(e.ecosystems is None or ecosystem in e.ecosystems for e in active):
            findings.append(
                Finding(
                    message=f"no update configuration covers {ecosystem} ({where.path})",
                    location=configs[0].location,
                    rule="deps.updates.uncovered",
                )
            )
    undecided = []
    if cadence is not None:
        for entry in active:
            if entry.period is None:
                undecided.append(f"{entry.tool} schedule {entry.schedule!r}")
            elif entry.period > cadence:
                findings.append(
                    Finding(
                        message=f"{entry.tool} runs {entry.schedule} "
                        f"({describe_period(entry.period)}), less often than "
                        f"{describe_period(cadence)}",
                        location=entry.location,
                        rule="deps.updates.cadence",
                    )
                )
    observed = "; ".join(
        f"{e.tool}: {', '.join(sorted(e.ecosystems or ['all ecosystems']))} ({e.schedule})"
        for e in entries
    )
    facts: Facts = {
        "configs": ", ".join(c.path for c in configs),
        "ecosystems": ", ".join(sorted(ecosystems)),
    }
    if findings:
        return failed(
            f"{len(findings)} problem(s) with automated dependency updates",
            observed=observed,
            required=required,
            findings=findings,
            remediation=fix,
            facts=facts,
        )
    if undecided:
        return unknown(
            f"cannot tell how often {', '.join(undecided)} runs", observed=observed, facts=facts
        )
    return passed(
        f"{' and '.join(sorted({c.tool for c in configs}))} update(s) cover "
        f"{', '.join(sorted(ecosystems))}",
        observed=observed,
        required=required,
        facts=facts,
    )


def policy_outcome(*, repo: Repository, inventory: Inventory, fix: str, timeout: float) -> Outcome:
    """The outcome of deps.policy."""
    ecosystems = {m.ecosystem for m in inventory.with_dependencies}
    if not ecosystems:
        return not_applicable("no dependency manifests declare dependencies")
    findings: list[Finding] = []
    observed: list[str] = []
    undecided: list[str] = []
    if Ecosystem.CARGO in ecosystems:
        for config in deny_configs(repo, inventory):
            findings += config.findings
            if config.path and not config.findings:
                observed.append(f"cargo-deny: {config.path}")
                undecided += _run_cargo_deny(
                    repo.root, config.workspace, config.path, findings, timeout
                )
    evidence = license_policies(repo)
    for ecosystem in sorted(ecosystems - {Ecosystem.CARGO}):
        found = [e for e in evidence if ecosystem in e.ecosystems]
        if found:
            observed.append(f"{ecosystem}: {found[0].what} ({found[0].location})")
            continue
        first = next(m for m in inventory.with_dependencies if m.ecosystem is ecosystem)
        findings.append(
            Finding(
                message=f"no license policy is enforced for the {ecosystem} dependencies",
                location=Location(path=first.path, line=1),
                rule=f"deps.policy.{ecosystem}",
            )
        )
    facts: Facts = {
        "ecosystems": ", ".join(sorted(ecosystems)),
        "ci_runs_cargo_deny": runs_cargo_deny(repo) or "",
    }
    if findings:
        return failed(
            f"{len(findings)} dependency policy gap(s)",
            observed="; ".join(observed) or "no policy",
            required="a license, ban and source policy for every ecosystem",
            findings=findings,
            remediation=fix,
            facts=facts,
        )
    if undecided:
        return unknown("; ".join(undecided), observed="; ".join(observed), facts=facts)
    return passed(
        f"a dependency policy covers {', '.join(sorted(ecosystems))}",
        observed="; ".join(observed),
        facts=facts,
    )


def _run_cargo_deny(
    root: Path, workspace: str, config: str, findings: list[Finding], timeout: float
) -> list[str]:
    """Run cargo-deny when installed; add its errors to `findings`, return why it could not."""
    executable = find_tool("cargo-deny", root)
    if executable is None:
        return []
    manifest = f"{workspace}/Cargo.toml" if workspace else "Cargo.toml"
    try:
        diagnostics, finished, _, error = run_cargo_deny(
            executable,
            root,
            manifest,
            ["licenses", "bans", "sources"],
            config=config,
            timeout=timeout,
        )
    except Unknown as exc:
        return [exc.reason]
    if not finished:
        return [f"cargo deny could not check {manifest} offline: {error or 'no summary'}"]
    for diagnostic in diagnostics:
        if diagnostic.severity == "error":
            findings.append(
                Finding(
                    message=f"cargo deny: {diagnostic.message}"
                    + (f" ({diagnostic.crate})" if diagnostic.crate else ""),
                    location=Location(path=config),
                    rule=f"cargo-deny.{diagnostic.code}",
                )
            )
    return []
