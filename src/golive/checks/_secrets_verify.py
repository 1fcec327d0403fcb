"""Telling secrets from look-alikes: placeholders, templates, names, paths and identifiers,
and the verification each rule applies to what its pattern matched.

Every function here takes a regex match over bytes and returns a `Candidate` (the secret and
where it is) or None when the match is not a secret after all. What counts as "not a secret"
is documented, rule by rule, in docs/secrets.md.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Candidate",
    "Verify",
    "assignment",
    "high_entropy",
    "jwt",
    "private_key",
    "secret_group",
    "url_password",
    "with_entropy",
]


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A match a rule accepts: where the secret is in the scanned bytes, and what it is."""

    start: int  # offset of the secret in the scanned bytes
    end: int
    secret: bytes
    key: str | None = None  # the name it is assigned to, for assignment rules


Verify = Callable[[re.Match[bytes], bool], Candidate | None]


# --- what is not a secret ----------------------------------------------------------------------

# Words that mark a value as a stand-in: documentation, samples, fixtures waiting for a value.
_STOCK = re.compile(
    rb"(?i)example|sample|dummy|fake|placeholder|change[_-]?me|replace[_-]?me|redacted"
    rb"|your[_-]|<your|xxxx|\*\*\*|\.\.\."
)
# Templates and references to a value kept elsewhere: ${VAR}, {{ var }}, %(var)s, #{var}, <%= %>.
_TEMPLATE = re.compile(
    rb"\$\{|\{\{|%\(|#\{|<%|^\$[A-Za-z_][A-Za-z0-9_]*$|^\{[A-Za-z_.]*\}$|^<.*>$"
    rb"|^ENC\[|^\$ANSIBLE_VAULT;"  # encrypted with SOPS or Ansible Vault
)
# A value that repeats what it stands for ("my-api-token", "password123") is a stand-in too.
_SELF_NAMED = re.compile(rb"(?i)passw|secret|token|api[_-]?key|credential")
_WORDS_ONLY = re.compile(rb"^[A-Za-z]+(?:[_.:\- ][A-Za-z]+)*$")
_SEPARATORS = re.compile(rb"[-_./:+ ]")
_UUID = re.compile(rb"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PATH_LIKE = re.compile(
    rb"://|^(?:/|\./|\.\./|~/|[A-Za-z]:\\|arn:)|\.(?:pem|key|crt|cer|p12|pfx|jks|txt|json|ya?ml|"
    rb"env|gpg|asc|der|conf|cfg|ini)$|/$",
    re.IGNORECASE,
)
# Stripe's publishable keys are public, and its test-mode keys move no money.
_PUBLIC_OR_TEST = re.compile(rb"^(?:[sr]k_test_|pk_(?:live|test)_)")
_FORMAT = re.compile(rb"%[sdr]|\{\}|\{[0-9]\}")


def _entropy(value: bytes) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _hand_typed(value: bytes) -> bool:
    """Runs like 12345678 or ABCDefgh: in random text few neighbours follow each other."""
    lowered = value.lower()
    steps = sum(1 for a, b in itertools.pairwise(lowered) if b == a + 1)
    return steps * 4 > len(value) - 1 or re.search(rb"(.)\1{5}", value) is not None


def _stand_in(secret: bytes) -> bool:
    """A placeholder, a template, or too regular to be a credential."""
    tail = secret[-16:]
    return (
        _STOCK.search(secret) is not None
        or _TEMPLATE.search(secret) is not None
        or len(set(tail)) < 4  # AKIAAAAAAAAAAAAAAAAA, ghp_000...: one or two characters
        or _hand_typed(secret)
    )


def _slug(value: bytes) -> bool:
    """Words, numbers and short codes joined by separators: bsd-3-clause, x11-consortium-2024."""
    parts = _SEPARATORS.split(value)
    return (
        len(parts) > 1
        and any(len(part) >= 4 and part.isalpha() for part in parts)
        and all(part.isalpha() or part.isdigit() or len(part) <= 3 for part in parts)
    )


def _plausible_value(value: bytes) -> bool:
    """Whether a value assigned to a secret-looking name looks like a real secret."""
    if len(value) < 8 or _stand_in(value) or _SELF_NAMED.search(value):
        return False
    if value.isdigit() or _WORDS_ONLY.match(value) or _UUID.match(value) or _slug(value):
        return False  # a number, a word, a name made of words and numbers, an identifier
    if _PATH_LIKE.search(value) or _FORMAT.search(value) or _PUBLIC_OR_TEST.match(value):
        return False
    return _entropy(value) >= min(3.0, math.log2(len(value)) * 0.85)


# --- verification of each kind of match ----------------------------------------------------------


def secret_group(match: re.Match[bytes], config: bool) -> Candidate | None:
    secret = match.group("secret")
    if _stand_in(secret):
        return None
    return Candidate(start=match.start("secret"), end=match.end("secret"), secret=secret)


def with_entropy(minimum: float) -> Verify:
    def verify(match: re.Match[bytes], config: bool) -> Candidate | None:
        found = secret_group(match, config)
        return found if found is not None and _entropy(found.secret) >= minimum else None

    return verify


def jwt(match: re.Match[bytes], config: bool) -> Candidate | None:
    header = match.group("secret").partition(b".")[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + b"=" * (-len(header) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(decoded, dict) or "alg" not in decoded:
        return None
    return secret_group(match, config)


_BREAK = rb"(?:\s|\\[nr])"  # whitespace, or an escaped line break inside a string
# Optional RFC 1421 / OpenPGP headers (Proc-Type:, DEK-Info:, Version:), then base64 lines.
_PEM_BODY = re.compile(
    _BREAK
    + rb"*(?:[A-Za-z][A-Za-z\-]*: [^\n\\]*(?:\\n|\n)"
    + _BREAK
    + rb"*)*(?P<body>[A-Za-z0-9+/=]{40,}(?:"
    + _BREAK
    + rb"+[A-Za-z0-9+/=]+)*)"
)
_EXAMPLE_KEY = re.compile(rb"(?i)example|placeholder|redacted")  # too long to occur by chance
_PEM_MAX = 16384  # bytes from BEGIN to the end of the body; a private key is far shorter


def private_key(match: re.Match[bytes], config: bool) -> Candidate | None:
    body = _PEM_BODY.match(match.string, match.end(), match.end() + _PEM_MAX)
    if body is None:
        return None  # a header in code that parses keys, or a "..." placeholder
    # The content (not its wrapping or escaping) identifies the key.
    content = re.sub(rb"\\[nr]|\s", b"", body.group("body"))
    if len(content) < 64 or len(set(content)) < 16 or _EXAMPLE_KEY.search(content):
        return None
    return Candidate(start=match.start(), end=body.end("body"), secret=content)


def url_password(match: re.Match[bytes], config: bool) -> Candidate | None:
    secret = match.group("secret")
    lowered = secret.lower()
    if lowered in _STOCK_PASSWORDS or _stand_in(secret) or lowered.startswith((b"$", b"{", b"%")):
        return None
    return Candidate(start=match.start("secret"), end=match.end("secret"), secret=secret)


_STOCK_PASSWORDS = frozenset(
    b"password passwd pass pwd pw secret changeme user username admin root guest test "
    b"postgres mysql redis rabbitmq mongo foo bar baz".split()
)

# Names that end in a secret word but hold something else: cursors and idempotency tokens.
_NOT_SECRET_NAMES = re.compile(
    rb"(?i)(?:next|page|continuation|pagination|sync|request|idempotency|csrf|xsrf|cancel"
    rb"|start|end|marker|change|lock|output|input|resume|cursor|offset|update)[A-Za-z0-9_.\-]*"
    rb"token$"
)


def _inside_word(key: bytes, word: bytes, at: int) -> bool:
    """Whether the short word "pass" ends a longer word (bypass, compass), not a name part."""
    if word.lower() != b"pass" or not at or not key[at - 1 : at].isalpha():
        return False
    return not (key[at - 1 : at].islower() and word[:1].isupper())  # dbPass is two parts


def assignment(match: re.Match[bytes], config: bool) -> Candidate | None:
    key, word = match.group("key"), match.group("word")
    if _inside_word(key, word, match.start("word") - match.start("key")):
        return None
    if _NOT_SECRET_NAMES.search(key):
        return None
    secret = match.group("secret")
    if not secret:
        secret, start = match.group("bare"), match.start("bare")
        if not config or secret is None:
            return None  # unquoted values count in configuration files only
    else:
        start = match.start("secret")
    if not _plausible_value(secret):
        return None
    return Candidate(start=start, end=start + len(secret), secret=secret, key=key.decode("ascii"))


_HEX = re.compile(rb"^[0-9a-fA-F]+$")
_NOT_SECRET_KEYS = re.compile(
    rb"(?i)public|pubkey|key_?id|_id$|id$|name|url|uri|path|file|hash|digest|checksum|sha|md5"
    rb"|fingerprint|version|type|format|size|length|token_?type|keyword|monkey|donkey|turkey"
)


def high_entropy(match: re.Match[bytes], config: bool) -> Candidate | None:
    key, secret = match.group("key"), match.group("secret")
    if _NOT_SECRET_KEYS.search(key) or _NOT_SECRET_NAMES.search(key):
        return None
    if _stand_in(secret) or _SELF_NAMED.search(secret) or _slug(secret):
        return None
    if _PATH_LIKE.search(secret) or _PUBLIC_OR_TEST.match(secret):
        return None
    if not (re.search(rb"[0-9]", secret) and re.search(rb"[A-Za-z]", secret)):
        return None
    entropy = _entropy(secret)
    if _HEX.match(secret):
        plausible = len(secret) >= 32 and entropy >= 3.0
    else:
        plausible = entropy >= (4.0 if len(secret) < 32 else 4.3)
    if not plausible or b"." in secret.strip(b"."):
        return None  # dotted values are names (com.example.Key), hosts or versions
    start = match.start("secret")
    return Candidate(start=start, end=match.end("secret"), secret=secret, key=key.decode("ascii"))
