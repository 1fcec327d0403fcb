"""Documentation depth: API docs, environment variables, operational topics, local links."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import Field

from golive.checks import _doctopics_env as env
from golive.checks._doctopics_api import openapi_surface, python_surface, rust_surface
from golive.checks._doctopics_links import check_links
from golive.checks._doctopics_markdown import Documents, load_documents, parse_document
from golive.checks._doctopics_topics import BUILT_IN, Topic, candidates, derive, describe
from golive.checks.base import (
    Check,
    CheckParams,
    Facts,
    NoParams,
    failed,
    not_applicable,
    passed,
    unknown,
)
from golive.checks.params import RatioThreshold
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome, Status

__all__ = [
    "FIXTURES",
    "ApiDocumented",
    "ApiParams",
    "DocumentTopic",
    "EnvVarsDocumented",
    "LocalLinks",
    "TopicParams",
]

_RUSTDOC_TIMEOUT = 600.0  # seconds per library; a cold build of its dependencies can be slow


def doctopics_documents(repo: Repository) -> Documents:
    """The repository's documents outside tests, dependencies and build output, parsed once."""
    return load_documents(repo)


FIXTURES: Mapping[str, Callable[..., Any]] = {"doctopics_documents": doctopics_documents}


class ApiParams(CheckParams):
    openapi: str | None = None  # the OpenAPI document, relative to the repository root
    min_documented: RatioThreshold = Field(default=">=90%", validate_default=True)


class ApiDocumented(Check):
    """The API is documented (a valid OpenAPI document, documented public Rust and Python items).

    Each API surface present is judged against its own bar, and all must meet it:

    - OpenAPI: the document (`openapi`, else every openapi.*/swagger.* YAML or JSON file, also
      names like api.openapi.yaml) parses and has what OpenAPI 2.0/3.0/3.1 requires (version,
      info.title and info.version as strings, paths with operations, responses with a
      description, parameters with name and in), and every operation has a summary or a
      description. The validation is golive's own structural one, not a JSON-Schema run.
    - Rust: `cargo rustdoc --lib -- --force-warn missing_docs` on every library of the
      workspace (offline) finds no undocumented public item. Binary-only crates have no
      library API and are only mentioned. Without cargo (or offline), a library that denies
      or forbids missing_docs itself (`#![deny(missing_docs)]`, `[lints.rust]`) passes on
      that evidence; otherwise the result is unknown.
    - Python: the share of public functions, classes and methods (not `_private`, in the
      project's packages, outside tests and examples; a module's `__all__` is honoured) with
      a docstring meets `min_documented` (default >=90%).

    Not applicable when there is no API surface at all.
    """

    id = "docs.api"
    kind = Kind.TOOL
    Params = ApiParams
    timeout = 900.0  # rustdoc builds the libraries
    fix = (
        "Describe every OpenAPI operation (summary or description); add `///` docs to public "
        "Rust items (then `#![deny(missing_docs)]`); add docstrings to public Python code."
    )

    def run(self, params: ApiParams, repo: Repository) -> Outcome:
        notes: list[str] = []
        surfaces = [
            surface
            for surface in (
                openapi_surface(repo, params.openapi),
                rust_surface(repo, timeout=_RUSTDOC_TIMEOUT, notes=notes),
                python_surface(repo, params.min_documented),
            )
            if surface is not None
        ]
        facts: Facts = {"surfaces": len(surfaces)}
        for surface in surfaces:
            facts = {**facts, **surface.facts}
        if not surfaces:
            return not_applicable(
                "no API surface: no OpenAPI document, Rust library or Python package"
                + "".join(f"; {note}" for note in notes),
                facts=facts,
            )
        observed = "; ".join([*(s.observed for s in surfaces), *notes])
        required = "; ".join(s.required for s in surfaces)
        findings = [f for s in surfaces for f in s.findings]
        for status, ending in ((Status.FAIL, failed), (Status.UNKNOWN, unknown)):
            if any(s.status is status for s in surfaces):
                return ending(
                    "; ".join(f"{s.name}: {s.summary}" for s in surfaces if s.status is status),
                    observed=observed,
                    required=required,
                    findings=findings,
                    remediation=self.fix if status is Status.FAIL else None,
                    facts=facts,
                )
        return passed(
            "; ".join(f"{s.name}: {s.summary}" for s in surfaces),
            observed=observed,
            required=required,
            facts=facts,
        )


class EnvVarsDocumented(Check):
    """Every environment variable the code reads is documented.

    Finds reads by a literal name (or a constant holding one) in Rust (`env::var`,
    `env::var_os`, `env!`, `option_env!`), Python (`os.environ[...]`, `.get`, `os.getenv`,
    `in os.environ`, pydantic `BaseSettings` fields with their `env_prefix` or alias),
    JavaScript/TypeScript (`process.env.X`, `process.env["X"]`, destructuring,
    `import.meta.env.X`) and Go (`os.Getenv`, `os.LookupEnv`), outside tests. A variable is
    documented when its name appears in a document (README, docs/, any Markdown, reST or
    AsciiDoc file) or an example configuration (`.env.example`, `config.sample.toml`, ...).
    Settings fields match case-insensitively, as pydantic reads them. Variables set by the
    system or by cargo (PATH, HOME, CARGO_*, OUT_DIR, ...) need no documentation.
    """

    id = "docs.env-vars"
    kind = Kind.STATIC
    fix = "List each variable with its meaning and default in the README or a .env.example."

    def run(self, params: NoParams, repo: Repository, doctopics_documents: Documents) -> Outcome:
        reads, scanned = env.find_reads(repo)
        own = [read for read in reads if not env.well_known(read.name)]
        names = {read.name for read in own}
        facts: Facts = {
            "files_scanned": scanned,
            "reads": len(own),
            "variables": len(names),
            "well_known": len({read.name for read in reads} - names),
        }
        if not own:
            return not_applicable(
                f"the code reads no environment variable by name ({scanned} source file(s))",
                facts=facts,
            )
        words, sources = env.documented_names(doctopics_documents, repo)
        folded = {word.casefold() for word in words}
        by_name: dict[str, list[env.Read]] = {}
        for read in own:
            by_name.setdefault(read.name, []).append(read)
        missing = [
            places
            for name, places in sorted(by_name.items())
            if not any(_documented(read, words, folded) for read in places)
        ]
        facts = {**facts, "documented": len(by_name) - len(missing), "doc_files": len(sources)}
        listed = ", ".join(sorted(by_name)[:20]) + (", ..." if len(by_name) > 20 else "")
        observed = f"{len(by_name) - len(missing)} of {len(by_name)} documented ({listed})"
        if not missing:
            return passed(
                f"all {len(by_name)} environment variable(s) the code reads are documented",
                observed=observed,
                facts=facts,
            )
        findings = [
            Finding(
                message=f"{places[0].name} is read here"
                + (f" (and in {len(places) - 1} other place(s))" if len(places) > 1 else "")
                + " but no document names it",
                location=places[0].location,
                rule="env-undocumented",
                fingerprint=f"env:{places[0].name}",
            )
            for places in missing
        ]
        return failed(
            f"{len(missing)} of {len(by_name)} environment variable(s) are not documented: "
            + ", ".join(places[0].name for places in missing[:10])
            + (", ..." if len(missing) > 10 else ""),
            observed=observed,
            required="every variable named in README, docs/ or an example configuration",
            findings=findings,
            remediation=self.fix,
            facts=facts,
        )


def _documented(read: env.Read, words: set[str], folded: set[str]) -> bool:
    names = (read.name, *read.alternatives)
    if read.any_case:
        return any(name.casefold() in folded for name in names)
    return any(name in words for name in names)


class TopicParams(CheckParams):
    topic: str | None = None
    paths: list[str] = Field(default_factory=list)  # gitignore-style patterns of documents
    headings: list[str] = Field(default_factory=list)  # phrases a heading may contain
    replace: bool = False  # use only `paths` and `headings`, not the topic's own patterns
    min_words: int = Field(default=40, ge=1)


class DocumentTopic(Check):
    """A document on the given topic exists and is not empty.

    A document answers the topic when its file name (docs/deployment.md, RUNBOOK.md) or a
    directory it is in (docs/runbooks/, docs/adr/) names the topic, or when a heading of any
    document does (a `## Deployment` section of the README). Built-in topics: migration,
    deployment, runbook, incident-response, backup-recovery, scaling, architecture,
    development-setup, testing, release, disaster-recovery, security-incident, escalation,
    rollback, troubleshooting, maintenance, monitoring; any other topic is recognised by
    its own words. `paths` (gitignore-style patterns) and `headings` (phrases) extend those
    patterns, or replace them with `replace = true`. Documents under examples/ answer for
    the example, not the project, unless `paths` names them. The best match must hold `min_words`
    (default 40) words of prose. Only presence is checked, not quality: a profile that cares
    asks for a sign-off too.
    """

    id = "docs.topic"
    kind = Kind.STATIC
    Params = TopicParams
    fix = "Write the document (or a section of the README) and link it from the README."

    def run(self, params: TopicParams, repo: Repository, doctopics_documents: Documents) -> Outcome:
        if not params.topic or not params.topic.strip():
            return unknown("no topic given (set `topic` in the item's `with`)")
        topic = _topic(params)
        documents = list(doctopics_documents.items)
        if params.paths:  # named documents may live where documents are not looked for
            known = set(doctopics_documents.by_path)
            for path in repo.glob(*params.paths):
                text = None if path in known else repo.text(path)
                if text is not None:
                    documents.append(parse_document(path, text))
        found = candidates(topic, tuple(documents))
        looked_for = describe(topic)
        required = (
            f">= {params.min_words} words of prose in {looked_for} "
            "(presence is checked, not quality)"
        )
        facts: Facts = {
            "topic": topic.name,
            "candidates": len(found),
            "min_words": params.min_words,
            "unreadable_documents": len(doctopics_documents.unreadable),
        }
        if not found:
            return failed(
                f"no document on {topic.name} found",
                observed=f"none of {len(documents)} document(s) matches",
                required=required,
                remediation=self.fix,
                facts=facts,
            )
        best = found[0]
        facts = {**facts, "words": best.words, "document": best.where}
        others = f"; {len(found) - 1} other match(es)" if len(found) > 1 else ""
        if best.words < params.min_words:
            return failed(
                f"the {topic.name} document is (nearly) empty: {best.where} has "
                f"{best.words} word(s)",
                observed=f"{best.where}: {best.words} word(s){others}",
                required=required,
                findings=[
                    Finding(
                        message=f"only {c.words} word(s) of prose",
                        location=Location(path=c.path, line=c.heading.line if c.heading else None),
                        rule="topic-thin",
                    )
                    for c in found
                ],
                remediation=self.fix,
                facts=facts,
            )
        return passed(
            f"{topic.name}: {best.where}, {best.words} words (presence checked, not quality)",
            observed=f"{best.where}: {best.words} words of prose{others} "
            "(presence checked, not quality)",
            required=required,
            facts=facts,
        )


def _topic(params: TopicParams) -> Topic:
    name = (params.topic or "").strip()
    known = BUILT_IN.get("-".join(re.findall(r"[a-z0-9]+", name.lower()))) or derive(name)
    base = Topic(name=name) if params.replace else known
    return Topic(
        name=name,
        names=base.names,
        dirs=base.dirs,
        headings=(*base.headings, *params.headings),
        paths=tuple(params.paths),
    )


class LocalLinks(Check):
    """Local links in the documentation resolve.

    Reads the Markdown links, images, reference definitions and HTML `href`/`src` of every
    Markdown document, and the `:doc:` roles, `` `text <path>`_ `` links and image/include
    directives of reStructuredText, outside code blocks and code spans. A relative target
    must exist (relative to the linking file; `/` is the repository root, or Sphinx's
    source directory), and an `#anchor` into a Markdown file must match one of its
    headings (GitHub's slugs) or HTML anchors. External http(s) links are counted, never
    fetched; links leaving the reviewed directory, mailto: and templated links are skipped.
    """

    id = "docs.links"
    kind = Kind.STATIC
    fix = "Point each link at an existing file or heading, or remove it."

    def run(self, params: NoParams, repo: Repository, doctopics_documents: Documents) -> Outcome:
        report = check_links(doctopics_documents, repo)
        facts: Facts = {
            "documents": report.documents,
            "local_links": report.local,
            "anchors": report.anchors,
            "external_links": report.external,
            "skipped_links": report.skipped,
            "broken": len(report.broken),
            "unreadable_documents": len(doctopics_documents.unreadable),
        }
        if not report.documents:
            if doctopics_documents.unreadable:
                return unknown(
                    f"{len(doctopics_documents.unreadable)} document(s) are not readable as "
                    f"UTF-8 text: {', '.join(doctopics_documents.unreadable[:5])}",
                    facts=facts,
                )
            return not_applicable("there are no Markdown or reStructuredText documents")
        observed = (
            f"{report.local} local link(s) in {report.documents} document(s), "
            f"{len(report.broken)} broken; {report.external} external link(s) not fetched"
        )
        if not report.broken:
            return passed(
                f"all {report.local} local link(s) resolve", observed=observed, facts=facts
            )
        findings = [
            Finding(
                message=f"{broken.target}: {broken.reason}",
                location=Location(path=broken.path, line=broken.line, column=broken.column),
                rule="broken-link",
                fingerprint=f"link:{broken.path}:{broken.target}",
            )
            for broken in report.broken
        ]
        return failed(
            f"{len(report.broken)} of {report.local} local link(s) are broken",
            observed=observed,
            required="every local link resolves to a file, directory or heading",
            findings=findings,
            remediation=self.fix,
            facts=facts,
        )
