"""The dependency checks against real manifest and lockfile trees in tests/data/deps.

pip-audit, cargo-audit and cargo-deny cannot look anything up from this machine (no OSV, no
RustSec database, no per-release PyPI data), so the tests that drive them put a small stand-in
first on the PATH that replays their output: pip-audit's is real output recorded here
(tests/data/deps/pip-audit/README.md says how); cargo-audit and cargo-deny cannot be installed
here at all, so theirs is written by hand in the shape of their JSON reports.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.checks import _deps_pins
from golive.checks._deps_inventory import build_inventory
from golive.checks._deps_model import Ecosystem, Origin
from golive.checks._deps_node import parse_npm_lock, parse_package_json
from golive.checks._deps_osv import load_advisories
from golive.checks._deps_pylocks import parse_python_lock
from golive.checks._deps_python import parse_pipfile, parse_pyproject, parse_requirements
from golive.checks._deps_rust import parse_cargo_lock, parse_cargo_toml
from golive.checks._deps_sbom import build_sbom, purl
from golive.checks._deps_semver import cargo_range, npm_range, parse_semver
from golive.checks.deps import Audit, LockfileCommitted, Pinned, Policy, Sbom, Updates
from golive.checks.repository import Repository
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "deps"
ADVISORIES = DATA / "advisories"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def where(outcome: Outcome) -> list[str]:
    return [str(f.location) for f in outcome.findings]


def rules(outcome: Outcome) -> list[str | None]:
    return [f.rule for f in outcome.findings]


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def commit(root: Path) -> Path:
    config = ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]):
        subprocess.run(["git", *config, *args], cwd=root, check=True, capture_output=True)
    return root


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


# --- the deps_manifests fixture ----------------------------------------------------------------


def test_workspace_members_share_the_root_lockfile() -> None:
    rust = build_inventory(Repository.scan(DATA / "rust-workspace"))
    assert {m.path: m.lockfile for m in rust.manifests} == {
        "Cargo.toml": "Cargo.lock",
        "crates/cli/Cargo.toml": "Cargo.lock",
        "crates/core/Cargo.toml": "Cargo.lock",
    }
    core = next(m for m in rust.manifests if m.path == "crates/core/Cargo.toml")
    (serde,) = core.requirements
    assert (serde.spec, serde.inherited, str(serde.location)) == (
        "1.0",
        True,
        "crates/core/Cargo.toml:7:1",
    )
    node = build_inventory(Repository.scan(DATA / "node-workspace"))
    api = next(m for m in node.manifests if m.path == "packages/api/package.json")
    assert api.lockfile == "package-lock.json"


def test_vendored_directories_are_skipped_and_counted() -> None:
    inventory = build_inventory(Repository.scan(DATA / "vendored"))
    assert (inventory.manifests, inventory.vendored) == ((), 2)


def test_requirements_files_lock_themselves_or_their_source() -> None:
    inventory = build_inventory(Repository.scan(DATA / "requirements"))
    assert {m.path: m.lockfile for m in inventory.manifests} == {
        "requirements-dev.txt": None,  # pytest>=7 is not a pin
        "requirements.in": "requirements.txt",  # compiled by pip-compile
        "requirements.txt": "requirements.txt",
    }
    lock = inventory.lockfiles["requirements.txt"]
    assert [(p.name, p.version, p.line) for p in lock.packages] == [
        ("blinker", "1.7.0", 4),
        ("flask", "3.0.0", 7),
        ("werkzeug", "3.0.1", 10),
    ]
    assert all(p.hashes and p.hashes[0][0] == "SHA-256" for p in lock.packages)


def test_a_constraints_file_pins_a_requirements_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"requirements.txt": "-c constraints.txt\nflask\n", "constraints.txt": "flask==3.0.0\n"},
    )
    inventory = build_inventory(Repository.scan(tmp_path))
    (manifest,) = inventory.manifests
    assert manifest.lockfile == "requirements.txt"
    assert inventory.lockfiles["requirements.txt"].packages[0].version == "3.0.0"


def test_local_only_manifests_need_no_lockfile(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "-e .\n",
            "Cargo.toml": '[package]\nname = "a"\n\n[dependencies]\nb = { path = "b" }\n',
        },
    )
    assert run_check(LockfileCommitted, tmp_path).status is Status.NOT_APPLICABLE
    write(
        tmp_path,
        {"Cargo.toml": '[package]\nname = "a"\n\n[dependencies]\nb = { path = "/opt/b" }\n'},
    )
    assert [f.message for f in run_check(Pinned, tmp_path).findings] == [
        "b is a path outside the repository (/opt/b)"
    ]


def test_npm_specs(tmp_path: Path) -> None:
    package = {
        "dependencies": {
            "fast": "npm:@scope/real@^2.0.0",
            "pad": "user/pad#main",
            "tar": "https://x/t.tgz",
            "lib": "file:../lib",
        }
    }
    write(tmp_path, {"package.json": json.dumps(package, indent=2)})
    (manifest,) = build_inventory(Repository.scan(tmp_path)).manifests
    assert [(r.name, r.spec, r.origin, r.branch_only) for r in manifest.requirements] == [
        ("@scope/real", "^2.0.0", Origin.REGISTRY, False),
        ("pad", "", Origin.GIT, True),
        ("tar", "", Origin.URL, False),
        ("lib", "", Origin.PATH, False),
    ]


def test_files_read_with_dash_r_are_manifests_too(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "-r deps/common.txt\ngunicorn==21.2.0\n",
            "deps/common.txt": "flask>=2\n",
        },
    )
    inventory = build_inventory(Repository.scan(tmp_path))
    assert {m.path: m.lockfile for m in inventory.manifests} == {
        "deps/common.txt": None,
        "requirements.txt": "requirements.txt",
    }
    assert where(run_check(Pinned, tmp_path)) == ["deps/common.txt:1:1"]


def test_an_ignored_lockfile_on_disk_is_still_read(tmp_path: Path) -> None:
    root = copy(tmp_path, "rust-app")
    (root / ".gitignore").write_text("Cargo.lock\n")
    inventory = build_inventory(Repository.scan(root))
    assert inventory.manifests[0].lockfile == "Cargo.lock"
    assert len(inventory.lockfiles["Cargo.lock"].packages) == 5


# --- lockfile formats ---------------------------------------------------------------------------


def test_cargo_lock_version_1_keeps_checksums_in_metadata() -> None:
    lock = parse_cargo_lock(
        "Cargo.lock",
        '[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "registry+https://x"\n\n'
        '[metadata]\n"checksum a 1.0.0 (registry+https://x)" = "' + "ab" * 32 + '"\n',
    )
    assert lock.packages[0].hashes == (("SHA-256", "ab" * 32),)


def test_yarn_berry_and_workspaces() -> None:
    text = (
        '__metadata:\n  version: 6\n\n"lodash@npm:^4.17.21":\n  version: 4.17.21\n'
        '  resolution: "lodash@npm:4.17.21"\n  checksum: abc\n  linkType: hard\n\n'
        '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n'
    )
    lock = parse_npm_lock("yarn.lock", text)
    assert [(p.name, p.version, p.origin, p.line) for p in lock.packages] == [
        ("lodash", "4.17.21", Origin.REGISTRY, 4),
        ("app", "0.0.0-use.local", Origin.LOCAL, 10),
    ]


def test_package_lock_version_1_nests_dependencies() -> None:
    text = json.dumps(
        {
            "lockfileVersion": 1,
            "dependencies": {
                "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0"}}}
            },
        },
        indent=2,
    )
    lock = parse_npm_lock("package-lock.json", text)
    assert [(p.name, p.version, p.line) for p in lock.packages] == [
        ("a", "1.0.0", 4),
        ("b", "2.0.0", 7),
    ]


def test_pnpm_lock_version_6_keys() -> None:
    text = "lockfileVersion: '6.0'\n\npackages:\n\n  /ms@2.1.3:\n    resolution: {integrity: sha512-AAAA}\n    dev: false\n"
    lock = parse_npm_lock("pnpm-lock.yaml", text)
    assert [(p.name, p.version, p.line) for p in lock.packages] == [("ms", "2.1.3", 5)]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "pdm.lock",
            '[[package]]\nname = "rich"\nversion = "13.7.0"\ngroups = ["default"]\n'
            'files = [{file = "rich-13.7.0.tar.gz", hash = "sha256:' + "cd" * 32 + '"}]\n',
            [("rich", "13.7.0", Origin.REGISTRY, True)],
        ),
        (
            "pylock.toml",
            'lock-version = "1.0"\n\n[[packages]]\nname = "attrs"\nversion = "23.2.0"\n'
            'sdist = {url = "https://x/attrs-23.2.0.tar.gz", hashes = {sha256 = "'
            + "ef"
            * 32
            + '"}}\n\n'
            '[[packages]]\nname = "me"\ndirectory = {path = "."}\n',
            [("attrs", "23.2.0", Origin.REGISTRY, True), ("me", "", Origin.LOCAL, False)],
        ),
        (
            "Pipfile.lock",
            json.dumps(
                {
                    "default": {
                        "requests": {"version": "==2.31.0", "hashes": ["sha256:" + "01" * 32]}
                    },
                    "develop": {"tool": {"git": "https://x/tool.git", "ref": "0123abc"}},
                },
                indent=4,
            ),
            [("requests", "2.31.0", Origin.REGISTRY, True), ("tool", "0123abc", Origin.GIT, False)],
        ),
    ],
)
def test_python_lockfiles(
    name: str, text: str, expected: list[tuple[str, str, Origin, bool]]
) -> None:
    lock = parse_python_lock(name, text)
    assert lock.error is None
    assert [(p.name, p.version, p.origin, bool(p.hashes)) for p in lock.packages] == expected


def test_an_unreadable_lockfile_keeps_its_error() -> None:
    assert parse_npm_lock("package-lock.json", "{broken").error
    assert parse_python_lock("uv.lock", "[[package]\n").error


def test_surprising_structures_are_unreadable_files_not_crashes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Cargo.toml": 'package = 3\n[dependencies]\na = "1"\n',
            "Cargo.lock": "package = 3\n",
            "pyproject.toml": 'project = 3\ndependency-groups = {dev = ["x>=1"]}\n',
            "pylock.toml": '[[packages]]\nname = "a"\nvcs = "not a table"\n',
            "renovate.json": '{"schedule": 5, "extends": "config:recommended"}',
        },
    )
    inventory = build_inventory(Repository.scan(tmp_path))
    assert inventory.lockfiles["Cargo.lock"].packages == ()
    assert (
        inventory.lockfiles["pylock.toml"].error
        == "unexpected structure (AttributeError: 'str' object has no attribute 'get')"
    )
    for check in (LockfileCommitted, Pinned, Audit, Updates, Sbom, Policy):
        assert run_check(check, tmp_path).status is not Status.ERROR, check.id


# --- versions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requirement", "inside", "outside"),
    [
        ("1.2", ["1.2.0", "1.9.9"], ["2.0.0", "1.1.9"]),
        ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4"]),
        ("~1.2", ["1.2.7"], ["1.3.0"]),
        ("=1.2", ["1.2.5"], ["1.3.0"]),
        (">=1, <2", ["1.5.0"], ["2.0.0"]),
        ("1.*", ["1.0.0", "1.99.0"], ["2.0.0"]),
        ("<=1.2", ["1.2.9"], ["1.3.0"]),
    ],
)
def test_cargo_requirements(requirement: str, inside: list[str], outside: list[str]) -> None:
    found = cargo_range(requirement)
    assert found is not None
    assert all(found.contains(parse_semver(v)) for v in inside)  # type: ignore[arg-type]
    assert not any(found.contains(parse_semver(v)) for v in outside)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        ("1.2.3", ["1.2.3"], ["1.2.4"]),  # a bare npm version is exact, unlike Cargo's
        ("^1.2.3 || ^2", ["1.9.0", "2.5.0"], ["3.0.0"]),
        ("1.0.0 - 1.2", ["1.2.9"], ["1.3.0"]),
        (">= 1.2 < 1.4", ["1.3.0"], ["1.4.0"]),
        ("1.x", ["1.4.0"], ["2.0.0"]),
    ],
)
def test_npm_ranges(spec: str, inside: list[str], outside: list[str]) -> None:
    found = npm_range(spec)
    assert found is not None
    assert all(found.contains(parse_semver(v)) for v in inside)  # type: ignore[arg-type]
    assert not any(found.contains(parse_semver(v)) for v in outside)  # type: ignore[arg-type]


def test_version_precedence_and_bounds() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
    parsed = [parse_semver(v) for v in ordered]
    assert parsed == sorted(parsed)  # type: ignore[type-var]
    assert npm_range("latest") is None
    assert not cargo_range("*").bounded_above  # type: ignore[union-attr]
    assert cargo_range("1").bounded_above  # type: ignore[union-attr]


def test_poetry_constraints_and_pep440() -> None:
    assert _deps_pins.satisfies(Ecosystem.PYPI, "^0.27", ["0.27.0"]) is True
    assert _deps_pins.satisfies(Ecosystem.PYPI, "23.2.0", ["23.2.1"]) is False  # exact in poetry
    assert _deps_pins.satisfies(Ecosystem.PYPI, ">=2.31", ["2.19.0"]) is False
    assert _deps_pins.satisfies(Ecosystem.PYPI, ">=1", ["not a version"]) is None


PARSERS = [
    lambda t: parse_cargo_toml("Cargo.toml", t),
    lambda t: parse_cargo_lock("Cargo.lock", t),
    lambda t: parse_pyproject("pyproject.toml", t),
    lambda t: parse_requirements("requirements.txt", t),
    lambda t: parse_pipfile("Pipfile", t),
    lambda t: parse_package_json("package.json", t),
    *(
        lambda t, n=name: parse_python_lock(n, t)
        for name in ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock")
    ),
    *(
        lambda t, n=name: parse_npm_lock(n, t)
        for name in ("package-lock.json", "yarn.lock", "pnpm-lock.yaml")
    ),
]
LOCKISH = st.text(
    alphabet=st.sampled_from(list('[]{}"=:,@^~<>*.\n -#abcversion0123456789')), max_size=120
)


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(st.text(max_size=80), LOCKISH))
def test_parsers_never_raise_on_any_text(text: str) -> None:
    for parse in PARSERS:
        parse(text)  # a broken file is an error on the result, never an exception


@given(
    major=st.integers(0, 50),
    minor=st.integers(0, 50),
    patch=st.integers(0, 50),
    pre=st.lists(
        st.one_of(st.integers(0, 9), st.sampled_from(["alpha", "beta", "rc"])), max_size=2
    ),
)
def test_semver_round_trip_and_caret(
    major: int, minor: int, patch: int, pre: list[int | str]
) -> None:
    text = f"{major}.{minor}.{patch}" + ("-" + ".".join(map(str, pre)) if pre else "")
    version = parse_semver(text)
    assert version is not None and str(version) == text
    caret = cargo_range(text)
    assert caret is not None and caret.contains(version)
    assert not caret.contains(parse_semver(f"{major + 1}.0.0"))  # type: ignore[arg-type]
    assert npm_range(text).contains(version)  # type: ignore[union-attr]


# --- offline advisories -------------------------------------------------------------------------


def test_osv_directory_matching() -> None:
    database = load_advisories(ADVISORIES, "advisories")
    assert database.count == 5  # broken.json and README.md are not advisories
    assert database.unreadable == ("broken.json",)
    assert database.newest == "2099-03-01T00:00:00Z"
    hits, undecided = database.lookup(Ecosystem.CARGO, "time", "0.3.20")
    assert ([(h.advisory.id, h.fixed) for h in hits], undecided) == (
        [("RUSTSEC-2099-0001", "0.3.30")],
        False,
    )
    assert database.lookup(Ecosystem.CARGO, "time", "0.3.30")[0] == []  # fixed
    assert (
        database.lookup(Ecosystem.CARGO, "serde", "1.0.100")[0] != []
    )  # last_affected is inclusive
    assert database.lookup(Ecosystem.CARGO, "serde", "1.0.188")[0] == []
    assert database.lookup(Ecosystem.CARGO, "itoa", "1.0.9")[0] == []  # withdrawn
    assert database.lookup(Ecosystem.PYPI, "Requests", "2.19.0")[0][0].fixed == "2.20.0"
    assert database.lookup(Ecosystem.PYPI, "requests", "banana") == ([], True)


# --- deps.lockfile ------------------------------------------------------------------------------


@needs_git
def test_lockfile_committed_passes(tmp_path: Path) -> None:
    outcome = run_check(LockfileCommitted, commit(copy(tmp_path, "rust-workspace")))
    assert outcome.status is Status.PASS, outcome.summary
    assert (
        outcome.facts["manifests_found"]
        == "Cargo.toml, crates/cli/Cargo.toml, crates/core/Cargo.toml"
    )


@needs_git
def test_lockfile_ignored_by_git_fails_at_the_rule(tmp_path: Path) -> None:
    root = copy(tmp_path, "rust-app")
    (root / ".gitignore").write_text("target/\nCargo.lock\n")
    outcome = run_check(LockfileCommitted, commit(root))
    assert outcome.status is Status.FAIL
    assert outcome.summary == "1 lockfile(s) not committed"
    assert where(outcome) == [".gitignore:2"]


def test_lockfile_missing_fails(tmp_path: Path) -> None:
    outcome = run_check(LockfileCommitted, copy(tmp_path, "rust-loose"))
    assert outcome.status is Status.FAIL
    assert where(outcome) == ["Cargo.toml:1"]
    assert "has no lockfile (Cargo.lock)" in outcome.findings[0].message


def test_lockfile_unknown_outside_git(tmp_path: Path) -> None:
    outcome = run_check(LockfileCommitted, copy(tmp_path, "python-uv"))
    assert outcome.status is Status.UNKNOWN
    assert "not a git work tree" in outcome.summary


@needs_git
def test_lockfile_loose_requirements_file_fails(tmp_path: Path) -> None:
    outcome = run_check(LockfileCommitted, commit(copy(tmp_path, "requirements")))
    assert outcome.status is Status.FAIL
    assert where(outcome) == ["requirements-dev.txt:1"]


def test_lockfile_not_applicable() -> None:
    assert run_check(LockfileCommitted, DATA / "empty").status is Status.NOT_APPLICABLE
    vendored = run_check(LockfileCommitted, DATA / "vendored")
    assert vendored.status is Status.NOT_APPLICABLE


def test_exclude_leaves_out_fixture_projects(tmp_path: Path) -> None:
    root = copy(tmp_path, "python-uv")
    shutil.copytree(DATA / "rust-loose", root / "tests" / "data" / "loose")
    assert run_check(LockfileCommitted, root).status is Status.FAIL
    assert run_check(LockfileCommitted, root, exclude=["tests/data/"]).status is Status.UNKNOWN


# --- deps.pinned --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["rust-app", "python-uv", "python-poetry", "node-npm", "node-pnpm", "python-pinned"]
)
def test_pinned_passes(name: str) -> None:
    outcome = run_check(Pinned, DATA / name)
    assert outcome.status is Status.PASS, [f.message for f in outcome.findings]


def test_pinned_flags_floating_cargo_requirements() -> None:
    outcome = run_check(Pinned, DATA / "rust-loose")
    assert outcome.status is Status.FAIL
    assert list(zip(where(outcome), rules(outcome), strict=True)) == [
        ("Cargo.toml:7:8", "deps.pinned.unbounded"),
        ("Cargo.toml:8:7", "deps.pinned.unbounded"),
        ("Cargo.toml:10:12", "deps.pinned.git-branch"),
        ("Cargo.toml:11:10", "deps.pinned.outside-path"),
        ("Cargo.toml:1", "deps.pinned.no-lockfile"),
    ]


def test_pinned_finds_a_stale_lockfile() -> None:
    outcome = run_check(Pinned, DATA / "python-stale")
    messages = {str(f.location): f.message for f in outcome.findings}
    assert outcome.status is Status.FAIL
    assert messages == {
        "pyproject.toml:5:5": "uv.lock locks requests 2.19.0, outside >=2.31: the lockfile is out of date",
        "pyproject.toml:6:5": "rich is not in uv.lock: the lockfile is out of date",
        "pyproject.toml:7:5": "tool comes from git and follows branch main",
    }


def test_pinned_checks_inherited_workspace_versions_and_npm_ranges() -> None:
    workspace = run_check(Pinned, DATA / "rust-workspace")
    assert where(workspace) == ["crates/core/Cargo.toml:7:1"]  # serde 0.9.15 is outside 1.0
    yarn = run_check(Pinned, DATA / "node-yarn")
    assert [f.message for f in yarn.findings] == [
        "yarn.lock locks typescript 5.2.2, outside ~5.3.0: the lockfile is out of date"
    ]


def test_pinned_requirements_without_lockfile() -> None:
    outcome = run_check(Pinned, DATA / "requirements")
    assert sorted(zip(where(outcome), rules(outcome), strict=True)) == [
        ("requirements-dev.txt:2:1", "deps.pinned.not-pinned"),
        ("requirements-dev.txt:3:1", "deps.pinned.not-pinned"),
        ("requirements-dev.txt:6:1", "deps.pinned.url-no-hash"),
    ]


def test_pinned_counts_pins_without_hashes() -> None:
    assert run_check(Pinned, DATA / "python-pinned").facts["unhashed_pins"] == 2
    assert (
        run_check(Pinned, DATA / "requirements", exclude=["requirements-dev.txt"]).facts[
            "unhashed_pins"
        ]
        == 0
    )


def test_pinned_unknown_when_a_manifest_cannot_be_read(tmp_path: Path) -> None:
    write(tmp_path, {"package.json": "{not json"})
    outcome = run_check(Pinned, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("could not read package.json")


def test_pinned_not_applicable() -> None:
    assert run_check(Pinned, DATA / "empty").status is Status.NOT_APPLICABLE


# --- deps.audit ---------------------------------------------------------------------------------


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An otherwise empty PATH, so that only the stand-ins a test writes are installed."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def fake_tool(
    bin_dir: Path,
    name: str,
    *,
    stdout: str = "",
    stderr: str = "",
    code: int = 0,
    requirements: str | None = None,
) -> Path:
    """A stand-in for a tool that cannot work here: it replays output, records its arguments
    (in NAME.args), and, given `requirements`, refuses any other pins than those."""
    script = bin_dir / name
    script.write_text(
        f"""#!{sys.executable}
import pathlib, sys
args = sys.argv[1:]
pathlib.Path({str(bin_dir / (name + ".args"))!r}).write_text("\\n".join(args))
expected = {requirements!r}
if expected is not None:
    given = pathlib.Path(args[args.index("--requirement") + 1]).read_text()
    if sorted(given.split()) != sorted(expected.split()):
        sys.stderr.write("unexpected pins: " + given)
        sys.exit(9)
sys.stdout.write({stdout!r})
sys.stderr.write({stderr!r})
sys.exit({code})
""",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def recorded(name: str) -> str:
    return (DATA / "pip-audit" / name).read_text()


def test_audit_finds_a_rustsec_advisory_offline(bin_dir: Path) -> None:
    outcome = run_check(Audit, DATA / "rust-app", advisories=str(ADVISORIES))
    assert outcome.status is Status.FAIL
    (finding,) = outcome.findings
    assert str(finding.location) == "Cargo.lock:32"
    assert finding.message.startswith(
        "RUSTSEC-2099-0001 (CVE-2099-0001): time 0.3.20; fixed in 0.3.30"
    )
    assert finding.fingerprint == "RUSTSEC-2099-0001:cargo:time@0.3.20"
    assert outcome.facts["audited"] == outcome.facts["dependencies"] == 4


def test_audit_pypa_and_github_advisories(bin_dir: Path) -> None:
    python = run_check(Audit, DATA / "python-uv", advisories=str(ADVISORIES))
    assert [f.rule for f in python.findings] == ["PYSEC-2018-28"]
    assert "requests 2.19.0; fixed in 2.20.0" in python.findings[0].message
    assert where(python) == ["uv.lock:52"]
    node = run_check(Audit, DATA / "node-npm", advisories=str(ADVISORIES))
    assert [(f.rule, str(f.location)) for f in node.findings] == [
        ("GHSA-35jh-r3h4-6jhm", "package-lock.json:29")
    ]
    assert run_check(Audit, DATA / "node-yarn", advisories=str(ADVISORIES)).status is Status.PASS


def test_audit_ignores_accepted_advisories_by_alias(bin_dir: Path) -> None:
    outcome = run_check(
        Audit,
        DATA / "python-uv",
        advisories=str(ADVISORIES),
        ignore=["CVE-2018-18074", "PYSEC-0000-1"],
    )
    assert outcome.status is Status.PASS, outcome.summary
    assert (outcome.facts["ignored"], outcome.facts["unused_ignores"]) == (
        "CVE-2018-18074",
        "PYSEC-0000-1",
    )


def test_audit_relative_advisory_path_is_inside_the_repository(
    bin_dir: Path, tmp_path: Path
) -> None:
    root = copy(tmp_path, "rust-app")
    shutil.copytree(ADVISORIES, root / "security" / "osv")
    assert run_check(Audit, root, advisories="security/osv").status is Status.FAIL
    missing = run_check(Audit, root, advisories="nowhere")
    assert (missing.status, missing.summary) == (
        Status.UNKNOWN,
        "the advisory directory nowhere does not exist",
    )


def test_audit_unknown_without_any_vulnerability_data(bin_dir: Path) -> None:
    outcome = run_check(Audit, DATA / "rust-app")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith("no vulnerability data: install pip-audit/cargo-audit")


def test_audit_unknown_for_ecosystems_the_advisories_do_not_cover(
    bin_dir: Path, tmp_path: Path
) -> None:
    crates_only = tmp_path / "osv"
    shutil.copytree(ADVISORIES / "crates", crates_only)
    outcome = run_check(Audit, DATA / "node-pnpm", advisories=str(crates_only))
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary.startswith(
        "3 of 3 locked dependencies were not audited (3 not covered by any source)"
    )
    assert where(outcome)[0] == "pnpm-lock.yaml:21"


def test_audit_unknown_when_versions_are_not_locked(bin_dir: Path) -> None:
    outcome = run_check(Audit, DATA / "rust-loose", advisories=str(ADVISORIES))
    assert outcome.status is Status.UNKNOWN
    assert rules(outcome) == ["deps.audit.unresolved"]


def test_audit_pip_audit_skips_are_unknown_not_pass(bin_dir: Path) -> None:
    # Recorded: pip-audit said "No known vulnerabilities found" and exited 0 on this input.
    fake_tool(
        bin_dir, "pip-audit", stdout=recorded("skipped.json"), requirements=recorded("input.txt")
    )
    outcome = run_check(Audit, DATA / "python-pinned")
    assert outcome.status is Status.UNKNOWN
    assert "2 of 2 locked dependencies were not audited" in outcome.summary
    assert "2 skipped by pip-audit, which could not look them up on PyPI" in outcome.summary
    assert (
        "Dependency not found on PyPI and could not be audited: requests (2.19.0)"
        in outcome.findings[0].message
    )
    args = (bin_dir / "pip-audit.args").read_text().split("\n")
    assert {"--no-deps", "--disable-pip", "json"} <= set(args)


def test_audit_pip_audit_vulnerability_fails(bin_dir: Path) -> None:
    fake_tool(
        bin_dir,
        "pip-audit",
        stdout=recorded("vulnerable.json"),
        code=1,
        requirements=recorded("input.txt"),
    )
    outcome = run_check(Audit, DATA / "python-pinned")
    assert outcome.status is Status.FAIL
    assert [(f.rule, str(f.location)) for f in outcome.findings] == [
        ("PYSEC-2018-28", "requirements.txt:2")
    ]
    assert "fixed in 2.20.0" in outcome.findings[0].message
    assert outcome.facts["sources"] == "pip-audit"


def test_audit_offline_advisories_cover_what_pip_audit_skipped(bin_dir: Path) -> None:
    fake_tool(bin_dir, "pip-audit", stdout=recorded("skipped.json"))
    outcome = run_check(
        Audit, DATA / "python-pinned", advisories=str(ADVISORIES), ignore=["PYSEC-2018-28"]
    )
    assert outcome.status is Status.PASS
    assert outcome.facts["pip-audit_skipped"] == 2


def test_audit_pip_audit_without_a_report_is_unknown(bin_dir: Path) -> None:
    fake_tool(bin_dir, "pip-audit", stderr="ERROR: Could not resolve host: osv.dev\n", code=1)
    outcome = run_check(Audit, DATA / "python-pinned")
    assert outcome.status is Status.UNKNOWN
    assert (
        outcome.facts["pip-audit_error"]
        == "pip-audit gave no JSON report: Could not resolve host: osv.dev"
    )


CARGO_AUDIT_REPORT = {  # the shape of rustsec's Report (cargo audit --json)
    "database": {"advisory-count": 1, "last-commit": None, "last-updated": "2099-01-10T00:00:00Z"},
    "lockfile": {"dependency-count": 5},
    "settings": {"target_arch": None, "target_os": None, "severity": None, "ignore": []},
    "vulnerabilities": {
        "found": True,
        "count": 1,
        "list": [
            {
                "advisory": {
                    "id": "RUSTSEC-2099-0001",
                    "package": "time",
                    "title": "Out-of-bounds read in date parsing",
                    "aliases": ["CVE-2099-0001"],
                },
                "versions": {"patched": [">=0.3.30"], "unaffected": ["<0.3.0"]},
                "affected": None,
                "package": {
                    "name": "time",
                    "version": "0.3.20",
                    "source": "registry+https://github.com/rust-lang/crates.io-index",
                },
            }
        ],
    },
    "warnings": {},
}


def test_audit_runs_cargo_audit_without_fetching(bin_dir: Path) -> None:
    fake_tool(bin_dir, "cargo-audit", stdout=json.dumps(CARGO_AUDIT_REPORT), code=1)
    outcome = run_check(Audit, DATA / "rust-app")
    assert outcome.status is Status.FAIL
    assert "time 0.3.20; fixed in 0.3.30 -- Out-of-bounds read" in outcome.findings[0].message
    assert (bin_dir / "cargo-audit.args").read_text().split("\n")[:4] == [
        "audit",
        "--json",
        "--no-fetch",
        "--stale",
    ]
    clean = {**CARGO_AUDIT_REPORT, "vulnerabilities": {"found": False, "count": 0, "list": []}}
    fake_tool(bin_dir, "cargo-audit", stdout=json.dumps(clean))
    assert run_check(Audit, DATA / "rust-app").status is Status.PASS


def test_audit_cargo_audit_without_its_database_is_unknown(bin_dir: Path) -> None:
    fake_tool(
        bin_dir, "cargo-audit", stderr="error: error loading advisory database: not found\n", code=1
    )
    outcome = run_check(Audit, DATA / "rust-app")
    assert outcome.status is Status.UNKNOWN
    assert outcome.facts["cargo-audit_error"] == (
        "cargo audit gave no JSON report: error loading advisory database: not found"
    )


DENY_VULNERABILITY = {  # one line of `cargo deny --format json check advisories` (stderr)
    "type": "diagnostic",
    "fields": {
        "severity": "error",
        "message": "Out-of-bounds read in date parsing",
        "code": "vulnerability",
        "labels": [
            {
                "message": "security vulnerability detected",
                "span": "time 0.3.20",
                "line": 32,
                "column": 1,
            }
        ],
        "notes": [
            "ID: RUSTSEC-2099-0001",
            "Solution: Upgrade to >=0.3.30 (try `cargo update -p time`)",
        ],
        "graphs": [
            {
                "Krate": {"name": "time", "version": "0.3.20"},
                "parents": [{"Krate": {"name": "rust-app", "version": "0.1.0", "kind": "dev"}}],
            }
        ],
        "advisory": {
            "id": "RUSTSEC-2099-0001",
            "package": "time",
            "title": "Out-of-bounds read in date parsing",
            "aliases": ["CVE-2099-0001"],
        },
    },
}
DENY_SUMMARY = {
    "type": "summary",
    "fields": {"advisories": {"errors": 1, "warnings": 0, "notes": 0, "helps": 0}},
}


def test_audit_runs_cargo_deny_offline_and_merges_with_the_directory(bin_dir: Path) -> None:
    lines = "\n".join(json.dumps(r) for r in (DENY_VULNERABILITY, DENY_SUMMARY)) + "\n"
    fake_tool(bin_dir, "cargo-deny", stderr=lines, code=1)
    outcome = run_check(Audit, DATA / "rust-app", advisories=str(ADVISORIES))
    assert outcome.status is Status.FAIL
    assert len(outcome.findings) == 1  # reported by both sources, listed once
    assert outcome.facts["sources"] == "advisories, cargo-deny"
    assert "--offline" in (bin_dir / "cargo-deny.args").read_text().split("\n")


def test_audit_not_applicable() -> None:
    assert run_check(Audit, DATA / "empty").status is Status.NOT_APPLICABLE
    workspace_only = run_check(Audit, DATA / "node-workspace", exclude=["package-lock.json"])
    assert workspace_only.status is Status.UNKNOWN  # the member has no lockfile left


# --- deps.updates -------------------------------------------------------------------------------


def test_updates_pass() -> None:
    dependabot = run_check(Updates, DATA / "rust-app")
    assert dependabot.status is Status.PASS
    assert dependabot.observed == "dependabot: cargo (weekly); dependabot: github-actions (monthly)"
    renovate = run_check(Updates, DATA / "renovate", cadence="7d")
    assert renovate.status is Status.PASS
    assert renovate.observed == "renovate: all ecosystems (before 4am on monday)"


def test_updates_name_uncovered_and_disabled_ecosystems() -> None:
    outcome = run_check(Updates, DATA / "updates-partial")
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.message) for f in outcome.findings] == [
        (".github/dependabot.yml:11:7", "open-pull-requests-limit: 0 turns version updates off"),
        (".github/dependabot.yml:3:1", "no update configuration covers docker (Dockerfile)"),
        (
            ".github/dependabot.yml:3:1",
            "no update configuration covers github-actions (.github/workflows/ci.yml)",
        ),
        (".github/dependabot.yml:3:1", "no update configuration covers npm (web/package.json)"),
    ]


def test_updates_cadence() -> None:
    monthly = run_check(Updates, DATA / "rust-app", cadence="7d")
    assert monthly.status is Status.FAIL
    assert [(str(f.location), f.message) for f in monthly.findings] == [
        (
            ".github/dependabot.yml:10:7",
            "dependabot runs monthly (every 30 days), less often than every 7 days",
        )
    ]
    assert run_check(Updates, DATA / "renovate", cadence="1d").findings[0].location.line == 6  # type: ignore[union-attr]
    assert run_check(Updates, DATA / "rust-app", cadence="30d").status is Status.PASS


def test_updates_without_a_tool_fails() -> None:
    outcome = run_check(Updates, DATA / "node-npm")
    assert (outcome.status, outcome.summary) == (
        Status.FAIL,
        "no automated dependency updates: no Dependabot or Renovate configuration",
    )


def test_updates_renovate_in_package_json_with_managers(tmp_path: Path) -> None:
    package = {
        "name": "x",
        "dependencies": {"ms": "^2"},
        "renovate": {"enabledManagers": ["npm"], "schedule": ["0 3 * * *"]},
    }
    write(tmp_path, {"package.json": json.dumps(package, indent=2), "Dockerfile": "FROM node:20\n"})
    outcome = run_check(Updates, tmp_path, cadence="1d")
    assert [f.message for f in outcome.findings] == [
        "no update configuration covers docker (Dockerfile)"
    ]


def test_updates_unknown_schedule_with_cadence(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": '{"dependencies": {"ms": "^2"}}',
            "renovate.json": '{"schedule": ["when the moon is full"]}',
        },
    )
    assert run_check(Updates, tmp_path).status is Status.PASS
    outcome = run_check(Updates, tmp_path, cadence="7d")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == "cannot tell how often renovate schedule 'when the moon is full' runs"


def test_updates_broken_dependabot_and_cron(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "flask==3.0.0\n",
            ".github/dependabot.yml": "version: 2\nupdates:\n  - [oops\n",
        },
    )
    broken = run_check(Updates, tmp_path)
    assert broken.status is Status.FAIL
    assert broken.findings[0].message.startswith(".github/dependabot.yml: not valid YAML")
    cron = "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    schedule:\n      interval: cron\n      cronjob: '0 4 * * 1'\n"
    write(tmp_path, {".github/dependabot.yml": cron})
    assert run_check(Updates, tmp_path, cadence="7d").status is Status.PASS
    assert run_check(Updates, tmp_path, cadence="1d").status is Status.FAIL


def test_updates_switched_off_configurations(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"package.json": '{"dependencies": {"ms": "^2"}}', ".renovaterc": '{"enabled": false}'},
    )
    outcome = run_check(Updates, tmp_path)
    assert [(str(f.location), f.message) for f in outcome.findings] == [
        (".renovaterc:1", "`enabled: false` turns Renovate off"),
        (".renovaterc:1", "no update configuration covers npm (package.json)"),
    ]
    unversioned = (
        "updates:\n  - package-ecosystem: npm\n    directory: /\n    schedule: {interval: daily}\n"
    )
    write(tmp_path, {".renovaterc": "{}", ".github/dependabot.yml": unversioned})
    assert [f.message for f in run_check(Updates, tmp_path).findings] == [
        ".github/dependabot.yml: `version: 2` is required"
    ]


def test_updates_not_applicable() -> None:
    assert run_check(Updates, DATA / "empty").status is Status.NOT_APPLICABLE


# --- deps.sbom ----------------------------------------------------------------------------------


def _validator():  # type: ignore[no-untyped-def]
    validation = pytest.importorskip(
        "cyclonedx.validation.json", reason="cyclonedx-python-lib ships the CycloneDX schemas"
    )
    from cyclonedx.schema import SchemaVersion

    return validation.JsonStrictValidator(SchemaVersion.V1_6)


@pytest.mark.parametrize(
    "name",
    [
        "rust-app",
        "rust-workspace",
        "python-uv",
        "python-poetry",
        "requirements",
        "node-npm",
        "node-yarn",
        "node-pnpm",
    ],
)
def test_sbom_is_valid_cyclonedx_1_6(name: str) -> None:
    sbom = build_sbom(build_inventory(Repository.scan(DATA / name)), name=name)
    assert sbom.components > 0
    assert _validator().validate_str(json.dumps(sbom.document)) is None


def test_sbom_schema_validation_is_real() -> None:
    document = dict(
        build_sbom(build_inventory(Repository.scan(DATA / "rust-app")), name="x").document
    )
    document["components"] = [
        {"type": "library", "name": "x", "hashes": [{"alg": "SHA-256", "content": "zz"}]}
    ]
    assert _validator().validate_str(json.dumps(document)) is not None


def test_sbom_components_purls_and_hashes() -> None:
    sbom = build_sbom(build_inventory(Repository.scan(DATA / "node-npm")), name="web-app")
    components = {c["purl"]: c for c in sbom.document["components"]}
    assert sorted(components) == [
        "pkg:npm/%40types/node@20.8.0",
        "pkg:npm/left-pad@1.3.0",
        "pkg:npm/lodash@4.17.20",
    ]
    types = components["pkg:npm/%40types/node@20.8.0"]
    assert (types["group"], types["name"], types["hashes"][0]["alg"]) == (
        "@types",
        "node",
        "SHA-512",
    )
    assert components["pkg:npm/left-pad@1.3.0"]["externalReferences"][0]["type"] == "vcs"
    uv = build_sbom(build_inventory(Repository.scan(DATA / "python-uv")), name="py-app")
    assert "py-app" not in {c["name"] for c in uv.document["components"]}  # the project itself
    assert uv.hashed == uv.components == 5


def test_purl_spelling() -> None:
    lock = parse_python_lock(
        "uv.lock", '[[package]]\nname = "Zope_Interface"\nversion = "6.0+local"\n'
    )
    assert purl(lock.packages[0]) == "pkg:pypi/zope-interface@6.0%2Blocal"


def test_sbom_check_pass_and_fail() -> None:
    outcome = run_check(Sbom, DATA / "rust-app")
    assert outcome.status is Status.PASS
    assert (
        outcome.facts["components"],
        outcome.facts["components_cargo"],
        outcome.facts["hashed_components"],
    ) == (4, 4, 3)
    loose = run_check(Sbom, DATA / "requirements")
    assert loose.status is Status.FAIL
    assert where(loose) == ["requirements-dev.txt:1"]


def test_sbom_unknown_when_a_lockfile_cannot_be_read(tmp_path: Path) -> None:
    write(
        tmp_path, {"package.json": '{"dependencies": {"ms": "^2"}}', "package-lock.json": "{broken"}
    )
    outcome = run_check(Sbom, tmp_path)
    assert (outcome.status, outcome.summary) == (
        Status.UNKNOWN,
        "golive could not read package-lock.json",
    )


def test_sbom_not_applicable() -> None:
    assert run_check(Sbom, DATA / "empty").status is Status.NOT_APPLICABLE


# --- deps.policy --------------------------------------------------------------------------------


def test_policy_pass(bin_dir: Path) -> None:
    rust = run_check(Policy, DATA / "rust-app")
    assert rust.status is Status.PASS
    assert rust.facts["ci_runs_cargo_deny"] == ".github/workflows/ci.yml"
    assert run_check(Policy, DATA / "python-uv").status is Status.PASS


def test_policy_reports_missing_deny_sections(bin_dir: Path) -> None:
    outcome = run_check(Policy, DATA / "rust-loose")
    assert outcome.status is Status.FAIL
    assert list(zip(where(outcome), rules(outcome), strict=True)) == [
        ("deny.toml:1", "deny.licenses.allow"),
        ("deny.toml:1", "deny.bans"),
        ("deny.toml:1", "deny.sources"),
    ]


def test_policy_fails_without_any_policy() -> None:
    rust = run_check(Policy, DATA / "rust-workspace")
    assert [f.rule for f in rust.findings] == ["deny.toml"]
    node = run_check(Policy, DATA / "node-npm")
    assert [(str(f.location), f.message) for f in node.findings] == [
        ("package.json:1", "no license policy is enforced for the npm dependencies")
    ]


def test_policy_dependency_review_covers_every_ecosystem(tmp_path: Path) -> None:
    root = copy(tmp_path, "node-npm")
    workflow = "on: [pull_request]\njobs:\n  review:\n    steps:\n      - uses: actions/dependency-review-action@v4\n        with:\n          allow-licenses: MIT, Apache-2.0\n"
    write(root, {".github/workflows/review.yml": workflow})
    outcome = run_check(Policy, root)
    assert outcome.status is Status.PASS
    assert (
        outcome.observed
        == "npm: dependency review with a license list (.github/workflows/review.yml:7)"
    )


def test_policy_runs_cargo_deny_when_installed(bin_dir: Path) -> None:
    rejected = {
        "type": "diagnostic",
        "fields": {
            "severity": "error",
            "message": "failed to satisfy license requirements",
            "code": "rejected",
            "graphs": [{"Krate": {"name": "smallvec", "version": "2.0.0-alpha.1"}}],
        },
    }
    summary = {
        "type": "summary",
        "fields": {"licenses": {"errors": 1}, "bans": {"errors": 0}, "sources": {"errors": 0}},
    }
    fake_tool(
        bin_dir, "cargo-deny", stderr=f"{json.dumps(rejected)}\n{json.dumps(summary)}\n", code=1
    )
    outcome = run_check(Policy, DATA / "rust-app")
    assert outcome.status is Status.FAIL
    assert [f.message for f in outcome.findings] == [
        "cargo deny: failed to satisfy license requirements (smallvec 2.0.0-alpha.1)"
    ]
    args = (bin_dir / "cargo-deny.args").read_text().split("\n")
    assert args[-3:] == ["licenses", "bans", "sources"] and "--offline" in args


def test_policy_unknown_when_cargo_deny_needs_the_network(bin_dir: Path) -> None:
    log = {
        "type": "log",
        "fields": {
            "level": "ERROR",
            "message": "failed to fetch crates: unable to update registry",
        },
    }
    fake_tool(bin_dir, "cargo-deny", stderr=json.dumps(log) + "\n", code=1)
    outcome = run_check(Policy, DATA / "rust-app")
    assert outcome.status is Status.UNKNOWN
    assert (
        outcome.summary
        == "cargo deny could not check Cargo.toml offline: failed to fetch crates: unable to update registry"
    )


def test_policy_not_applicable() -> None:
    assert run_check(Policy, DATA / "empty").status is Status.NOT_APPLICABLE


def test_every_check_has_a_title_and_a_fix() -> None:
    for check in (LockfileCommitted, Pinned, Audit, Updates, Sbom, Policy):
        assert check.title() and check.fix, check.id


def test_audit_of_a_manifest_without_dependencies_says_so(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "solo"\nversion = "0.1.0"\n')
    outcome = run_check(Audit, tmp_path)
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary == "no third-party dependencies to audit (Cargo.toml declares none)"
