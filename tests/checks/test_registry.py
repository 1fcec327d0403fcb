"""The registry imports a family only when a check of its namespace is asked for."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from golive.checks.registry import ENTRY_POINT_GROUP, Registry, RegistryError

FAMILY = '''
from golive.checks.base import Check, NoParams, passed
from golive.model import Kind


class {name}(Check):
    """{title}"""

    id = "{id}"
    kind = Kind.STATIC
    Params = NoParams

    def run(self, {fixture}):
        return passed("fine")
'''


def _module(root: Path, module: str, *checks: tuple[str, str], extra: str = "") -> None:
    """A module of checks: (class name, id) pairs, run() asking for `repo`."""
    body = "".join(
        FAMILY.format(name=name, title=f"{name} works.", id=check_id, fixture="repo")
        for name, check_id in checks
    )
    (root / f"{module}.py").write_text(body + textwrap.dedent(extra))


def _registry(*entries: tuple[str, str]) -> Registry:
    return Registry.discover([EntryPoint(n, v, ENTRY_POINT_GROUP) for n, v in entries])


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_only_the_namespace_asked_for_is_imported(plugins: Path) -> None:
    _module(plugins, "fam_alpha", ("One", "alpha.one"))
    _module(plugins, "fam_beta", ("Two", "beta.two"))
    registry = _registry(("alpha", "fam_alpha"), ("beta", "fam_beta"))
    assert "fam_alpha" not in sys.modules
    check = registry.get("alpha.one")
    assert check is not None and check.id == "alpha.one"
    assert "fam_alpha" in sys.modules and "fam_beta" not in sys.modules
    assert [c.id for c in registry] == ["alpha.one", "beta.two"]  # the catalog takes all
    assert "fam_beta" in sys.modules


def test_a_module_registered_under_two_namespaces_is_loaded_once(plugins: Path) -> None:
    _module(plugins, "fam_gamma", ("Three", "gamma.three"), ("Four", "delta.four"))
    registry = _registry(("gamma", "fam_gamma"), ("delta", "fam_gamma"))
    assert registry.get("delta.four") is not None
    assert registry.get("gamma.three") is not None
    assert [c.id for c in registry] == ["delta.four", "gamma.three"]


def test_a_second_entry_point_of_a_namespace_takes_a_suffix(plugins: Path) -> None:
    _module(plugins, "fam_eps_a", ("A", "eps.a"))
    _module(plugins, "fam_eps_b", ("B", "eps.b"))
    registry = _registry(("eps", "fam_eps_a"), ("eps.more", "fam_eps_b"))
    assert registry.get("eps.b") is not None


def test_a_check_outside_its_namespace_is_refused(plugins: Path) -> None:
    _module(plugins, "fam_stray", ("Stray", "other.stray"))
    registry = _registry(("zeta", "fam_stray"))
    with pytest.raises(RegistryError, match=r'provides "other.stray" outside its namespace'):
        registry.get("zeta.anything")


def test_an_entry_point_must_be_named_after_a_namespace() -> None:
    with pytest.raises(RegistryError, match="named after the namespace"):
        _registry(("Not A Namespace", "fam_whatever"))


def test_a_broken_plugin_fails_when_its_namespace_is_used(plugins: Path) -> None:
    (plugins / "fam_broken.py").write_text("raise ImportError('missing dependency')\n")
    _module(plugins, "fam_fine", ("Fine", "fine.one"))
    registry = _registry(("broken", "fam_broken"), ("fine", "fam_fine"))
    assert registry.get("fine.one") is not None  # an unrelated review is not blocked
    with pytest.raises(RegistryError, match=r'"broken" .* failed to load: ImportError'):
        registry.get("broken.one")


def test_a_fixture_of_another_family_is_found(plugins: Path) -> None:
    provider = """
    def shared_value(repo):
        return 42


    FIXTURES = {"shared_value": shared_value}
    """
    _module(plugins, "fam_provider", ("Provider", "prov.one"), extra=provider)
    (plugins / "fam_user.py").write_text(
        FAMILY.format(name="User", title="Uses it.", id="user.one", fixture="shared_value")
    )
    registry = _registry(("prov", "fam_provider"), ("user", "fam_user"))
    assert registry.get("user.one") is not None
    assert "shared_value" in registry.fixtures


def test_an_unknown_fixture_is_refused_after_every_family_was_asked(plugins: Path) -> None:
    (plugins / "fam_needy.py").write_text(
        FAMILY.format(name="Needy", title="Needs.", id="needy.one", fixture="nowhere")
    )
    registry = _registry(("needy", "fam_needy"))
    with pytest.raises(RegistryError, match=r"unknown fixture\(s\) \['nowhere'\]"):
        registry.get("needy.one")


def test_a_built_check_supersedes_its_planned_entry() -> None:
    from golive.checks.base import Check, NoParams, passed
    from golive.checks.registry import PlannedCheck
    from golive.model import Kind

    class Built(Check):
        """Built now."""

        id = "demo.built"
        kind = Kind.STATIC
        Params = NoParams

        def run(self, root: Path):  # type: ignore[no-untyped-def]
            return passed("fine")

    planned = [
        PlannedCheck(id=i, kind=Kind.STATIC, title=i, params={})
        for i in ("demo.built", "demo.someday")
    ]
    registry = Registry([Built], planned)
    assert registry.get("demo.built") is Built
    assert registry.planned("demo.built") is None
    assert registry.planned("demo.someday") is not None
    assert list(registry.planned_checks()) == ["demo.someday"]


def test_every_built_in_family_keeps_to_its_namespaces() -> None:
    registry = Registry.discover()
    assert len(registry) > 70  # imports all, validating every id against its entry points


def test_a_review_of_dockerfiles_imports_no_other_family() -> None:
    probe = (
        "import json, sys\n"
        "from golive.checks.registry import Registry\n"
        "registry = Registry.discover()\n"
        "assert registry.get('docker.non-root') is not None\n"
        "print(json.dumps([m for m in sys.modules if m.startswith('golive.checks.')]))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    imported = set(json.loads(run.stdout))
    assert "golive.checks.docker" in imported
    others = {"rust", "secrets", "deps", "alerting", "backup", "config", "ci", "coverage"}
    assert not {f"golive.checks.{name}" for name in others} & imported
