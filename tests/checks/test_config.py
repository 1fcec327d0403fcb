"""The configuration checks against small trees in tests/data/config (TOML, YAML, Helm values,
JSON, .env, Spring, INI), the example service's config/ and the real-world corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from golive.checks._config_files import place
from golive.checks._config_load import load_config
from golive.checks._config_model import Entry
from golive.checks._config_parse import ConfigError, parse_config
from golive.checks._config_values import equals, level_rank, only_reference, show
from golive.checks.base import Check
from golive.checks.config import (
    EnvParity,
    ProductionSafe,
    Required,
    SchemaValid,
    ValueRanges,
    ValueTypes,
)
from golive.checks.fixtures import ServiceInfo
from golive.checks.repository import Repository
from golive.model import Location, Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "config"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "service"
SEED_FIELDS = ["database_url", "api_key", "log_level"]
SEED_TYPES = ["string", "integer", "boolean"]
SEED_RANGES = ["port: 1-65535", "timeout: 1-300"]


def where(outcome: Outcome) -> list[str]:
    return [str(f.location) for f in outcome.findings]


def messages(outcome: Outcome) -> list[str]:
    return [f.message for f in outcome.findings]


def entry(*key: str, value: object = "x", flat: bool = False) -> Entry:
    return Entry(key=key, value=value, location=Location(path="f"), typed=True, flat=flat)


# --- the contract -----------------------------------------------------------------------------

# The parameters the built-in profiles pass (src/golive/checks/planned.toml declared them).
PLANNED = {
    Required: {"fields": SEED_FIELDS, "environments": ["production"]},
    ValueTypes: {"types": SEED_TYPES},
    ValueRanges: {"ranges": SEED_RANGES},
    ProductionSafe: {
        "environment": "production",
        "expect": {"connection_pool.idle_timeout": "300s"},
    },
    SchemaValid: {"schema_file": "config/schema.json"},
    EnvParity: {"environments": ["production", "staging"]},
}


@pytest.mark.parametrize("check", list(PLANNED), ids=lambda c: c.id)
def test_params_accept_the_planned_parameters_and_waive(check: type[Check]) -> None:
    params = check.Params.model_validate({**PLANNED[check], "waive": {"x/*": "why"}})
    assert params.model_dump()["waive"] == {"x/*": "why"}
    assert check.Params.model_validate({}) is not None  # every parameter has a default


def test_a_single_type_name_is_a_list_of_one() -> None:
    assert ValueTypes.Params.model_validate({"types": "string"}).model_dump()["types"] == ["string"]


# --- finding and reading the files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "environment", "family"),
    [
        ("config/production.toml", "production", "config/*"),
        ("svc/config/prod/database.yaml", "production", "svc/config/*"),
        ("config/default.yaml", None, "config/*"),
        ("app/.env.staging", "staging", "app/.env*"),
        ("production.env", "production", ".env*"),
        ("appsettings.Production.json", "production", "appsettings.*"),
        (
            "src/main/resources/application-prod.properties",
            "production",
            "src/main/resources/application.*",
        ),
        ("deploy/values-staging.yaml", "staging", "deploy/values.*"),
        ("config.preprod.toml", "preprod", "config.*"),
        ("greeter-qa.toml", "qa", "greeter.*"),
    ],
)
def test_configuration_files_are_found_by_name(
    path: str, environment: str | None, family: str
) -> None:
    found = place(path, service="greeter")
    assert found is not None
    assert (found.environment, found.family) == (environment, family)


@pytest.mark.parametrize(
    "path",
    [
        "tsconfig.test.json",  # a tool's configuration, not the service's
        "docker-compose.prod.yml",
        ".github/config.yml",
        ".cargo/config.toml",
        "node_modules/pkg/config/production.json",
        "config/production/kustomization.yaml",
        ".env.example",
        "README.md",
    ],
)
def test_other_files_are_not_configuration(path: str) -> None:
    assert place(path, service="greeter") is None


def test_settings_written_as_code_are_counted_not_read(tmp_path: Path) -> None:
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "production.py").write_text("DEBUG = False\n")
    config = load_config(Repository.scan(tmp_path))
    assert config.code_skipped == ("settings/production.py",)
    assert config.empty


def test_the_example_service_has_production_and_staging() -> None:
    config = load_config(Repository.scan(EXAMPLE), "greeter")
    production = config.environments["production"]
    assert list(config.environments) == ["production", "staging"]
    level = production.matching("log_level")
    assert [(e.dotted, e.value, str(e.location)) for e in level] == [
        ("log.level", "warn", "config/production.toml:14:1")
    ]
    assert production.matching("features.debug")[0].value is False


def test_base_files_lie_under_each_environment() -> None:
    config = load_config(Repository.scan(DATA / "toml-good"))
    production = config.environments["production"]
    assert [f.path for f in production.files] == ["config/default.toml", "config/production.toml"]
    level = production.matching("log.level")
    assert [str(e.location) for e in level] == ["config/production.toml:4:1"]  # overrides
    assert str(production.matching("ssl_mode")[0].location) == "config/default.toml:8:1"


def test_keys_match_by_name_path_case_and_spelling() -> None:
    assert entry("log", "level").answers_to("log_level")
    assert entry("LOG_LEVEL").answers_to("log-level")
    assert entry("config", "logLevel").answers_to("log_level")
    assert entry("app", "database", "ssl_mode").answers_to("database.ssl_mode")
    assert entry("APP_LOG_LEVEL", flat=True).answers_to("log_level")
    assert not entry("APP_LOG_LEVEL").answers_to("log_level")  # a YAML key is one name
    assert not entry("log_levels").answers_to("log_level")
    assert entry("Logging", "LogLevel", "Default").defines("log_level")


def test_dotenv_lines() -> None:
    text = (
        "# comment\n"
        "export A=1\n"
        'B="two words" # trailing\n'
        "C='single $quoted'\n"
        'D="line one\nline two"\n'
        "E=plain value # comment\n"
        "DB__HOST=db\n"
    )
    [parsed] = parse_config(text, ".env", "env")
    assert [(e.dotted, e.value, e.location.line) for e in parsed.entries] == [
        ("A", "1", 2),
        ("B", "two words", 3),
        ("C", "single $quoted", 4),
        ("D", "line one\nline two", 5),
        ("E", "plain value", 7),
        ("DB.HOST", "db", 8),
    ]


def test_a_broken_dotenv_line_is_an_error_at_its_line() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config("A=1\nthis is not a setting\n", ".env", "env")
    assert raised.value.location == Location(path=".env", line=2, column=1)


def test_properties_lines() -> None:
    text = "# c\n! c\na.b = 1\nc:2\nd e\nlong = one\\\n    two\nu = caf\\u00e9\n"
    [parsed] = parse_config(text, "application.properties", "properties")
    assert [(e.key, e.value, e.location.line) for e in parsed.entries] == [
        (("a", "b"), "1", 3),
        (("c",), "2", 4),
        (("d",), "e", 5),
        (("long",), "onetwo", 6),
        (("u",), "café", 8),
    ]


def test_ini_sections_and_continuations() -> None:
    [parsed] = parse_config("top = 1\n[db]\nhost: x\n  y\n; c\n", "a.ini", "ini")
    assert [(e.key, e.value) for e in parsed.entries] == [(("top",), "1"), (("db", "host"), "x\ny")]
    with pytest.raises(ConfigError):
        parse_config("[db]\njust words\n", "a.ini", "ini")


def test_json_with_comments_keeps_positions() -> None:
    text = '{\n  // a comment\n  "a": {\n    /* b */ "b": 1\n  }\n}\n'
    [parsed] = parse_config(text, "appsettings.json", "json")
    assert [(e.dotted, str(e.location)) for e in parsed.entries] == [
        ("a.b", "appsettings.json:4:13")
    ]


def test_spring_profile_documents_belong_to_their_environment() -> None:
    config = load_config(Repository.scan(DATA / "spring"))
    production = config.environments["production"]
    keys = {e.dotted for e in production.entries}
    assert "management.endpoints.web.cors.allowed-origins" in keys
    assert "debug" not in keys  # the `local` profile is no environment golive knows
    assert not any(k.startswith("spring.config") for k in keys)


def test_kubernetes_resources_in_config_directories_are_not_configuration() -> None:
    assert load_config(Repository.scan(DATA / "k8s-under-config")).empty
    helm = load_config(Repository.scan(DATA / "yaml-helm")).environments["production"]
    assert "data.debug" not in {e.dotted for e in helm.entries}  # the ConfigMap document


@pytest.mark.parametrize("fmt", ["json", "toml", "yaml"])
def test_deep_nesting_is_refused_not_a_crash(fmt: str) -> None:
    with pytest.raises(ConfigError):
        parse_config("a = " + "[" * 50_000 if fmt == "toml" else "[" * 50_000, "x", fmt)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    fmt=st.sampled_from(["toml", "yaml", "json", "env", "properties", "ini"]),
)
def test_any_text_reads_or_says_why(text: str, fmt: str) -> None:
    try:
        parse_config(text, "f", fmt)
    except ConfigError as error:
        assert error.message and error.location.path == "f"


_NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,15}", fullmatch=True).filter(lambda k: "__" not in k)
_VALUE = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N", "P", "Zs"]), max_size=30
).filter(lambda v: v == v.strip())


@settings(max_examples=100, deadline=None)
@given(pairs=st.dictionaries(_NAME, _VALUE, max_size=8))
def test_dotenv_values_read_back_as_written(pairs: dict[str, str]) -> None:
    text = "".join(f"{key}={_quote(value)}\n" for key, value in pairs.items())
    [parsed] = parse_config(text, ".env", "env")
    assert {e.key[0]: e.value for e in parsed.entries} == pairs


def _quote(value: str) -> str:
    """Single quotes keep text as it is; double quotes need `\\` and `"` escaped."""
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- what values mean -------------------------------------------------------------------------


def test_log_levels_and_expectations() -> None:
    assert level_rank("WARN") == level_rank("warning") == 3
    assert level_rank("warn,greeter=debug") == 1  # RUST_LOG: the most verbose directive
    assert level_rank("verbose-ish") is None
    assert equals("300s", "5m") and equals(300, "300s") and equals("100", 100)
    assert equals("Require", "require") and equals("no", False) and not equals("yes", False)
    assert equals("b", ["a", "b"])
    assert only_reference("${DATABASE_URL}") and not only_reference("x-${A}")


def test_values_shown_in_findings_keep_secrets_out() -> None:
    assert show("hunter2", "database.password") == "<redacted>"
    assert show("postgres://app:hunter2@db/app", "url") == '"postgres://app:***@db/app"'


# --- config.required --------------------------------------------------------------------------


def test_required_fields_pass_with_base_files_and_references() -> None:
    outcome = run_check(Required, DATA / "toml-good", fields=SEED_FIELDS)
    assert outcome.status is Status.PASS
    assert outcome.facts["set_from_environment"] == 4


def test_required_fields_of_the_example_service() -> None:
    outcome = run_check(Required, EXAMPLE, fields=SEED_FIELDS)
    assert outcome.status is Status.FAIL
    assert messages(outcome) == [
        "production: database_url is not set",
        "production: api_key is not set",
        "staging: database_url is not set",
        "staging: api_key is not set",
    ]
    assert where(outcome)[0] == "config/production.toml:1"


def test_an_empty_value_is_not_defined() -> None:
    outcome = run_check(Required, DATA / "refs", fields=SEED_FIELDS)
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.message) for f in outcome.findings] == [
        ("config/production.yaml:3:1", "production: api_key is empty")
    ]


def test_an_environment_asked_for_without_files_is_a_finding() -> None:
    outcome = run_check(
        Required, DATA / "dotenv", fields=["log_level"], environments=["prod", "qa"]
    )
    assert outcome.status is Status.FAIL
    assert messages(outcome)[0].startswith("no configuration for qa; looked for config/{qa}.*")


def test_required_without_fields_or_files() -> None:
    assert run_check(Required, EXAMPLE).status is Status.UNKNOWN
    assert run_check(Required, DATA / "none", fields=SEED_FIELDS).status is Status.NOT_APPLICABLE
    broken = run_check(Required, DATA / "broken", fields=SEED_FIELDS)
    assert broken.status is Status.UNKNOWN
    assert where(broken) == ["config/production.toml:3:16", "config/staging.yaml:3:1"]


# --- config.types -----------------------------------------------------------------------------


def test_seed_type_list_passes_on_the_example_service() -> None:
    outcome = run_check(ValueTypes, EXAMPLE, types=SEED_TYPES)
    assert outcome.status is Status.PASS
    assert outcome.facts["values_checked"] == 12


def test_a_value_outside_the_type_list_fails_at_its_line() -> None:
    outcome = run_check(ValueTypes, DATA / "yaml-helm", types=SEED_TYPES)
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.message) for f in outcome.findings] == [
        (
            "deploy/chart/values-staging.yaml:7:5",
            "config.tracing.sampleRate = 1.0 is float; expected string or integer or boolean",
        )
    ]


def test_a_map_of_key_types() -> None:
    bad = run_check(ValueTypes, DATA / "toml-bad", types={"workers": "integer", "debug": "boolean"})
    assert bad.status is Status.FAIL
    assert where(bad) == ["config/production.toml:7:1"]
    env = run_check(ValueTypes, DATA / "dotenv", types={"port": "integer", "debug": "bool"})
    assert env.status is Status.PASS  # .env text read as numbers and booleans
    missing = run_check(ValueTypes, EXAMPLE, types={"port": "integer"})
    assert missing.status is Status.NOT_APPLICABLE
    assert missing.facts["keys_not_found"] == "port"


def test_types_needs_declared_known_types() -> None:
    assert run_check(ValueTypes, EXAMPLE).status is Status.UNKNOWN
    with pytest.raises(ValidationError, match="unknown type name"):
        run_check(ValueTypes, EXAMPLE, types=["string", "decimal"])


# --- config.ranges ----------------------------------------------------------------------------


def test_values_out_of_range_or_not_numbers_fail() -> None:
    outcome = run_check(ValueRanges, DATA / "toml-bad", ranges=SEED_RANGES)
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.message) for f in outcome.findings] == [
        ("config/production.toml:5:1", "server.port = 70000: 70000 is outside port: 1-65535"),
        (
            "config/production.toml:6:1",
            'server.timeout = "ten": not a number; expected timeout: 1-300',
        ),
        ("config/production.toml:11:1", "database.timeout = 600: 600 is outside timeout: 1-300"),
    ]


def test_values_in_range_pass_durations_in_seconds() -> None:
    outcome = run_check(ValueRanges, DATA / "toml-good", ranges=SEED_RANGES)
    assert outcome.status is Status.PASS  # timeout = "30s"
    assert outcome.facts["values_checked"] == 2
    dotenv = run_check(ValueRanges, DATA / "dotenv", ranges=SEED_RANGES)
    assert dotenv.status is Status.PASS  # REQUEST_TIMEOUT=45 answers to `timeout`


def test_ranges_without_matching_keys_or_names() -> None:
    outcome = run_check(ValueRanges, EXAMPLE, ranges=SEED_RANGES)
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.facts["keys_not_found"] == "port, timeout"
    assert run_check(ValueRanges, EXAMPLE).status is Status.UNKNOWN
    with pytest.raises(ValidationError, match="name no key"):
        run_check(ValueRanges, EXAMPLE, ranges=["1-10"])
    assert run_check(ValueRanges, DATA / "broken", ranges=SEED_RANGES).status is Status.UNKNOWN


# --- config.production-safe -------------------------------------------------------------------


def test_the_example_service_production_is_safe() -> None:
    outcome = run_check(ProductionSafe, EXAMPLE)
    assert outcome.status is Status.PASS
    assert outcome.facts["judged"] == 2  # [log] level = "warn", [features] debug = false
    seeded = run_check(
        ProductionSafe, EXAMPLE, expect={"debug_enabled": False, "log_level": "warn"}
    )
    assert seeded.status is Status.PASS  # debug_enabled is spelled features.debug here


def test_the_example_service_staging_is_not() -> None:
    outcome = run_check(ProductionSafe, EXAMPLE, environment="staging")
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.rule) for f in outcome.findings] == [
        ("config/staging.toml:10:1", "config.production-safe.log-level"),
        ("config/staging.toml:14:1", "config.production-safe.debug"),
    ]


def test_expectations_missing_or_different() -> None:
    outcome = run_check(
        ProductionSafe,
        EXAMPLE,
        expect={
            "log_level": "error",
            "hot_reload": False,
            "tls_enabled": True,
            "server.workers": [4, 8],
        },
    )
    assert outcome.status is Status.FAIL
    assert messages(outcome) == [
        'log.level = "warn"; expected "error"',
        "tls_enabled is not set; expected true",
    ]
    # A switch the configuration does not have cannot be on.
    off = run_check(ProductionSafe, EXAMPLE, expect={"hot_reload": False})
    assert off.status is Status.PASS
    assert "not set, so off: hot_reload" in off.summary
    stricter = run_check(ProductionSafe, EXAMPLE, expect={"log_level": "info"})
    assert stricter.status is Status.PASS  # warn is stricter than info


def test_every_built_in_rule_fails_an_unsafe_production() -> None:
    outcome = run_check(ProductionSafe, DATA / "toml-bad")
    assert outcome.status is Status.FAIL
    assert [f.rule.rpartition(".")[2] for f in outcome.findings if f.rule] == [
        "debug",
        "hot-reload",
        "tls",
        "log-level",
        "cors",
        "profiling",
    ]
    assert "changeme" not in " ".join(messages(outcome))  # the URL's password is never shown


@pytest.mark.parametrize(
    ("tree", "status", "found"),
    [
        ("yaml-helm", Status.FAIL, ["deploy/chart/values-production.yaml:5:5"]),  # sslMode
        ("spring", Status.FAIL, ["src/main/resources/application.yml:21:9"]),  # cors *
        ("json-appsettings", Status.PASS, []),  # Warning overrides Information
        ("dotenv", Status.PASS, []),
        ("ini", Status.PASS, []),
    ],
)
def test_production_safe_in_every_format(tree: str, status: Status, found: list[str]) -> None:
    outcome = run_check(ProductionSafe, DATA / tree)
    assert outcome.status is status
    assert where(outcome) == found


def test_values_from_the_environment_cannot_be_judged() -> None:
    outcome = run_check(ProductionSafe, DATA / "refs")
    assert outcome.status is Status.UNKNOWN
    assert where(outcome) == ["config/production.yaml:4:1", "config/production.yaml:5:1"]


def test_no_production_configuration() -> None:
    outcome = run_check(ProductionSafe, DATA / "only-base")
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("no production configuration found; looked for config/")
    assert run_check(ProductionSafe, DATA / "none").status is Status.NOT_APPLICABLE
    assert run_check(ProductionSafe, DATA / "broken").status is Status.UNKNOWN


def test_waived_files() -> None:
    reason = "generated by the platform team"
    outcome = run_check(
        ProductionSafe, DATA / "toml-bad", waive={"config/production.toml": reason, "x/*": "-"}
    )
    assert outcome.status is Status.WAIVED
    assert reason in outcome.summary
    assert all(m.startswith(f"waived: {reason}") for m in messages(outcome))
    assert outcome.facts["waivers_unused"] == "x/*"
    partly = run_check(EnvParity, DATA / "toml-bad", waive={"config/staging.toml": reason})
    assert partly.status is Status.FAIL
    assert partly.facts["findings"] == 2
    assert partly.facts["waived"] == 1


# --- config.schema ----------------------------------------------------------------------------


def test_schema_passes_and_fails_at_the_offending_keys() -> None:
    good = run_check(SchemaValid, DATA / "toml-good")
    assert good.status is Status.PASS
    assert good.facts["documents_validated"] == 2
    bad = run_check(SchemaValid, DATA / "toml-bad")
    assert bad.status is Status.FAIL
    assert "config/production.toml:5:1" in where(bad)
    assert "production: server.port: 70000 is greater than the maximum of 65535" in messages(bad)
    assert "staging: server.canary_header: is not allowed by the schema" in messages(bad)


def test_schema_found_by_dollar_schema_and_next_to_helm_values() -> None:
    ref = run_check(SchemaValid, DATA / "schema-ref")
    assert ref.status is Status.FAIL
    assert messages(ref) == [
        "staging: (top level): 'region' is a required property",
        "staging: api_token: does not meet the schema's `minLength` rule",  # no value shown
        "staging: workers: 128 is greater than the maximum of 64",
    ]
    helm = run_check(SchemaValid, DATA / "yaml-helm")
    assert helm.facts["schemas"] == "deploy/chart/values.schema.json"
    assert where(helm) == ["deploy/chart/values-staging.yaml:1:1"]


def test_schema_for_dotenv_files_reads_numbers() -> None:
    outcome = run_check(SchemaValid, DATA / "dotenv", schema_file="schemas/env.json")
    assert outcome.status is Status.FAIL
    assert where(outcome) == [".env.production:7:1", ".env.staging:5:1"]


def test_no_usable_schema_is_unknown() -> None:
    assert run_check(SchemaValid, EXAMPLE).status is Status.UNKNOWN
    missing = run_check(SchemaValid, EXAMPLE, schema_file="config/nope.json")
    assert missing.status is Status.UNKNOWN
    assert "not a file of the repository" in missing.summary
    assert run_check(SchemaValid, DATA / "none").status is Status.NOT_APPLICABLE


def test_an_invalid_schema_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "production.toml").write_text("a = 1\n")
    (tmp_path / "config" / "schema.json").write_text('{"type": 12}')
    outcome = run_check(SchemaValid, tmp_path)
    assert outcome.status is Status.UNKNOWN
    assert "not a valid JSON Schema" in outcome.summary


# --- config.env-parity ------------------------------------------------------------------------


def test_parity_of_the_example_service() -> None:
    outcome = run_check(EnvParity, EXAMPLE)
    assert outcome.status is Status.PASS
    assert outcome.facts["keys"] == 6


def test_keys_missing_from_one_environment() -> None:
    outcome = run_check(EnvParity, DATA / "toml-bad")
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.message) for f in outcome.findings] == [
        (
            "config/production.toml:17:1",
            "cors.allow_origins is set in production but not in staging",
        ),
        (
            "config/production.toml:20:1",
            "profiling.enabled is set in production but not in staging",
        ),
        ("config/staging.toml:8:1", "server.canary_header is set in staging but not in production"),
    ]
    allowed = run_check(
        EnvParity,
        DATA / "toml-bad",
        env_specific=["cors.allow_origins", "profiling", "canary_header"],
    )
    assert allowed.status is Status.FAIL  # `profiling` is no key: profiling.enabled is
    assert len(allowed.findings) == 1


def test_env_specific_comment_and_other_environments() -> None:
    dotenv = run_check(EnvParity, DATA / "dotenv")
    assert dotenv.status is Status.PASS
    assert dotenv.facts["env_specific"] == 1  # CDN_HOST
    dotnet = run_check(EnvParity, DATA / "json-appsettings")
    assert dotnet.status is Status.NOT_APPLICABLE
    assert "development, production" in dotnet.summary
    dev = run_check(EnvParity, DATA / "json-appsettings", environments=["prod", "dev"])
    assert dev.status is Status.FAIL
    assert where(dev) == ["appsettings.Development.json:7:3"]  # DetailedErrors
    assert run_check(EnvParity, DATA / "broken").status is Status.UNKNOWN


# --- the fixture on real repositories ---------------------------------------------------------


def test_service_name_files(tmp_path: Path) -> None:
    (tmp_path / "my-service.yaml").write_text("debug: true\nworkers: 4\n")
    (tmp_path / "my-service.production.yaml").write_text("workers: 8\n")
    (tmp_path / "my_service_test.py").write_text("def test(): ...\n")  # a test, not settings
    service = ServiceInfo(name="my-service")
    outcome = run_check(ProductionSafe, tmp_path, service=service)
    assert where(outcome) == ["my-service.yaml:1:1"]  # the base file lies under production
    config = load_config(Repository.scan(tmp_path), "my-service")
    assert config.code_skipped == ()


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")
@pytest.mark.parametrize("project", ["kubernetes-examples", "kube-prometheus", "argo-rollouts"])
def test_manifests_and_chart_values_are_not_service_configuration(project: str) -> None:
    # Hundreds of manifests, ConfigMaps named *-config.yaml and a Helm chart's lone values.yaml.
    root = CORPUS / project
    for check in (Required, ProductionSafe, EnvParity):
        outcome = run_check(check, root, fields=SEED_FIELDS) if check is Required else None
        outcome = outcome or run_check(check, root)
        assert outcome.status is Status.NOT_APPLICABLE, (check.id, outcome.summary)
