"""Documentation checks: README topics, contribution guidelines, changelog, security policy
and license."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from pydantic import Field

from golive.checks._docs_text import headings
from golive.checks.base import Check, CheckParams, NoParams, Unknown, failed, passed, warned
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome

__all__ = ["Changelog", "Contributing", "License", "Readme", "ReadmeParams", "SecurityPolicy"]

_TEXT_SUFFIXES = (".md", ".rst", ".txt", ".markdown", ".adoc", "")
_MIN_CONTRIBUTING = 100  # non-whitespace characters; less is a placeholder, not a guide

# Headings that answer each README topic (matched as whole words, case-insensitively).
_TOPICS = {
    "install": r"install(?:ation|ing|s)?|getting started|set ?up|quick ?start",
    "usage": r"usage|using|examples?|how to use|getting started|quick ?start|running",
    "configuration": (
        r"configuration|configuring|configure|config|settings|options"
        r"|environment(?: variables)?"
    ),
}


class ReadmeParams(CheckParams):
    # Topics the README must have a heading about; other words are matched literally.
    sections: list[str] = Field(default_factory=lambda: ["install", "usage", "configuration"])


class Readme(Check):
    """The README explains installation, usage and configuration.

    Looks for README (.md, .rst, .txt or no extension) at the repository root and for a
    heading on each requested topic: Markdown `#` and underlined headings, reStructuredText
    section titles. Synonyms count ("Getting started" answers both install and usage,
    "Environment variables" answers configuration).
    """

    id = "docs.readme"
    kind = Kind.STATIC
    Params = ReadmeParams
    fix = "Add a README.md with sections such as Installation, Usage and Configuration."

    def run(self, params: ReadmeParams, repo: Repository) -> Outcome:
        document = _document(repo, "README")
        if document is None:
            return failed("there is no README at the repository root", remediation=self.fix)
        path, text = document
        headings = _headings(text, rst=path.lower().endswith(".rst"))
        answers = {
            topic: [title for _, title in headings if _topic(topic).search(title)]
            for topic in params.sections
        }
        observed = "; ".join(
            f"{topic}: {', '.join(repr(t) for t in titles) or '-'}"
            for topic, titles in answers.items()
        )
        missing = [topic for topic, titles in answers.items() if not titles]
        if missing:
            return failed(
                f"{path} has no section on {', '.join(missing)}",
                observed=observed,
                required=f"a heading on each of: {', '.join(params.sections)}",
                findings=[
                    _at(path, f"no heading about {topic}", f"readme.{topic}") for topic in missing
                ],
                remediation=self.fix,
                facts={"headings": len(headings)},
            )
        return passed(
            f"{path} covers {', '.join(params.sections) or 'its topics'}", observed=observed
        )


class Contributing(Check):
    """Contribution guidelines exist (CONTRIBUTING)."""

    id = "docs.contributing"
    kind = Kind.STATIC
    fix = "Add CONTRIBUTING.md: how to build, test, propose changes and get them reviewed."

    def run(self, params: NoParams, repo: Repository) -> Outcome:
        document = _document(repo, "CONTRIBUTING", dirs=("", "docs", ".github"))
        if document is None:
            return failed("there is no CONTRIBUTING file", remediation=self.fix)
        path, text = document
        size = len("".join(text.split()))
        observed = f"{path}, {size} characters"
        if size < _MIN_CONTRIBUTING:
            return failed(
                f"{path} is (nearly) empty",
                observed=observed,
                required=f">= {_MIN_CONTRIBUTING} characters of guidance",
                findings=[_at(path, "nearly empty")],
                remediation=self.fix,
            )
        return passed(f"contribution guidelines in {path}", observed=observed)


_VERSION = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?)")
_ENTRY_LINE = re.compile(r"^\s{0,3}(?:[-*]\s+)?(?:\[|(?:version|release)\s+)?v?\d+\.\d+", re.I)
_UNRELEASED = re.compile(r"\[unreleased\]|^unreleased\b", re.I)


class Changelog(Check):
    """A changelog records the released versions.

    Looks for CHANGELOG, CHANGES, HISTORY or NEWS (Markdown, reST, text or no extension) at
    the root or in docs/, and for version entries in it: headings with a version number, or
    lines that start with one ("1.4.0 (2024-05-02)"), or an [Unreleased] section.
    """

    id = "docs.changelog"
    kind = Kind.STATIC
    fix = "Keep a CHANGELOG.md with one section per released version (see keepachangelog.com)."

    def run(self, params: NoParams, repo: Repository) -> Outcome:
        document = _document(repo, "CHANGELOG", "CHANGES", "HISTORY", "NEWS", dirs=("", "docs"))
        if document is None:
            return failed("there is no CHANGELOG", remediation=self.fix)
        path, text = document
        titles = [title for _, title in _headings(text, rst=path.lower().endswith(".rst"))]
        entries = titles + [line for line in text.splitlines() if _ENTRY_LINE.match(line)]
        versions = {v for entry in entries for v in _VERSION.findall(entry[:120])}
        unreleased = any(_UNRELEASED.search(entry.strip()) for entry in entries)
        if not versions and not unreleased:
            return failed(
                f"{path} records no version",
                required="a heading per version, e.g. '## [1.2.0] - 2024-05-02'",
                findings=[_at(path, "no version entry")],
                remediation=self.fix,
            )
        latest = max(versions, key=_version_key) if versions else None
        observed = (
            f"latest {latest}, {len(versions)} version(s)" if latest else "no released version"
        ) + (", an Unreleased section" if unreleased else "")
        return passed(
            f"{path} records versions up to {latest}"
            if latest
            else f"{path} has an Unreleased section",
            observed=observed,
            facts={"versions": len(versions), "latest": latest or ""},
        )


def _version_key(version: str) -> tuple[tuple[int, ...], bool]:
    core, dash, _ = version.lstrip("v").partition("-")
    numbers = tuple(int(part) for part in core.split(".") if part.isdigit())
    return (numbers + (0,) * (3 - len(numbers)), not dash)  # a pre-release sorts first


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s)>\]]+")
_ADVISORY = re.compile(r"security advisor(?:y|ies)|private vulnerability reporting", re.I)
_REPORTING = re.compile(r"report|disclos|vulnerab", re.I)


class SecurityPolicy(Check):
    """A security policy explains how to report vulnerabilities (SECURITY.md).

    Looks for SECURITY (.md, .rst, .txt) at the root, in docs/ or .github/. The policy must
    say where to report (an email address, a URL, or GitHub's security advisories / private
    vulnerability reporting) and speak of reporting or disclosure: a file that exists but
    gives no way to reach the maintainers fails.
    """

    id = "docs.security"
    kind = Kind.STATIC
    fix = (
        "Add SECURITY.md saying where to report a vulnerability privately (an address or "
        "GitHub private vulnerability reporting), what to include, and when to expect a reply."
    )

    def run(self, params: NoParams, repo: Repository) -> Outcome:
        document = _document(repo, "SECURITY", dirs=("", "docs", ".github"))
        if document is None:
            return failed("there is no security policy (SECURITY.md)", remediation=self.fix)
        path, text = document
        channel = next(
            (m.group(0) for pattern in (_EMAIL, _ADVISORY, _URL) if (m := pattern.search(text))),
            None,
        )
        problem = None
        if channel is None:
            problem = "names no reporting channel (an email address, a URL or security advisories)"
        elif not _REPORTING.search(text):
            problem = "does not say how vulnerabilities are reported or disclosed"
        if problem is not None:
            return failed(
                f"{path} {problem}",
                observed=f"reporting channel: {channel or 'none'}",
                required="a reporting channel and how to report",
                findings=[_at(path, problem)],
                remediation=self.fix,
            )
        return passed(f"{path} says how to report vulnerabilities", observed=f"report to {channel}")


_LICENSE_FILE = re.compile(r"^(?:licen[cs]e|copying)(?:[-._].*)?$", re.I)
# (SPDX id, a phrase of its text); the GPL title is upper-case, which LGPL/AGPL texts lack.
_LICENSE_TEXTS = (
    ("Apache-2.0", re.compile(r"Apache License,?\s+Version 2\.0", re.I)),
    ("MIT", re.compile(r"Permission is hereby granted, free of charge|\bMIT License\b", re.I)),
    ("BSD-3-Clause", re.compile(r"Redistribution and use in source(?=[\s\S]*Neither the name)")),
    ("BSD-2-Clause", re.compile(r"Redistribution and use in source(?![\s\S]*Neither the name)")),
    ("GPL-3.0", re.compile(r"GNU GENERAL PUBLIC LICENSE\s+Version 3")),
    ("MPL-2.0", re.compile(r"Mozilla Public License,?\s+(?:Version|v\.)\s*2\.0", re.I)),
)
_SPDX_TAG = re.compile(r"SPDX-License-Identifier:\s*([\w.+() -]+)")
_ALIASES = (  # loose spellings in manifests and file names -> SPDX id
    (re.compile(r"^apache(?:[- ]?2(?:\.0)?| license.*)?$", re.I), "Apache-2.0"),
    (re.compile(r"^(?:the )?mit(?: license)?$", re.I), "MIT"),
    (re.compile(r"^bsd[- ]?3(?:-clause)?$", re.I), "BSD-3-Clause"),
    (re.compile(r"^bsd[- ]?2(?:-clause)?$", re.I), "BSD-2-Clause"),
    (re.compile(r"^gpl(?:v|-)?3(?:\.0)?(?:\+|-only|-or-later)?$", re.I), "GPL-3.0"),
    (re.compile(r"^mpl[- ]?2(?:\.0)?$", re.I), "MPL-2.0"),
)


class License(Check):
    """The project declares a license (a LICENSE file).

    Looks for LICENSE, LICENCE or COPYING (any extension, also LICENSE-MIT and
    LICENSE-APACHE) at the root and names the license when its text makes that obvious.
    The license declared in Cargo.toml or pyproject.toml is reported too, and a clear
    disagreement between file and manifest is a warning.
    """

    id = "docs.license"
    kind = Kind.STATIC
    fix = "Add the full license text as LICENSE at the repository root."

    def run(self, params: NoParams, repo: Repository) -> Outcome:
        files = [path for path in repo.files if "/" not in path and _LICENSE_FILE.match(path)]
        declared = _manifest_licenses(repo)
        said = "; ".join(f"{where.path} declares {expr}" for where, expr, _ in declared)
        if not files:
            return failed(
                "there is no LICENSE file"
                + (f" ({said}, but the license text is not in the repository)" if said else ""),
                observed=said or None,
                required="LICENSE at the repository root",
                remediation=self.fix,
            )
        found: dict[str, set[str]] = {path: _identify(path, repo.text(path)) for path in files}
        observed = "; ".join(
            f"{path}: {' + '.join(sorted(ids)) or 'license not identified'}"
            for path, ids in found.items()
        ) + (f"; {said}" if said else "")
        empty = [path for path in files if _blank(repo.text(path))]
        if empty:
            return failed(
                f"{', '.join(empty)} is empty",
                observed=observed,
                findings=[_at(path, "empty") for path in empty],
                remediation=self.fix,
            )
        licenses = sorted({spdx for ids in found.values() for spdx in ids})
        in_files = {spdx.lower() for spdx in licenses}
        clashes = [
            Finding(
                message=f"declares {expr}, but the license file says {' + '.join(licenses)}",
                location=where,
                rule="license-mismatch",
            )
            for where, expr, ids in declared
            if in_files and ids and not in_files & {spdx.lower() for spdx in ids}
        ]
        if clashes:
            return warned(
                "the license file and the manifest disagree",
                observed=observed,
                findings=clashes,
                remediation="Make the manifest's license field name the license in LICENSE.",
            )
        named = " + ".join(licenses) or "a license the text does not make obvious"
        return passed(f"licensed under {named} ({', '.join(files)})", observed=observed)


def _blank(text: str | None) -> bool:
    """A license file with (next to) nothing in it; an unreadable one is not blank."""
    return text is not None and len("".join(text.split())) < 20


def _identify(path: str, text: str | None) -> set[str]:
    """The licenses a license file evidently holds: by its text, else by its name."""
    if text:
        tag = _SPDX_TAG.search(text)
        if tag:
            return _spdx_ids(tag.group(1))
        ids = {spdx for spdx, pattern in _LICENSE_TEXTS if pattern.search(text)}
        if ids:
            return ids
    named = re.match(r"^(?:licen[cs]e|copying)[-_](.+?)(?:\.(?:md|txt|rst))?$", path, re.I)
    alias = _alias(named.group(1)) if named else None
    return {alias} if alias else set()


def _spdx_ids(expression: str) -> set[str]:
    """The license ids of an SPDX expression ("MIT OR Apache-2.0"), loose spellings mapped."""
    tokens = (t.strip() for t in re.split(r"\s+(?:OR|AND|WITH)\s+|[()/,]", expression))
    return {_alias(token) or token for token in tokens if token}


def _alias(name: str) -> str | None:
    return next((spdx for rule, spdx in _ALIASES if rule.match(name)), None)


def _manifest_licenses(repo: Repository) -> list[tuple[Location, str, set[str]]]:
    """The license declared in the root Cargo.toml and pyproject.toml, where it is."""
    declared = []
    for path, table in (("Cargo.toml", "package"), ("pyproject.toml", "project")):
        text = repo.text(path) if repo.exists(path) else None
        if text is None:
            continue
        try:
            data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # a broken manifest is another check's finding
        value = data.get(table, {}).get("license")
        if isinstance(value, dict) and value.get("workspace") is True:
            value = data.get("workspace", {}).get("package", {}).get("license")
        if isinstance(value, dict):
            value = value.get("text")  # pyproject's legacy {text = "..."}; {file = ...} names none
        if isinstance(value, str) and value.strip():
            expression = " ".join(value.split())[:80]
            rows = enumerate(text.splitlines(), 1)
            line = next((n for n, row in rows if re.match(r"\s*license\s*[=.]", row)), None)
            declared.append((Location(path=path, line=line), expression, _spdx_ids(expression)))
    return declared


# --- shared helpers ------------------------------------------------------------------------


def _document(
    repo: Repository, *stems: str, dirs: tuple[str, ...] = ("",)
) -> tuple[str, str] | None:
    """The first document named one of `stems` (any text extension) and its text."""
    path = repo.find(*(f"{stem}{suffix}" for stem in stems for suffix in _TEXT_SUFFIXES), dirs=dirs)
    if path is None:
        return None
    text = repo.text(path)
    if text is None:
        raise Unknown(f"{path} is not readable text (binary, oversized or not UTF-8)")
    return path, text


def _at(path: str, message: str, rule: str | None = None) -> Finding:
    return Finding(message=message, location=Location(path=path), rule=rule)


def _headings(text: str, *, rst: bool) -> list[tuple[int, str]]:
    """(line, title) of each heading: Markdown `#` and setext headings, or reST titles."""
    return [(heading.line, heading.title) for heading in headings(text, rst=rst)]


def _topic(topic: str) -> re.Pattern[str]:
    pattern = _TOPICS.get(topic) or next(
        (p for p in _TOPICS.values() if re.fullmatch(p, topic, re.I)), re.escape(topic)
    )
    return re.compile(rf"\b(?:{pattern})\b", re.I)
