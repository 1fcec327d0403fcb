"""A TOML file read for a check: its data, and where each key is written (for locations)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from golive._toml_positions import KeyPath, Span, locate
from golive.model import Location

__all__ = ["TomlFile"]


@dataclass(frozen=True, kw_only=True)
class TomlFile:
    """A parsed TOML file of the repository (Cargo.toml, pyproject.toml), with its text."""

    path: str
    data: Mapping[str, Any]
    text: str

    @functools.cached_property
    def _spans(self) -> Mapping[KeyPath, Span]:
        return locate(self.text)

    def get(self, *keys: str) -> Any:
        """The value at `keys` (`"tool", "ruff"`), or None when it is not written."""
        value: Any = self.data
        for key in keys:
            if not isinstance(value, Mapping) or key not in value:
                return None
            value = value[key]
        return value

    def location(self, *keys: str) -> Location:
        """Where `keys` is written (its value if it has one), else its nearest written parent,
        else the file's start."""
        path: KeyPath = tuple(keys)
        while path:
            span = self._spans.get(path)
            if span is not None:
                where = span.value or span.key
                return Location(path=self.path, line=where.line, column=where.column)
            path = path[:-1]
        return Location(path=self.path, line=1, column=1)
