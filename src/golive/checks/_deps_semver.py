"""Semantic versions, and the version-requirement languages of Cargo and npm."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Range", "SemVer", "cargo_range", "npm_range", "parse_semver"]

_VERSION = re.compile(
    r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$"
)
_WILD = {"*", "x", "X"}
_PARTIAL = re.compile(
    r"^v?(?P<major>\d+|[*xX])(?:\.(?P<minor>\d+|[*xX]))?(?:\.(?P<patch>\d+|[*xX]))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_COMPARATOR = re.compile(r"^(?P<op>\^|~>|~|=|>=|<=|>|<)?\s*(?P<version>\S+)$")


@functools.total_ordering
@dataclass(frozen=True)
class SemVer:
    """A version under semantic-versioning precedence (build metadata ignored)."""

    major: int
    minor: int
    patch: int
    pre: tuple[int | str, ...] = ()

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # A release sorts after its pre-releases; numeric identifiers before alphanumeric.
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return core + ("-" + ".".join(map(str, self.pre)) if self.pre else "")


def parse_semver(text: str) -> SemVer | None:
    """A version such as `1.2.3`, `1.2.3-rc.1` or `0` (missing parts are 0); None if not one."""
    match = _VERSION.match(text)
    if not match:
        return None
    major, minor, patch, pre = match.groups()
    return SemVer(int(major), int(minor or 0), int(patch or 0), _pre(pre))


def _pre(text: str | None) -> tuple[int | str, ...]:
    if not text:
        return ()
    return tuple(int(part) if part.isdigit() else part for part in text.split("."))


Comparator = tuple[str, SemVer]  # (">=" | ">" | "<" | "<=" | "=", version)


@dataclass(frozen=True)
class Range:
    """Alternatives (OR) of comparator sets (AND); an empty set matches every version.

    Pre-releases are matched leniently: `^1.0` matches `1.1.0-beta` here, where Cargo and npm
    would skip it unless asked. golive compares versions already chosen (locked, or named by
    an advisory), so ordering is what matters, not what a resolver would pick.
    """

    alternatives: tuple[tuple[Comparator, ...], ...]

    def contains(self, version: SemVer) -> bool:
        return any(all(_holds(c, version) for c in group) for group in self.alternatives)

    @property
    def bounded_above(self) -> bool:
        """Whether every alternative has an upper limit (`*` and `>=1` have none)."""
        return all(any(op in {"<", "<=", "="} for op, _ in g) for g in self.alternatives)


def _holds(comparator: Comparator, version: SemVer) -> bool:
    op, bound = comparator
    match op:
        case ">=":
            return version >= bound
        case ">":
            return version > bound
        case "<":
            return version < bound
        case "<=":
            return version <= bound
        case _:
            return version == bound


def cargo_range(text: str) -> Range | None:
    """A Cargo version requirement (`1.2`, `^1.2`, `~1`, `>=1, <2`, `1.*`); None if malformed."""
    group: list[Comparator] = []
    for part in text.split(","):
        expanded = _comparator(part.strip(), bare="^")
        if expanded is None:
            return None
        group.extend(expanded)
    return Range((tuple(group),))


def npm_range(text: str) -> Range | None:
    """An npm semver range (`^1.2.3`, `~1`, `1.x`, `>=1 <2 || 3`, `1.0 - 2.0`); None if it is
    not a range (a tag such as `latest`, a URL, a path)."""
    alternatives = []
    for alternative in text.split("||"):
        spaced = re.sub(r"(\^|~>|~|=|>=|<=|>|<)\s+", r"\1", alternative.strip())
        group: list[Comparator] = []
        hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", spaced)
        if hyphen:
            low, high = _partial(hyphen[1]), _partial(hyphen[2])
            if low is None or high is None:
                return None
            group += _expand(">=", low)
            group += _expand("<=", high)
        else:
            for part in spaced.split():
                expanded = _comparator(part, bare="=")
                if expanded is None:
                    return None
                group.extend(expanded)
        alternatives.append(tuple(group))
    return Range(tuple(alternatives))


_Partial = tuple[int | None, int | None, int | None, tuple[int | str, ...]]


def _partial(text: str) -> _Partial | None:
    if text in _WILD or text == "":
        return (None, None, None, ())
    match = _PARTIAL.match(text)
    if not match:
        return None

    def number(name: str) -> int | None:
        value = match[name]
        return None if value is None or value in _WILD else int(value)

    major, minor, patch = number("major"), number("minor"), number("patch")
    if major is None:
        minor = patch = None
    elif minor is None:
        patch = None
    return (major, minor, patch, _pre(match["pre"]))


def _comparator(text: str, *, bare: str) -> list[Comparator] | None:
    if text in _WILD:
        return []
    match = _COMPARATOR.match(text)
    if not match:
        return None
    partial = _partial(match["version"])
    if partial is None:
        return None
    op = match["op"] or bare
    return _expand("~" if op == "~>" else op, partial)


def _expand(op: str, partial: _Partial) -> list[Comparator]:
    """Turn one written comparator into primitive ones, filling what the text leaves out."""
    major, minor, patch, pre = partial
    if major is None:
        return [] if op not in {"<", ">"} else [("<", SemVer(0, 0, 0, (0,)))]
    low = SemVer(major, minor or 0, patch or 0, pre)
    exact = minor is not None and patch is not None
    # The first version past what the partial version names (1.2 -> 1.3.0, 1 -> 2.0.0).
    past = SemVer(major, minor + 1, 0) if minor is not None else SemVer(major + 1, 0, 0)
    match op:
        case "^":
            if major > 0 or minor is None:
                top = SemVer(major + 1, 0, 0)
            elif minor > 0 or patch is None:
                top = SemVer(0, minor + 1, 0)
            else:
                top = SemVer(0, 0, (patch or 0) + 1)
            return [(">=", low), ("<", top)]
        case "~":
            return [(">=", low), ("<", past)]
        case "=":
            return [("=", low)] if exact else [(">=", low), ("<", past)]
        case ">":
            return [(">", low)] if exact else [(">=", past)]
        case ">=":
            return [(">=", low)]
        case "<":
            return [("<", low)]
        case _:  # "<="
            return [("<=", low)] if exact else [("<", past)]
