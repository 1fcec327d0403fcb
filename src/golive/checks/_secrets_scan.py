"""The secret scanner: one pass over each file's bytes marks the lines worth a rule's exact
regex; large trees are shared out to worker processes.

With Hyperscan installed, that pass runs every rule's own pattern at once, in prefilter mode;
without it, a pure-Python search for the rules' keywords does the same job more slowly. Workers
read the files themselves, once each, and send back only positions and fingerprints: a secret
never leaves the process that found it.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checks._secrets_rules import RULES, Rule, fingerprint
from golive.checks._secrets_verify import Candidate

__all__ = ["Hit", "ScanResult", "engine", "hits_in", "is_config_file", "scan_bytes", "scan_tree"]

_SNIFF = 8192  # a NUL byte in the first 8 KiB makes a file binary


@dataclass(frozen=True, kw_only=True)
class Hit:
    """One secret found: where, by which rule, and its fingerprint (never the secret)."""

    path: str
    rule: str
    line: int
    column: int
    fingerprint: str
    key: str | None = None


@dataclass(kw_only=True)
class ScanResult:
    """Everything a scan found and skipped."""

    hits: list[Hit] = field(default_factory=list)
    scanned: int = 0
    scanned_bytes: int = 0
    binary: list[str] = field(default_factory=list)
    large: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def merge(self, other: ScanResult) -> None:
        self.hits.extend(other.hits)
        self.scanned += other.scanned
        self.scanned_bytes += other.scanned_bytes
        self.binary.extend(other.binary)
        self.large.extend(other.large)
        self.unreadable.extend(other.unreadable)


# --- finding the lines worth a regex ----------------------------------------------------------


class _Prefilter:
    """Which lines of a file each rule may match (and which whole-text rules may match at all).

    With Hyperscan, the rules' own patterns run in one pass in prefilter mode (a superset of
    what each matches: lookarounds and back-references are approximated); each report marks a
    line worth the exact regex. Without it, a line is worth a rule's regex when it contains one
    of the rule's keywords; every keyword is part of every match of its rule, so both ways
    find the same secrets.
    """

    def __init__(self, rules: Sequence[Rule], *, use_hyperscan: bool = True) -> None:
        self.rules = tuple(rules)
        caseless = sorted({k for rule in rules for k in rule.keywords})
        exact = sorted({k for rule in rules for k in rule.exact})
        self.keywords: list[tuple[bytes, bool]] = [(k, True) for k in caseless] + [
            (k, False) for k in exact
        ]
        index = {kw: i for i, kw in enumerate(self.keywords)}
        self.rule_keywords: list[tuple[int, ...]] = [
            tuple(index[(k, True)] for k in rule.keywords)
            + tuple(index[(k, False)] for k in rule.exact)
            for rule in rules
        ]
        self._hyperscan = _hyperscan_database(self) if use_hyperscan else None
        self._local = threading.local()
        self._caseless = re.compile(b"|".join(re.escape(k) for k in caseless))
        self._exact = re.compile(b"|".join(re.escape(k) for k in exact))

    def _scratch(self, database: Any) -> Any:
        """Hyperscan's working memory: one per thread, and new in a forked worker."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            import hyperscan

            local.scratch = hyperscan.Scratch(database)
            local.pid = os.getpid()
        return local.scratch

    @property
    def engine(self) -> str:
        return "hyperscan" if self._hyperscan is not None else "python"

    def candidates(self, data: bytes) -> dict[int, list[int] | None]:
        """Rule index -> start offsets of the lines to search, or None for the whole text."""
        if self._hyperscan is not None:
            return self._candidates_hyperscan(data)
        lowered = data.lower()
        # Most files hold no keyword at all: one regex pass says so before any other work.
        if self._caseless.search(lowered) is None and self._exact.search(data) is None:
            return {}
        lines: dict[int, set[int]] = {}
        found: dict[int, list[int] | None] = {}
        for order, (rule, keyword_ids) in enumerate(
            zip(self.rules, self.rule_keywords, strict=True)
        ):
            starts: set[int] = set()
            for k in keyword_ids:
                if k not in lines:
                    needle, caseless = self.keywords[k]
                    lines[k] = _line_starts(lowered if caseless else data, needle)
                starts |= lines[k]
            if starts:
                found[order] = None if rule.whole_text else sorted(starts)
        return found

    def _candidates_hyperscan(self, data: bytes) -> dict[int, list[int] | None]:
        assert self._hyperscan is not None
        database, whole = self._hyperscan
        ends: list[tuple[int, int]] = []

        def on_match(rule: int, start: int, end: int, flags: int, context: object) -> None:
            ends.append((rule, end))

        database.scan(data, match_event_handler=on_match, scratch=self._scratch(database))
        found: dict[int, list[int] | None] = {}
        current, line_end = -1, -1
        for rule, end in sorted(set(ends)):
            if rule in whole:
                found[rule] = None
            elif rule != current or end > line_end:  # not on the line listed last
                start = data.rfind(b"\n", 0, max(end - 1, 0)) + 1
                newline = data.find(b"\n", start)
                current, line_end = rule, len(data) if newline < 0 else newline
                starts = found.setdefault(rule, [])
                assert starts is not None
                starts.append(start)
        return found


def _hyperscan_database(prefilter: _Prefilter) -> tuple[Any, frozenset[int]] | None:
    try:
        import hyperscan  # type: ignore[import-not-found,unused-ignore]  # optional, for speed
    except ImportError:
        return None
    expressions: list[bytes] = []
    ids: list[int] = []
    flags: list[int] = []
    whole: set[int] = set()
    for order, rule in enumerate(prefilter.rules):
        if rule.whole_text and rule.keyword_gate:
            whole.add(order)  # the file needs a keyword; the pattern then runs over all of it
            for k in rule.keywords + rule.exact:
                expressions.append(re.escape(k))
                ids.append(order)
                flags.append(
                    hyperscan.HS_FLAG_SINGLEMATCH
                    | (hyperscan.HS_FLAG_CASELESS if k in rule.keywords else 0)
                )
            continue
        if rule.whole_text:
            whole.add(order)
        expressions.append(rule.pattern.pattern)
        ids.append(order)
        flags.append(hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE)
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        database.compile(expressions=expressions, ids=ids, elements=len(ids), flags=flags)
    except hyperscan.error:  # a CPU without the instructions it needs: the fallback works
        return None
    return database, frozenset(whole)


@functools.cache
def _prefilter() -> _Prefilter:
    """The prefilter of the built-in rules, compiled once per process (and kept by a fork)."""
    return _Prefilter(RULES)


def engine() -> str:
    """Which prefilter this process uses: "hyperscan" or "python"."""
    return _prefilter().engine


# --- scanning one file ---------------------------------------------------------------------------

_CONFIG_SUFFIXES = frozenset(
    {"env", "ini", "cfg", "conf", "properties", "yaml", "yml", "sh", "bash", "zsh", "tfvars"}
)
_CONFIG_NAMES = frozenset({".npmrc", ".pypirc", ".envrc", "dockerfile", "containerfile"})


def is_config_file(path: str) -> bool:
    """Files where `name = value` without quotes is an assignment: env, ini, YAML, shell."""
    name = path.rpartition("/")[2].lower()
    suffix = name.rpartition(".")[2] if "." in name else ""
    return (
        suffix in _CONFIG_SUFFIXES
        or name in _CONFIG_NAMES
        or name.startswith((".env", "dockerfile"))
    )


def _line_starts(haystack: bytes, needle: bytes) -> set[int]:
    """The start offset of every line of `haystack` that contains `needle`."""
    starts: set[int] = set()
    at = haystack.find(needle)
    while at >= 0:
        starts.add(haystack.rfind(b"\n", 0, at) + 1)
        end = haystack.find(b"\n", at)
        if end < 0:
            break
        at = haystack.find(needle, end)
    return starts


def scan_bytes(
    data: bytes, *, config: bool, prefilter: _Prefilter | None = None
) -> list[tuple[Rule, Candidate]]:
    """Every secret in `data`, by rule; where two rules claim the same bytes, the earlier."""
    prefilter = prefilter or _prefilter()
    found: list[tuple[int, Rule, Candidate]] = []
    for order, starts in prefilter.candidates(data).items():
        rule = prefilter.rules[order]
        if starts is None:
            matches: Iterable[re.Match[bytes]] = rule.pattern.finditer(data)
        else:
            matches = _in_lines(rule.pattern, data, starts)
        for match in matches:
            candidate = _verify(rule, match, config)
            if candidate is not None:
                found.append((order, rule, candidate))
    return _without_overlaps(found)


def _in_lines(
    pattern: re.Pattern[bytes], data: bytes, starts: list[int]
) -> Iterable[re.Match[bytes]]:
    for start in starts:
        end = data.find(b"\n", start)
        yield from pattern.finditer(data, start, len(data) if end < 0 else end)


def _verify(rule: Rule, match: re.Match[bytes], config: bool) -> Candidate | None:
    if rule.verify is None:
        return Candidate(start=match.start(), end=match.end(), secret=match.group())
    return rule.verify(match, config)


def _without_overlaps(
    found: list[tuple[int, Rule, Candidate]],
) -> list[tuple[Rule, Candidate]]:
    kept: list[tuple[Rule, Candidate]] = []
    for _, rule, candidate in sorted(found, key=lambda f: (f[0], f[2].start)):
        if all(candidate.end <= c.start or candidate.start >= c.end for _, c in kept):
            kept.append((rule, candidate))
    return sorted(kept, key=lambda f: f[1].start)


def hits_in(path: str, data: bytes) -> list[Hit]:
    """The secrets in one file's bytes, as hits with line and column."""
    hits = []
    for rule, candidate in scan_bytes(data, config=is_config_file(path)):
        line_start = data.rfind(b"\n", 0, candidate.start) + 1
        hits.append(
            Hit(
                path=path,
                rule=rule.id,
                line=data.count(b"\n", 0, candidate.start) + 1,
                column=len(data[line_start : candidate.start].decode("utf-8", "replace")) + 1,
                fingerprint=fingerprint(rule.id, candidate.secret),
                key=candidate.key,
            )
        )
    return hits


# --- scanning a tree -----------------------------------------------------------------------------


def _scan_paths(root: str, paths: Sequence[str], max_bytes: int) -> ScanResult:
    result = ScanResult()
    for path in paths:
        try:
            fd = os.open(f"{root}/{path}", os.O_RDONLY)
        except OSError:
            result.unreadable.append(path)
            continue
        try:
            data = os.read(fd, max_bytes + 1)
        except OSError:
            result.unreadable.append(path)
            continue
        finally:
            os.close(fd)
        if len(data) > max_bytes:
            result.large.append(path)
        elif data.find(b"\0", 0, _SNIFF) >= 0:
            result.binary.append(path)
        else:
            result.scanned += 1
            result.scanned_bytes += len(data)
            result.hits.extend(hits_in(path, data))
    return result


_PARALLEL_FILES = 4000  # below this, starting worker processes costs more than it saves
_MAX_WORKERS = 8


def scan_tree(root: Path, paths: Sequence[str], *, max_bytes: int) -> ScanResult:
    """Scan the files `paths` (relative to `root`), in worker processes when there are many."""
    workers = min(
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, _MAX_WORKERS
    )
    if len(paths) < _PARALLEL_FILES or workers < 2 or not sys.platform.startswith("linux"):
        return _scan_paths(str(root), paths, max_bytes)
    return _scan_parallel(str(root), paths, max_bytes, workers)


def _scan_parallel(root: str, paths: Sequence[str], max_bytes: int, workers: int) -> ScanResult:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    _prefilter()  # compiled here, so every worker inherits it instead of compiling its own
    # Forked workers start in milliseconds; a spawned interpreter would re-import golive
    # first. A worker only reads files and runs regexes, so no lock another thread of the
    # review might hold at the fork is one it needs.
    context = multiprocessing.get_context("fork")
    share = -(-len(paths) // (workers * 4))  # four chunks per worker evens out slow files
    chunks = [paths[i : i + share] for i in range(0, len(paths), share)]
    result = ScanResult()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(
                pool.map(_scan_paths, [root] * len(chunks), chunks, [max_bytes] * len(chunks))
            )
    except (OSError, BrokenProcessPool):  # no processes to be had: do the work here
        return _scan_paths(root, paths, max_bytes)
    for part in parts:
        result.merge(part)
    return result
