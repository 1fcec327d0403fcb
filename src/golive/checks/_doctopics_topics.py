"""Where a document on an operational topic may live: file names, directories and headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pathspec

from golive.checks._docs_text import Heading
from golive.checks._doctopics_markdown import Document

__all__ = ["BUILT_IN", "Candidate", "Topic", "candidates", "derive", "describe"]

_TOKEN = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("", "s", "es", "ing", "ment", "ments", "ed")
# An example's runbook is not the project's runbook.
_EXAMPLES = frozenset({"examples", "example", "samples", "sample"})
# Documents that never answer a topic: they record history or grant rights.
_NOT_TOPICAL = re.compile(r"^(?:changelog|changes|history|news|license|licence|copying)\b", re.I)


@dataclass(frozen=True, kw_only=True)
class Topic:
    """Phrases a topic is recognised by, each matched as whole words (plurals tolerated)."""

    name: str
    names: tuple[str, ...] = ()  # in a document's file name
    dirs: tuple[str, ...] = ()  # as the name of a directory the document is in
    headings: tuple[str, ...] = ()  # in a heading of any document
    paths: tuple[str, ...] = ()  # gitignore-style patterns, from the check's parameters


def _topic(name: str, names: str, dirs: str, headings: str) -> Topic:
    def split(text: str) -> tuple[str, ...]:
        return tuple(phrase.strip() for phrase in text.split(",") if phrase.strip())

    return Topic(name=name, names=split(names), dirs=split(dirs), headings=split(headings))


BUILT_IN: dict[str, Topic] = {
    topic.name: topic
    for topic in (
        _topic(
            "migration",
            "migration, migrating, upgrade, upgrading",
            "migration guides, upgrade guides",
            "migration, migrating, upgrading, upgrade guide, upgrade notes, breaking change",
        ),
        _topic(
            "deployment",
            "deploy, deployment, deploying",
            "deploy, deployment",
            "deploy, deployment, deploying, running in production, production setup",
        ),
        _topic(
            "runbook",
            "runbook, playbook, operations, ops guide, operations guide, oncall, on call",
            "runbooks, playbooks, operations, ops",
            "runbook, playbook, operations, operating, operations guide, on call, oncall",
        ),
        _topic(
            "incident-response",
            "incident, incident response, postmortem",
            "incidents, postmortems",
            "incident, incident response, incident management, postmortem, outage",
        ),
        _topic(
            "backup-recovery",
            "backup, backup restore, restore, recovery",
            "backups",
            "backup, restore, restoring, recovery, recovering data",
        ),
        _topic(
            "scaling",
            "scaling, scalability, scale, autoscaling, capacity",
            "scaling, capacity",
            "scaling, scalability, scale out, autoscaling, capacity, capacity planning",
        ),
        _topic(
            "architecture",
            "architecture, design, adr, system design",
            "adr, adrs, decisions, architecture, design",
            "architecture, design, system design, architecture decision, components",
        ),
        _topic(
            "development-setup",
            "development, develop, dev setup, hacking, contributing",
            "development",
            "development, developing, development setup, dev setup, local development, "
            "development environment, hacking, building from source, build from source, "
            "contributing",
        ),
        _topic(
            "testing",
            "testing, test plan, test strategy, tests",
            "testing",
            "testing, tests, running tests, test, test suite",
        ),
        _topic(
            "release",
            "release, releasing, release process, publishing, versioning",
            "releasing, releases",
            "release, releasing, release process, publishing, versioning, cutting a release",
        ),
        _topic(
            "disaster-recovery",
            "disaster recovery, dr, dr plan, business continuity",
            "disaster recovery",
            "disaster recovery, business continuity, dr plan",
        ),
        _topic(
            "security-incident",
            "security incident, security response, incident response, breach",
            "security incidents",
            "security incident, security response, incident response, breach, compromise",
        ),
        _topic(
            "escalation",
            "escalation, escalating, oncall, on call, contacts",
            "escalation",
            "escalation, escalating, on call, oncall, contacts, who to contact",
        ),
        _topic(
            "rollback",
            "rollback, rolling back, roll back, revert, downgrade",
            "rollback",
            "rollback, rolling back, roll back, reverting a release, downgrade, downgrading",
        ),
        _topic(
            "troubleshooting",
            "troubleshooting, troubleshoot, faq, debugging, known issues, common problems",
            "troubleshooting",
            "troubleshooting, troubleshoot, faq, debugging, known issues, common problems, "
            "common failures",
        ),
        _topic(
            "maintenance",
            "maintenance, maintaining, housekeeping",
            "maintenance",
            "maintenance, maintaining, maintenance window, housekeeping, upkeep",
        ),
        _topic(
            "monitoring",
            "monitoring, observability, metrics, alerting, alerts, dashboards, telemetry",
            "monitoring, observability, dashboards, alerts",
            "monitoring, observability, metrics, alerting, alerts, dashboards, telemetry",
        ),
    )
}


def derive(name: str) -> Topic:
    """The patterns of a topic golive does not know, from the words of its name."""
    phrase = " ".join(_TOKEN.findall(name.lower()))
    return Topic(name=name, names=(phrase,), dirs=(phrase,), headings=(phrase,))


def describe(topic: Topic) -> str:
    """What was looked for, in words."""
    parts = []
    if topic.names:
        parts.append(
            "a file named like " + ", ".join(f"{p.replace(' ', '-')}*" for p in topic.names)
        )
    if topic.dirs:
        parts.append(
            "a document in a directory " + ", ".join(f"{d.replace(' ', '-')}/" for d in topic.dirs)
        )
    if topic.paths:
        parts.append("a file matching " + ", ".join(topic.paths))
    if topic.headings:
        parts.append("a heading on " + ", ".join(repr(h) for h in topic.headings))
    return "; or ".join(parts) or "nothing (no patterns)"


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A place that answers the topic: a whole file, or the section under a heading."""

    path: str
    words: int
    heading: Heading | None = None

    @property
    def where(self) -> str:
        if self.heading is None:
            return self.path
        return f"{self.path}:{self.heading.line} section {self.heading.title!r}"


def candidates(topic: Topic, documents: tuple[Document, ...]) -> list[Candidate]:
    """Every matching file and section, the most words first."""
    spec = pathspec.GitIgnoreSpec.from_lines(topic.paths) if topic.paths else None
    found: list[Candidate] = []
    for document in documents:
        *dirs, name = document.path.split("/")
        named = spec is not None and spec.match_file(document.path)
        if not named and (_NOT_TOPICAL.match(name) or _EXAMPLES.intersection(dirs)):
            continue
        stem = name.rpartition(".")[0] or name
        if (
            named
            or _matches(stem, topic.names)
            or any(_matches(directory, topic.dirs) for directory in dirs)
        ):
            found.append(Candidate(path=document.path, words=document.words()))
            continue
        for heading in document.headings:
            if _matches(heading.title, topic.headings):
                start, end = document.section(heading)
                found.append(
                    Candidate(path=document.path, words=document.words(start, end), heading=heading)
                )
    return sorted(found, key=lambda c: (-c.words, c.path, c.heading.line if c.heading else 0))


def _matches(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether one of `phrases` occurs in `text` as consecutive words."""
    tokens = _TOKEN.findall(text.lower())
    for phrase in phrases:
        wanted = _TOKEN.findall(phrase.lower())
        if not wanted:
            continue
        for start in range(len(tokens) - len(wanted) + 1):
            if all(_word(tokens[start + i], w) for i, w in enumerate(wanted)):
                return True
    return False


def _word(token: str, wanted: str) -> bool:
    if token == wanted:
        return True
    bases = (wanted, wanted[:-1]) if wanted.endswith("e") else (wanted,)
    return any(token == base + suffix for base in bases for suffix in _SUFFIXES)
