"""What golive knows about images and files: minimal bases, full ones, secret names and files."""

from __future__ import annotations

import re
from dataclasses import dataclass

from golive.checks._docker_model import ImageRef

__all__ = [
    "BaseKind",
    "classify_base",
    "is_secret_name",
    "is_secret_value",
    "runs_as_non_root",
    "sensitive_file",
]

_CHAINGUARD = ("cgr.dev/", "chainguard/", "docker.io/chainguard/")
_MINIMAL_PREFIXES = ("gcr.io/distroless/", *_CHAINGUARD)
_MINIMAL_NAMES = frozenset(
    {"scratch", "alpine", "busybox", "wolfi-base", "distroless", "ubi-micro", "ubi-minimal"}
    | {"ubi8-micro", "ubi9-micro", "ubi10-micro", "ubi8-minimal", "ubi9-minimal", "ubi10-minimal"}
)
_MINIMAL_NAME_SUFFIXES = ("-slim", "-minimal", "-micro", "-distroless")
_MINIMAL_TAG_WORDS = ("slim", "alpine", "minimal", "distroless", "chiseled", "micro")
_OS = frozenset(
    {"ubuntu", "debian", "centos", "fedora", "rockylinux", "almalinux", "amazonlinux"}
    | {"oraclelinux", "archlinux", "leap", "tumbleweed", "ubi", "ubi8", "ubi9", "ubi10"}
    | {"kali-rolling", "photon", "mageia", "clearlinux", "stage3", "sles"}
)
_SDK = frozenset(
    {"node", "python", "pypy", "rust", "golang", "openjdk", "eclipse-temurin", "amazoncorretto"}
    | {"maven", "gradle", "gcc", "buildpack-deps", "ruby", "php", "perl", "elixir", "erlang"}
    | {"haskell", "swift", "julia", "clojure", "dart", "sdk", "jdk", "sapmachine", "ibmjava"}
)
_APPS = frozenset(  # official images built on a full Debian/Ubuntu/Oracle Linux by default
    {"nginx", "httpd", "redis", "postgres", "mysql", "mariadb", "mongo", "tomcat", "jetty"}
    | {"wordpress", "rabbitmq", "memcached", "rethinkdb", "cassandra", "elasticsearch"}
)
_SECRET_ANYWHERE = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|SECRET")
_SECRET_WORD = re.compile(
    r"(?:^|_)(?:TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|ACCESS_?KEY|AUTH_?KEY|SIGNING_?KEY"
    r"|ENCRYPTION_?KEY|MASTER_?KEY|CLIENT_?KEY)(?:_|$)"
)
_NOT_SECRET_SUFFIXES = (
    *("_FILE", "_PATH", "_DIR", "_DIRECTORY", "_NAME", "_USER", "_USERNAME", "_ID", "_HOST"),
    *("_PORT", "_ENDPOINT", "_URL", "_URI", "_LENGTH", "_TTL", "_TIMEOUT", "_EXPIRY"),
    *("_HEADER", "_TYPE", "_ENABLED", "_REQUIRED", "_POLICY", "_ALGORITHM", "_MIN", "_MAX"),
    *("_SIZE", "_FORMAT", "_REGION", "_LOCATION", "_MOUNT", "_ENV", "_VAR", "_LIMIT"),
    *("_COUNT", "_LIFETIME", "_EXPIRATION"),
)
_HARMLESS_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1", "none", "null"})
_SECRET_FILES = frozenset(
    {".env", ".npmrc", ".pypirc", ".netrc", ".git-credentials", ".dockercfg", "credentials"}
    | {"credentials.json", ".htpasswd", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"}
    | {"secrets.json", "secrets.yaml", "secrets.yml", "service-account.json"}
)
_SECRET_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".env")
_SECRET_PATHS = (".docker/config.json", ".aws/credentials", ".kube/config", ".ssh/")
_EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tmpl", ".defaults")


@dataclass(frozen=True, kw_only=True)
class BaseKind:
    """How minimal a base image is: `minimal`, `os`, `sdk`, `app` or `unrecognised`."""

    kind: str
    why: str

    @property
    def minimal(self) -> bool:
        return self.kind == "minimal"


def classify_base(image: ImageRef) -> BaseKind:
    repository = image.repository.lower()
    name = image.name
    tag_words = re.split(r"[-_.]", (image.tag or "").lower())
    if image.is_scratch:
        return BaseKind(kind="minimal", why="scratch: an empty image")
    if repository.startswith(_MINIMAL_PREFIXES):
        family = "distroless" if "distroless" in repository else "Chainguard"
        return BaseKind(kind="minimal", why=f"a {family} image")
    if name in _MINIMAL_NAMES or name.endswith(_MINIMAL_NAME_SUFFIXES):
        return BaseKind(kind="minimal", why=f"{name} is a minimal image")
    for word in tag_words:
        if word.startswith(_MINIMAL_TAG_WORDS):
            return BaseKind(kind="minimal", why=f"the {word} variant of {name}")
    if "dotnet/sdk" in repository:
        return BaseKind(kind="sdk", why="the .NET SDK image: compilers and tools")
    if name in _OS:
        return BaseKind(kind="os", why=f"{name} is a full operating system image")
    if name in _SDK or "jdk" in name:
        return BaseKind(kind="sdk", why=f"{name} is a language SDK/toolchain image")
    if name in _APPS:
        return BaseKind(kind="app", why=f"{name} is built on a full operating system image")
    return BaseKind(kind="unrecognised", why=f"golive does not know whether {name} is minimal")


def runs_as_non_root(image: ImageRef) -> str | None:
    """Why the image runs as a non-root user without a USER instruction (None if it does not).

    distroless `:nonroot` tags, and Chainguard images other than wolfi-base and `-dev` tags.
    """
    repository, tag = image.repository.lower(), (image.tag or "").lower()
    if repository.startswith("gcr.io/distroless/") and "nonroot" in tag:
        return f"distroless :{image.tag} runs as the nonroot user (65532)"
    chainguard = repository.startswith(_CHAINGUARD)
    if chainguard and image.name != "wolfi-base" and "dev" not in tag:
        return "Chainguard images run as the nonroot user (65532)"
    return None


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    if upper.endswith(_NOT_SECRET_SUFFIXES):
        return False
    return bool(_SECRET_ANYWHERE.search(upper) or _SECRET_WORD.search(upper))


def is_secret_value(value: str | None) -> bool:
    """Whether an ENV/ARG value is written out (not empty, a `$` reference or a path)."""
    if value is None:
        return False
    text = value.strip()
    if not text or "$" in text or text.lower() in _HARMLESS_VALUES:
        return False
    return not text.startswith(("/", "./", "~/"))


def sensitive_file(path: str) -> str | None:
    """What kind of secret `path` looks like (None when it does not)."""
    lowered = path.lower()
    name = lowered.rpartition("/")[2]
    if name.endswith(_EXAMPLE_SUFFIXES) or name.endswith(".pub"):
        return None
    if any(f"/{part}" in f"/{lowered}" for part in _SECRET_PATHS):
        return "a credentials file"
    if name in {".env", "credentials", "credentials.json"} or name.startswith(".env."):
        return "an environment or credentials file"
    if name in _SECRET_FILES:
        return "a private key" if name.startswith("id_") else "a credentials file"
    if name.endswith(_SECRET_SUFFIXES):
        return "an environment file" if name.endswith(".env") else "a key or certificate file"
    return None
