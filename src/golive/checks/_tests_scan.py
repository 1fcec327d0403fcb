"""Finding tests in a repository's files: test files, test functions and their names.

Recognised: Rust `#[test]`-style functions (and every file under a crate's `tests/`), Python
`test_*` functions and `Test*` classes in pytest's test files, JavaScript and TypeScript
`it(...)`, `test(...)` and `describe(...)` titles in test files, Go `Test*`/`Fuzz*` functions
and JUnit-style `@Test` methods in Java and Kotlin. Vendored and build directories are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from golive.checks.repository import Repository

__all__ = ["FoundTest", "FoundTests", "code_files", "inventory", "is_vendored"]

_CODE_SUFFIXES = frozenset(
    {
        *("py", "rs", "js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts", "vue", "svelte"),
        *("go", "java", "kt", "kts", "scala", "rb", "php", "c", "h", "cc", "cpp", "cxx", "hpp"),
        *("cs", "fs", "swift", "ex", "exs", "erl", "hs", "clj", "dart", "lua", "zig", "m"),
    }
)
_VENDORED = frozenset(
    {
        *("node_modules", "target", "vendor", "third_party", ".venv", "venv", "site-packages"),
        *("dist", "build", "__pycache__", ".tox", ".nox", ".git", ".mypy_cache"),
    }
)
_JS_SUFFIXES = ("js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts")
_TEST_DIRS = frozenset({"tests", "test", "__tests__", "spec", "e2e", "cypress", "playwright"})

_PY_TEST_FILE = re.compile(r"(?:^test_.*|.*_test|^tests)\.py$")
_PY_TEST = re.compile(
    r"^[ \t]*(?:async[ \t]+)?def[ \t]+(test\w*)[ \t]*\(|^[ \t]*class[ \t]+(Test\w*)", re.M
)
_RUST_TEST = re.compile(
    r"#\[\s*(?:[\w:]+::)?(?:test|rstest|test_case|quickcheck|proptest)\b[^\]]*\]"
    r"(?:\s*#\[[^\]]*\]|\s*//[^\n]*)*"
    r"\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)"
)
_JS_TEST_FILE = re.compile(r"\.(?:test|spec|e2e|e2e-spec|cy)\.[cm]?[jt]sx?$")
_JS_TEST = re.compile(
    r"(?<![\w.$])(?:it|test|describe)(?:\.(?:only|skip|concurrent|todo|serial|each\([^)]*\)))*"
    r"\s*\(\s*(['\"`])((?:\\.|(?!\1)[^\\\n])*)\1"
)
_GO_TEST = re.compile(r"^func\s+((?:Test|Fuzz)\w*)\s*\(", re.M)
_JVM_TEST_FILE = re.compile(r"(?:Test|Tests|IT|Spec)\.(?:java|kt)$")
_JVM_TEST = re.compile(
    r"@Test\b[^\n]*\n(?:\s*@[^\n]*\n)*\s*(?:(?:public|protected|private|internal|static|open|"
    r"suspend)\s+)*(?:void|fun)\s+(`[^`]+`|\w+)\s*\("
)


@dataclass(frozen=True, kw_only=True)
class FoundTest:
    """One test, by the name its framework knows it by, and where it is defined."""

    name: str
    path: str
    line: int
    language: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.name}"


@dataclass(frozen=True, kw_only=True)
class FoundTests:
    """The tests of a repository: the test files and the test functions in them."""

    files: tuple[str, ...]
    tests: tuple[FoundTest, ...]
    code: int  # source files (tests included), vendored ones not counted


def is_vendored(path: str) -> bool:
    return any(part in _VENDORED for part in path.split("/")[:-1])


def code_files(repo: Repository) -> list[str]:
    """The repository's own source files, by extension; vendored directories left out."""
    return [
        path
        for path in repo.files
        if path.rpartition(".")[2].lower() in _CODE_SUFFIXES
        and "." in path.rpartition("/")[2]
        and not is_vendored(path)
    ]


def inventory(repo: Repository) -> FoundTests:
    files: list[str] = []
    tests: list[FoundTest] = []
    crates = {path.rpartition("/")[0] for path in repo.files if _name(path) == "Cargo.toml"}
    sources = code_files(repo)
    for path in sources:
        language = _language(path, crates)
        if language is None:
            continue
        text = repo.text(path)
        found = list(_tests_in(path, text, language)) if text else []
        in_test_dir = language != "rust" or _rust_test_dir(path, crates)
        if found or in_test_dir:
            files.append(path)
        tests.extend(found)
    return FoundTests(files=tuple(files), tests=tuple(tests), code=len(sources))


def _language(path: str, crates: set[str]) -> str | None:
    """The test language of `path` if it may hold tests (Rust: every file), else None."""
    name = _name(path)
    suffix = name.rpartition(".")[2]
    dirs = set(path.split("/")[:-1])
    if suffix == "rs":
        return "rust"
    if suffix == "py":
        return "python" if _PY_TEST_FILE.match(name) else None
    if suffix in _JS_SUFFIXES:
        return "javascript" if _JS_TEST_FILE.search(name) or dirs & _TEST_DIRS else None
    if suffix == "go":
        return "go" if name.endswith("_test.go") else None
    if suffix in {"java", "kt"}:
        testish = "/src/test/" in f"/{path}" or _JVM_TEST_FILE.search(name)
        return "jvm" if testish else None
    return None


def _rust_test_dir(path: str, crates: set[str]) -> bool:
    """Whether `path` is an integration-test file: under `tests/` of a crate."""
    return any(path.startswith(f"{crate}/tests/" if crate else "tests/") for crate in crates)


def _tests_in(path: str, text: str, language: str) -> Iterator[FoundTest]:
    if language == "rust":
        if "#[" not in text:
            return
        matches = ((m.start(1), m.group(1)) for m in _RUST_TEST.finditer(text))
    elif language == "python":
        matches = ((m.start(), m.group(1) or m.group(2)) for m in _PY_TEST.finditer(text))
    elif language == "javascript":
        matches = ((m.start(), m.group(2)) for m in _JS_TEST.finditer(text))
    elif language == "go":
        matches = ((m.start(), m.group(1)) for m in _GO_TEST.finditer(text))
    else:
        matches = ((m.start(), m.group(1).strip("`")) for m in _JVM_TEST.finditer(text))
    line, cursor = 1, 0
    for start, name in matches:
        line += text.count("\n", cursor, start)
        cursor = start
        yield FoundTest(name=name, path=path, line=line, language=language)


def _name(path: str) -> str:
    return path.rpartition("/")[2]
