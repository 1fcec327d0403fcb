"""The Python project at the repository root: its configuration, the tools it uses, and where
those tools are installed."""

from __future__ import annotations

import configparser
import re
import shutil
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from golive.checks._toml_file import TomlFile
from golive.checks.base import NotApplicable, Unknown
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["PyProject", "PythonProject", "Tool", "ToolConfig", "load_project"]

# Directories whose Python files are someone else's code, or build output.
_VENDORED_DIRS = frozenset(
    {
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".eggs",
        "site-packages",
        "node_modules",
        "vendor",
        "third_party",
        "build",
        "dist",
        "target",
        "__pycache__",
    }
)
_VENV_DIRS = (".venv", "venv")  # where a project keeps its own virtual environment
_NOT_PACKAGES = frozenset({"tests", "test", "docs", "doc", "examples", "scripts", "benchmarks"})
_NOT_MODULES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py"})
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_TOOLS = ("ruff", "black", "mypy", "pytest")


class PyProject(TomlFile):
    """The parsed pyproject.toml, with the text for positions."""


@dataclass(frozen=True, kw_only=True)
class ToolConfig:
    """Where the project says it uses a tool: a configuration section, or a dependency."""

    source: str  # "[tool.ruff] in pyproject.toml", "mypy.ini", "black in the dependencies"
    location: Location | None


@dataclass(frozen=True, kw_only=True)
class Tool:
    """An installed tool, and where it was found."""

    name: str
    executable: str
    origin: str  # ".venv/bin" (the project's own environment) or "PATH"


@dataclass(frozen=True, kw_only=True)
class PythonProject:
    """What golive knows of the Python project at the repository root."""

    root: Path
    pyproject: PyProject | None
    setup_cfg: str | None
    setup_py: str | None
    requirements: tuple[str, ...]
    sources: tuple[str, ...]  # .py files outside vendored directories
    dependencies: frozenset[str]  # canonical names of every declared dependency, dev ones too
    configured: Mapping[str, ToolConfig]  # "ruff", "black", "mypy", "pytest" -> where
    venv: str | None  # the project's own virtual environment directory
    packages: tuple[str, ...]  # the project's package directories (or top-level modules)
    mypy_targets_configured: bool  # the mypy configuration names `files`, `packages` or `modules`
    ruff_formatter_configured: bool  # `[tool.ruff.format]`, or `[format]` in ruff.toml

    def uses(self, tool: str) -> bool:
        return tool in self.configured

    def find_tool(self, name: str) -> Tool | None:
        """The tool from the project's virtual environment if it has it, else from PATH."""
        if self.venv is not None:
            directory = self.root / self.venv / "bin"
            found = shutil.which(name, path=str(directory))
            if found is not None:
                return Tool(name=name, executable=found, origin=f"{self.venv}/bin")
        found = shutil.which(name)
        return None if found is None else Tool(name=name, executable=found, origin="PATH")

    @property
    def venv_python(self) -> str | None:
        if self.venv is None:
            return None
        return shutil.which("python", path=str(self.root / self.venv / "bin"))

    def looked_in(self) -> str:
        """Where `find_tool` looks, for messages."""
        if self.venv is None:
            return "on PATH; the project has no .venv or venv"
        return f"in {self.venv}/bin, then on PATH"

    @property
    def formatter(self) -> str:
        """ "black" when the project formats with black and not ruff's formatter, else "ruff"."""
        if self.uses("black") and not self.ruff_formatter_configured:
            return "black"
        return "ruff"

    def is_local_module(self, name: str) -> bool:
        """Whether the module `name` is one of this project's (a package, a module, a test
        helper), rather than a dependency."""
        return any(name in path.removesuffix(".py").split("/") for path in self.sources)


def load_project(repo: Repository) -> PythonProject:
    """Describe the Python project at the root of `repo`; NotApplicable when there is none."""
    sources = tuple(p for p in repo.files if p.endswith(".py") and not _vendored(p))
    requirements = tuple(
        p for p in repo.files if re.fullmatch(r"(requirements[^/]*|requirements/[^/]+)\.txt", p)
    )
    setup_cfg = "setup.cfg" if repo.exists("setup.cfg") else None
    setup_py = "setup.py" if repo.exists("setup.py") else None
    pyproject = _pyproject(repo) if repo.exists("pyproject.toml") else None
    if not (pyproject or setup_cfg or setup_py or requirements or sources):
        raise NotApplicable(
            "no Python project here (no pyproject.toml, setup.py, setup.cfg, requirements*.txt "
            "or .py files outside vendored directories)"
        )
    setup = _ini(repo, setup_cfg) if setup_cfg else None
    dependencies = _dependencies(repo, pyproject, setup, requirements)
    configured = _configured(repo, pyproject, dependencies, sources)
    ruff_toml = next((n for n in ("ruff.toml", ".ruff.toml") if repo.exists(n)), None)
    ruff_format = bool(pyproject and pyproject.get("tool", "ruff", "format") is not None) or bool(
        ruff_toml and re.search(r"(?m)^\s*\[format\]", repo.text(ruff_toml) or "")
    )
    venv = next((d for d in _VENV_DIRS if (repo.root / d / "bin").is_dir()), None)
    return PythonProject(
        root=repo.root,
        pyproject=pyproject,
        setup_cfg=setup_cfg,
        setup_py=setup_py,
        requirements=requirements,
        sources=sources,
        dependencies=dependencies,
        configured=configured,
        venv=venv,
        packages=_packages(sources),
        mypy_targets_configured=_mypy_targets(repo, pyproject, setup),
        ruff_formatter_configured=ruff_format,
    )


def _vendored(path: str) -> bool:
    return any(part in _VENDORED_DIRS for part in path.split("/")[:-1])


def _pyproject(repo: Repository) -> PyProject:
    text = repo.text("pyproject.toml")
    if text is None:
        raise Unknown("pyproject.toml could not be read as UTF-8 text")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unknown(f"pyproject.toml is not valid TOML: {exc}") from exc
    return PyProject(path="pyproject.toml", data=data, text=text)


def _ini(repo: Repository, path: str) -> configparser.ConfigParser | None:
    """An INI file parsed, or None when it is unreadable (the tool itself will say why)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(repo.text(path) or "", source=path)
    except configparser.Error:
        return None
    return parser


def _section_location(repo: Repository, path: str, section: str) -> Location | None:
    """Where `[section]` opens in an INI file (found in the text, so a file configparser
    refuses still counts)."""
    text = repo.text(path) or ""
    match = re.search(rf"(?m)^[ \t]*(\[{re.escape(section)}\])", text)
    if match is None:
        return None
    start = match.start(1)
    line_start = text.rfind("\n", 0, start) + 1
    return Location(path=path, line=text.count("\n", 0, start) + 1, column=start - line_start + 1)


def _configured(
    repo: Repository,
    pyproject: PyProject | None,
    dependencies: frozenset[str],
    sources: tuple[str, ...],
) -> dict[str, ToolConfig]:
    found: dict[str, ToolConfig] = {}

    def note(tool: str, source: str, location: Location | None) -> None:
        found.setdefault(tool, ToolConfig(source=source, location=location))

    if pyproject is not None:
        for tool, keys in (
            ("ruff", ("tool", "ruff")),
            ("black", ("tool", "black")),
            ("mypy", ("tool", "mypy")),
            ("pytest", ("tool", "pytest", "ini_options")),
            ("pytest", ("tool", "pytest")),
        ):
            if pyproject.get(*keys) is not None:
                note(tool, f"[{'.'.join(keys)}] in pyproject.toml", pyproject.location(*keys))
    for tool, name in (
        ("ruff", "ruff.toml"),
        ("ruff", ".ruff.toml"),
        ("mypy", "mypy.ini"),
        ("mypy", ".mypy.ini"),
        ("pytest", "pytest.ini"),
        ("pytest", ".pytest.ini"),
    ):
        if repo.exists(name):
            note(tool, name, Location(path=name))
    for tool, path, section in (
        ("mypy", "setup.cfg", "mypy"),
        ("pytest", "setup.cfg", "tool:pytest"),
        ("pytest", "tox.ini", "pytest"),
    ):
        if repo.exists(path) and (where := _section_location(repo, path, section)):
            note(tool, f"[{section}] in {path}", where)
    for tool in _TOOLS:
        if tool in dependencies:
            note(tool, f"{tool} in the dependencies", None)
    conftest = next((p for p in sources if p.rpartition("/")[2] == "conftest.py"), None)
    if conftest is not None:
        note("pytest", conftest, Location(path=conftest))
    tests = next((p for p in repo.files if p.startswith(("tests/", "test/"))), None)
    if tests is not None:
        note("pytest", f"the {tests.partition('/')[0]}/ directory", None)
    return found


def _dependencies(
    repo: Repository,
    pyproject: PyProject | None,
    setup: configparser.ConfigParser | None,
    requirements: Iterable[str],
) -> frozenset[str]:
    specs: list[str] = []
    if pyproject is not None:
        specs.extend(_strings(pyproject.get("project", "dependencies")))
        for group in _tables(pyproject.get("project", "optional-dependencies")):
            specs.extend(_strings(group))
        for group in _tables(pyproject.get("dependency-groups")):
            specs.extend(_strings(group))  # {include-group = ...} entries are not names
        specs.extend(_strings(pyproject.get("tool", "uv", "dev-dependencies")))
        for group in _tables(pyproject.get("tool", "pdm", "dev-dependencies")):
            specs.extend(_strings(group))
        poetry = pyproject.get("tool", "poetry")
        if isinstance(poetry, Mapping):
            tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
            tables += [g.get("dependencies") for g in _tables(poetry.get("group"))]
            for table in tables:
                if isinstance(table, Mapping):
                    specs.extend(str(name) for name in table)
    if setup is not None:
        specs.extend(setup.get("options", "install_requires", fallback="").splitlines())
        if setup.has_section("options.extras_require"):
            for _, value in setup.items("options.extras_require"):
                specs.extend(value.splitlines())
    for path in requirements:
        specs.extend((repo.text(path) or "").splitlines())
    names = set()
    for spec in specs:
        match = _REQUIREMENT_NAME.match(spec)
        if match and not spec.lstrip().startswith(("-", "#")):
            names.add(canonicalize_name(match.group(1)))
    return frozenset(names)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _tables(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, Mapping) else []


def _mypy_targets(
    repo: Repository, pyproject: PyProject | None, setup: configparser.ConfigParser | None
) -> bool:
    keys = ("files", "packages", "modules")
    for name in ("mypy.ini", ".mypy.ini"):
        if repo.exists(name):  # mypy reads the first file it finds, in this order
            parser = _ini(repo, name)
            return parser is not None and any(parser.has_option("mypy", k) for k in keys)
    if pyproject is not None and isinstance(pyproject.get("tool", "mypy"), Mapping):
        return any(pyproject.get("tool", "mypy", k) for k in keys)
    return setup is not None and any(setup.has_option("mypy", k) for k in keys)


def _packages(sources: tuple[str, ...]) -> tuple[str, ...]:
    """Package directories (`src/pkg`, `pkg`), else the top-level modules, else `src`."""
    packages = sorted(
        {
            path.rpartition("/")[0]
            for path in sources
            if path.endswith("/__init__.py")
            and (
                (path.count("/") == 1 and path.partition("/")[0] not in _NOT_PACKAGES)
                or (path.count("/") == 2 and path.startswith("src/"))
            )
        }
    )
    if packages:
        return tuple(packages)
    modules = tuple(
        path
        for path in sources
        if (path.count("/") == 0 or (path.count("/") == 1 and path.startswith("src/")))
        and path.rpartition("/")[2] not in _NOT_MODULES
    )
    if not modules and any(path.startswith("src/") for path in sources):
        return ("src",)  # namespace packages, without __init__.py
    return modules
