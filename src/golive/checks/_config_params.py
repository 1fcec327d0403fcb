"""The parameters of the configuration checks, validated when the checklist is loaded."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from golive.checks._config_values import TYPE_NAMES
from golive.checks.base import CheckParams
from golive.checks.params import ValueRange

__all__ = [
    "EnvParityParams",
    "ProductionSafeParams",
    "RangesParams",
    "RequiredParams",
    "SchemaParams",
    "TypeSpec",
    "TypesParams",
    "WaiveParams",
    "type_names",
]


class WaiveParams(CheckParams):
    # file path pattern (fnmatch) -> why its findings are accepted (a file the team cannot edit)
    waive: dict[str, str] = Field(default_factory=dict)


class RequiredParams(WaiveParams):
    fields: list[str] = Field(default_factory=list)  # key names, or dotted paths
    environments: list[str] = Field(default_factory=list)  # default: every one found


TypeSpec = dict[str, str | list[str]] | list[str] | None


def type_names(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class TypesParams(WaiveParams):
    # a map of key -> type name(s), or a list of type names every value must have
    types: TypeSpec = None

    @field_validator("types", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value  # "string": every value a string

    @field_validator("types")
    @classmethod
    def _known(cls, value: TypeSpec) -> TypeSpec:
        if isinstance(value, list):
            names = value
        else:
            names = [name for v in (value or {}).values() for name in type_names(v)]
        unknown_names = [name for name in names if name.lower() not in TYPE_NAMES]
        if unknown_names:
            raise ValueError(
                f"unknown type name(s) {', '.join(unknown_names)}; expected one of "
                f"{', '.join(TYPE_NAMES)}"
            )
        return value


class RangesParams(WaiveParams):
    ranges: list[ValueRange] = Field(default_factory=list)  # "port: 1-65535"

    @field_validator("ranges")
    @classmethod
    def _named(cls, value: list[Any]) -> list[Any]:
        unnamed = [r.text for r in value if not r.name]
        if unnamed:
            raise ValueError(
                f'range(s) {", ".join(unnamed)} name no key; write "key: low-high", e.g. '
                '"port: 1-65535"'
            )
        return value


class ProductionSafeParams(WaiveParams):
    environment: str = "production"
    expect: dict[str, Any] = Field(default_factory=dict)  # key -> value, or allowed values


class SchemaParams(WaiveParams):
    schema_file: str | None = None  # a JSON Schema, relative to the repository


class EnvParityParams(WaiveParams):
    environments: list[str] = Field(default_factory=lambda: ["production", "staging"])
    env_specific: list[str] = Field(default_factory=list)  # keys allowed in one environment
