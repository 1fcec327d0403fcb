"""Secret-scanning benchmark: golive's secrets.source next to detect-secrets and ripgrep.

Builds a tree of >= 10,000 real text files by copying Python sources found on this machine
(the standard library, then site-packages), plants a known set of made-up secrets of every
rule at known lines, plus decoys that are not secrets, and then, in one run:

- golive: the secrets.source check in a fresh process (interpreter start included), and
  the scan alone inside a warm process;
- detect-secrets (`scan --all-files`, default plugins), installed into its own venv;
- ripgrep with golive's keyword set (the prefilter's work, without any rule).

It prints wall times (median of the runs), the ratios, and recall and false positives on
the planted set. Findings on lines that were not planted are counted separately: they are
credential-shaped strings the copied sources already hold (documentation examples, test keys).

    python benchmarks/secrets.py [--runs 5] [--detect-secrets-runs 1] [--markdown]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import re
import shutil
import statistics
import string
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_TEXT_SUFFIXES = {".py", ".pyi", ".txt", ".rst", ".md", ".json", ".cfg", ".toml", ".yaml", ".ini"}
_PLANTS_PER_RULE = 4
_DECOYS_PER_KIND = 3


# --- the tree --------------------------------------------------------------------------------


def _sources() -> list[Path]:
    """Directories of real Python sources on this machine, most familiar first."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found = [stdlib, Path(sysconfig.get_paths()["purelib"])]
    base = (
        Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    )
    base_site = base / "site-packages"
    if base_site.is_dir():
        found.extend(
            sorted(p for p in base_site.iterdir() if p.is_dir() and p.name != "__pycache__")
        )
    return [p for p in dict.fromkeys(found) if p.is_dir()]


def _copy_tree(target: Path, minimum: int) -> int:
    """Copy sources into `target` until it holds `minimum` files; return the count."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "site-packages")
    count = 0
    for index, source in enumerate(_sources()):
        if count >= minimum:
            break
        destination = target / f"{index:03d}-{source.name}"
        shutil.copytree(source, destination, ignore=ignore, symlinks=True, dirs_exist_ok=True)
        count += sum(1 for p in destination.rglob("*") if p.is_file())
    return count


# --- made-up secrets and decoys ------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True, kw_only=True)
class Plant:
    path: str
    line: int
    kind: str
    decoy: bool


def _secret_lines(rng: random.Random) -> dict[str, list[list[str]]]:
    """For each rule, a few ways a real secret of its kind appears (each a list of lines)."""

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    def pem() -> list[str]:
        body = base64.b64encode(rng.randbytes(900)).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return ["-----BEGIN RSA PRIVATE KEY-----", *lines, "-----END RSA PRIVATE KEY-----"]

    def jwt() -> str:
        header = b64url(b'{"alg":"HS256","typ":"JWT"}')
        payload = b64url(json.dumps({"sub": pick(_ALNUM, 10), "iat": 1767225600}).encode())
        return f"{header}.{payload}.{b64url(rng.randbytes(32))}"

    hexa, b64 = "0123456789abcdef", _ALNUM + "+/"
    upper = string.ascii_uppercase + string.digits
    made: dict[str, list[list[str]]] = {}
    for _ in range(_PLANTS_PER_RULE):
        aws_id = "AKIA" + pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        password = pick(_ALNUM, 5) + rng.choice("!#%&*-_") + pick(_ALNUM, 8)
        for kind, lines in {
            "private-key": pem(),
            "gcp-service-account": [f'  "private_key_id": "{pick(hexa, 40)}",'],
            "aws-access-key-id": [f'AWS_ACCESS_KEY_ID = "{aws_id}"'],
            "aws-secret-access-key": [f"aws_secret_access_key = {pick(b64, 40)}"],
            "gcp-api-key": [f'MAPS_KEY = "AIza{pick(_ALNUM + "-_", 35)}"'],
            "azure-storage-key": [
                '"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey='
                f'{pick(b64, 86)}==;EndpointSuffix=core.windows.net"'
            ],
            "azure-shared-access-key": [
                "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;"
                f"SharedAccessKey={pick(b64, 43)}="
            ],
            "azure-sas-token": [
                "https://acme.blob.core.windows.net/b?sv=2022-11-02&ss=b&sp=rl"
                f"&se=2030-01-01T00:00:00Z&sig={pick(_ALNUM, 43)}%3D"
            ],
            "github-token": [f'GITHUB_TOKEN = "ghp_{pick(_ALNUM, 36)}"'],
            "gitlab-token": [f'GITLAB_TOKEN = "glpat-{pick(_ALNUM, 20)}"'],
            "slack-token": [
                f'SLACK_BOT_TOKEN = "xoxb-{pick(string.digits, 12)}-{pick(string.digits, 13)}-'
                f'{pick(_ALNUM, 24)}"'
            ],
            "slack-webhook": [
                f'WEBHOOK = "https://hooks.slack.com/services/T{pick(upper, 8)}/'
                f'B{pick(upper, 10)}/{pick(_ALNUM, 24)}"'
            ],
            "stripe-key": [f'stripe.api_key = "sk_live_{pick(_ALNUM, 24)}"'],
            "twilio-api-key": [f'twilio_client = TwilioClient("SK{pick(hexa, 32)}")'],
            "twilio-auth-token": [f"TWILIO_AUTH_TOKEN = '{pick(hexa, 32)}'"],
            "sendgrid-key": [
                f'SENDGRID_API_KEY = "SG.{pick(_ALNUM + "-_", 22)}.{pick(_ALNUM + "-_", 43)}"'
            ],
            "npm-token": [f'NPM_TOKEN = "npm_{pick(_ALNUM, 36)}"'],
            "npm-auth-token": [f"//registry.npmjs.org/:_authToken={pick(_ALNUM, 36)}"],
            "pypi-token": [f'PYPI_TOKEN = "pypi-AgEIcHlwaS5vcmc{pick(_ALNUM + "-_", 60)}"'],
            "jwt": [f'AUTH_HEADER = "Bearer {jwt()}"'],
            "connection-url": [
                f'DATABASE_URL = "postgres://billing:{password}@db.internal:5432/billing"'
            ],
            "secret-assignment": [f'DB_PASSWORD = "{password}"'],
            "high-entropy-secret": [f'signing_salt = "{pick(_ALNUM, 40)}"'],
        }.items():
            made.setdefault(kind, []).append(lines)
    return made


# Things that look like credentials and are not; a tool that reports them is wrong.
_DECOYS: dict[str, list[str]] = {
    "aws-example": ['AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"'],
    "aws-example-secret": ['aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"'],
    "env-reference": ['DB_PASSWORD = os.environ["DB_PASSWORD"]'],
    "template": ['password = "${DB_PASSWORD}"'],
    "placeholder": ['api_key = "<your-api-key>"'],
    "changeme": ['password = "changeme"'],
    "masked-token": ['GITHUB_TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'],
    "docs-url": ['DATABASE_URL = "postgres://user:password@localhost:5432/app"'],
    "stripe-test-key": ['stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"'],
    "uuid-request-token": ['client_request_token = "f0b3c2e4-9d8a-4b1c-8e2f-6a7b9c0d1e2f"'],
    "license-key": ['license_key = "bsd-3-clause-attribution-2024"'],
    "pagination-token": ['next_page_token = "eyJvZmZzZXQiOiAxMDB9"'],
}


def _plant(tree: Path, seed: int) -> list[Plant]:
    rng = random.Random(seed)
    candidates = sorted(p for p in tree.rglob("*") if p.is_file() and p.suffix in _TEXT_SUFFIXES)
    rng.shuffle(candidates)
    chosen = iter(candidates)
    plants: list[Plant] = []

    def insert(lines: list[str], kind: str, decoy: bool) -> None:
        while True:
            path = next(chosen)
            try:
                text = path.read_text("utf-8")
            except UnicodeDecodeError:
                continue
            if "\0" not in text and 0 < len(text) < 512 * 1024:
                break
        old = text.split("\n")  # lines as the scanners count them
        at = rng.randint(0, max(0, len(old) - 1))
        path.write_text("\n".join(old[:at] + lines + old[at:]), "utf-8")
        plants.append(
            Plant(path=path.relative_to(tree).as_posix(), line=at + 1, kind=kind, decoy=decoy)
        )

    for kind, variants in _secret_lines(rng).items():
        for lines in variants:
            insert(lines, kind, decoy=False)
    for kind, lines in _DECOYS.items():
        for _ in range(_DECOYS_PER_KIND):
            insert(lines, kind, decoy=True)
    return plants


def build(workdir: Path, minimum: int, seed: int, rebuild: bool) -> tuple[Path, list[Plant]]:
    tree, manifest = workdir / "tree", workdir / "planted.json"
    if rebuild or not manifest.exists():
        shutil.rmtree(workdir, ignore_errors=True)
        tree.mkdir(parents=True)
        print(f"copying sources into {tree} ...", file=sys.stderr)
        files = _copy_tree(tree, minimum)
        plants = _plant(tree, seed)
        manifest.write_text(json.dumps([p.__dict__ for p in plants], indent=1))
        print(f"{files} files, {len(plants)} planted lines", file=sys.stderr)
    return tree, [Plant(**p) for p in json.loads(manifest.read_text())]


# --- the tools ---------------------------------------------------------------------------------


def tools_venv(path: Path) -> Path:
    """A venv with detect-secrets and ripgrep (the ripgrep wheel ships the `rg` binary)."""
    if not (path / "bin" / "detect-secrets").exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "detect-secrets"], check=True)
        subprocess.run([*pip, "--only-binary", ":all:", "ripgrep"], check=True)
    return path / "bin"


def _timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout


# The check as a review runs it, in a new interpreter: imports, the file listing, the scan.
_GOLIVE_CHILD = """
import json, sys
from pathlib import Path
from golive.checks.repository import Repository
from golive.checks.secrets import SourceParams, SourceSecrets
outcome = SourceSecrets().run(SourceParams(), Repository.scan(Path(sys.argv[1])))
json.dump({"facts": dict(outcome.facts)}, sys.stdout)
"""

_GOLIVE_FINDINGS = """
import json, sys
from pathlib import Path
from golive.checks.repository import Repository
from golive.checks._secrets_scan import scan_tree
repo = Repository.scan(Path(sys.argv[1]))
result = scan_tree(repo.root, repo.files, max_bytes=1 << 20)
json.dump([[h.path, h.line, h.rule] for h in result.hits], sys.stdout)
"""


def golive_process(tree: Path) -> tuple[float, dict[str, object]]:
    elapsed, out = _timed([sys.executable, "-c", _GOLIVE_CHILD, str(tree)], tree)
    return elapsed, json.loads(out)


def golive_findings(tree: Path) -> set[tuple[str, int]]:
    _, out = _timed([sys.executable, "-c", _GOLIVE_FINDINGS, str(tree)], tree)
    (tree.parent / "golive.json").write_text(out)  # kept, to look at what it reports
    return {(path, line) for path, line, _ in json.loads(out)}


def golive_in_process(tree: Path) -> float:
    from golive.checks._secrets_scan import scan_tree
    from golive.checks.repository import Repository

    started = time.perf_counter()
    repo = Repository.scan(tree)
    scan_tree(repo.root, repo.files, max_bytes=1 << 20)
    return time.perf_counter() - started


def detect_secrets(bin_dir: Path, tree: Path) -> tuple[float, set[tuple[str, int]]]:
    elapsed, out = _timed([str(bin_dir / "detect-secrets"), "scan", "--all-files", "."], tree)
    (tree.parent / "detect-secrets.json").write_text(out)  # kept, to look at what it reports
    results = json.loads(out)["results"]
    found = {
        (Path(name).as_posix().removeprefix("./"), item["line_number"])
        for name, items in results.items()
        for item in items
    }
    return elapsed, found


def ripgrep_argv(bin_dir: Path) -> list[str]:
    """rg with golive's keyword set: caseless keywords and exact ones, as the prefilter has them."""
    from golive.checks._secrets_rules import RULES

    caseless = sorted({k.decode() for rule in RULES for k in rule.keywords})
    exact = sorted({k.decode() for rule in RULES for k in rule.exact})
    pattern = "(?i:" + "|".join(map(re.escape, caseless)) + ")|" + "|".join(map(re.escape, exact))
    return [
        str(bin_dir / "rg"),
        "--no-require-git",  # honour .gitignore files as golive does outside git
        "--hidden",
        "--max-filesize",
        "1M",
        "--line-number",
        "--no-heading",
        "-e",
        pattern,
        ".",
    ]


# --- scoring and the report ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Score:
    found: int
    planted: int
    decoys_reported: int
    others: int

    @property
    def recall(self) -> float:
        return self.found / self.planted


def score(findings: set[tuple[str, int]], plants: list[Plant]) -> Score:
    planted = {(p.path, p.line) for p in plants if not p.decoy}
    decoys = {(p.path, p.line) for p in plants if p.decoy}
    return Score(
        found=len(findings & planted),
        planted=len(planted),
        decoys_reported=len(findings & decoys),
        others=len(findings - planted - decoys),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of golive and ripgrep")
    parser.add_argument("--detect-secrets-runs", type=int, default=1)
    parser.add_argument("--files", type=int, default=10_000, help="at least this many files")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/golive-bench-secrets"))
    parser.add_argument("--tools", type=Path, default=Path.home() / ".cache/golive-bench/secrets")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true", help="copy and plant the tree anew")
    parser.add_argument("--markdown", action="store_true", help="a table for docs/benchmarks.md")
    args = parser.parse_args()

    tree, plants = build(args.workdir, args.files, args.seed, args.rebuild)
    bin_dir = tools_venv(args.tools)
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    megabytes = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file()) / 1e6

    golive_in_process(tree)  # warm the page cache and compile the prefilter once
    rg = ripgrep_argv(bin_dir)
    times: dict[str, list[float]] = {"golive": [], "golive-scan": [], "rg": [], "ds": []}
    facts: dict[str, object] = {}
    ds_found: set[tuple[str, int]] = set()
    for run in range(max(args.runs, args.detect_secrets_runs)):
        if run < args.runs:  # interleaved, so background load hits every tool alike
            elapsed, child = golive_process(tree)
            times["golive"].append(elapsed)
            facts = child["facts"]  # type: ignore[assignment]
            times["golive-scan"].append(golive_in_process(tree))
            times["rg"].append(_timed(rg, tree)[0])
        if run < args.detect_secrets_runs:
            elapsed, ds_found = detect_secrets(bin_dir, tree)
            times["ds"].append(elapsed)
        print(
            f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items() if v),
            file=sys.stderr,
        )
    golive_score = score(golive_findings(tree), plants)
    ds_score = score(ds_found, plants) if ds_found else None
    median = {name: statistics.median(values) for name, values in times.items() if values}
    report(
        files=files,
        megabytes=megabytes,
        median=median,
        times=times,
        golive_score=golive_score,
        ds_score=ds_score,
        facts=facts,
    )


def report(
    *,
    files: int,
    megabytes: float,
    median: dict[str, float],
    times: dict[str, list[float]],
    golive_score: Score,
    ds_score: Score | None,
    facts: dict[str, object],
) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    print(
        f"Measured {when} on {platform.machine()}, {cores} cores, Python "
        f"{platform.python_version()}; {files:,} files ({megabytes:.0f} MB), "
        f"engine {facts.get('engine')}; median of each row's runs.\n"
    )
    rows = [
        ("golive secrets.source, fresh process", "golive", golive_score),
        ("golive scan only, warm process", "golive-scan", None),
        ("detect-secrets scan --all-files", "ds", ds_score),
        ("ripgrep, golive's keywords", "rg", None),
    ]
    print("| tool | runs | median | vs golive | planted found | decoys reported | other findings |")
    print("|---|---|---|---|---|---|---|")
    for label, key, result in rows:
        if key not in median:
            continue
        ratio = median[key] / median["golive"]
        found = f"{result.found}/{result.planted} ({result.recall:.0%})" if result else ""
        decoys = str(result.decoys_reported) if result else ""
        others = str(result.others) if result else ""
        print(
            f"| {label} | {len(times[key])} | {median[key]:.2f} s | {ratio:.2f}x "
            f"| {found} | {decoys} | {others} |"
        )
    if "ds" in median:
        print(f"\ndetect-secrets / golive: {median['ds'] / median['golive']:.1f}x")
    print(
        f"golive / ripgrep: {median['golive'] / median['rg']:.2f}x (fresh process), "
        f"{median['golive-scan'] / median['rg']:.2f}x (scan only)"
    )


if __name__ == "__main__":
    main()
