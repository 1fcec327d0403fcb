"""The documentation-depth checks against small real trees in tests/data/doctopics."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.checks._docs_text import headings
from golive.checks._doctopics_links import check_links
from golive.checks._doctopics_markdown import Documents, parse_document, slug
from golive.checks._doctopics_openapi import validate
from golive.checks._doctopics_topics import BUILT_IN
from golive.checks.doctopics import ApiDocumented, DocumentTopic, EnvVarsDocumented, LocalLinks
from golive.checks.repository import Repository
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "doctopics"
SERVICE = Path(__file__).parent.parent.parent / "examples" / "service"

needs_cargo = pytest.mark.skipif(
    shutil.which("cargo") is None, reason="cargo is not installed; these tests run it for real"
)
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def places(outcome: Outcome) -> list[str]:
    return [str(finding.location) for finding in outcome.findings]


def messages(outcome: Outcome) -> list[str]:
    return [finding.message for finding in outcome.findings]


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


# --- docs.api: OpenAPI ------------------------------------------------------------------------


def test_api_valid_openapi_document_passes() -> None:
    outcome = run_check(ApiDocumented, DATA / "openapi-good")
    assert outcome.status is Status.PASS
    assert outcome.observed == "docs/openapi.yaml: OpenAPI 3.1.0, 3 of 3 operation(s) described"
    assert outcome.facts["openapi_operations"] == 3


def test_api_undocumented_operations_fail_at_their_lines() -> None:
    outcome = run_check(ApiDocumented, DATA / "openapi-undocumented")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "OpenAPI: 2 of 3 API operation(s) have no summary or description"
    assert places(outcome) == ["api/openapi.yaml:12:5", "api/openapi.yaml:17:5"]
    assert messages(outcome) == [
        "POST /orders has no summary or description",
        "GET /orders/{id} has no summary or description",
    ]
    assert {finding.rule for finding in outcome.findings} == {"openapi-undocumented"}
    assert all(finding.fingerprint for finding in outcome.findings)


def test_api_structurally_invalid_document_fails_with_each_problem() -> None:
    outcome = run_check(ApiDocumented, DATA / "openapi-invalid")
    assert outcome.status is Status.FAIL
    found = dict(zip(messages(outcome), places(outcome), strict=True))
    assert found == {
        "`info.version: 1.0` must be a string (quote it)": "swagger.json:3:31",
        "`/items` has an unknown field `gte`": "swagger.json:7:7",
        "GET /items describes no responses (required)": "swagger.json:6:7",
        "path `items/{id}` does not start with /": "swagger.json:9:5",
        "GET items/{id}: path parameter `id` must have `required: true`": "swagger.json:12:39",
        "GET items/{id}: response 200 has no description (required)": "swagger.json:13:23",
        "GET items/{id}: `OK` is not a status code, a range like 4XX, or default": (
            "swagger.json:13:34"
        ),
    }


def test_api_loose_names_count_only_when_they_are_openapi_documents() -> None:
    outcome = run_check(ApiDocumented, DATA / "openapi-named")
    assert outcome.status is Status.PASS  # the generator config beside it is not a spec
    assert outcome.observed == "spec/api.openapi.yml: OpenAPI 3.0.3, 1 of 1 operation(s) described"


def test_api_openapi_parameter_names_the_document(tmp_path: Path) -> None:
    missing = run_check(ApiDocumented, DATA / "openapi-good", openapi="api/spec.yaml")
    assert missing.status is Status.FAIL
    assert messages(missing) == ["the file does not exist"]
    shutil.copy(DATA / "openapi-good" / "docs" / "openapi.yaml", tmp_path / "contract.yml")
    assert run_check(ApiDocumented, tmp_path).status is Status.NOT_APPLICABLE
    assert run_check(ApiDocumented, tmp_path, openapi="contract.yml").status is Status.PASS


def test_api_unparsable_yaml_fails_where_the_parser_stopped(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text('openapi: "3.0.0"\ninfo: [title\n', encoding="utf-8")
    outcome = run_check(ApiDocumented, tmp_path)
    assert outcome.status is Status.FAIL
    assert messages(outcome)[0].startswith("not valid YAML")
    assert outcome.findings[0].location is not None
    assert outcome.findings[0].location.line == 3


def test_api_swagger_2_and_openapi_31_rules(tmp_path: Path) -> None:
    (tmp_path / "swagger.yaml").write_text(
        'swagger: "2.0"\ninfo: {title: Old, version: "1"}\npaths:\n  /a:\n    get:\n'
        "      summary: A\n      parameters: [{name: b, in: body}]\n"
        "      responses: {200: {description: ok}}\n",
        encoding="utf-8",
    )
    assert run_check(ApiDocumented, tmp_path).status is Status.PASS
    (tmp_path / "swagger.yaml").unlink()
    (tmp_path / "openapi.json").write_text(
        '{"openapi": "3.1.0", "info": {"title": "T", "version": "1"},'
        ' "paths": {"/a": {"get": {"summary": "A"}}}}',
        encoding="utf-8",
    )
    outcome = run_check(ApiDocumented, tmp_path)
    assert outcome.status is Status.FAIL  # 3.1 allows it, but the API is not documented
    assert messages(outcome) == ["GET /a describes no responses"]
    (tmp_path / "openapi.json").write_text(
        '{"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "components": {}}',
        encoding="utf-8",
    )
    assert run_check(ApiDocumented, tmp_path).status is Status.PASS


# --- docs.api: Python and Rust ----------------------------------------------------------------


def test_api_python_docstrings_pass() -> None:
    outcome = run_check(ApiDocumented, DATA / "python-good")
    assert outcome.status is Status.PASS
    # private modules, tests, examples, overloads, setters and names left out of __all__
    # do not count
    assert outcome.observed == (
        "Python (src/shop): 8 of 8 public functions, classes and methods have docstrings (100.0%)"
    )


def test_api_python_below_the_bar_fails_with_each_undocumented_item() -> None:
    outcome = run_check(ApiDocumented, DATA / "python-poor")
    assert outcome.status is Status.FAIL
    assert outcome.summary == (
        "Python: 40.0% of the public Python API has docstrings (required >=90%)"
    )
    assert places(outcome) == ["shop/orders.py:4:1", "shop/orders.py:5:5", "shop/orders.py:16:1"]
    assert messages(outcome)[1] == "public method Order.total has no docstring"
    assert outcome.facts["python_unparsable"] == 1
    lenient = run_check(ApiDocumented, DATA / "python-poor", min_documented=">=40%")
    assert lenient.status is Status.PASS


def test_api_binary_crate_and_no_code_are_not_applicable(tmp_path: Path) -> None:
    binary = run_check(ApiDocumented, DATA / "rust-bin")
    assert binary.status is Status.NOT_APPLICABLE
    assert "tool: binary crate(s) only, no library API" in binary.summary
    (tmp_path / "README.md").write_text("# nothing\n", encoding="utf-8")
    empty = run_check(ApiDocumented, tmp_path)
    assert empty.status is Status.NOT_APPLICABLE
    assert empty.summary == "no API surface: no OpenAPI document, Rust library or Python package"


def test_api_without_cargo_a_library_denying_missing_docs_passes_on_that_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no cargo (and no git) to be found
    denied = run_check(ApiDocumented, DATA / "rust-denied")
    assert denied.status is Status.PASS
    assert "every library denies missing_docs" in (denied.observed or "")
    lax = run_check(ApiDocumented, DATA / "rust-lib")
    assert lax.status is Status.UNKNOWN
    assert lax.summary == (
        "Rust: could not run rustdoc on the Rust libraries (cargo is not installed (not found "
        "on PATH))"
    )


def test_api_every_surface_must_meet_its_bar(tmp_path: Path) -> None:
    shutil.copytree(DATA / "python-good", tmp_path, dirs_exist_ok=True)
    shutil.copytree(DATA / "openapi-undocumented", tmp_path, dirs_exist_ok=True)
    outcome = run_check(ApiDocumented, tmp_path)
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("OpenAPI: 2 of 3")
    assert outcome.facts["surfaces"] == 2


@pytest.mark.slow
@needs_cargo
def test_api_rustdoc_reports_each_undocumented_public_item(tmp_path: Path) -> None:
    outcome = run_check(ApiDocumented, copy("rust-lib", tmp_path))
    assert outcome.status is Status.FAIL
    # the private module's item is not public API; an item-level allow does not hide one
    assert places(outcome) == ["src/lib.rs:6:1", "src/lib.rs:15:1"]
    assert messages(outcome) == [
        "missing documentation for a function",
        "missing documentation for a constant",
    ]
    assert outcome.facts["rust_missing_docs"] == 2


@pytest.mark.slow
@needs_cargo
def test_api_rustdoc_passes_a_documented_library(tmp_path: Path) -> None:
    outcome = run_check(ApiDocumented, copy("rust-denied", tmp_path))
    assert outcome.status is Status.PASS
    assert outcome.observed == "Rust (tidy): 0 missing_docs warning(s)"


# --- docs.env-vars ----------------------------------------------------------------------------


def test_env_vars_all_documented_pass() -> None:
    outcome = run_check(EnvVarsDocumented, DATA / "env-documented")
    assert outcome.status is Status.PASS
    assert outcome.summary == "all 14 environment variable(s) the code reads are documented"
    # HOME, CARGO_PKG_VERSION and NODE_ENV need no documentation; tests and comments
    # are not reads
    assert outcome.facts["well_known"] == 3
    assert "TEST_ONLY_VARIABLE" not in (outcome.observed or "")
    assert "SHOP_COMMENTED_OUT" not in (outcome.observed or "")
    assert "SHOP_DATABASE_URL" in (outcome.observed or "")  # a settings field, with its prefix


def test_env_vars_undocumented_fail_where_they_are_read() -> None:
    outcome = run_check(EnvVarsDocumented, DATA / "env-undocumented")
    assert outcome.status is Status.FAIL
    assert outcome.summary == (
        "3 of 5 environment variable(s) are not documented: "
        "BILLING_RETRIES, BILLING_SECRET, BILLING_SMTP_HOST"
    )
    assert places(outcome) == ["app/config.py:15:5", "app/config.py:19:10", "app/config.py:11:5"]
    assert messages(outcome)[1] == (
        "BILLING_SECRET is read here (and in 1 other place(s)) but no document names it"
    )
    assert outcome.findings[1].fingerprint == "env:BILLING_SECRET"


def test_env_vars_the_example_service_documents_its_variables() -> None:
    outcome = run_check(EnvVarsDocumented, SERVICE)
    assert outcome.status is Status.PASS
    assert outcome.observed == "2 of 2 documented (GREETER_BIND, GREETER_CONFIG)"


def test_env_vars_none_read_is_not_applicable() -> None:
    outcome = run_check(EnvVarsDocumented, DATA / "env-none")
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary == "the code reads no environment variable by name (1 source file(s))"


# --- docs.topic -------------------------------------------------------------------------------


def test_topic_the_example_service_has_a_runbook() -> None:
    outcome = run_check(DocumentTopic, SERVICE, topic="runbook")
    assert outcome.status is Status.PASS
    assert outcome.summary.startswith("runbook: docs/runbook.md, ")
    assert outcome.summary.endswith(" words (presence checked, not quality)")
    assert outcome.facts["document"] == "docs/runbook.md"
    assert int(outcome.facts["words"]) > 200


def test_topic_found_as_a_readme_section_a_directory_or_an_adr() -> None:
    deployment = run_check(DocumentTopic, DATA / "topics", topic="deployment")
    assert deployment.status is Status.PASS
    assert deployment.facts["document"] == "README.md:9 section 'Deployment'"
    runbook = run_check(DocumentTopic, DATA / "topics", topic="runbook")
    assert runbook.facts["document"] == "docs/runbooks/database.md"
    architecture = run_check(DocumentTopic, DATA / "topics", topic="architecture")
    assert architecture.facts["document"] == "docs/adr/0001-use-postgres.md"
    scaling = run_check(DocumentTopic, DATA / "topics", topic="scaling")
    assert scaling.facts["document"] == "docs/capacity-planning.md"  # not the 2-word section


def test_topic_a_nearly_empty_document_fails_with_its_word_count() -> None:
    outcome = run_check(DocumentTopic, DATA / "topics", topic="troubleshooting")
    assert outcome.status is Status.FAIL
    assert outcome.summary == (
        "the troubleshooting document is (nearly) empty: docs/troubleshooting.md has 3 word(s)"
    )
    assert places(outcome) == ["docs/troubleshooting.md"]


def test_topic_missing_fails_naming_what_was_looked_for() -> None:
    outcome = run_check(DocumentTopic, DATA / "topics", topic="release")
    assert outcome.status is Status.FAIL  # the CHANGELOG's "Release 1.0.0" is not a procedure
    assert outcome.summary == "no document on release found"
    assert "a file named like release*" in (outcome.required or "")
    assert "a heading on 'release'" in (outcome.required or "")


def test_topic_built_in_names_match_loosely() -> None:
    outcome = run_check(DocumentTopic, DATA / "topics", topic="Incident Response")
    assert "postmortem*" in (outcome.required or "")  # the built-in incident-response patterns
    spelled = run_check(DocumentTopic, SERVICE, topic="Runbook")
    assert spelled.facts["document"] == "docs/runbook.md"


def test_topic_unknown_topics_are_recognised_by_their_words() -> None:
    outcome = run_check(DocumentTopic, DATA / "topics", topic="capacity planning")
    assert outcome.status is Status.PASS
    assert outcome.facts["document"] == "docs/capacity-planning.md"


def test_topic_paths_and_headings_extend_or_replace() -> None:
    topics = DATA / "topics"
    assert run_check(DocumentTopic, topics, topic="escalation").status is Status.FAIL
    extended = run_check(DocumentTopic, topics, topic="escalation", paths=["ops/*.txt"])
    assert extended.status is Status.PASS
    assert extended.facts["document"] == "ops/oncall-notes.txt"
    replaced = run_check(DocumentTopic, topics, topic="deployment", replace=True, headings=["ship"])
    assert replaced.status is Status.FAIL
    short = run_check(DocumentTopic, topics, topic="setup", headings=["installation"], min_words=2)
    assert short.status is Status.PASS


def test_topic_documents_of_examples_do_not_count_unless_named() -> None:
    topics = DATA / "topics"
    assert run_check(DocumentTopic, topics, topic="rollback").status is Status.FAIL
    named = run_check(DocumentTopic, topics, topic="rollback", paths=["examples/**/*.md"])
    assert named.status is Status.PASS
    assert named.facts["document"] == "examples/demo/docs/rollback.md"


def test_topic_none_given_is_unknown() -> None:
    outcome = run_check(DocumentTopic, DATA / "topics")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == "no topic given (set `topic` in the item's `with`)"


def test_topic_built_ins_cover_the_profiles_topics() -> None:
    assert set(BUILT_IN) == {
        "migration", "deployment", "runbook", "incident-response", "backup-recovery",
        "scaling", "architecture", "development-setup", "testing", "release",
        "disaster-recovery", "security-incident", "escalation", "rollback",
        "troubleshooting", "maintenance", "monitoring",
    }  # fmt: skip


# --- docs.links -------------------------------------------------------------------------------


def test_links_that_resolve_pass() -> None:
    outcome = run_check(LocalLinks, DATA / "links-good")
    assert outcome.status is Status.PASS
    assert outcome.summary == "all 16 local link(s) resolve"
    assert outcome.facts["external_links"] == 3  # counted, never fetched
    assert outcome.facts["skipped_links"] == 3  # mailto:, a template, outside the review


def test_links_broken_fail_at_line_and_column() -> None:
    outcome = run_check(LocalLinks, DATA / "links-broken")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "6 of 6 local link(s) are broken"
    assert dict(zip(places(outcome), messages(outcome), strict=True)) == {
        "README.md:3:17": "docs/gide.md: docs/gide.md does not exist",
        "README.md:3:47": "docs/guide.md#set-up: docs/guide.md has no heading or anchor #set-up",
        "README.md:4:19": (
            "#no-such-heading: this document has no heading or anchor #no-such-heading"
        ),
        "README.md:6:8": "docs/missing.pdf: docs/missing.pdf does not exist",
        "docs/guide.md:5:12": "img/diagram.png: docs/img/diagram.png does not exist",
        "docs/index.rst:4:7": "missing-page: docs/missing-page(.rst, .md, .txt) does not exist",
    }


def test_links_of_the_example_service_resolve() -> None:
    assert run_check(LocalLinks, SERVICE).status is Status.PASS


def test_links_without_documents_are_not_applicable(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("print('hi')\n", encoding="utf-8")
    outcome = run_check(LocalLinks, tmp_path)
    assert outcome.status is Status.NOT_APPLICABLE


def test_links_unreadable_documents_are_unknown(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_bytes(b"\xff\xfe# Title\x00")
    outcome = run_check(LocalLinks, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == "1 document(s) are not readable as UTF-8 text: README.md"


@needs_git
def test_links_to_ignored_files_are_broken(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("build/\n", encoding="utf-8")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "report.html").write_text("<p>report</p>\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("See [the report](build/report.html).\n", "utf-8")
    outcome = run_check(LocalLinks, tmp_path)
    assert outcome.status is Status.FAIL
    assert messages(outcome) == [
        "build/report.html: build/report.html exists here but is ignored by git, "
        "so readers will not find it"
    ]


# --- the parsers ------------------------------------------------------------------------------


def test_heading_levels_in_markdown_and_rst() -> None:
    markdown = "Title\n=====\n\n## Two\n\nSub\n---\n\n```\n# not a heading\n```\n"
    assert [(h.line, h.level, h.title) for h in headings(markdown, rst=False)] == [
        (1, 1, "Title"),
        (4, 2, "Two"),
        (6, 2, "Sub"),
    ]
    rst = "Top\n===\n\nNext\n----\n\nAgain\n=====\n"
    assert [h.level for h in headings(rst, rst=True)] == [1, 2, 1]


def test_slugs_follow_github() -> None:
    assert slug("Configuration & options") == "configuration--options"
    assert slug("Use `cargo test` (fast!)") == "use-cargo-test-fast"
    assert slug("[Links](x.md) and **bold**") == "links-and-bold"
    assert slug("snake_case Ünïcode") == "snake_case-ünïcode"


@given(st.text(max_size=300))
def test_slugs_are_lowercase_without_spaces(title: str) -> None:
    made = slug(title)
    assert " " not in made
    assert made == made.lower()


@given(st.text(alphabet="#[]()<>`:!*-=_ \nabc./", max_size=200))
def test_link_extraction_never_crashes(text: str) -> None:
    document = parse_document("README.md", text)
    repo = Repository(Path("/nonexistent"), ["README.md"])
    report = check_links(Documents(items=(document,), unreadable=()), repo)
    assert report.documents == 1


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["openapi", "info", "paths", "/a", "get", "responses", "200", "x"])
            | st.text(max_size=5),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(_JSON)
def test_openapi_validation_never_crashes(document: object) -> None:
    report = validate("openapi.json", document)
    assert report.documented <= report.operations


def test_a_link_into_a_path_the_checklist_excludes_still_resolves(tmp_path: Path) -> None:
    from golive.checks.doctopics import LocalLinks as Links
    from golive.checks.fixtures import RunOptions

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\nHow to use it.\n")
    (tmp_path / "README.md").write_text("# App\n\nSee [the guide](docs/guide.md#guide).\n")
    options = RunOptions(exclude=("docs/**",))
    outcome = run_check(Links, tmp_path, options=options)
    assert outcome.status is Status.PASS, outcome.findings
