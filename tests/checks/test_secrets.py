from __future__ import annotations

import base64
import itertools
import json
import random
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from golive.checks._secrets_config import is_secret_key
from golive.checks._secrets_rules import RULES, fingerprint
from golive.checks._secrets_scan import _Prefilter, hits_in, scan_bytes
from golive.checks.fixtures import RunOptions
from golive.checks.secrets import ConfigSecrets, HistorySecrets, SourceSecrets
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "secrets"
LOOKALIKES = DATA / "lookalikes"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

# True positives are made here, at test time, rather than committed: a credential-shaped
# string in the repository would trip every secret scanner that reads it.
_RNG = random.Random(20261121)
_ALNUM = string.ascii_letters + string.digits
_B64 = _ALNUM + "+/"
_HEX = "0123456789abcdef"


def _pick(alphabet: str, length: int) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(length))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pem() -> str:
    body = base64.b64encode(_RNG.randbytes(600)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *lines, "-----END RSA PRIVATE KEY-----"])


def _jwt() -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps({"sub": _pick(_ALNUM, 12), "iat": 1767225600}).encode())
    return f"{header}.{payload}.{_b64url(_RNG.randbytes(32))}"


SECRETS: dict[str, str] = {
    "private-key": _pem(),
    "gcp-service-account": _pick(_HEX, 40),
    "aws-access-key-id": "AKIA" + _pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
    "aws-secret-access-key": _pick(_B64, 40),
    "gcp-api-key": "AIza" + _pick(_ALNUM + "-_", 35),
    "azure-storage-key": _pick(_B64, 86) + "==",
    "azure-shared-access-key": _pick(_B64, 43) + "=",
    "azure-sas-token": _pick(_ALNUM, 40) + "%3D",
    "github-token": "ghp_" + _pick(_ALNUM, 36),
    "gitlab-token": "glpat-" + _pick(_ALNUM + "-_", 20),
    "slack-token": f"xoxb-{_pick(string.digits, 12)}-{_pick(string.digits, 13)}-"
    + _pick(_ALNUM, 24),
    "slack-webhook": f"T{_pick(string.ascii_uppercase + string.digits, 8)}/"
    f"B{_pick(string.ascii_uppercase + string.digits, 10)}/{_pick(_ALNUM, 24)}",
    "stripe-key": "sk_live_" + _pick(_ALNUM, 24),
    "twilio-api-key": "SK" + _pick(_HEX, 32),
    "twilio-auth-token": _pick(_HEX, 32),
    "sendgrid-key": f"SG.{_pick(_ALNUM + '-_', 22)}.{_pick(_ALNUM + '-_', 43)}",
    "npm-token": "npm_" + _pick(_ALNUM, 36),
    "npm-auth-token": _pick(_ALNUM, 36),
    "pypi-token": "pypi-AgEIcHlwaS5vcmc" + _pick(_ALNUM + "-_", 60),
    "jwt": _jwt(),
    "connection-url": _pick(_ALNUM, 10) + "!" + _pick(_ALNUM, 4),
    "secret-assignment": _pick(_ALNUM, 6) + "#" + _pick(_ALNUM, 7),
    "high-entropy-secret": _pick(_ALNUM, 40),
}

# Each rule's secret in the context it is found in: (file name, text).
SAMPLES: dict[str, tuple[str, str]] = {
    "private-key": ("deploy_key", SECRETS["private-key"] + "\n"),
    "gcp-service-account": (
        "sa.json",
        '{\n  "type": "service_account",\n'
        f'  "private_key_id": "{SECRETS["gcp-service-account"]}"\n}}\n',
    ),
    "aws-access-key-id": ("creds.py", f'key_id = "{SECRETS["aws-access-key-id"]}"\n'),
    "aws-secret-access-key": (
        "credentials",
        f"[default]\naws_secret_access_key = {SECRETS['aws-secret-access-key']}\n",
    ),
    "gcp-api-key": ("maps.js", f'const key = "{SECRETS["gcp-api-key"]}";\n'),
    "azure-storage-key": (
        "storage.cs",
        'var c = "DefaultEndpointsProtocol=https;AccountName=acme;'
        f'AccountKey={SECRETS["azure-storage-key"]};EndpointSuffix=core.windows.net";\n',
    ),
    "azure-shared-access-key": (
        "bus.txt",
        "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;"
        f"SharedAccessKey={SECRETS['azure-shared-access-key']}\n",
    ),
    "azure-sas-token": (
        "backup.sh",
        "curl 'https://acme.blob.core.windows.net/b?sv=2022-11-02&ss=b&sp=rl"
        f"&se=2030-01-01T00:00:00Z&sig={SECRETS['azure-sas-token']}'\n",
    ),
    "github-token": ("ci.yml", f"token: {SECRETS['github-token']}\n"),
    "gitlab-token": ("release.sh", f'curl -H "PRIVATE-TOKEN: {SECRETS["gitlab-token"]}"\n'),
    "slack-token": ("bot.py", f'client = WebClient("{SECRETS["slack-token"]}")\n'),
    "slack-webhook": (
        "notify.py",
        f'URL = "https://hooks.slack.com/services/{SECRETS["slack-webhook"]}"\n',
    ),
    "stripe-key": ("billing.rb", f'Stripe.api_key = "{SECRETS["stripe-key"]}"\n'),
    "twilio-api-key": (
        "sms.py",
        f'from twilio.rest import Client\nclient = Client("{SECRETS["twilio-api-key"]}", s)\n',
    ),
    "twilio-auth-token": ("sms.env", f"TWILIO_AUTH_TOKEN={SECRETS['twilio-auth-token']}\n"),
    "sendgrid-key": ("mail.py", f'sg = SendGridAPIClient("{SECRETS["sendgrid-key"]}")\n'),
    "npm-token": ("publish.sh", f"npm config set //r/:x {SECRETS['npm-token']}\n"),
    "npm-auth-token": (".npmrc", f"//registry.npmjs.org/:_authToken={SECRETS['npm-auth-token']}\n"),
    "pypi-token": (
        ".pypirc",
        f"[pypi]\nusername = __token__\npassword = {SECRETS['pypi-token']}\n",
    ),
    "jwt": ("client.ts", f'const bearer = "{SECRETS["jwt"]}";\n'),
    "connection-url": (
        "db.py",
        f'DSN = "postgresql+psycopg://billing:{SECRETS["connection-url"]}@db.internal:5432/b"\n',
    ),
    "secret-assignment": ("settings.py", f'DB_PASSWORD = "{SECRETS["secret-assignment"]}"\n'),
    "high-entropy-secret": ("signing.py", f'signing_salt = "{SECRETS["high-entropy-secret"]}"\n'),
}


def _rules(name: str, text: str, prefilter: _Prefilter | None = None) -> list[str]:
    return [rule.id for rule, _ in scan_bytes(text.encode(), config=False, prefilter=prefilter)]


def _leaks(outcome: Outcome, *secrets: str) -> list[str]:
    """Every 8-character piece of a secret that shows up anywhere in the outcome."""
    shown = repr(outcome)
    return [
        secret[i : i + 8]
        for secret in secrets
        for i in range(max(1, len(secret) - 7))
        if secret[i : i + 8] in shown
    ]


def _plant(source: Path, target: Path) -> Path:
    """Copy a tree and put a made-up secret where it says @@rule-id@@."""
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8")
            for rule, secret in SECRETS.items():
                text = text.replace(f"@@{rule}@@", secret)
            path.write_text(text, "utf-8")
    return target


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


# --- rules -----------------------------------------------------------------------------------


def test_every_rule_has_a_sample_and_a_lookalike() -> None:
    ids = {rule.id for rule in RULES}
    assert set(SAMPLES) == ids
    assert {path.stem for path in LOOKALIKES.iterdir()} == ids


@pytest.mark.parametrize("rule", sorted(SAMPLES))
def test_each_rule_finds_its_secret(rule: str) -> None:
    name, text = SAMPLES[rule]
    hits = hits_in(name, text.encode())
    assert [hit.rule for hit in hits] == [rule]


@pytest.mark.parametrize("rule", sorted(SAMPLES))
def test_each_rule_ignores_its_lookalikes(rule: str) -> None:
    path = next(LOOKALIKES.glob(f"{rule}.*"))
    assert hits_in(path.name, path.read_bytes()) == []


@pytest.mark.parametrize("rule", sorted(SAMPLES))
def test_without_hyperscan_the_same_secrets_are_found(rule: str) -> None:
    python = _Prefilter(RULES, use_hyperscan=False)
    name, text = SAMPLES[rule]
    assert _rules(name, text, python) == _rules(name, text) == [rule]
    path = next(LOOKALIKES.glob(f"{rule}.*"))
    assert _rules(path.name, path.read_text("utf-8"), python) == []


def test_hyperscan_compiles_every_rule_when_installed() -> None:
    pytest.importorskip("hyperscan")
    assert _Prefilter(RULES).engine == "hyperscan"


def test_hits_have_line_and_column_of_the_secret() -> None:
    text = "# billing\n\nclient = WebClient('" + SECRETS["slack-token"] + "')\n"
    [hit] = hits_in("bot.py", text.encode())
    assert (hit.line, hit.column) == (3, 21)


def test_fingerprint_depends_on_rule_and_secret_only() -> None:
    first = hits_in("a.py", SAMPLES["stripe-key"][1].encode())[0]
    moved = hits_in("a.py", ("\n" * 10 + SAMPLES["stripe-key"][1]).encode())[0]
    expected = fingerprint("stripe-key", SECRETS["stripe-key"].encode())
    assert first.fingerprint == moved.fingerprint == expected
    assert fingerprint("stripe-key", b"a") != fingerprint("github-token", b"a")


def test_unquoted_values_count_only_in_configuration_files() -> None:
    line = f"DB_PASSWORD={SECRETS['secret-assignment']}\n"
    assert [h.rule for h in hits_in("deploy/.env", line.encode())] == ["secret-assignment"]
    assert hits_in("deploy.py", line.encode()) == []


# --- secrets.source ----------------------------------------------------------------------------


def test_source_passes_on_a_clean_tree() -> None:
    outcome = run_check(SourceSecrets, DATA / "clean")
    assert outcome.status is Status.PASS
    assert outcome.facts["skipped_binary"] == 1
    assert outcome.facts["scanned"] == 3


def test_source_fails_with_each_planted_secret(tmp_path: Path) -> None:
    root = _plant(DATA / "leaky", tmp_path / "leaky")
    outcome = run_check(SourceSecrets, root)
    assert outcome.status is Status.FAIL
    assert sorted((str(f.location), f.rule) for f in outcome.findings) == [
        ("deploy/.env:1:19", "aws-access-key-id"),
        ("deploy/.env:2:23", "aws-secret-access-key"),
        ("docs/setup.md:3:34", "connection-url"),
        ("keys/deploy_key:1:1", "private-key"),
        ("src/settings.py:6:15", "stripe-key"),
        ("src/settings.py:7:17", "github-token"),
        ("src/settings.py:8:16", "secret-assignment"),
        ("src/settings.py:9:51", "slack-webhook"),
    ]
    assert outcome.facts["secrets"] == 8
    assert all(f.fingerprint for f in outcome.findings)
    assert _leaks(outcome, *SECRETS.values()) == []


def test_source_not_applicable_without_files(tmp_path: Path) -> None:
    assert run_check(SourceSecrets, tmp_path).status is Status.NOT_APPLICABLE


def test_source_not_applicable_with_binary_files_only() -> None:
    outcome = run_check(SourceSecrets, DATA / "binary-only")
    assert outcome.status is Status.NOT_APPLICABLE
    assert "1 binary" in outcome.summary


def test_source_unknown_when_every_file_is_too_large() -> None:
    outcome = run_check(SourceSecrets, DATA / "clean", max_file_size="16B")
    assert outcome.status is Status.UNKNOWN
    assert "max_file_size" in outcome.summary


def test_binary_and_oversized_files_are_skipped_and_counted(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01" + SAMPLES["github-token"][1].encode())
    (tmp_path / "big.py").write_text("# padding\n" * 200 + SAMPLES["stripe-key"][1])
    (tmp_path / "small.py").write_text("print('hello')\n")
    outcome = run_check(SourceSecrets, tmp_path, max_file_size="1KiB")
    assert outcome.status is Status.PASS
    assert (outcome.facts["skipped_binary"], outcome.facts["skipped_large"]) == (1, 1)
    assert outcome.facts["scanned"] == 1


@needs_git
@pytest.mark.slow
def test_gitignored_files_are_not_scanned(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("local.env\n")
    (tmp_path / "local.env").write_text(SAMPLES["github-token"][1])
    (tmp_path / "app.py").write_text("print('hello')\n")
    outcome = run_check(SourceSecrets, tmp_path)
    assert outcome.status is Status.PASS
    assert outcome.facts["files"] == 2  # .gitignore and app.py


def test_gitignored_files_are_not_scanned_outside_git(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("secrets/\n")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token.txt").write_text(SAMPLES["github-token"][1])
    (tmp_path / "app.py").write_text("print('hello')\n")
    assert run_check(SourceSecrets, tmp_path).status is Status.PASS


# --- the baseline ------------------------------------------------------------------------------


def _baseline(root: Path, *entries: dict[str, str], name: str = ".golive/secrets-baseline") -> None:
    lines = []
    for entry in entries:
        lines.append("[[accepted]]")
        lines.extend(f'{key} = "{value}"' for key, value in entry.items())
        lines.append("")
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text("\n".join(lines), "utf-8")


def _accepting(outcome: Outcome, reason: str = "a fixture of the billing tests") -> dict[str, str]:
    [finding] = outcome.findings
    assert finding.location is not None and finding.fingerprint and finding.rule
    return {
        "fingerprint": finding.fingerprint,
        "path": finding.location.path,
        "rule": finding.rule,
        "reason": reason,
    }


def test_baseline_keeps_a_moved_secret_accepted_and_reports_a_new_one_on_its_line(
    tmp_path: Path,
) -> None:
    stripe = SECRETS["stripe-key"]
    (tmp_path / "billing.py").write_text(f'KEY = "{stripe}"\n')
    first = run_check(SourceSecrets, tmp_path)
    assert first.status is Status.FAIL
    _baseline(tmp_path, _accepting(first))
    accepted = run_check(SourceSecrets, tmp_path)
    assert accepted.status is Status.PASS
    assert accepted.facts["accepted"] == 1

    (tmp_path / "billing.py").write_text("# moved\n" * 10 + f'KEY = "{stripe}"\n')
    moved = run_check(SourceSecrets, tmp_path)
    assert moved.status is Status.PASS, moved.findings

    github = SECRETS["github-token"]
    (tmp_path / "billing.py").write_text("# moved\n" * 10 + f'KEY = "{stripe}"; GH = "{github}"\n')
    second = run_check(SourceSecrets, tmp_path)
    assert second.status is Status.FAIL
    assert [(str(f.location), f.rule) for f in second.findings] == [
        ("billing.py:11:49", "github-token")
    ]
    assert _leaks(second, stripe, github) == []


def test_baseline_entry_without_reason_fails_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "billing.py").write_text(SAMPLES["stripe-key"][1])
    entry = _accepting(run_check(SourceSecrets, tmp_path))
    del entry["reason"]
    _baseline(tmp_path, entry)
    outcome = run_check(SourceSecrets, tmp_path)
    assert outcome.status is Status.FAIL
    problem = outcome.findings[0]
    assert problem.rule == "baseline"
    assert str(problem.location) == ".golive/secrets-baseline:1:3"
    assert 'no "reason"' in problem.message
    assert outcome.facts["secrets"] == 1  # an entry without a reason accepts nothing


def test_baseline_that_is_not_toml_fails_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")
    (tmp_path / ".golive").mkdir()
    (tmp_path / ".golive" / "secrets-baseline").write_text("[[accepted]]\nfingerprint = \n")
    outcome = run_check(SourceSecrets, tmp_path)
    assert outcome.status is Status.FAIL
    assert str(outcome.findings[0].location) == ".golive/secrets-baseline:2:15"


def test_baseline_reports_unknown_rules_and_keys(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")
    _baseline(
        tmp_path,
        {"fingerprint": "0" * 24, "path": "app.py", "rule": "nope", "reason": "r", "by": "me"},
    )
    messages = [f.message for f in run_check(SourceSecrets, tmp_path).findings]
    assert messages == [
        'accepted entry 1: unknown key "by"; expected fingerprint, path, rule, reason',
        'accepted entry 1: unknown rule "nope"',
    ]


def test_stale_baseline_entries_are_counted(tmp_path: Path) -> None:
    (tmp_path / "billing.py").write_text(SAMPLES["stripe-key"][1])
    _baseline(tmp_path, _accepting(run_check(SourceSecrets, tmp_path)))
    (tmp_path / "billing.py").write_text("KEY = os.environ['STRIPE_KEY']\n")
    outcome = run_check(SourceSecrets, tmp_path)
    assert outcome.status is Status.PASS
    assert (outcome.facts["baseline_stale"], outcome.facts["baseline_stale_lines"]) == (1, "1")


def test_a_baseline_at_another_path(tmp_path: Path) -> None:
    (tmp_path / "billing.py").write_text(SAMPLES["stripe-key"][1])
    entry = _accepting(run_check(SourceSecrets, tmp_path))
    _baseline(tmp_path, entry, name="security/accepted.toml")
    assert run_check(SourceSecrets, tmp_path).status is Status.FAIL
    outcome = run_check(SourceSecrets, tmp_path, baseline="security/accepted.toml")
    assert outcome.status is Status.PASS


@pytest.mark.slow
def test_large_trees_are_scanned_in_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from golive.checks import _secrets_scan

    monkeypatch.setattr(_secrets_scan, "_PARALLEL_FILES", 10)
    for number in range(40):
        (tmp_path / f"module_{number}.py").write_text(f"VALUE = {number}\n")
    (tmp_path / "module_7.py").write_text(SAMPLES["github-token"][1])
    outcome = run_check(SourceSecrets, tmp_path)
    assert [str(f.location) for f in outcome.findings] == ["module_7.py:1:8"]
    assert outcome.facts["scanned"] == 40


# --- secrets.config ----------------------------------------------------------------------------


def test_config_passes_when_secrets_are_references() -> None:
    outcome = run_check(ConfigSecrets, DATA / "config/references", backend="hashicorp_vault")
    assert outcome.status is Status.PASS
    assert outcome.facts["secret_keys"] == 14
    assert outcome.facts["backend"] == "hashicorp_vault"


def test_config_fails_on_literals_with_their_keys_and_places() -> None:
    outcome = run_check(ConfigSecrets, DATA / "config/literals")
    assert outcome.status is Status.FAIL
    assert [(str(f.location), f.message.split("`")[1]) for f in outcome.findings] == [
        (".env:1:19", "DATABASE_PASSWORD"),
        ("app.properties:1:30", "spring.datasource.password"),
        ("app.toml:3:12", "database.password"),
        ("app.toml:6:11", "api.api_key"),
        ("config/settings.yaml:3:13", "smtp.password"),
        ("config/settings.yaml:5:15", "stripe.secret_key"),
        ("deploy/deployment.yaml:12:22", "spec.template.spec.containers[0].env[DB_PASSWORD]"),
        ("deploy/secret.yaml:7:13", "stringData.username"),
        ("deploy/secret.yaml:9:13", "data.password"),
        ("legacy.ini:3:18", "admin_password"),
        ("service.json:3:54", "auth.client_secret"),
    ]
    values = ["Pr0d-db-2024!", "k4Jd92LmQp0x", "hunter2hunter", "s3cr3t-in-the-manifest"]
    values += ["cGF5bWVudHMtZGItcGFzc3dvcmQ=", "correct-horse-battery", "0c9f1e7b", "letmein"]
    assert _leaks(outcome, *values) == []


def test_config_survives_an_alias_bomb_and_ignores_workflow_permissions(tmp_path: Path) -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]  # 9 ** 9 strings once the aliases unfold
    for previous, name in itertools.pairwise("abcdefghi"):
        bomb.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    (tmp_path / "bomb.yaml").write_text("\n".join([*bomb, "password: ${P}"]) + "\n")
    (tmp_path / "ci.yml").write_text("permissions:\n  id-token: write\n  contents: read\n")
    outcome = run_check(ConfigSecrets, tmp_path)
    assert outcome.status is Status.PASS
    assert outcome.facts["secret_keys"] == 1


EXTERNAL_SECRET = """\
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: alerting
spec:
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  data:
    - secretKey: pagerduty-routing-key
      remoteRef: {key: greeter/alerting, property: pagerduty}
"""


def test_config_takes_a_secret_key_name_in_a_kubernetes_resource_for_a_name(
    tmp_path: Path,
) -> None:
    (tmp_path / "secrets.yaml").write_text(EXTERNAL_SECRET)
    outcome = run_check(ConfigSecrets, tmp_path)
    assert outcome.status is Status.PASS, outcome.summary
    (tmp_path / "secrets.yaml").write_text("secretKey: pagerduty-routing-key\n")  # no resource
    assert run_check(ConfigSecrets, tmp_path).status is Status.FAIL


def test_config_skips_example_files(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("DATABASE_PASSWORD=changeme\n")
    (tmp_path / ".env").write_text("DATABASE_PASSWORD=${DATABASE_PASSWORD}\n")
    outcome = run_check(ConfigSecrets, tmp_path)
    assert outcome.status is Status.PASS
    assert (outcome.facts["files"], outcome.facts["secret_keys"]) == (1, 1)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("dbpassword", True),
        ("dbPass", True),
        ("clientSecret", True),
        ("x-api-key", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("bypass", False),
        ("next_page_token", False),
        ("token_ttl", False),
        ("primary_key", False),
    ],
)
def test_secret_looking_names(name: str, secret: bool) -> None:
    assert is_secret_key(name) is secret


def test_config_not_applicable_without_configuration_files() -> None:
    assert run_check(ConfigSecrets, DATA / "config/none").status is Status.NOT_APPLICABLE


def test_config_accepts_extra_reference_syntaxes(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("api_key: \"@secrets('API_KEY')\"\n")
    assert run_check(ConfigSecrets, tmp_path).status is Status.FAIL
    outcome = run_check(ConfigSecrets, tmp_path, references=["@secrets("])
    assert outcome.status is Status.PASS


def test_config_reads_unparseable_files_line_by_line(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("image: {{ .Values.image }\npassword: plain-text-1\n")
    outcome = run_check(ConfigSecrets, tmp_path)
    assert [str(f.location) for f in outcome.findings] == ["values.yaml:2:11"]
    assert outcome.facts["unparsed_read_by_lines"] == 1


# --- secrets.history ---------------------------------------------------------------------------


def _history_repo(root: Path) -> str:
    """A repository whose first commit adds a secret, the second keeps it in a changed file,
    and the third removes it."""
    _git(root, "init", "-q")
    (root / "app.py").write_text("print('hello')\n")
    (root / "settings.py").write_text("DEBUG = False\n" + SAMPLES["stripe-key"][1])
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "settings")
    added = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    (root / "settings.py").write_text("DEBUG = True\n" + SAMPLES["stripe-key"][1])
    _git(root, "commit", "-q", "-am", "debug")
    (root / "settings.py").write_text("DEBUG = False\nKEY = os.environ['STRIPE_KEY']\n")
    _git(root, "commit", "-q", "-am", "read the key from the environment")
    return added


@needs_git
@pytest.mark.slow
def test_history_finds_a_removed_secret_with_its_commit(tmp_path: Path) -> None:
    added = _history_repo(tmp_path)
    assert run_check(SourceSecrets, tmp_path).status is Status.PASS
    outcome = run_check(HistorySecrets, tmp_path, options=RunOptions(history=True))
    assert outcome.status is Status.FAIL
    [finding] = outcome.findings
    assert (str(finding.location), finding.rule) == ("settings.py:2:19", "stripe-key")
    assert f"commit {added[:12]}" in finding.message
    assert (outcome.facts["commits"], outcome.facts["occurrences"]) == (3, 2)
    assert _leaks(outcome, SECRETS["stripe-key"]) == []


@needs_git
@pytest.mark.slow
def test_history_accepts_baselined_secrets(tmp_path: Path) -> None:
    _history_repo(tmp_path)
    history = RunOptions(history=True)
    entry = _accepting(run_check(HistorySecrets, tmp_path, options=history), "rotated in 2026")
    _baseline(tmp_path, entry)
    outcome = run_check(HistorySecrets, tmp_path, options=history)
    assert outcome.status is Status.PASS
    assert outcome.facts["accepted"] == 1


@needs_git
@pytest.mark.slow
def test_history_not_applicable_without_history_option(tmp_path: Path) -> None:
    _history_repo(tmp_path)
    outcome = run_check(HistorySecrets, tmp_path)
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary == "the git history was not scanned; pass --history to scan it"


@needs_git
def test_history_not_applicable_outside_a_git_work_tree(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")
    outcome = run_check(HistorySecrets, tmp_path, options=RunOptions(history=True))
    assert outcome.status is Status.NOT_APPLICABLE
    assert "not a git work tree" in outcome.summary


def test_history_unknown_without_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    outcome = run_check(HistorySecrets, tmp_path, options=RunOptions(history=True))
    assert outcome.status is Status.UNKNOWN
    assert "git is not installed" in outcome.summary
