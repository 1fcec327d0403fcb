"""Loading checklists: discovery, inheritance, overrides, and errors that name file:line:col."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.checklist import ConfigError, load_checklist, load_profile
from golive.checks.registry import Registry
from golive.model import Level, UnknownPolicy

REGISTRY = Registry.discover()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # messages show paths relative to the working directory
    return tmp_path


def toml_string(text: str) -> str:
    """A TOML basic string for any text (JSON's escapes would split astral characters)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return (
        '"'
        + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in escaped)
        + '"'
    )


def write(repo: Path, text: str, name: str = "golive.toml") -> None:
    (repo / name).write_text(text, encoding="utf-8")


def problems(repo: Path, text: str, name: str = "golive.toml") -> list[str]:
    write(repo, text, name)
    with pytest.raises(ConfigError) as caught:
        load_checklist(repo, REGISTRY)
    return [str(p) for p in caught.value.problems]


def test_without_a_config_the_production_profile_applies(repo: Path) -> None:
    (repo / "Cargo.toml").write_text('[package]\nname = "payments"\nversion = "0.1.0"\n')
    checklist = load_checklist(repo, REGISTRY)
    assert checklist.service == "payments"
    assert checklist.profiles == ("production",)
    assert checklist.source is None
    assert len(checklist.items) == len(load_profile("production", REGISTRY).items)


def test_overrides_change_level_parameters_and_disable_with_a_reason(repo: Path) -> None:
    write(
        repo,
        """
[service]
name = "payments"
profiles = ["mocopr"]

[policy]
unknown = "warn"

[items."perf.latency"]
level = "should"
with = { target = "staging", rate = "1200 req/s", duration = "30s", p95 = "<100ms" }

[items."k8s.pdb"]
disabled = "single-replica batch service"
""",
    )
    checklist = load_checklist(repo, REGISTRY)
    latency = checklist.item("perf.latency")
    assert latency is not None and latency.level is Level.SHOULD
    params = {ref.id: ref.params for ref in latency.checks}
    assert params["load.latency"].rate.value == 1200.0
    assert params["load.latency"].p95.quantity.value == 0.1
    pdb = checklist.item("k8s.pdb")
    assert pdb is not None and pdb.disabled == "single-replica batch service"
    assert checklist.policy.unknown is UnknownPolicy.WARN


def test_a_typo_in_a_threshold_unit_names_line_column_item_and_units(repo: Path) -> None:
    found = problems(
        repo,
        """[service]
profiles = ["mocopr"]

[items."perf.latency"]
with = { p95 = "<100mss" }
""",
    )
    assert found == [
        'golive.toml:5:16: item "perf.latency": unknown unit "mss" in "<100mss"; '
        "expected one of ms, s, m, h, d, w"
    ]


def test_a_unit_of_the_wrong_dimension_is_refused(repo: Path) -> None:
    found = problems(repo, '[items."perf.latency"]\nwith = { p95 = "<1%" }\n')
    assert len(found) == 1
    assert found[0].startswith('golive.toml:2:16: item "perf.latency": ')


def test_an_unknown_top_level_key_is_an_error_with_a_suggestion(repo: Path) -> None:
    found = problems(repo, '[servce]\nname = "x"\n')
    assert found == [
        'golive.toml:1:2: unknown key "servce"; did you mean "service"?; '
        "allowed: service, policy, targets, sections, items, checks, scanners"
    ]


def test_an_unknown_item_key_points_at_the_key(repo: Path) -> None:
    found = problems(repo, '\n[items."k8s.pdb"]\nlevle = "may"\n')
    assert len(found) == 1
    assert found[0].startswith(
        'golive.toml:3:1: item "k8s.pdb": unknown key "levle"; did you mean "level"?'
    )


def test_a_bad_level_lists_the_allowed_ones(repo: Path) -> None:
    found = problems(repo, '[items."k8s.pdb"]\nlevel = "mustt"\n')
    assert found == [
        'golive.toml:2:9: item "k8s.pdb": "mustt" is not allowed here; expected "must", "should" or "may"'
    ]


def test_an_unknown_parameter_lists_what_the_checks_accept(repo: Path) -> None:
    found = problems(repo, '[items."quality.todo"]\nwith = { maxx = 3 }\n')
    assert len(found) == 1
    assert found[0].startswith(
        'golive.toml:2:10: item "quality.todo": unknown parameter "maxx"; did you mean "max"?'
    )
    assert "its checks accept: exclude, include_docs, markers, max" in found[0]


def test_overriding_an_item_no_profile_has_suggests_the_right_one(repo: Path) -> None:
    found = problems(repo, '[items."perf.latncy"]\nlevel = "may"\n')
    assert found == [
        'golive.toml:1:8: item "perf.latncy": unknown item; did you mean "perf.latency"? '
        "(a new item needs title and section)"
    ]


def test_a_new_item_joins_its_section(repo: Path) -> None:
    write(
        repo,
        """
[items."team.game-day"]
title = "Load shedding verified in the last game day"
section = "launch.load"
level = "should"
attest = { role = "operations", expires = "90d" }
""",
    )
    checklist = load_checklist(repo, REGISTRY)
    added = checklist.item("team.game-day")
    assert added is not None and added.attest is not None
    assert added.attest.role == "operations"
    launch = [i.id for i in checklist.items if i.section == "launch.load"]
    assert launch[-1] == "team.game-day"


def test_a_new_item_with_unknown_section_and_check_reports_both(repo: Path) -> None:
    found = problems(
        repo,
        """[items."team.x"]
title = "X"
section = "launch.lod"
checks = ["rust.clipy"]
""",
    )
    assert found == [
        'golive.toml:3:11: item "team.x": unknown section "launch.lod"; did you mean "launch.load"?'
    ]
    found = problems(
        repo, '[items."team.x"]\ntitle = "X"\nsection = "launch.load"\nchecks = ["rust.clipy"]\n'
    )
    assert found == [
        'golive.toml:4:11: item "team.x": unknown check "rust.clipy"; did you mean "rust.clippy"?'
    ]


def test_disabling_needs_a_reason(repo: Path) -> None:
    found = problems(repo, '[items."k8s.pdb"]\ndisabled = "  "\n')
    assert found == ['golive.toml:2:12: item "k8s.pdb": disabling an item needs a reason']


def test_an_unknown_profile_names_the_built_in_ones(repo: Path) -> None:
    found = problems(repo, '[service]\nprofiles = ["prodution"]\n')
    assert found == [
        'golive.toml:2:13: unknown profile "prodution"; did you mean "production"?; '
        "built-in profiles: mocopr, production, tusklang"
    ]


def test_invalid_toml_is_reported_with_its_position(repo: Path) -> None:
    found = problems(repo, '[service]\nname = "x"\nprofiles = [\n')
    assert len(found) == 1
    assert found[0].startswith("golive.toml:4:1: invalid TOML: ")


def test_every_problem_is_reported_at_once(repo: Path) -> None:
    found = problems(
        repo,
        """[items."k8s.pdb"]
level = "sometimes"

[items."quality.todo"]
with = { max = "many" }
""",
    )
    assert [line.split(": ")[0] for line in found] == ["golive.toml:2:9", "golive.toml:5:16"]


def test_targets_need_an_http_url(repo: Path) -> None:
    found = problems(repo, '[targets.staging]\nurl = "ftp://example.com"\n')
    assert found == ['golive.toml:2:7: "ftp://example.com" is not an http(s) URL with a host']


def test_the_tool_table_of_pyproject_is_read_with_its_own_positions(repo: Path) -> None:
    write(
        repo,
        """[project]
name = "svc"

[tool.golive.service]
profiles = ["tusklang"]

[tool.golive.items."perf.response-time"]
with = { response_time = "<50ms" }
""",
        name="pyproject.toml",
    )
    checklist = load_checklist(repo, REGISTRY)
    assert checklist.profiles == ("tusklang",) and checklist.service == "svc"
    assert checklist.source == "pyproject.toml"
    found = problems(repo, '[tool.golive.items."k8s.pdb"]\nlevel = 3\n', name="pyproject.toml")
    assert found == [
        'pyproject.toml:2:9: item "k8s.pdb": 3 is not allowed here; expected "must", "should" or "may"'
    ]


def test_a_byte_order_mark_is_tolerated(repo: Path) -> None:
    write(repo, '\ufeff[service]\nname = "bom"\n')
    assert load_checklist(repo, REGISTRY).service == "bom"


def test_a_missing_config_file_given_explicitly_is_an_error(repo: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: no such file"):
        load_checklist(repo, REGISTRY, config=repo / "nope.toml")


def test_profiles_from_files_extend_and_merge(repo: Path) -> None:
    (repo / "org.toml").write_text(
        """[profile]
name = "org"
title = "Our organisation"
extends = ["mocopr"]

[items."team.review"]
title = "Architecture reviewed"
section = "quality.code"
level = "should"
attest = { role = "architecture", expires = "180d" }

[merge]
"k8s.autoscaling-policy" = "k8s.autoscaling"
"quality.format" = ["quality.clippy"]
"""
    )
    write(repo, '[service]\nprofiles = ["org.toml"]\n')
    checklist = load_checklist(repo, REGISTRY)
    ids = {item.id for item in checklist.items}
    assert (
        "team.review" in ids and "k8s.autoscaling-policy" not in ids and "quality.format" not in ids
    )
    autoscaling = checklist.item("k8s.autoscaling")
    clippy = checklist.item("quality.clippy")
    assert autoscaling is not None and clippy is not None
    assert autoscaling.level is Level.SHOULD
    assert clippy.level is Level.MUST
    found = problems(
        repo, '[service]\nprofiles = ["org.toml"]\n\n[items."quality.format"]\nlevel = "may"\n'
    )
    assert found == [
        'golive.toml:4:8: item "quality.format": this item is merged into "quality.clippy"; '
        'change "quality.clippy" instead'
    ]


def test_profiles_that_extend_each_other_are_refused(repo: Path) -> None:
    (repo / "a.toml").write_text('[profile]\nname = "a"\ntitle = "A"\nextends = ["b.toml"]\n')
    (repo / "b.toml").write_text('[profile]\nname = "b"\ntitle = "B"\nextends = ["a.toml"]\n')
    found = problems(repo, '[service]\nprofiles = ["a.toml"]\n')
    assert len(found) == 1
    assert "profiles extend each other in a cycle" in found[0]


# --- property tests ---------------------------------------------------------------------------

PRODUCTION = load_profile("production", REGISTRY)
ITEM_IDS = sorted(item.id for item in PRODUCTION.items)
KEY_NAMES = st.text(alphabet=string.ascii_lowercase + "_", min_size=3, max_size=12)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    overrides=st.dictionaries(
        st.sampled_from(ITEM_IDS),
        st.tuples(
            st.sampled_from(["must", "should", "may"]),
            st.none() | st.text(min_size=1).filter(str.strip),
        ),
        max_size=8,
    )
)
def test_any_valid_override_set_loads_and_takes_effect(
    repo: Path, overrides: dict[str, tuple[str, str | None]]
) -> None:
    lines = []
    for item_id, (level, reason) in overrides.items():
        lines += [f"[items.{json.dumps(item_id)}]", f'level = "{level}"']
        if reason is not None:
            lines.append(f"disabled = {toml_string(reason)}")
    write(repo, "\n".join(lines) + "\n")
    checklist = load_checklist(repo, REGISTRY)
    for item_id, (level, reason) in overrides.items():
        loaded = checklist.item(item_id)
        assert loaded is not None
        assert loaded.level.value == level
        assert loaded.disabled == reason


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(item_id=st.sampled_from(ITEM_IDS), blank=st.integers(0, 3), key=KEY_NAMES)
def test_an_unknown_key_anywhere_in_an_item_is_reported_at_that_key(
    repo: Path, item_id: str, blank: int, key: str
) -> None:
    allowed = {
        "title",
        "section",
        "level",
        "checks",
        "match",
        "with",
        "attest",
        "disabled",
        "why",
        "origin",
        "timeout",
    }
    if key in allowed:
        return
    text = "\n" * blank + f"[items.{json.dumps(item_id)}]\n{key} = 1\n"
    found = problems(repo, text)
    assert found[0].startswith(f'golive.toml:{blank + 2}:1: item "{item_id}": unknown key "{key}"')


def test_a_broken_service_table_does_not_hide_problems_in_the_items(repo: Path) -> None:
    found = problems(
        repo,
        """[policy]
unknown = "sometimes"

[items."k8s.pdb"]
levle = "may"
""",
    )
    assert [line.split(": ")[0] for line in found] == ["golive.toml:2:11", "golive.toml:5:1"]


def test_check_defaults_apply_to_every_use_and_items_still_win(repo: Path) -> None:
    write(
        repo,
        """[checks."deps.audit"]
with = { advisories = "advisories/", ignore = ["RUSTSEC-2099-0001"] }
timeout = "20m"

[items."deps.vulnerabilities"]
with = { advisories = "other/" }
""",
    )
    checklist = load_checklist(repo, REGISTRY)
    uses = {
        item.id: ref for item in checklist.items for ref in item.checks if ref.id == "deps.audit"
    }
    assert len(uses) >= 3
    assert uses["deps.audit"].params.advisories == "advisories/"
    assert uses["deps.audit"].params.ignore == ["RUSTSEC-2099-0001"]
    assert uses["deps.audit"].timeout == 1200.0
    assert uses["deps.vulnerabilities"].params.advisories == "other/"
    assert uses["deps.vulnerabilities"].params.ignore == ["RUSTSEC-2099-0001"]


def test_check_defaults_are_validated_once_where_they_are_written(repo: Path) -> None:
    found = problems(
        repo,
        """[checks."deps.audit"]
with = { advisory = "x" }

[checks."coverage.line"]
with = { min = ">80 percent" }

[checks."deps.audt"]
timeout = "1m"
""",
    )
    assert found[0].startswith(
        'golive.toml:2:10: check "deps.audit" has no parameter "advisory"; did you mean "advisories"?'
    )
    assert found[1].startswith('golive.toml:5:16: unknown unit "percent" in ">80 percent"')
    assert found[2] == 'golive.toml:7:9: unknown check "deps.audt"; did you mean "deps.audit"?'
    assert len(found) == 3


def test_service_exclude_reaches_the_checks(repo: Path) -> None:
    from golive.checks.source import TodoMarkers
    from golive.model import Status
    from golive.runner import run_review

    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("x = 1\n")
    (repo / "fixtures").mkdir()
    (repo / "fixtures" / "old.py").write_text("# TODO: planted for a test\n")
    write(repo, '[service]\nexclude = ["fixtures/"]\n')
    checklist = load_checklist(repo, REGISTRY)
    assert checklist.exclude == ("fixtures/",)
    review = run_review(
        checklist, root=repo, registry=REGISTRY, select=lambda i: i.id == "quality.todo"
    )
    assert review.results[0].status is Status.PASS
    from golive.testing import run_check

    assert run_check(TodoMarkers, repo).status is Status.FAIL  # without the checklist's exclude


def test_what_the_service_declares_reaches_the_checks(repo: Path) -> None:
    write(
        repo,
        """[service]
name = "payments"
health = { liveness = "/healthz", readiness = "/readyz" }
recovery = { rto = "4_hours", rpo = "15m" }

[targets.staging]
url = "https://127.0.0.1:8443"
allow_private = true
""",
    )
    about = load_checklist(repo, REGISTRY).about
    assert about is not None
    assert (about.name, about.liveness, about.readiness) == ("payments", "/healthz", "/readyz")
    assert (about.rto, about.rpo) == (4 * 3600.0, 900.0)
    assert [t.name for t in about.targets] == ["staging"]
    found = problems(repo, '[service]\nhealth = { liveness = "healthz" }\n')
    assert found == ['golive.toml:2:23: "healthz" is not a path; write it as "/healthz"']
