"""Environment configuration: required fields, types, ranges, safe production values, parity."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from golive.checks._config_judge import (
    NOTHING,
    environment_names,
    judge_parity,
    judge_ranges,
    judge_required,
    judge_schema,
    judge_types,
    looked_for,
)
from golive.checks._config_load import load_config
from golive.checks._config_model import DEFAULT, ConfigEnvironments, canonical
from golive.checks._config_params import (
    EnvParityParams,
    ProductionSafeParams,
    RangesParams,
    RequiredParams,
    SchemaParams,
    TypesParams,
    TypeSpec,
    WaiveParams,
    type_names,
)
from golive.checks._config_report import Verdict, unreadable_findings
from golive.checks._config_safe import review_production
from golive.checks._config_schema import SchemaError, choose_schemas
from golive.checks._config_values import show
from golive.checks.base import Check, failed, not_applicable, unknown
from golive.checks.fixtures import ServiceInfo
from golive.checks.repository import Repository
from golive.model import Kind, Outcome

__all__ = [
    "FIXTURES",
    "EnvParity",
    "EnvParityParams",
    "ProductionSafe",
    "ProductionSafeParams",
    "RangesParams",
    "Required",
    "RequiredParams",
    "SchemaParams",
    "SchemaValid",
    "TypesParams",
    "ValueRanges",
    "ValueTypes",
    "WaiveParams",
]


def config_environments(repo: Repository, service: ServiceInfo) -> ConfigEnvironments:
    """The service's configuration files, by environment, each parsed into dotted keys with
    their positions (base files merged underneath; unreadable files kept with the reason)."""
    return load_config(repo, service.name)


FIXTURES: Mapping[str, Callable[..., Any]] = {"config_environments": config_environments}

_UNREADABLE = "{n} configuration file(s) could not be read"


class Required(Check):
    """Every environment's configuration has the required fields.

    A field is a key name (`database_url`, matched anywhere in the tree: `[database] url`
    counts, as does `DATABASE_URL` in a .env file) or a dotted path (`database.ssl_mode`).
    Each environment is its own files with the base files of the same family underneath
    (docs/configuration.md). An environment variable reference (`${DATABASE_URL}`) counts as
    defined; an empty value does not. `environments` limits the check to those named (an
    environment without files is then a finding); by default every environment found.
    """

    id = "config.required"
    kind = Kind.STATIC
    Params = RequiredParams
    fix = "Define each missing field in that environment's configuration (or its base file)."

    def run(self, params: RequiredParams, config_environments: ConfigEnvironments) -> Outcome:
        config = config_environments
        if config.empty:
            return not_applicable(NOTHING)
        if not params.fields:
            return unknown("no required fields declared: set `fields` (key names or paths)")
        names = environment_names(params.environments) or list(config.environments)
        if not names:
            return unknown(
                f"none of the {len(config.unreadable)} configuration file(s) could be read",
                findings=unreadable_findings(config.unreadable, "config.required.unreadable"),
            )
        verdict = Verdict(waive=params.waive)
        tally = judge_required(config, params.fields, names, verdict)
        return verdict.conclude(
            failing="{n} required field(s) missing",
            passing=f"{len(names)} environment(s) define all {len(params.fields)} required "
            "field(s)",
            undecided="{n} field(s) or file(s) could not be checked",
            required=", ".join(params.fields),
            observed=f"environments: {', '.join(names) or 'none'}",
            facts={
                "environments": ", ".join(names),
                "set_from_environment": tally.from_environment,
            },
            fix=self.fix,
        )


class ValueTypes(Check):
    """Configuration values have the declared types.

    `types` is either a map of key -> type name (`{ port = "integer" }`; a key name or dotted
    path, matched like config.required's fields), or a list of type names every value must
    have (`["string", "integer", "boolean"]`; the items of lists and inline tables are checked
    one by one unless `array` / `object` is allowed). Type names: string, integer, float or
    number (an integer is a number too), boolean, array, object, null, datetime. Values of .env,
    .properties and .ini files are text: `8080` reads as an integer, `true`/`false` as a
    boolean. Values taken from environment variables are left out and counted.
    """

    id = "config.types"
    kind = Kind.STATIC
    Params = TypesParams
    fix = 'Write each value with its declared type (8080, not "8080"; true, not "yes").'

    def run(self, params: TypesParams, config_environments: ConfigEnvironments) -> Outcome:
        config = config_environments
        if config.empty:
            return not_applicable(NOTHING)
        if not params.types:
            return unknown("no types declared: set `types` (a map of key -> type, or a list)")
        verdict = Verdict(waive=params.waive)
        verdict.undecided += unreadable_findings(config.unreadable, "config.types.unreadable")
        types = params.types
        rules: list[tuple[str | None, list[str]]] = (
            [(None, list(types))]
            if isinstance(types, list)
            else [(key, type_names(names)) for key, names in types.items()]
        )
        tally = judge_types(config, rules, verdict)
        if not tally.checked and not verdict.undecided:
            return not_applicable(
                f"no configuration key named {', '.join(tally.missing)}"
                if tally.missing
                else "no configuration values to check (all come from the environment)",
                facts=tally.facts(),
            )
        return verdict.conclude(
            failing="{n} value(s) of the wrong type",
            passing=f"all {tally.checked} value(s) have the declared types",
            undecided=_UNREADABLE,
            required=_describe_types(types),
            facts=tally.facts(),
            fix=self.fix,
        )


def _describe_types(types: TypeSpec) -> str:
    if isinstance(types, list):
        return "every value: " + " | ".join(types)
    return ", ".join(f"{k}: {' | '.join(type_names(v))}" for k, v in (types or {}).items())


class ValueRanges(Check):
    """Configuration values lie within their declared ranges.

    Each range names a key (`port: 1-65535`; a key name or dotted path, matched like
    config.required's fields); every value of that key in every configuration file must lie
    within it, bounds included. A value with a duration unit (`30s`, `5m`) is compared in
    seconds; text that is not a number is a finding; a list's items are checked one by one.
    A key found nowhere is listed in the facts, not failed.
    """

    id = "config.ranges"
    kind = Kind.STATIC
    Params = RangesParams
    fix = "Bring each value within its range, or correct the declared range."

    def run(self, params: RangesParams, config_environments: ConfigEnvironments) -> Outcome:
        config = config_environments
        if config.empty:
            return not_applicable(NOTHING)
        if not params.ranges:
            return unknown('no ranges declared: set `ranges` (e.g. ["port: 1-65535"])')
        verdict = Verdict(waive=params.waive)
        verdict.undecided += unreadable_findings(config.unreadable, "config.ranges.unreadable")
        tally = judge_ranges(config, params.ranges, verdict)
        if not tally.checked and not verdict.undecided:
            return not_applicable(
                f"no configuration key named {', '.join(tally.missing)}", facts=tally.facts()
            )
        return verdict.conclude(
            failing="{n} value(s) out of range",
            passing=f"all {tally.checked} value(s) lie within their ranges",
            undecided=_UNREADABLE,
            required=", ".join(str(r) for r in params.ranges),
            facts=tally.facts(),
            fix=self.fix,
        )


class ProductionSafe(Check):
    """Production configuration holds production-safe values.

    In the production environment (its files over their base files), whatever `expect` says:
    debugging off (`debug`, `debug_enabled`, `features.debug`, `DEBUG`), a log level of warn
    or stricter wherever one is set (`log_level`, `[log] level`, `logging.level.*`,
    `RUST_LOG`), hot reload and profiling off, CORS not open to every origin (`*`), and TLS
    not disabled (`ssl_mode` require / verify-ca / verify-full; `sslmode=disable` in a
    database URL fails). Each key of `expect` must be set to that value (or one of a list):
    text compares case-insensitively, durations in seconds, and a log level is met by an equal
    or stricter one. A value taken from an environment variable cannot be judged: unknown.
    """

    id = "config.production-safe"
    kind = Kind.STATIC
    Params = ProductionSafeParams
    fix = "Set the production values shown; keep debug, reload and profiling for development."

    def run(self, params: ProductionSafeParams, config_environments: ConfigEnvironments) -> Outcome:
        config = config_environments
        if config.empty:
            return not_applicable(NOTHING)
        name = canonical(params.environment) or params.environment.strip().lower()
        environment = config.environments.get(name)
        blocked = config.unreadable_in(name)
        facts: dict[str, str | int | float | bool] = {
            "environments_found": config.found(),
            "expectations": len(params.expect),
        }
        if environment is None or name == DEFAULT:
            if blocked:
                return unknown(
                    f"the {name} configuration could not be read",
                    findings=unreadable_findings(blocked, "config.production-safe.unreadable"),
                    facts=facts,
                )
            return failed(
                f"no {name} configuration found; looked for {looked_for(name)} "
                f"(found: {config.found()})",
                required=f"a {name} configuration",
                remediation=f"Add the {name} configuration, e.g. config/{name}.toml.",
                facts=facts,
            )
        review = review_production(environment, params.expect)
        verdict = Verdict(waive=params.waive, problems=review.problems, undecided=review.undecided)
        verdict.undecided += unreadable_findings(blocked, "config.production-safe.unreadable")
        files = ", ".join(dict.fromkeys(f.path for f in environment.files))
        absent = f"; not set, so off: {', '.join(review.absent_off)}" if review.absent_off else ""
        return verdict.conclude(
            failing=f"{{n}} {name} setting(s) unsafe or not as expected",
            passing=f"the {name} configuration is production-safe ({review.judged} value(s) "
            f"judged in {files}{absent})",
            undecided=f"{{n}} {name} value(s) or file(s) golive cannot judge",
            required=", ".join(f"{k} = {show(v, k)}" for k, v in params.expect.items()) or None,
            observed=files,
            facts={
                **facts,
                "judged": review.judged,
                "files": files,
                "absent_switches": ", ".join(review.absent_off),
            },
            fix=self.fix,
        )


class SchemaValid(Check):
    """Configuration files validate against the service's JSON Schema.

    The schema is `schema_file`, or found: a file's own local `$schema`, else the nearest
    `config.schema.json`, `<config dir>/schema.json` or `*.schema.json` (Helm's
    `values.schema.json`) in the configuration's directory or above. Each environment's merged
    configuration (its files over their base files) is validated; text values of .env,
    .properties and .ini files are read as numbers and booleans where they look like them.
    Each validation error is a finding at the offending key. Without a schema: unknown.
    """

    id = "config.schema"
    kind = Kind.STATIC
    Params = SchemaParams
    fix = "Correct the values the schema rejects, or update the schema with the change."

    def run(
        self, params: SchemaParams, config_environments: ConfigEnvironments, repo: Repository
    ) -> Outcome:
        config = config_environments
        if config.empty:
            return not_applicable(NOTHING)
        chosen = choose_schemas(repo, config, params.schema_file)
        if not chosen:
            return unknown(
                "no JSON Schema for the configuration (set `schema_file`, or add "
                "config.schema.json, config/schema.json or a $schema in the files)"
            )
        verdict = Verdict(waive=params.waive)
        verdict.undecided += unreadable_findings(config.unreadable, "config.schema.unreadable")
        try:
            documents = judge_schema(repo, config, chosen, verdict)
        except ImportError:
            return unknown("the jsonschema package is not installed (pip install jsonschema)")
        except SchemaError as problem:
            return unknown(str(problem))
        schemas = ", ".join(sorted(set(chosen.values())))
        facts: dict[str, str | int | float | bool] = {
            "schemas": schemas,
            "documents_validated": documents,
        }
        without = [family.id for family in config.families if family.id not in chosen]
        if without:
            facts["families_without_schema"] = ", ".join(without)
        return verdict.conclude(
            failing="{n} schema violation(s)",
            passing=f"{documents} configuration document(s) validate against {schemas}",
            undecided=_UNREADABLE,
            required=f"valid against {schemas}",
            facts=facts,
            fix=self.fix,
        )


class EnvParity(Check):
    """Production and staging configurations define the same keys.

    Compares the keys (not the values) of each of `environments` (default production and
    staging), each with its base files underneath. Keys are compared by name, with `.`, `__`,
    `-` and case ignored (`[log] level` is `LOG_LEVEL`). A key set in one environment and
    missing in another is a finding at the key. A key meant for one environment is marked with
    a `# golive: env-specific` comment on its line or the line above, or listed in
    `env_specific`. Fewer than two of the environments found: not applicable.
    """

    id = "config.env-parity"
    kind = Kind.STATIC
    Params = EnvParityParams
    fix = "Define the key in every environment (or mark it `# golive: env-specific`)."

    def run(self, params: EnvParityParams, config_environments: ConfigEnvironments) -> Outcome:
        config = config_environments
        if config.empty:
            return not_applicable(NOTHING)
        names = environment_names(params.environments)
        present = [name for name in names if name in config.environments]
        verdict = Verdict(waive=params.waive)
        for name in names:
            verdict.undecided += unreadable_findings(
                config.unreadable_in(name), "config.env-parity.unreadable"
            )
        if len(present) < 2:
            if verdict.undecided:
                return unknown(
                    "the configuration of the environments to compare could not be read",
                    findings=verdict.undecided,
                )
            return not_applicable(
                f"found configuration for {', '.join(present) or 'none'} of "
                f"{', '.join(names)} (environments found: {config.found()})"
            )
        keys, exempt = judge_parity(config, present, params.env_specific, verdict)
        return verdict.conclude(
            failing="{n} key(s) missing from an environment",
            passing=f"{', '.join(present)} define the same {keys} key(s)",
            undecided=_UNREADABLE,
            required=f"the same keys in {', '.join(present)}",
            facts={"keys": keys, "env_specific": exempt, "compared": ", ".join(present)},
            fix=self.fix,
        )
