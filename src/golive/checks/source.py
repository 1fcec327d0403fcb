"""Source-code checks: markers of unfinished work (TODO, FIXME, XXX, HACK) left in comments."""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Annotated

import pathspec
from pydantic import Field

from golive.checks.base import Check, CheckParams, Facts, failed, not_applicable, passed
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Location, Outcome

__all__ = ["TodoMarkers", "TodoParams"]

_MESSAGE_CHARS = 120
_MACRO_RULE = "rust-todo-macro"
_SKIP_REASONS = ("vendored", "generated", "excluded", "binary", "large")


@dataclass(frozen=True, kw_only=True)
class _Syntax:
    """How comments and strings look in one language; `prose` files count every marker."""

    line: tuple[str, ...] = ()  # openers of comments that run to the end of the line
    blocks: tuple[tuple[str, str], ...] = ()  # (opener, closer) of block comments
    quotes: str = "\"'"  # string delimiters, so that a "#" inside a string opens no comment
    triple: bool = False  # Python's triple-quoted strings
    prose: bool = False
    rust: bool = False


_HASH = _Syntax(line=("#",))
_PYTHON = _Syntax(line=("#",), triple=True)
_C = _Syntax(line=("//",), blocks=(("/*", "*/"),), quotes="\"'`")  # `: JS and Go
_RUST = _Syntax(line=("//",), blocks=(("/*", "*/"),), quotes='"', rust=True)  # 'a: a lifetime
_PHP = _Syntax(line=("//", "#"), blocks=(("/*", "*/"),))
_SQL = _Syntax(line=("--",), blocks=(("/*", "*/"),))
_LUA = _Syntax(line=("--",))  # --[[ block ]] opens with the line opener too
_HASKELL = _Syntax(line=("--",), blocks=(("{-", "-}"),), quotes='"')
_MARKUP = _Syntax(blocks=(("<!--", "-->"),), quotes="")  # apostrophes in text are not strings
_INI = _Syntax(line=(";", "#"), quotes='"')
_LISP = _Syntax(line=(";",), quotes='"')
_PROSE = _Syntax(prose=True)

_BY_SUFFIX: dict[str, _Syntax] = {
    **dict.fromkeys(("py", "pyi", "pyw"), _PYTHON),
    **dict.fromkeys(
        ("sh", "bash", "zsh", "fish", "toml", "yaml", "yml", "rb", "pl", "pm", "r", "mk"), _HASH
    ),
    **dict.fromkeys(("dockerfile", "cmake", "nix", "tf", "ex", "exs", "jl", "ps1"), _HASH),
    "rs": _RUST,
    **dict.fromkeys(("c", "h", "cc", "cpp", "cxx", "hpp", "hh", "go", "java", "js", "mjs"), _C),
    **dict.fromkeys(("cjs", "jsx", "ts", "tsx", "mts", "cts", "kt", "kts", "swift"), _C),
    **dict.fromkeys(("scala", "sc", "cs", "dart", "groovy", "gradle", "proto", "zig"), _C),
    **dict.fromkeys(("css", "scss", "less", "sol"), _C),
    "php": _PHP,
    "sql": _SQL,
    "lua": _LUA,
    "hs": _HASKELL,
    **dict.fromkeys(("html", "htm", "xml", "xhtml", "vue", "svelte"), _MARKUP),
    **dict.fromkeys(("ini", "cfg"), _INI),
    **dict.fromkeys(("lisp", "el", "clj", "cljs", "scm", "asm", "s"), _LISP),
}
_DOCS = dict.fromkeys(("md", "markdown", "rst", "txt", "adoc"), _PROSE)
_BY_NAME = dict.fromkeys(
    ("dockerfile", "containerfile", "makefile", "gnumakefile", "cmakelists.txt"), _HASH
)

_VENDORED_DIRS = frozenset(
    {"vendor", "third_party", "node_modules", "target", "dist", "build", ".venv", "__pycache__"}
)
_GENERATED = re.compile(r"@generated|DO NOT EDIT")
_MACROS = ("todo", "unimplemented")
_CLOSERS = re.compile(r"\s*(?:\*/|-->|-}|\]\])\s*$")  # the end of a block comment


class TodoParams(CheckParams):
    markers: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=lambda: ["TODO", "FIXME", "XXX", "HACK"]
    )
    max: int = Field(default=0, ge=0)  # markers allowed before the check fails
    include_docs: bool = False  # also scan Markdown, reStructuredText and text files
    # gitignore-style patterns of paths not to scan
    exclude: list[str] = Field(default_factory=list)


class TodoMarkers(Check):
    """No TODO, FIXME, XXX or HACK markers are left in the code.

    A marker counts only inside a comment of the file's language, so a string or an
    identifier that happens to contain one does not; in Rust files, `todo!()` and
    `unimplemented!()` outside comments count too. Vendored code (vendor/, third_party/,
    node_modules/, target/, dist/, build/), minified files, lockfiles and generated files
    (`@generated` or `DO NOT EDIT` in their first five lines) are skipped and counted, as are
    binary and oversized files. With `include_docs`, every marker in Markdown,
    reStructuredText and text files counts. Each finding's fingerprint depends on the file,
    the marker and the comment, not on the line, so a waiver keeps matching when code moves.
    """

    id = "source.todo"
    kind = Kind.STATIC
    Params = TodoParams
    fix = "Finish the work, or move it to the issue tracker and delete the marker."

    def run(self, params: TodoParams, repo: Repository) -> Outcome:
        pattern = _pattern(tuple(params.markers))
        needles = (*params.markers, *(f"{macro}!" for macro in _MACROS))
        excluded = pathspec.GitIgnoreSpec.from_lines(params.exclude)
        skipped: Counter[str] = Counter()
        findings: list[Finding] = []
        sources = 0
        for path in repo.files:
            syntax = _syntax(path, params.include_docs)
            extensionless = "." not in path.rpartition("/")[2]
            if syntax is None and not extensionless:
                continue
            reason = (
                "excluded"
                if params.exclude and excluded.match_file(path)
                else "vendored"
                if _vendored(path)
                else None
            )
            if reason is not None:
                skipped[reason] += syntax is not None  # only source files are worth counting
                continue
            text = repo.text(path)
            if syntax is None:  # no extension: a script if it starts with a shebang
                if text is None or not text.startswith("#!"):
                    continue
                syntax = _HASH
            sources += 1
            if text is None:
                skipped["large" if path in repo.skipped_large else "binary"] += 1
            elif _GENERATED.search(_head(text, 5)):
                skipped["generated"] += 1
            elif any(needle in text for needle in needles):  # most files: no regex at all
                findings.extend(_markers(path, text, syntax, pattern))
        if not sources:
            return not_applicable("the repository has no source files to scan")
        label = "/".join(params.markers) or "todo!()"
        by_rule = Counter(f.rule for f in findings)
        facts: Facts = {
            "markers": len(findings),
            "files": sources - sum(skipped[k] for k in ("binary", "large", "generated")),
            **{f"skipped_{reason}": skipped[reason] for reason in _SKIP_REASONS},
            **{f"markers.{rule}": count for rule, count in sorted(by_rule.items()) if rule},
        }
        count = len(findings)
        observed = f"{count} marker(s)"
        required = f"<= {params.max}"
        if not count:
            return passed(f"no {label} markers", observed="0 markers", facts=facts)
        breakdown = ", ".join(f"{n} {rule}" for rule, n in by_rule.most_common())
        if count <= params.max:
            return passed(
                f"{count} marker(s) ({breakdown}), within the {params.max} allowed",
                observed=observed,
                required=required,
                findings=findings,
                facts=facts,
            )
        return failed(
            f"{count} marker(s) left in the code ({breakdown})",
            observed=observed,
            required=required,
            findings=findings,
            remediation=self.fix,
            facts=facts,
        )


@functools.cache
def _pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for every marker (longest first) and for Rust's placeholder macros."""
    alternatives = "|".join(re.escape(m) for m in sorted(set(markers), key=len, reverse=True))
    macro = rf"(?<![\w!])(?P<macro>{'|'.join(_MACROS)})!\s*\("  # first: `todo!(` is a macro
    marker = rf"|(?<!\w)(?P<marker>{alternatives})(?!\w)" if markers else ""
    return re.compile(macro + marker)


@functools.cache
def _tokens(syntax: _Syntax) -> re.Pattern[str]:
    """Comments and string literals of a language, in the order a lexer meets them."""
    strings = [rf"{q}{q}{q}[\s\S]*?(?:{q}{q}{q}|\Z)" for q in syntax.quotes if syntax.triple]
    strings += [rf"{q}(?:\\.|[^{q}\\\n])*{q}?" for q in syntax.quotes]
    comments = [
        r"(?:(?<=\s)|^)#[^\n]*" if opener == "#" else rf"{re.escape(opener)}[^\n]*"
        for opener in syntax.line
    ]
    comments += [rf"{re.escape(a)}[\s\S]*?(?:{re.escape(b)}|\Z)" for a, b in syntax.blocks]
    alternatives = [f"(?P<comment>{'|'.join(comments)})"] if comments else []
    if strings:
        alternatives.append(f"(?P<string>{'|'.join(strings)})")
    return re.compile("|".join(alternatives) or r"(?!)", re.MULTILINE)


def _markers(path: str, text: str, syntax: _Syntax, pattern: re.Pattern[str]) -> list[Finding]:
    lexed: _Lexed | None = None  # comments and strings, found only once a marker turns up
    found: list[Finding] = []
    line, cursor = 1, 0
    for match in pattern.finditer(text):
        pos = match.start()
        is_macro = match.lastgroup == "macro"
        if is_macro and not syntax.rust:
            continue
        end = len(text)
        if not syntax.prose:
            lexed = lexed or _Lexed(text, syntax)
            token = lexed.at(pos)
            if is_macro and token is not None:
                continue  # a todo!() in a comment or a string is not code
            if not is_macro:
                if token is None or token.lastgroup != "comment":
                    continue
                end = token.end()
        line += text.count("\n", cursor, pos)
        cursor = pos
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        end = min(end, len(text) if line_end == -1 else line_end)
        said = " ".join(_CLOSERS.sub("", text[pos:end]).split())
        if len(said) > _MESSAGE_CHARS:
            said = said[: _MESSAGE_CHARS - 3].rstrip() + "..."
        rule = _MACRO_RULE if is_macro else match.group("marker")
        digest = hashlib.sha256(f"{path}\0{rule}\0{said}".encode()).hexdigest()[:16]
        found.append(
            Finding(
                message=said,
                location=Location(path=path, line=line, column=pos - line_start + 1),
                rule=rule,
                fingerprint=digest,
            )
        )
    return found


class _Lexed:
    """The comments and string literals of one file, searchable by position."""

    def __init__(self, text: str, syntax: _Syntax) -> None:
        self._tokens = list(_tokens(syntax).finditer(text))
        self._starts = [token.start() for token in self._tokens]

    def at(self, pos: int) -> re.Match[str] | None:
        index = bisect.bisect_right(self._starts, pos) - 1
        if index >= 0 and pos < self._tokens[index].end():
            return self._tokens[index]
        return None


def _syntax(path: str, include_docs: bool) -> _Syntax | None:
    name = path.rpartition("/")[2].lower()
    if name in _BY_NAME or name.startswith(("dockerfile.", "containerfile.")):
        return _HASH
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return None
    return _BY_SUFFIX.get(suffix) or (_DOCS.get(suffix) if include_docs else None)


def _vendored(path: str) -> bool:
    *dirs, name = path.split("/")
    return (
        any(directory in _VENDORED_DIRS for directory in dirs)
        or name.endswith((".min.js", ".lock"))
        or name == "package-lock.json"
    )


def _head(text: str, lines: int) -> str:
    end = -1
    for _ in range(lines):
        end = text.find("\n", end + 1)
        if end == -1:
            return text
    return text[:end]
