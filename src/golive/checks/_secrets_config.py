"""Configuration files read as settings: each secret-looking key, where it is, and whether its
value is a reference to a secret kept elsewhere or a literal written into the file.

TOML, YAML and JSON are parsed with positions (`golive._toml_positions`, golive's safe YAML);
.env, .ini, .properties, .conf and anything that does not parse are read line by line as
`key = value` / `key: value`. Values never leave this module: a setting only says whether its
value is a literal.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from golive.checks._yaml import Tagged, YamlError, YamlMap, parse_yaml_documents

__all__ = ["Setting", "is_secret_key", "settings_in"]

# The words of the secret-assignment rule, at the end of a name.
_SECRET_KEY = re.compile(
    r"(?i)(pass(?:word|wd|phrase)?|pwd|secret|token|api[_.\-]?key|credentials?"
    r"|(?:access|private|auth|signing|encryption|master|client|account|service|app|hmac"
    r"|session|webhook|secret)[_.\-]?key)$"
)
_NOT_SECRET_KEY = re.compile(
    r"(?i)(?:next|page|continuation|pagination|sync|request|idempotency|csrf|xsrf|cancel"
    r"|start|end|marker|change|lock|output|input|resume|cursor|offset|update)[A-Za-z0-9_.\-]*token$"
)

# Values that point at a secret kept elsewhere, or are encrypted, or are filled in later.
_REFERENCES = re.compile(
    r"""\$\{[^}]*\}|^\$[A-Za-z_][A-Za-z0-9_]*$|^\$\([A-Za-z_][A-Za-z0-9_]*\)$"""  # ${V} $V $(V)
    r"""|\{\{.*\}\}|\{%.*%\}"""  # templates: {{ value }}, {% ... %}
    r"""|^@env(?:\.secure)?\(|^@file(?:\.secure)?\(|^@vault\("""  # TuskLang @env.secure('X')
    r"""|^vault:|^env:|^file:|^ENV\[|^ENV\.fetch\(|^%env\(|^env\(|^!ENV\b"""
    r"""|^ENC\[|^\$ANSIBLE_VAULT;|^arn:aws[\w-]*:(?:secretsmanager|ssm|kms):"""  # SOPS, Ansible
    r"""|^op://|^ref\+|^sm://|^gcp-?secret|^projects/[^/]+/secrets/|^azurekeyvault"""
    r"""|^@Microsoft\.KeyVault\(|^(?:/var)?/run/secrets/"""
)


@dataclass(frozen=True, kw_only=True)
class Setting:
    """A secret-looking key in a configuration file, and whether its value is a literal."""

    path: str
    key: str  # dotted, as a reader would write it (`database.password`, `env[DB_PASSWORD]`)
    line: int | None
    column: int | None
    literal: bool


def is_secret_key(name: str) -> bool:
    """Whether a setting named `name` holds a secret (password, api_key, clientSecret, ...)."""
    match = _SECRET_KEY.search(name)
    if match is None or _NOT_SECRET_KEY.search(name) is not None:
        return False
    at, word = match.start(), match.group(1)
    if word.lower() == "pass" and at and name[at - 1].isalpha():
        return name[at - 1].islower() and word[0].isupper()  # dbPass, but not bypass
    return True


def settings_in(
    path: str, text: str, references: Sequence[str], *, by_lines: bool = False
) -> tuple[list[Setting], bool]:
    """The secret-looking settings of one file, and whether the file parsed as its format
    (`by_lines`: read it line by line whatever its format)."""
    suffix = path.rpartition("/")[2].rpartition(".")[2].lower()
    judge = _Judge(tuple(references))
    parsed: list[Setting] | None = None
    if by_lines:
        return list(_lines(path, text, judge)), True
    if suffix == "toml":
        parsed = _toml(path, text, judge)
    elif suffix in {"yaml", "yml", "json"}:
        parsed = _yaml(path, text, judge)
    if parsed is not None:
        return parsed, True
    return list(_lines(path, text, judge)), suffix not in {"toml", "yaml", "yml", "json"}


class _Judge:
    """Decides whether a value is a literal or a reference (built-in forms and `references`)."""

    def __init__(self, extra: tuple[str, ...]) -> None:
        self._extra = extra

    def literal(self, value: Any) -> bool | None:
        """True for a literal, False for a reference or empty, None for a non-secret type."""
        if isinstance(value, bool):
            return None  # `token: true` switches something on; it holds no secret
        if value is None:
            return False
        if isinstance(value, int | float):
            return True
        if not isinstance(value, str):
            return None  # a table or a list: its own keys are looked at
        stripped = value.strip().strip("\"'").strip()
        if not stripped or stripped in {"~", "null", "None"}:
            return False
        if _REFERENCES.search(stripped):
            return False
        return not any(stripped.startswith(prefix) for prefix in self._extra)


# --- TOML ---------------------------------------------------------------------------------------


def _toml(path: str, text: str, judge: _Judge) -> list[Setting] | None:
    from golive._toml_positions import locate

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    spans = locate(text)
    found = []
    for keys, value in _walk(document, ()):
        literal = judge.literal(value)
        if literal is None:
            continue
        span = spans.get(keys)
        position = (span.value or span.key) if span else None
        found.append(
            Setting(
                path=path,
                key=_dotted(keys),
                line=position.line if position else None,
                column=position.column if position else None,
                literal=literal,
            )
        )
    return found


def _walk(node: Any, keys: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(key path, value) of every secret-looking key, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = (*keys, key)
            if isinstance(key, str) and is_secret_key(key) and not isinstance(value, dict | list):
                yield here, value
            else:
                yield from _walk(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*keys, index))


def _dotted(keys: Sequence[str | int]) -> str:
    text = ""
    for key in keys:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


# --- YAML and JSON --------------------------------------------------------------------------------


def _yaml(path: str, text: str, judge: _Judge) -> list[Setting] | None:
    try:
        documents = parse_yaml_documents(text, path, typed=True)
    except YamlError:
        return None  # read line by line instead (a bomb or a Python tag was refused)
    found: dict[tuple[str, int | None, int | None], Setting] = {}
    for document in documents:
        resource = isinstance(document, dict) and "kind" in document and "apiVersion" in document
        secret_manifest = (
            resource
            and document.get("kind") == "Secret"
            and str(document.get("apiVersion", "")).startswith("v1")
        )
        for setting in _yaml_node(
            path, document, (), judge, manifest=secret_manifest, resource=resource
        ):
            # an alias repeats what it points at: the setting is where it is written, once
            found.setdefault((setting.key, setting.line, setting.column), setting)
    return list(found.values())


# In a Kubernetes resource, `secretKey` names the key of a Secret to fill or read (the
# External Secrets Operator's `spec.data[].secretKey`, and operators like it): a key name there
# is no literal secret.
_NAMES_A_KEY = frozenset({"secretKey"})
_KEY_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def _yaml_node(
    path: str,
    node: Any,
    keys: tuple[str | int, ...],
    judge: _Judge,
    *,
    manifest: bool,
    resource: bool,
) -> Iterator[Setting]:
    if isinstance(node, YamlMap):
        # A Kubernetes env entry {name: DB_PASSWORD, value: ...}: the name says what the value is.
        name = node.get("name")
        if isinstance(name, str) and "value" in node and is_secret_key(name):
            yield from _yaml_value(path, node, "value", f"{_dotted(keys[:-1])}[{name}]", judge)
        for key, value in node.items():
            if key == "permissions":
                continue  # GitHub Actions' `id-token: write` grants a right; it holds no secret
            here = (*keys, key)
            in_data = manifest and len(keys) == 1 and keys[0] in {"data", "stringData"}
            if (is_secret_key(key) or in_data) and not isinstance(value, dict | list):
                if resource and key in _NAMES_A_KEY and _KEY_NAME.match(str(value)):
                    continue  # the name of a key in a Secret, not a secret
                yield from _yaml_value(path, node, key, _dotted(here), judge)
                continue
            yield from _yaml_node(path, value, here, judge, manifest=manifest, resource=resource)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _yaml_node(
                path, value, (*keys, index), judge, manifest=manifest, resource=resource
            )


def _yaml_value(path: str, node: YamlMap, key: str, name: str, judge: _Judge) -> Iterator[Setting]:
    value = node[key]
    # `!vault ...`, `!ENV ${X}`, `!secret x`: a tag of the reader's own fills the value in
    literal = False if isinstance(value, Tagged) else judge.literal(value)
    if literal is None:
        return
    where = node.value_location(key)
    yield Setting(path=path, key=name, line=where.line, column=where.column, literal=literal)


# --- lines: .env, .ini, .properties, .conf, and files that do not parse ----------------------

_LINE = re.compile(
    r"""^(?P<indent>[ \t]*)(?:export[ \t]+)?["']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["']?"""
    r"""[ \t]*(?:=|:(?!:))[ \t]*(?P<value>.*?)[ \t]*,?[ \t]*$"""
)


def _lines(path: str, text: str, judge: _Judge) -> Iterator[Setting]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if not stripped or stripped.startswith(("#", ";", "//", "!")):
            continue
        match = _LINE.match(line)
        if match is None or not is_secret_key(match.group("key")):
            continue
        value = _without_comment(match.group("value"))
        if value in {"|", ">", "|-", ">-"} or value.startswith(("{", "[")):
            continue  # a YAML block, a table or a list: not one value
        literal = judge.literal(value)
        if literal is None:
            continue
        yield Setting(
            path=path,
            key=match.group("key"),
            line=number,
            column=match.start("value") + 1,
            literal=literal,
        )


def _without_comment(value: str) -> str:
    if value[:1] in {'"', "'"}:
        end = value.find(value[0], 1)
        return value[: end + 1] if end > 0 else value
    return re.split(r"[ \t]+[#;]", value, maxsplit=1)[0]
