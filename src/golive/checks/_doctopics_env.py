"""Environment variables the code reads (Rust, Python, JavaScript/TypeScript, Go), and where
the documentation names them."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from golive.checks._doctopics_markdown import Documents, skipped_dir
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["Read", "documented_names", "example_files", "find_reads", "well_known"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_RUST = (
    re.compile(rf"\benv::var(?:_os)?\(\s*\"(?P<name>{_NAME})\"\s*\)"),
    re.compile(rf"(?<![\w:])(?:option_)?env!\(\s*\"(?P<name>{_NAME})\""),
)
_RUST_CONST_READ = re.compile(r"\benv::var(?:_os)?\(\s*(?P<const>[A-Z_][A-Z0-9_]*)\s*\)")
_RUST_CONST = re.compile(
    rf"\bconst\s+(?P<const>\w+)\s*:\s*&(?:'static\s+)?str\s*=\s*\"(?P<name>{_NAME})\""
)
_JS = (
    re.compile(rf"\bprocess\.env\.(?P<name>{_NAME})"),
    re.compile(rf"\bprocess\.env\[\s*[\"'`](?P<name>{_NAME})[\"'`]\s*\]"),
    re.compile(rf"\bimport\.meta\.env\.(?P<name>{_NAME})"),
)
_JS_DESTRUCTURED = re.compile(r"\{(?P<names>[^{}]*)\}\s*=\s*process\.env\b")
_GO = (re.compile(rf"\bos\.(?:Getenv|LookupEnv)\(\s*\"(?P<name>{_NAME})\"\s*\)"),)
_JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
_TEST_FILE = re.compile(
    r"^(?:test_.*\.py|.*_test\.(?:py|go|rs)|conftest\.py|.*\.(?:test|spec)\.[cm]?[jt]sx?)$"
)
_NON_RUNTIME_DIRS = frozenset({"benches", "benchmarks", "fixtures", "spec", "e2e"})
_EXAMPLE_FILE = re.compile(
    r"^(?:\.?env\.(?:example|sample|template|dist|defaults?)"
    r"|(?:example|sample)\.env|.*\.env\.(?:example|sample|template)"
    r"|.*\.(?:example|sample|template|dist)(?:\.\w+)?)$",
    re.I,
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Set by the system, the shell or the build tool: nobody documents these.
_WELL_KNOWN = frozenset(
    {
        "PATH", "HOME", "USER", "USERNAME", "LOGNAME", "SHELL", "PWD", "TERM", "LANG",
        "LANGUAGE", "TZ", "TMPDIR", "TMP", "TEMP", "HOSTNAME", "NO_COLOR", "CI", "NODE_ENV",
        "OUT_DIR", "RUSTC", "RUSTDOC", "TARGET", "HOST", "NUM_JOBS", "OPT_LEVEL", "PROFILE",
        "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
    }
)  # fmt: skip
_WELL_KNOWN_PREFIXES = ("CARGO_", "LC_", "DEP_", "XDG_")
_SETTINGS_BASES = frozenset({"BaseSettings"})


@dataclass(frozen=True, kw_only=True)
class Read:
    """One place the code reads an environment variable."""

    name: str
    location: Location
    any_case: bool = False  # a pydantic settings field: matched case-insensitively
    alternatives: tuple[str, ...] = ()  # other names that satisfy the same read (aliases)


def well_known(name: str) -> bool:
    return name in _WELL_KNOWN or name.startswith(_WELL_KNOWN_PREFIXES)


def _source(path: str) -> bool:
    *dirs, name = path.split("/")
    return not (
        skipped_dir(path)
        or _TEST_FILE.match(name)
        or any(part in _NON_RUNTIME_DIRS for part in dirs)
    )


def find_reads(repo: Repository) -> tuple[list[Read], int]:
    """Every read by a literal name, and how many files were scanned."""
    reads: list[Read] = []
    scanned = 0
    for path in repo.files:
        lower = path.lower()
        if not lower.endswith((".rs", ".py", ".go", *_JS_SUFFIXES)) or not _source(path):
            continue
        text = repo.text(path)
        if text is None:
            continue
        scanned += 1
        if lower.endswith(".py"):
            reads.extend(_python(path, text))
        elif lower.endswith(".rs"):
            reads.extend(_rust(path, text))
        elif lower.endswith(".go"):
            reads.extend(_regex_reads(path, text, _GO))
        else:
            reads.extend(_regex_reads(path, text, _JS))
            reads.extend(_js_destructured(path, text))
    return reads, scanned


def _position(text: str, offset: int) -> tuple[int, int, str]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : len(text) if end == -1 else end]
    return text.count("\n", 0, offset) + 1, offset - start + 1, line


def _in_comment(line: str, column: int) -> bool:
    before = line[: column - 1]
    stripped = before.lstrip()
    if stripped.startswith(("//", "*", "/*")):
        return True
    cut = before.find("//")
    return cut != -1 and before[:cut].count('"') % 2 == 0


def _regex_reads(path: str, text: str, patterns: tuple[re.Pattern[str], ...]) -> Iterator[Read]:
    for pattern in patterns:
        for match in pattern.finditer(text):
            line, column, source = _position(text, match.start())
            if not _in_comment(source, column):
                yield Read(
                    name=match["name"], location=Location(path=path, line=line, column=column)
                )


def _rust(path: str, text: str) -> Iterator[Read]:
    yield from _regex_reads(path, text, _RUST)
    constants = {m["const"]: m["name"] for m in _RUST_CONST.finditer(text)}
    for match in _RUST_CONST_READ.finditer(text):
        name = constants.get(match["const"])
        line, column, source = _position(text, match.start())
        if name is not None and not _in_comment(source, column):
            yield Read(name=name, location=Location(path=path, line=line, column=column))


def _js_destructured(path: str, text: str) -> Iterator[Read]:
    for match in _JS_DESTRUCTURED.finditer(text):
        line, column, _ = _position(text, match.start())
        for entry in match["names"].split(","):
            name = entry.split(":")[0].split("=")[0].strip()
            if re.fullmatch(_NAME, name):
                yield Read(name=name, location=Location(path=path, line=line, column=column))


# --- Python, through its syntax tree ------------------------------------------------------------


def _python(path: str, text: str) -> list[Read]:
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return []  # not Python this interpreter can read; the Python checks say so
    visitor = _PythonReads(path, tree)
    visitor.visit(tree)
    return visitor.reads


class _PythonReads(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.reads: list[Read] = []
        self.os_names = {"os"}  # names bound to the os module
        self.environ_names: set[str] = set()  # names bound to os.environ
        self.getenv_names: set[str] = set()  # names bound to os.getenv
        self.constants: dict[str, str] = {}  # module-level NAME = "TEXT"
        self.settings: dict[str, str] = {}  # settings class -> its env_prefix
        for node in tree.body:
            if isinstance(node, ast.Assign) and _text(node.value) is not None:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.constants[target.id] = _text(node.value) or ""

    def _at(
        self,
        node: ast.expr | ast.stmt,
        name: str,
        *,
        any_case: bool = False,
        alternatives: tuple[str, ...] = (),
    ) -> None:
        where = Location(path=self.path, line=node.lineno, column=node.col_offset + 1)
        self.reads.append(
            Read(name=name, location=where, any_case=any_case, alternatives=alternatives)
        )

    def _name(self, node: ast.expr | None) -> str | None:
        if node is None:
            return None
        text = _text(node)
        if text is None and isinstance(node, ast.Name):
            text = self.constants.get(node.id)
        return text if text and re.fullmatch(_NAME, text) else None

    def _is_environ(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.environ_names
        return (
            isinstance(node, ast.Attribute)
            and node.attr in {"environ", "environb"}
            and isinstance(node.value, ast.Name)
            and node.value.id in self.os_names
        )

    def visit_Import(self, node: ast.Import) -> None:
        self.os_names.update(alias.asname or "os" for alias in node.names if alias.name == "os")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "os":
            for alias in node.names:
                bound = alias.asname or alias.name
                if alias.name == "environ":
                    self.environ_names.add(bound)
                elif alias.name == "getenv":
                    self.getenv_names.add(bound)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        name = self._name(node.slice)
        if isinstance(node.ctx, ast.Load) and self._is_environ(node.value) and name:
            self._at(node, name)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        name = self._name(node.left)
        if (
            name
            and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
            and any(self._is_environ(other) for other in node.comparators)
        ):
            self._at(node, name)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        getenv = (isinstance(func, ast.Name) and func.id in self.getenv_names) or (
            isinstance(func, ast.Attribute)
            and (
                (func.attr in {"getenv", "getenvb"} and isinstance(func.value, ast.Name)
                 and func.value.id in self.os_names)
                or (func.attr in {"get", "setdefault", "pop"} and self._is_environ(func.value))
            )
        )  # fmt: skip
        name = self._name(node.args[0]) if getenv and node.args else None
        if name:
            self._at(node, name)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [_base_name(base) for base in node.bases]
        parent = next((b for b in bases if b in self.settings), None)
        if parent is not None or any(b in _SETTINGS_BASES for b in bases):
            prefix = _env_prefix(node)
            self.settings[node.name] = (
                prefix if prefix is not None else self.settings.get(parent or "", "")
            )
            self._settings_fields(node, self.settings[node.name])
        self.generic_visit(node)

    def _settings_fields(self, node: ast.ClassDef, prefix: str) -> None:
        for statement in node.body:
            if not (
                isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
            ):
                continue
            field = statement.target.id
            if (
                field.startswith("_")
                or field == "model_config"
                or "ClassVar" in ast.unparse(statement.annotation)
            ):
                continue
            aliases = _aliases(statement.value)
            if aliases:
                self._at(statement, aliases[0], any_case=True, alternatives=tuple(aliases[1:]))
            else:
                self._at(statement, f"{prefix}{field}".upper(), any_case=True)


def _text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _env_prefix(node: ast.ClassDef) -> str | None:
    """The class's own env_prefix: `model_config = SettingsConfigDict(env_prefix=...)`, a
    dict literal, or `class Config: env_prefix = ...`."""
    for statement in node.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if not any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
                continue
            value = statement.value
            if isinstance(value, ast.Call):
                for keyword in value.keywords:
                    if keyword.arg == "env_prefix" and _text(keyword.value) is not None:
                        return _text(keyword.value)
            if isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    if _text(key) == "env_prefix" and _text(item) is not None:
                        return _text(item)
        if isinstance(statement, ast.ClassDef) and statement.name == "Config":
            for inner in statement.body:
                if (
                    isinstance(inner, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "env_prefix" for t in inner.targets)
                    and _text(inner.value) is not None
                ):
                    return _text(inner.value)
    return None


def _aliases(value: ast.expr | None) -> list[str]:
    """`Field(alias="X")`, `Field(validation_alias="X")` or `AliasChoices("X", "Y")`."""
    if not isinstance(value, ast.Call) or _base_name(value.func) != "Field":
        return []
    found: list[str] = []
    for keyword in value.keywords:
        if keyword.arg not in {"alias", "validation_alias", "env"}:
            continue
        if _text(keyword.value) is not None:
            found.append(_text(keyword.value) or "")
        elif (
            isinstance(keyword.value, ast.Call) and _base_name(keyword.value.func) == "AliasChoices"
        ):
            found.extend(t for arg in keyword.value.args if (t := _text(arg)) is not None)
    return [name for name in found if re.fullmatch(_NAME, name)]


# --- where variables are documented -------------------------------------------------------------


def example_files(repo: Repository) -> list[str]:
    """Example configuration (`.env.example`, `config.sample.toml`, ...) outside tests."""
    return [
        path
        for path in repo.files
        if _EXAMPLE_FILE.match(path.rpartition("/")[2]) and not skipped_dir(path)
    ]


def documented_names(documents: Documents, repo: Repository) -> tuple[set[str], list[str]]:
    """Every identifier-like word of the documents and example files, and those files."""
    words: set[str] = set()
    sources: list[str] = []
    for document in documents.items:
        sources.append(document.path)
        for line in document.lines:
            words.update(_IDENTIFIER.findall(line))
    for path in example_files(repo):
        text = repo.text(path)
        if text is not None:
            sources.append(path)
            words.update(_IDENTIFIER.findall(text))
    return words, sources
