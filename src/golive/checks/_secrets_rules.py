"""The secret-detection rules: the credential shapes golive knows, and their keywords.

Every rule has keywords: a rule's pattern only runs on the lines of a file (or, for the few
patterns that span lines, on the files) where one of its keywords occurs, so the expensive
part of a scan touches a small fraction of a tree. Keywords in `keywords` match ignoring ASCII
case, those in `exact` as written. Patterns work on bytes, so a file needs no decoding to be
scanned; the `secret` group is the credential itself, which never leaves the scanner except as
a fingerprint.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from golive.checks._secrets_verify import (
    Verify,
    assignment,
    high_entropy,
    jwt,
    private_key,
    secret_group,
    url_password,
    with_entropy,
)

__all__ = ["RULES", "RULE_IDS", "Rule", "fingerprint"]


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One kind of credential. Earlier rules win where two rules match the same bytes."""

    id: str
    title: str
    pattern: re.Pattern[bytes]
    keywords: tuple[bytes, ...] = ()  # lower-case; matched ignoring ASCII case
    exact: tuple[bytes, ...] = ()  # matched as written
    whole_text: bool = False  # the pattern spans lines: run it over the whole file
    keyword_gate: bool = False  # the keywords are not part of a match: a file needs one of them
    verify: Verify | None = None  # (match, config_file) -> candidate, or None to drop it


# --- the rules ------------------------------------------------------------------------------------

_B = rb"(?<![A-Za-z0-9_\-])"  # no token character before
_E = rb"(?![A-Za-z0-9_\-])"  # no token character after
_KEY = rb"(?<![A-Za-z0-9_.\-])(?P<key>[A-Za-z0-9_.\-]*?"
# The operator after a name: =, :, :=, =>, or a type annotation and = (`password: str = "..."`).
_OP = (
    rb"""["'\]]{0,2}[ \t]*"""
    rb"""(?::[ \t]*[A-Za-z_][\w.\[\]|, ]{0,40}?[ \t]*=(?!=)|:=|=>|=(?!=)|:)[ \t]*"""
)
_SECRET_WORD = (
    rb"(?P<word>(?i:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.\-]?key|credentials?"
    rb"|(?:access|private|auth|signing|encryption|master|client|account|service|app|hmac"
    rb"|session|webhook|secret)[_.\-]?key)))"
)
_ASSIGNMENT = re.compile(
    _KEY
    + _SECRET_WORD
    + _OP
    + rb"""(?:(?P<q>["'`])(?P<secret>[^\s"'`\\]{8,200})(?P=q)"""
    + rb"""|(?P<bare>[^\s"'`]{8,200})[ \t]*(?:$|(?<=[ \t])[#;]))"""  # a comment follows a space
)
_ENTROPY_KEY = rb"(?i:key|secret|token|auth|credential|salt|signature|hmac)"
_HIGH_ENTROPY = re.compile(
    rb"(?<![A-Za-z0-9_.\-])(?P<key>[A-Za-z0-9_.\-]*"
    + _ENTROPY_KEY
    + rb"[A-Za-z0-9_.\-]*)"
    + _OP
    + rb"""(?P<q>["'`])(?P<secret>[A-Za-z0-9+/=_.\-]{20,200})(?P=q)"""
)
_URL_SCHEMES = (
    rb"postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|ldaps?"
    rb"|s?ftp|smtps?|cockroachdb|clickhouse|nats"
)


def _rule(
    rule_id: str,
    title: str,
    pattern: bytes,
    *,
    keywords: tuple[str, ...] = (),
    exact: tuple[str, ...] = (),
    whole_text: bool = False,
    keyword_gate: bool = False,
    verify: Verify = secret_group,
) -> Rule:
    return Rule(
        id=rule_id,
        title=title,
        pattern=re.compile(pattern, re.MULTILINE),
        keywords=tuple(k.lower().encode() for k in keywords),
        exact=tuple(k.encode() for k in exact),
        whole_text=whole_text,
        keyword_gate=keyword_gate,
        verify=verify,
    )


RULES: tuple[Rule, ...] = (
    _rule(
        "private-key",
        "private key",
        rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
        exact=("PRIVATE KEY",),
        whole_text=True,
        verify=private_key,
    ),
    _rule(
        "gcp-service-account",
        "GCP service-account key id",
        rb'"private_key_id"[ \t]*:[ \t]*"(?P<secret>[0-9a-f]{40})"',
        keywords=("private_key_id",),
    ),
    _rule(
        "aws-access-key-id",
        "AWS access key id",
        _B + rb"(?P<secret>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})" + _E,
        exact=("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
    ),
    _rule(
        "aws-secret-access-key",
        "AWS secret access key",
        rb"(?i:aws[_.\-]?secret[_.\-]?(?:access[_.\-]?)?key|secret[_.\-]?access[_.\-]?key)"
        rb"""[A-Za-z0-9_]*["']?[ \t]*(?::=|=>|=|:)[ \t]*["']?"""
        rb"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        keywords=(
            "aws_secret",
            "awssecret",
            "aws-secret",
            "secret_access_key",
            "secretaccesskey",
            "secret-access-key",
        ),
        verify=with_entropy(3.5),
    ),
    _rule(
        "gcp-api-key",
        "Google API key",
        _B + rb"(?P<secret>AIza[0-9A-Za-z_\-]{35})" + _E,
        exact=("AIza",),
    ),
    _rule(
        "azure-storage-key",
        "Azure storage account key",
        rb"(?i:AccountKey)[ \t]*=[ \t]*(?P<secret>[A-Za-z0-9+/]{86}==)",
        keywords=("accountkey",),
    ),
    _rule(
        "azure-shared-access-key",
        "Azure shared access key (connection string)",
        rb"(?i:SharedAccessKey)[ \t]*=[ \t]*"
        rb"(?P<secret>[A-Za-z0-9+/]{42,44}={0,2})(?![A-Za-z0-9+/])",
        keywords=("sharedaccesskey",),
    ),
    _rule(
        "azure-sas-token",
        "Azure shared access signature",
        rb"\bsv=\d{4}-\d\d-\d\d&[^\s\"'<>]*?\bsig=(?P<secret>[A-Za-z0-9%+/]{30,}(?:%3D|=)*)",
        keywords=("sig=",),
    ),
    _rule(
        "github-token",
        "GitHub token",
        _B + rb"(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{82})" + _E,
        exact=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _rule(
        "gitlab-token",
        "GitLab token",
        _B
        + rb"(?P<secret>(?:glpat|gldt|glrt|glcbt|glptt)-[A-Za-z0-9_\-]{20,}(?:\.[A-Za-z0-9_\-]+)?"
        rb"|GR1348941[A-Za-z0-9_\-]{20})" + _E,
        exact=("glpat-", "gldt-", "glrt-", "glcbt-", "glptt-", "GR1348941"),
    ),
    _rule(
        "slack-token",
        "Slack token",
        _B
        + rb"(?P<secret>xox[abposre]-[0-9]{6,}-[0-9A-Za-z\-]{10,}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)",
        exact=("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xoxe-", "xapp-"),
    ),
    _rule(
        "slack-webhook",
        "Slack incoming webhook",
        rb"https://hooks\.slack\.com/(?:services|workflows|triggers)/"
        rb"(?P<secret>T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{20,})",
        keywords=("hooks.slack.com",),
    ),
    _rule(
        "stripe-key",
        "Stripe live secret key",
        _B + rb"(?P<secret>(?:sk|rk)_live_[0-9A-Za-z]{24,247})" + _E,
        exact=("sk_live_", "rk_live_"),
    ),
    _rule(
        "twilio-api-key",
        "Twilio API key",
        rb"(?<![A-Za-z0-9])(?P<secret>SK[0-9a-fA-F]{32})(?![A-Za-z0-9])",
        keywords=("twilio",),
        whole_text=True,
        keyword_gate=True,
        verify=with_entropy(3.0),
    ),
    _rule(
        "twilio-auth-token",
        "Twilio auth token",
        rb"(?i:twilio)[A-Za-z0-9_.\-]*(?i:auth)?[_.\-]?(?i:token)"
        rb"""["']?[ \t]*(?::=|=>|=|:)[ \t]*["']?(?P<secret>[0-9a-f]{32})(?![0-9A-Za-z])""",
        keywords=("twilio",),
        verify=with_entropy(3.0),
    ),
    _rule(
        "sendgrid-key",
        "SendGrid API key",
        _B + rb"(?P<secret>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})" + _E,
        exact=("SG.",),
    ),
    _rule(
        "npm-token",
        "npm access token",
        _B + rb"(?P<secret>npm_[A-Za-z0-9]{36})" + _E,
        exact=("npm_",),
    ),
    _rule(
        "npm-auth-token",
        "npm registry auth token (.npmrc)",
        rb"(?i:_authToken)[ \t]*=[ \t]*(?P<secret>[^\s$\"'{]{16,})",
        keywords=("_authtoken",),
    ),
    _rule(
        "pypi-token",
        "PyPI upload token",
        _B + rb"(?P<secret>pypi-AgE[A-Za-z0-9_\-]{50,})" + _E,
        exact=("pypi-AgE",),
    ),
    _rule(
        "jwt",
        "JSON Web Token",
        _B
        + rb"(?P<secret>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})"
        + _E,
        exact=("eyJ",),
        verify=jwt,
    ),
    _rule(
        "connection-url",
        "password in a connection URL",
        rb"(?i:" + _URL_SCHEMES + rb")(?:\+[A-Za-z0-9]+)?://"
        rb"(?P<user>[^\s:@/\"'`<>{}]*):(?P<secret>[^\s@/\"'`<>]{3,128})@[A-Za-z0-9_.\-\[]",
        keywords=(
            "postgres",
            "mysql",
            "mariadb",
            "mongodb",
            "redis",
            "amqp",
            "mssql",
            "sqlserver",
            "ldap",
            "ftp://",
            "smtp",
            "cockroachdb",
            "clickhouse",
            "nats://",
        ),
        verify=url_password,
    ),
    _rule(
        "secret-assignment",
        "literal secret assigned to a password, secret, token or key name",
        _ASSIGNMENT.pattern,
        keywords=("pass", "pwd", "secret", "token", "key", "credential"),
        verify=assignment,
    ),
    _rule(
        "high-entropy-secret",
        "high-entropy string assigned to a key, secret or token",
        _HIGH_ENTROPY.pattern,
        keywords=("key", "secret", "token", "auth", "credential", "salt", "signature", "hmac"),
        verify=high_entropy,
    ),
)

RULE_IDS = frozenset(rule.id for rule in RULES)


@functools.lru_cache(maxsize=65536)
def fingerprint(rule_id: str, secret: bytes) -> str:
    """A stable identifier of one secret found by one rule, from its content, never its line."""
    return hashlib.sha256(b"golive.secrets/%s\0%s" % (rule_id.encode(), secret)).hexdigest()[:24]
