"""Secrets: credentials in source files, literal secrets in configuration, git history."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pathspec
from pydantic import Field

from golive.checks._secrets_baseline import Baseline, load_baseline
from golive.checks._secrets_config import Setting, settings_in
from golive.checks._secrets_history import scan_history
from golive.checks._secrets_rules import RULES
from golive.checks._secrets_scan import Hit, engine, scan_tree
from golive.checks.base import (
    Check,
    CheckParams,
    Facts,
    NotApplicable,
    Unknown,
    failed,
    not_applicable,
    passed,
)
from golive.checks.fixtures import RunOptions
from golive.checks.params import Size
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome

__all__ = [
    "ConfigParams",
    "ConfigSecrets",
    "HistoryParams",
    "HistorySecrets",
    "SourceParams",
    "SourceSecrets",
]

_STALE_LINES_SHOWN = 100  # baseline lines named in the facts
_TITLES = {rule.id: rule.title for rule in RULES}
_ASSIGNED = {
    "secret-assignment": "literal secret assigned to",
    "high-entropy-secret": "high-entropy string assigned to",
}
_BASELINE = ".golive/secrets-baseline"
_ACCEPT = (
    "If it is not a secret (or may stay), accept it in {baseline} with its fingerprint, "
    "path, rule and a reason."
)


class SourceParams(CheckParams):
    baseline: str = _BASELINE  # TOML file of accepted findings, relative to the repository
    max_file_size: Size = Field(default="1MiB", validate_default=True)


class SourceSecrets(Check):
    """No credentials are committed in source files.

    Scans every file of the repository that `.gitignore` does not exclude with built-in rules
    for the common credential shapes: AWS, GCP, Azure, GitHub, GitLab, Slack, Stripe, Twilio,
    SendGrid, npm and PyPI tokens, private keys, JSON Web Tokens, passwords in connection URLs,
    secrets assigned to names like `password` or `api_key`, and high-entropy strings assigned to
    keys, secrets and tokens. Placeholders (`changeme`, `<your-token>`, `${VAR}`, `xxxx`,
    values with `example`) are not secrets. Binary files and files over `max_file_size` are
    skipped and counted. A finding names its rule and place, never the secret; its fingerprint
    (from the rule and the secret, not the line) is what the baseline accepts.
    """

    id = "secrets.source"
    kind = Kind.STATIC
    Params = SourceParams
    fix = (
        "Remove the secret and rotate it (once committed it is compromised); load it from the "
        "environment or a secrets manager instead."
    )

    def run(self, params: SourceParams, repo: Repository) -> Outcome:
        baseline = load_baseline(repo.root, params.baseline)
        paths = [path for path in repo.files if path != baseline.path]
        if not paths:
            raise NotApplicable("the repository has no files to scan")
        result = scan_tree(repo.root, paths, max_bytes=int(params.max_file_size.value))
        if not result.scanned and result.large:
            raise Unknown(
                f"every text file is over max_file_size ({params.max_file_size.text}); "
                f"{len(result.large)} file(s) were not scanned"
            )
        if not result.scanned:
            raise NotApplicable(f"the repository has no text files ({len(result.binary)} binary)")
        facts: dict[str, str | int | float | bool] = {
            "files": len(paths),
            "scanned": result.scanned,
            "scanned_bytes": result.scanned_bytes,
            "skipped_binary": len(result.binary),
            "skipped_large": len(result.large),
            "unreadable": len(result.unreadable),
            "engine": engine(),
        }
        where = f"{result.scanned} file(s)"
        return _judged(self, result.hits, baseline, facts, where, history=False)


class ConfigParams(CheckParams):
    # gitignore-style patterns of the configuration files to read
    files: list[str] = Field(
        default_factory=lambda: [
            "*.toml",
            "*.yaml",
            "*.yml",
            "*.json",
            ".env*",
            "*.ini",
            "*.properties",
            "*.conf",
            "config/**",
        ]
    )
    backend: str | None = None  # the secrets backend the service declares (evidence only)
    references: list[str] = Field(default_factory=list)  # extra reference prefixes: "@env.secure"


# Files that show the shape of a configuration, with stand-in values by design.
_EXAMPLES = pathspec.GitIgnoreSpec.from_lines(
    [
        "*.example",
        "*.example.*",
        "*.sample",
        "*.sample.*",
        "*.template",
        "*.tmpl",
        "*.dist",
        "package-lock.json",
        "composer.lock",
        "*.lock.json",
    ]
)
_MAX_CONFIG_BYTES = 256 * 1024  # larger YAML/JSON is data, not configuration; read by lines


class ConfigSecrets(Check):
    """Secret-looking configuration keys hold references, not literal values.

    Reads the configuration files (`files`: TOML, YAML, JSON, .env, .ini, .properties, .conf
    and everything under config/) and every key named like a secret (password, secret, token,
    api_key, private_key, client_secret, access_key, credentials, ...). Its value must be a
    reference to a secret kept elsewhere: `${VAR}` / `$VAR`, `@env('X')`, `@env.secure('X')`,
    `@file.secure(...)`, `vault:...`, `{{ ... }}`, `env:X`, `ENV[...]`, a Kubernetes
    `valueFrom.secretKeyRef`, an encrypted value (SOPS, Ansible Vault), a secrets-manager ARN,
    or empty. Prefixes in `references` count as references too. Every value of a Kubernetes
    Secret manifest counts. Example and template files (*.example, *.sample, *.template, *.dist)
    are skipped: secrets.source still scans them for real credentials.
    """

    id = "secrets.config"
    kind = Kind.STATIC
    Params = ConfigParams
    fix = (
        "Replace the literal with a reference to the secret (an environment variable, "
        "`@env.secure(...)`, a vault path) and rotate the value that was committed."
    )

    def run(self, params: ConfigParams, repo: Repository) -> Outcome:
        paths = [path for path in repo.glob(*params.files) if not _EXAMPLES.match_file(path)]
        if not paths:
            raise NotApplicable(
                f"the repository has no configuration files ({', '.join(params.files)})"
            )
        settings: list[Setting] = []
        unparsed = skipped = 0
        for path in paths:
            text = repo.text(path)
            if text is None:
                skipped += 1
                continue
            large = len(text) > _MAX_CONFIG_BYTES  # data more than configuration: read by lines
            found, parsed = settings_in(path, text, params.references, by_lines=large)
            unparsed += not parsed
            settings.extend(found)
        literals = [s for s in settings if s.literal]
        facts: Facts = {
            "files": len(paths) - skipped,
            "secret_keys": len(settings),
            "literals": len(literals),
            "references": len(settings) - len(literals),
            "unparsed_read_by_lines": unparsed,
            "skipped_binary_or_large": skipped,
            **({"backend": params.backend} if params.backend else {}),
        }
        observed = f"{len(literals)} literal(s) among {len(settings)} secret key(s)"
        if literals:
            return failed(
                f"{len(literals)} secret-looking key(s) hold a literal value",
                observed=observed,
                required="every secret key holds a reference",
                findings=[
                    Finding(
                        message=f"`{s.key}` holds a literal value, not a reference",
                        location=Location(path=s.path, line=s.line, column=s.column),
                        rule="literal-secret",
                    )
                    for s in literals
                ],
                remediation=self.fix,
                facts=facts,
            )
        files = len(paths) - skipped
        backend = f" (declared backend: {params.backend})" if params.backend else ""
        if not settings:
            return passed(
                f"no secret-looking keys in {files} configuration file(s){backend}", facts=facts
            )
        return passed(
            f"all {len(settings)} secret key(s) in {files} configuration file(s) hold "
            f"references{backend}",
            observed=observed,
            facts=facts,
        )


class HistoryParams(CheckParams):
    baseline: str = _BASELINE
    max_file_size: Size = Field(default="1MiB", validate_default=True)


class HistorySecrets(Check):
    """No credentials appear anywhere in the git history.

    With `golive check --history`, scans every file version reachable from any branch, tag or
    other ref (each distinct content once) with the rules of secrets.source, and reports the
    commit that introduced each secret, its path and line. A secret deleted later is still in
    the history, and still compromised: rotate it, then accept it in the baseline. Without
    `--history` the check does not apply.
    """

    id = "secrets.history"
    kind = Kind.TOOL
    Params = HistoryParams
    timeout = 600.0
    fix = (
        "Rotate the secret (it stays readable in every clone), then either rewrite the history "
        "(git filter-repo) or accept the rotated secret in the baseline with a reason."
    )

    def run(self, params: HistoryParams, root: Path, options: RunOptions) -> Outcome:
        if not options.history:
            return not_applicable("the git history was not scanned; pass --history to scan it")
        git = shutil.which("git")
        if git is None:
            raise Unknown("git is not installed, so the history cannot be read")
        baseline = load_baseline(root, params.baseline)
        scan = scan_history(
            git,
            root,
            max_bytes=int(params.max_file_size.value),
            seconds=self.timeout - 20,
            skip=(baseline.path,),
        )
        oldest: dict[tuple[str, str], tuple[int, str, Hit]] = {}
        for hit, blob in scan.hits:  # one finding per secret and path: from its oldest commit
            order, commit = scan.introduced.get(blob, (1 << 62, ""))
            key = (hit.fingerprint, hit.path)
            if key not in oldest or order < oldest[key][0]:
                oldest[key] = (order, commit, hit)
        facts: dict[str, str | int | float | bool] = {
            "commits": scan.commits,
            "blobs": scan.blobs,
            "scanned": scan.scanned,
            "skipped_binary": scan.binary,
            "skipped_large": scan.large,
            "occurrences": len(scan.hits),
            "engine": engine(),
        }
        where = f"{scan.scanned} file version(s) of {scan.commits} commit(s)"
        return _judged(
            self,
            [hit for _, _, hit in oldest.values()],
            baseline,
            facts,
            where,
            history=True,
            commits={key: commit for key, (_, commit, _) in oldest.items()},
        )


def _judged(
    check: Check,
    hits: Iterable[Hit],
    baseline: Baseline,
    facts: dict[str, str | int | float | bool],
    where: str,
    *,
    history: bool,
    commits: dict[tuple[str, str], str] | None = None,
) -> Outcome:
    """The outcome of a scan: new secrets and baseline problems fail, accepted ones do not."""
    new: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    accepted = 0
    for hit in hits:
        key = (hit.fingerprint, hit.path)
        entry = baseline.accepts(*key)
        if entry is not None and entry.rule == hit.rule:
            seen.add(key)
            accepted += 1
        else:
            new.append(hit)
    stale = baseline.stale(seen)
    by_rule = Counter(hit.rule for hit in new)
    facts.update(
        {
            "secrets": len(new),
            "accepted": accepted,
            "baseline": baseline.path if baseline.present else f"{baseline.path} (absent)",
            "baseline_entries": len(baseline.entries),
            "baseline_stale": len(stale),
            "baseline_problems": len(baseline.problems),
            **{f"secrets.{rule}": n for rule, n in sorted(by_rule.items())},
        }
    )
    if stale:
        facts["baseline_stale_lines"] = ", ".join(str(e.line) for e in stale[:_STALE_LINES_SHOWN])
    findings = [_finding(hit, (commits or {}).get((hit.fingerprint, hit.path))) for hit in new]
    fix = f"{check.fix} {_ACCEPT.format(baseline=baseline.path)}"
    if baseline.problems:
        return failed(
            f"the secrets baseline {baseline.path} has {len(baseline.problems)} problem(s)"
            + (f"; and {len(new)} secret(s) found" if new else ""),
            observed=f"{len(new)} secret(s), {len(baseline.problems)} baseline problem(s)",
            required="0 secrets; every baseline entry with fingerprint, path, rule and reason",
            findings=[*baseline.problems, *findings],
            remediation=fix,
            facts=facts,
        )
    if new:
        breakdown = ", ".join(f"{n} {rule}" for rule, n in by_rule.most_common())
        return failed(
            f"{len(new)} secret(s) {'in the history' if history else 'committed'} ({breakdown})",
            observed=f"{len(new)} secret(s)",
            required="0 (outside the baseline)",
            findings=findings,
            remediation=fix,
            facts=facts,
        )
    also = f"; {accepted} accepted in the baseline" if accepted else ""
    return passed(f"no secrets in {where}{also}", observed="0 secrets", facts=facts)


def _finding(hit: Hit, commit: str | None) -> Finding:
    message = _TITLES.get(hit.rule, hit.rule)
    if hit.key:
        message = f"{_ASSIGNED.get(hit.rule, message)} `{hit.key}`"
    if commit is not None:
        message += f", added in commit {commit[:12]}" if commit else ", commit not found"
    return Finding(
        message=message,
        location=Location(path=hit.path, line=hit.line, column=hit.column),
        rule=hit.rule,
        fingerprint=hit.fingerprint,
    )
