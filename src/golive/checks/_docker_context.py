"""Finding the Dockerfiles of a repository, their build contexts and their .dockerignore files.

`.dockerignore` patterns follow Docker's rules, which differ from `.gitignore`: each pattern is
matched against the whole path from the context's root (`*.pem` is only the root's; `**/*.pem`
is any), a pattern that matches a directory excludes everything in it, `!` re-includes, and
the last matching line wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from golive.checks._docker_model import Dockerfile, Unreadable, parse_dockerfile
from golive.checks._docker_parse import DockerfileError
from golive.checks._docker_words import words
from golive.checks.repository import Repository
from golive.model import Location

__all__ = [
    "BuildContext",
    "DockerFiles",
    "DockerIgnore",
    "clean_path",
    "is_dockerfile",
    "load_docker_files",
]

_NAMES = frozenset({"dockerfile", "containerfile"})
_PREFIXES = ("dockerfile.", "dockerfile-", "dockerfile_", "containerfile.", "containerfile-")
_SUFFIXES = (".dockerfile", ".containerfile")
_NOT_DOCKERFILES = (
    *(".dockerignore", ".md", ".txt", ".rst", ".j2", ".jinja", ".jinja2", ".tmpl", ".tpl"),
    *(".template", ".in", ".erb", ".orig", ".bak", ".rej", ".swp", ".sh", ".yml", ".yaml"),
    *(".json", ".lock", ".py", ".ps1", ".patch", ".diff", ".toml", ".ini", ".cfg", ".xml"),
    *(".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rs", ".java", ".kt", ".rb"),
    *(".php", ".cs", ".c", ".h", ".cpp", ".html", ".css", ".snap", ".golden", ".out"),
)
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True, kw_only=True)
class _Rule:
    pattern: str
    negated: bool
    regex: re.Pattern[str]
    line: int


@dataclass(frozen=True, kw_only=True)
class DockerIgnore:
    """One .dockerignore file; its patterns apply from the directory `base`."""

    path: str
    base: str
    rules: tuple[_Rule, ...] = ()
    readable: bool = True

    @classmethod
    def parse(cls, path: str, base: str, text: str | None) -> DockerIgnore:
        if text is None:
            return cls(path=path, base=base, readable=False)
        rules: list[_Rule] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = clean_path(line[1:].strip() if negated else line)
            if pattern:
                rules.append(
                    _Rule(pattern=pattern, negated=negated, regex=_compile(pattern), line=number)
                )
        return cls(path=path, base=base, rules=tuple(rules))

    def rule_for(self, relative: str) -> _Rule | None:
        """The last rule matching `relative` (a path from `base`) or one of its folders."""
        parts = relative.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        found: _Rule | None = None
        for rule in self.rules:
            if any(rule.regex.match(prefix) for prefix in prefixes):
                found = rule
        return found

    def excludes(self, relative: str) -> bool:
        rule = self.rule_for(relative)
        return rule is not None and not rule.negated

    def location_of(self, rule: _Rule | None) -> Location:
        return Location(path=self.path, line=rule.line if rule else 1)


@dataclass(frozen=True, kw_only=True)
class BuildContext:
    """Where a Dockerfile is probably built from, and the .dockerignore files near it.

    `ignores` lists, in BuildKit's order of precedence, the Dockerfile's own
    `<name>.dockerignore`, then `.dockerignore` of the context, of the Dockerfile's folder and
    of the repository root; BuildKit uses the first of the first two that exists.
    """

    directory: str  # relative to the repository; '' for its root
    ignores: tuple[DockerIgnore, ...] = ()
    files: tuple[str, ...] = field(default=(), repr=False)  # the context's files, relative

    @property
    def effective(self) -> DockerIgnore | None:
        return self.ignores[0] if self.ignores else None


@dataclass(frozen=True, kw_only=True)
class DockerFiles:
    """Every Dockerfile of the repository, parsed once, with its build context; the ones that
    could not be read with their reason."""

    files: tuple[Dockerfile, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()
    contexts: Mapping[str, BuildContext] = field(default_factory=lambda: MappingProxyType({}))
    skipped: tuple[str, ...] = ()  # Dockerfile templates (`Dockerfile.j2`) left alone

    @property
    def empty(self) -> bool:
        return not self.files and not self.unreadable

    def context(self, path: str) -> BuildContext:
        """The build context of the Dockerfile at `path` (parsed or not)."""
        return self.contexts.get(path) or BuildContext(directory=path.rpartition("/")[0])


def is_dockerfile(path: str) -> bool:
    """Dockerfile, Containerfile, `Dockerfile.*`, `*.dockerfile` (templates and docs aside)."""
    name = path.rpartition("/")[2].lower()
    if name in _NAMES:
        return True
    if name.endswith(_NOT_DOCKERFILES):
        return False
    if name.startswith(("dockerfile-", "dockerfile_", "containerfile-")):
        return "." not in name  # `dockerfile-utils.ts` is code about Dockerfiles
    return name.startswith(_PREFIXES) or name.endswith(_SUFFIXES)


def load_docker_files(repo: Repository) -> DockerFiles:
    """Parse every Dockerfile of `repo` and find the build context of each."""
    files: list[Dockerfile] = []
    unreadable: list[Unreadable] = []
    for path in repo.files:
        if not is_dockerfile(path):
            continue
        text = repo.text(path)
        if text is None:
            reason = "too large to read" if path in repo.skipped_large else "not UTF-8 text"
            unreadable.append(Unreadable(path=path, reason=reason, location=Location(path=path)))
            continue
        try:
            files.append(parse_dockerfile(text, path))
        except DockerfileError as error:
            where = Location(path=path, line=error.line, column=error.column)
            unreadable.append(Unreadable(path=path, reason=error.message, location=where))
    index = _Index(repo.files)
    contexts = {
        dockerfile.path: _context(dockerfile.path, _guess_context(dockerfile, index), repo, index)
        for dockerfile in files
    }
    for item in unreadable:  # its .dockerignore can still be judged
        contexts[item.path] = _context(item.path, item.path.rpartition("/")[0], repo, index)
    skipped = tuple(path for path in repo.files if _is_template(path))
    return DockerFiles(
        files=tuple(files),
        unreadable=tuple(unreadable),
        contexts=MappingProxyType(contexts),
        skipped=skipped,
    )


def _is_template(path: str) -> bool:
    name = path.rpartition("/")[2].lower()
    return (
        not is_dockerfile(path)
        and name.startswith(_PREFIXES)
        and not name.endswith((".dockerignore", ".md", ".txt", ".rst"))
    )


@dataclass(frozen=True)
class _Index:
    files: tuple[str, ...]

    @cached_property
    def directories(self) -> frozenset[str]:
        found: set[str] = set()
        for path in self.files:
            parts = path.split("/")[:-1]
            found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return frozenset(found)

    @cached_property
    def present(self) -> frozenset[str]:
        return frozenset(self.files)

    def under(self, directory: str) -> tuple[str, ...]:
        if not directory:
            return self.files
        prefix = directory + "/"
        return tuple(path[len(prefix) :] for path in self.files if path.startswith(prefix))


def _context(path: str, directory: str, repo: Repository, index: _Index) -> BuildContext:
    folder = path.rpartition("/")[0]
    candidates = [
        (f"{path}.dockerignore", directory),
        (_join(directory, ".dockerignore"), directory),
        (_join(folder, ".dockerignore"), folder),
        (".dockerignore", ""),
    ]
    ignores: list[DockerIgnore] = []
    for candidate, base in dict(candidates).items():
        if candidate in index.present:
            ignores.append(DockerIgnore.parse(candidate, base, repo.text(candidate)))
    return BuildContext(directory=directory, ignores=tuple(ignores), files=index.under(directory))


def _guess_context(dockerfile: Dockerfile, index: _Index) -> str:
    """The nearest folder, from the Dockerfile's own up to the root, where one of its COPY
    sources exists (the Dockerfile's own when none does, as for a Dockerfile copying `.`).

    Docker cannot tell from the file which context it is built with: `docker/Dockerfile`
    with `COPY src ./src` is built from the root when `src/` is there, not from `docker/`.
    """
    sources = list(_explicit_sources(dockerfile))
    parts = dockerfile.directory.split("/") if dockerfile.directory else []
    for size in range(len(parts), -1, -1):
        candidate = "/".join(parts[:size])
        for source in sources:
            joined = _join(candidate, source)
            if _contains(joined, dockerfile.directory):
                continue  # `COPY app` seen from above `app/Dockerfile` is the folder itself
            if joined in index.present or joined in index.directories:
                return candidate
    return dockerfile.directory


def _explicit_sources(dockerfile: Dockerfile) -> Iterable[str]:
    for stage in dockerfile.stages:
        for instruction in stage.of("COPY", "ADD"):
            if instruction.flag("from") or instruction.heredocs:
                continue
            items = (
                list(instruction.exec_form)
                if instruction.exec_form is not None
                else words(instruction.args, escape=dockerfile.escape).items
            )
            for source in items[:-1]:
                cleaned = clean_path(source)
                if (
                    cleaned
                    and "$" not in cleaned
                    and "://" not in cleaned
                    and not _GLOB.search(cleaned)
                ):
                    yield cleaned


def _contains(folder: str, path: str) -> bool:
    return bool(folder) and (path == folder or path.startswith(folder + "/"))


def _join(directory: str, path: str) -> str:
    return f"{directory}/{path}" if directory and path else directory or path


def clean_path(pattern: str) -> str:
    """Go's `filepath.Clean`, then without the leading `/` (as Docker reads patterns)."""
    parts: list[str] = []
    for part in pattern.split("/"):
        if part in {"", "."}:
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _compile(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                out.append("(?:.*/)?")
                index += 1
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[index + 1 : end]
                body = "^" + body[1:] if body.startswith(("!", "^")) else body
                out.append("[" + body.replace("\\", "\\\\") + "]")
                index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    out.append("$")
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(pattern) + "$")
