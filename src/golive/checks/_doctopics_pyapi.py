"""The public Python API of the project's packages, and which of it has docstrings."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from golive.checks._doctopics_markdown import skipped_dir
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["PythonApi", "Undocumented", "python_api"]

_NOT_LIBRARY_DIRS = frozenset(
    {"examples", "example", "docs", "doc", "scripts", "benchmarks", "samples", "migrations"}
)
_TEST_FILE = re.compile(r"^(?:test_.*|.*_test|conftest)\.py$")
_SKIPPED_DECORATORS = frozenset({"overload", "override", "setter", "deleter"})
_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True, kw_only=True)
class Undocumented:
    """A public function, class or method without a docstring."""

    name: str  # qualified within its module: `Client.send`
    kind: str  # "function", "class" or "method"
    location: Location


@dataclass(frozen=True, kw_only=True)
class PythonApi:
    packages: tuple[str, ...]
    modules: int
    public: int
    documented: int
    undocumented: tuple[Undocumented, ...]
    unparsable: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.documented / self.public if self.public else 1.0


def python_api(repo: Repository) -> PythonApi | None:
    """The public API of every top-level package outside tests and examples (None: none)."""
    packages = sorted(
        directory
        for path in repo.files
        if path.endswith("/__init__.py")
        and _library(directory := path.rpartition("/")[0])
        and not repo.exists(f"{directory.rpartition('/')[0]}/__init__.py")
    )
    if not packages:
        return None
    modules = [
        path
        for path in repo.files
        if path.endswith(".py")
        and any(path.startswith(f"{package}/") for package in packages)
        and _public_module(path)
    ]
    public = documented = 0
    missing: list[Undocumented] = []
    unparsable: list[str] = []
    for path in modules:
        text = repo.text(path)
        try:
            tree = ast.parse(text or "", filename=path)
        except (SyntaxError, ValueError):
            tree = None
        if text is None or tree is None:
            unparsable.append(path)
            continue
        for name, kind, node in _public(tree):
            public += 1
            if ast.get_docstring(node):
                documented += 1
            else:
                where = Location(path=path, line=node.lineno, column=node.col_offset + 1)
                missing.append(Undocumented(name=name, kind=kind, location=where))
    return PythonApi(
        packages=tuple(packages),
        modules=len(modules) - len(unparsable),
        public=public,
        documented=documented,
        undocumented=tuple(missing),
        unparsable=tuple(unparsable),
    )


def _library(directory: str) -> bool:
    parts = directory.split("/")
    return not (
        skipped_dir(f"{directory}/x")
        or any(part in _NOT_LIBRARY_DIRS or part.startswith(".") for part in parts)
    )


def _public_module(path: str) -> bool:
    *dirs, name = path.split("/")
    if _TEST_FILE.match(name) or skipped_dir(path) or name == "__main__.py":
        return False
    private = [part for part in (*dirs, name.removesuffix(".py")) if part.startswith("_")]
    return all(part == "__init__" for part in private)


def _public(tree: ast.Module) -> Iterator[tuple[str, str, _Definition]]:
    exported = _exported(tree)
    for node in _statements(tree.body):
        if isinstance(node, _Definition) and not node.name.startswith("_"):
            if exported is not None and node.name not in exported:
                continue
            if isinstance(node, ast.ClassDef):
                yield node.name, "class", node
                yield from _members(node, node.name)
            elif not _skipped(node):
                yield node.name, "function", node


def _members(cls: ast.ClassDef, prefix: str) -> Iterator[tuple[str, str, _Definition]]:
    for node in _statements(cls.body):
        if not isinstance(node, _Definition) or node.name.startswith("_"):
            continue
        name = f"{prefix}.{node.name}"
        if isinstance(node, ast.ClassDef):
            yield name, "class", node
            yield from _members(node, name)
        elif not _skipped(node):
            yield name, "method", node


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a body, looking into `if` and `try` blocks (version switches)."""
    for node in body:
        if isinstance(node, ast.If | ast.Try):
            yield from _statements(node.body)
            yield from _statements(node.orelse)
        else:
            yield node


def _skipped(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Overloads, property setters and overrides take their documentation from elsewhere."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in _SKIPPED_DECORATORS:
            return True
    return False


def _exported(tree: ast.Module) -> set[str] | None:
    """The names in a literal `__all__`, when the module has one."""
    for node in tree.body:
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and any(
                isinstance(t, ast.Name) and t.id == "__all__"
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return {
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
    return None
