"""The built-in profiles carry every item of the two seed checklists: nothing dropped, nothing
invented, titles as written."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from golive.checklist import Checklist, builtin_profiles, load_profile
from golive.checklist.markdown import parse_checklist
from golive.checks.registry import Registry

SEEDS = Path(__file__).parent.parent / "data" / "seeds"
REGISTRY = Registry.discover()


@pytest.fixture(scope="module")
def mocopr() -> Checklist:
    return load_profile("mocopr", REGISTRY)


@pytest.fixture(scope="module")
def tusklang() -> Checklist:
    return load_profile("tusklang", REGISTRY)


@pytest.fixture(scope="module")
def production() -> Checklist:
    return load_profile("production", REGISTRY)


def _titles(checklist: Checklist) -> dict[str, str]:
    return {section.id: section.title for section in checklist.sections}


def _top(section_id: str, checklist: Checklist) -> str:
    return _titles(checklist)[section_id.split(".", maxsplit=1)[0]]


def test_every_built_in_profile_loads() -> None:
    assert builtin_profiles() == ["mocopr", "production", "tusklang"]


# --- MoCoPr: 170 items in 13 sections, titles as written --------------------------------------


def test_mocopr_has_every_seed_item_in_its_section_with_its_title(mocopr: Checklist) -> None:
    seed = parse_checklist((SEEDS / "mocopr.md").read_text("utf-8"))
    assert len(seed.items) == 170 and len(mocopr.items) == 170
    titles = _titles(mocopr)
    placed = [
        (
            _top(item.section, mocopr),
            titles[item.section] if "." in item.section else None,
            item.title,
        )
        for item in mocopr.items
    ]
    assert placed == [(i.section, i.subsection, i.title) for i in seed.items]


def test_mocopr_has_the_13_seed_sections_in_order(mocopr: Checklist) -> None:
    seed = parse_checklist((SEEDS / "mocopr.md").read_text("utf-8"))
    tops = [s.title for s in mocopr.sections if s.parent is None]
    assert tops == [title for title, _ in seed.sections()]
    assert len(tops) == 13


# --- TuskLang: every [block], every key --------------------------------------------------------


def _seed_blocks(text: str) -> tuple[list[str], set[str], dict[str, str]]:
    """Blocks in order, every leaf as "[block] path" (list items as "[block] path: item"),
    and the heading each block sits under."""
    blocks: list[str] = []
    leaves: set[str] = set()
    under: dict[str, str] = {}
    heading = ""
    in_code = False
    block = ""
    parents: list[tuple[int, str]] = []
    for line in text.splitlines():
        if line.startswith("### "):
            heading = line[4:].strip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not in_code or not line.strip():
            continue
        if found := re.fullmatch(r"\[(\w+)\]", line.strip()):
            block = found[1]
            blocks.append(block)
            under.setdefault(block, heading)
            parents = []
            continue
        indent = len(line) - len(line.lstrip())
        parents = [(i, k) for i, k in parents if i < indent]
        path = ".".join(k for _, k in parents)
        if item := re.fullmatch(r'\s*- "(.+)"', line):
            leaves.add(f"[{block}] {path}: {item[1]}")
            continue
        key, _, value = line.strip().partition(":")
        full = f"{path}.{key}" if path else key
        if value.strip():
            leaves.add(f"[{block}] {full}")
        else:
            parents.append((indent, key))
    return blocks, leaves, under


def test_tusklang_has_all_56_blocks_and_every_key_is_an_item_or_a_parameter(
    tusklang: Checklist,
) -> None:
    blocks, leaves, _ = _seed_blocks((SEEDS / "tusklang.md").read_text("utf-8"))
    assert len(blocks) == 56
    origins = {origin for item in tusklang.items for origin in item.origin}

    def covered(leaf: str) -> bool:
        # A list is either carried whole (its key) or item by item.
        return leaf in origins or leaf.rpartition(": ")[0] in origins

    missing = sorted(leaf for leaf in leaves if not covered(leaf))
    assert missing == []
    assert {re.match(r"\[(\w+)\]", o)[1] for o in origins} == set(blocks)  # type: ignore[index]


def test_tusklang_invents_no_origin(tusklang: Checklist) -> None:
    _, leaves, _ = _seed_blocks((SEEDS / "tusklang.md").read_text("utf-8"))
    lists = {leaf.rpartition(": ")[0] for leaf in leaves if ": " in leaf.partition("] ")[2]}
    invented = sorted(
        origin
        for item in tusklang.items
        for origin in item.origin
        if origin not in leaves and origin not in lists
    )
    assert invented == []


def test_tusklang_sections_follow_the_seed_headings(tusklang: Checklist) -> None:
    text = (SEEDS / "tusklang.md").read_text("utf-8")
    _, _, under = _seed_blocks(text)
    titles = _titles(tusklang)
    for item in tusklang.items:
        block = re.match(r"\[(\w+)\]", item.origin[0])[1]  # type: ignore[index]
        assert titles[item.section] == under[block], item.id


def test_tusklang_valued_keys_are_parameters_of_the_items_they_govern(tusklang: Checklist) -> None:
    def params(item_id: str) -> dict[str, object]:
        item = tusklang.item(item_id)
        assert item is not None
        return {
            name: value.text if hasattr(value, "text") else value
            for ref in item.checks
            for name, value in ref.params
            if value not in (None, {}, [])
        }

    assert params("tests.coverage-threshold")["min"] == ">=80%"
    assert params("perf.response-time")["response_time"] == "<100ms"
    assert params("perf.throughput")["throughput"] == ">1000 req/s"
    assert params("perf.memory-usage")["memory_usage"] == "<512MB"
    assert params("network.rate-limiting")["limit"] == "1000 req/min"
    assert params("dr.objectives") == {"rto": 4 * 3600.0, "rpo": 3600.0}
    assert params("config.field-ranges")["ranges"][0].text == "port: 1-65535"  # type: ignore[index]


# --- production: both seeds, de-duplicated ------------------------------------------------------


def _merges() -> dict[str, str | list[str]]:
    text = resources.files("golive.checklist").joinpath("profiles/production.toml").read_text()
    merges: dict[str, str | list[str]] = tomllib.loads(text)["merge"]
    return merges


def test_the_seed_profiles_share_no_item_id(mocopr: Checklist, tusklang: Checklist) -> None:
    assert {i.id for i in mocopr.items} & {i.id for i in tusklang.items} == set()


def test_production_keeps_every_seed_item_or_folds_it_into_one_it_keeps(
    mocopr: Checklist, tusklang: Checklist, production: Checklist
) -> None:
    kept = {item.id for item in production.items}
    merges = _merges()
    for item in [*mocopr.items, *tusklang.items]:
        if item.id in kept:
            continue
        target = merges[item.id]
        while isinstance(target, str) and target not in kept:
            target = merges[target]
        targets = [target] if isinstance(target, str) else target
        assert set(targets) <= kept, item.id


def test_production_invents_no_item(
    mocopr: Checklist, tusklang: Checklist, production: Checklist
) -> None:
    seeds = {item.id for item in [*mocopr.items, *tusklang.items]}
    assert {item.id for item in production.items} <= seeds
    assert len(production.items) == len(seeds) - len(_merges())


def test_production_carries_every_tusklang_origin(
    tusklang: Checklist, production: Checklist
) -> None:
    origins = {o for item in production.items for o in item.origin}
    assert {o for item in tusklang.items for o in item.origin} <= origins


def test_production_keeps_the_mocopr_sections_in_order(
    mocopr: Checklist, production: Checklist
) -> None:
    tops = [s.title for s in production.sections if s.parent is None]
    assert tops == [s.title for s in mocopr.sections if s.parent is None]


def test_a_merged_item_takes_the_stricter_level_and_both_checks(production: Checklist) -> None:
    latency = production.item("perf.latency")
    assert latency is not None
    assert {ref.id for ref in latency.checks} == {"load.latency", "load.results"}
    assert "[performance_metrics] response_time" in latency.origin
    clippy = production.item("quality.clippy")
    assert clippy is not None
    assert [ref.id for ref in clippy.checks] == [
        "rust.clippy",
        "rust.warnings",
        "python.ruff",
        "python.mypy",
    ]


# --- the catalog behind the profiles ------------------------------------------------------------


def test_planned_and_built_checks_never_overlap() -> None:
    # The registry quietly lets a built check supersede a planned one, so read the file itself.
    from golive.checks.registry import planned_checks

    assert {p.id for p in planned_checks()} & {check.id for check in REGISTRY} == set()


def test_every_check_the_built_in_profiles_name_is_built(production: Checklist) -> None:
    assert [(item.id, item.planned) for item in production.items if item.planned] == []


def test_every_built_check_verifies_some_production_item(production: Checklist) -> None:
    used = {ref.id for item in production.items for ref in item.checks}
    assert {check.id for check in REGISTRY} - used == set()


def test_the_design_examples_ids_exist(production: Checklist) -> None:
    for item_id in ("security.transport.tls", "perf.latency", "docs.migration-guide", "k8s.pdb"):
        assert production.item(item_id) is not None
