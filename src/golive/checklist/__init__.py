"""Checklists: the file format, built-in profiles, inheritance and validation.

`load_checklist(root, registry)` resolves a service's golive.toml (or `[tool.golive]` in
pyproject.toml) into a `Checklist`; `load_profile(name, registry)` resolves one profile.
Anything wrong raises `ConfigError`, whose problems name file, line, column and item.
"""

from golive.checklist._errors import ConfigError, Problem
from golive.checklist._loader import Checklist, builtin_profiles, load_checklist, load_profile

__all__ = [
    "Checklist",
    "ConfigError",
    "Problem",
    "builtin_profiles",
    "load_checklist",
    "load_profile",
]
