"""Infrastructure benchmark: golive's Dockerfile and Kubernetes checks next to checkov.

Both tools review the same directory of real manifests (by default the shared corpus: Argo
Rollouts examples, kube-prometheus, the Kubernetes examples), each in a fresh process, in
interleaved runs so that background load hits both alike:

- golive: `golive check <corpus> --profile benchmarks/infrastructure.toml --format json`, the
  23 docker.* and k8s.* checks;
- checkov: `checkov -d <corpus> --framework kubernetes dockerfile --output json --compact
  --skip-download`, installed into its own virtual environment by this script.

It prints the wall times (median and best of the runs) and their ratio, then compares the
verdicts of the checks both tools have, resource by resource (a container finding counts for
its workload; a Dockerfile finding for its file), and gives a reason for every resource where
they disagree. The reasons are worked out from golive's own reading of the manifests (is the
workload serving, does a Rollout own its template, is the image a placeholder, ...); a
disagreement no rule explains is listed as "unexplained".

    python benchmarks/infrastructure.py [--runs 5] [--checkov-runs 3] [--markdown]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "benchmarks" / "infrastructure.toml"
DEFAULT_CORPUS = Path("/work/shared/corpus")

Key = tuple[str, ...]  # (path, kind, namespace, name) for a resource; (path,) for a Dockerfile


# --- the tools ---------------------------------------------------------------------------------


def checkov_venv(path: Path) -> tuple[Path, str]:
    """checkov in a virtual environment of its own; its executable and version."""
    executable = path / "bin" / "checkov"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "checkov"], check=True)
    version = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return executable, version


def golive_argv(corpus: Path) -> list[str]:
    golive = shutil.which("golive", path=str(Path(sys.executable).parent)) or "golive"
    return [golive, "check", str(corpus), "--profile", str(PROFILE), "--format", "json"]


def checkov_argv(checkov: Path, corpus: Path) -> list[str]:
    return [
        str(checkov),
        "-d",
        str(corpus),
        "--framework",
        "kubernetes",
        "dockerfile",
        "--output",
        "json",
        "--compact",
        "--skip-download",
    ]


@dataclass(frozen=True)
class Run:
    wall: float  # seconds on the clock
    cpu: float  # user + system seconds of the process and its children (less noisy)
    output: str


def timed(argv: list[str], env: dict[str, str]) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall=elapsed, cpu=cpu, output=done.stdout)


def golive_env() -> dict[str, str]:
    """golive as a user runs it: bytecode written and reused (the first run compiles)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# --- the corpus as golive reads it --------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    kind: str
    serving: bool
    long_running: bool
    template_of: str | None
    labelled: bool  # the pods carry labels (a selector can pick them)
    pod_name: str | None  # the name in the pod template's metadata, if any
    containers: tuple[dict[str, Any], ...]  # every container's body, init containers too


@dataclass
class Corpus:
    files: int
    documents: int
    unreadable: dict[str, str]
    dockerfiles: list[str]
    probed_images: dict[str, str] = field(default_factory=dict)  # Dockerfile -> golive's note
    templates: set[str] = field(default_factory=set)  # files with {{ }} placeholders
    workloads: dict[Key, Workload] = field(default_factory=dict)


def read_corpus(corpus: Path) -> Corpus:
    """What golive reads in the corpus: its documents, Dockerfiles and workloads."""
    from golive.checks._docker_health import kubernetes_containers, review_health
    from golive.checks._manifests import load_manifests
    from golive.checks.docker import docker_files
    from golive.checks.kubernetes import k8s_resources, k8s_workloads
    from golive.checks.repository import Repository

    repo = Repository.scan(corpus)
    manifests = load_manifests(repo)
    resources = k8s_resources(repo, manifests)
    images = docker_files(repo).files
    found = Corpus(
        files=len(repo.files),
        documents=len(manifests.resources),
        unreadable={u.path: u.reason for u in manifests.unreadable},
        dockerfiles=[d.path for d in images],
        templates={r.path for r in manifests.resources if "{{" in (repo.text(r.path) or "")},
    )
    containers = kubernetes_containers(manifests)
    for image in images:
        problems, notes = review_health(
            image, manifests, repo, containers=containers, service=corpus.name, only=False
        )
        if notes and not problems and "Kubernetes probes it" in notes[0].message:
            found.probed_images[image.path] = notes[0].message
    for workload in k8s_workloads(resources):
        resource = workload.resource
        name = resource.name or "?"
        key = (resource.path, resource.kind, resource.namespace or "default", name)
        found.workloads[key] = Workload(
            kind=resource.kind,
            serving=workload.serving,
            long_running=workload.long_running,
            template_of=workload.template_of,
            labelled=bool(workload.labels),
            pod_name=_pod_name(workload.template),
            containers=tuple(dict(c.body) for c in workload.all_containers()),
        )
    return found


def _pod_name(template: Any) -> str | None:
    metadata = template.get("metadata") if isinstance(template, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None


# --- the checks both tools have -----------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A checkov check and the golive findings that say the same thing."""

    checkov: str
    title: str
    rule: str  # a golive finding rule, or its prefix ending in "."
    words: str = ""  # text the finding's message must hold (which field, which probe)
    dockerfile: bool = False

    def matches(self, rule: str, message: str) -> bool:
        ruled = rule.startswith(self.rule) if self.rule.endswith(".") else rule == self.rule
        return ruled and self.words in message


PAIRS = (
    Pair("CKV_K8S_8", "liveness probe", "k8s.probes.missing", "no livenessProbe"),
    Pair("CKV_K8S_9", "readiness probe", "k8s.probes.missing", "no readinessProbe"),
    Pair("CKV_K8S_10", "CPU request", "k8s.resources.", "requests.cpu"),
    Pair("CKV_K8S_11", "CPU limit", "k8s.resources.", "limits.cpu"),
    Pair("CKV_K8S_12", "memory request", "k8s.resources.", "requests.memory"),
    Pair("CKV_K8S_13", "memory limit", "k8s.resources.", "limits.memory"),
    Pair("CKV_K8S_14", "image tag not latest or blank", "k8s.image-tags."),
    Pair("CKV_K8S_16", "privileged container", "k8s.security-context.privileged"),
    Pair("CKV_K8S_17", "host PID namespace", "k8s.security-context.hostPID"),
    Pair("CKV_K8S_18", "host IPC namespace", "k8s.security-context.hostIPC"),
    Pair("CKV_K8S_19", "host network", "k8s.security-context.hostNetwork"),
    Pair("CKV_K8S_20", "allowPrivilegeEscalation", "k8s.security-context.privilege-escalation"),
    Pair("CKV_K8S_22", "read-only root filesystem", "k8s.security-context.read-only-root"),
    Pair("CKV_K8S_23", "root containers", "k8s.security-context.run-as-non-root"),
    Pair("CKV_K8S_37", "capabilities (drop ALL)", "k8s.security-context.capabilities"),
    Pair("CKV2_K8S_6", "NetworkPolicy for the pods", "k8s.network-policy.missing"),
    Pair("CKV_DOCKER_2", "HEALTHCHECK", "docker.healthcheck", dockerfile=True),
    Pair("CKV_DOCKER_3", "a non-root USER", "docker.non-root", dockerfile=True),
    Pair("CKV_DOCKER_4", "COPY, not ADD", "docker.copy-not-add", dockerfile=True),
    Pair("CKV_DOCKER_7", "base image not latest", "docker.pinned-base", dockerfile=True),
)

_REF = re.compile(r"^(?P<kind>[A-Za-z]+)/(?:(?P<ns>[^/:\s]+)/)?(?P<name>[^/:\s]+): ")


def golive_verdicts(review: dict[str, Any], corpus: Corpus) -> dict[str, set[Key]]:
    """For each pair, the resources (or Dockerfiles) golive has a finding about. A Dockerfile
    finding may sit at the Kubernetes container that runs the image; its message names the
    Dockerfile."""
    dockerfiles = sorted(corpus.dockerfiles, key=len, reverse=True)
    flagged: dict[str, set[Key]] = defaultdict(set)
    for item in review["items"]:
        for check in item["checks"]:
            for finding in check.get("findings", []):
                where = (finding.get("location") or {}).get("path")
                rule, message = finding.get("rule") or "", finding["message"]
                if where is None or message.startswith("warn:"):
                    continue
                for pair in PAIRS:
                    if not pair.matches(rule, message):
                        continue
                    if pair.dockerfile:
                        named = [d for d in dockerfiles if d == where or d in message]
                        if named:
                            flagged[pair.checkov].add((named[0],))
                        continue
                    ref = _REF.match(message)
                    if ref:
                        namespace = ref["ns"] or "default"
                        flagged[pair.checkov].add((where, ref["kind"], namespace, ref["name"]))
    return flagged


@dataclass
class CheckovResult:
    failed: set[Key] = field(default_factory=set)
    passed: set[Key] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)  # every kind checkov evaluated


def checkov_verdicts(reports: list[dict[str, Any]] | dict[str, Any]) -> dict[str, CheckovResult]:
    results: dict[str, CheckovResult] = defaultdict(CheckovResult)
    kinds: set[str] = set()
    for report in reports if isinstance(reports, list) else [reports]:
        outcome = report.get("results", {})
        for verdict, passed in (("failed_checks", False), ("passed_checks", True)):
            for entry in outcome.get(verdict, []):
                path = entry["file_path"].lstrip("/")
                if report["check_type"] == "dockerfile":
                    key: Key = (path,)
                else:
                    kind, namespace, name = entry["resource"].split(".", 2)
                    key = (path, kind, namespace, name)
                    kinds.add(kind)
                found = results[entry["check_id"]]
                (found.passed if passed else found.failed).add(key)
    for result in results.values():
        result.kinds = kinds
    return results


def pods_as_workloads(result: CheckovResult, corpus: Corpus) -> CheckovResult:
    """checkov's graph checks (CKV2_*) name a workload's pods `Pod.<ns>.<name>.<labels>`, after
    the workload or its pod template; each becomes the workload golive names."""
    by_file: dict[str, list[Key]] = defaultdict(list)
    for key in corpus.workloads:
        by_file[key[0]].append(key)

    def owner(key: Key) -> Key:
        path, kind, namespace, name = key
        if kind != "Pod":
            return key
        for candidate in by_file.get(path, []):
            names = {candidate[3], corpus.workloads[candidate].pod_name} - {None}
            if candidate[2] == namespace and any(
                name == n or name.startswith(f"{n}.") for n in names
            ):
                return candidate
        return key

    return CheckovResult(
        failed={owner(k) for k in result.failed},
        passed={owner(k) for k in result.passed},
        kinds=result.kinds,
    )


# --- why the two disagree -------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"[<>{}$]|^\s*$")


def _missing(container: dict[str, Any], field_path: str) -> bool:
    section, _, name = field_path.partition(".")
    resources = container.get("resources")
    values = resources.get(section) if isinstance(resources, dict) else None
    return not (isinstance(values, dict) and values.get(name) is not None)


def checkov_only_reason(pair: Pair, key: Key, *, corpus: Corpus) -> str:
    """Why checkov fails a resource golive does not."""
    if pair.checkov == "CKV_DOCKER_2" and key[0] in corpus.probed_images:
        return "no HEALTHCHECK, but Kubernetes probes the containers running the image"
    if pair.dockerfile:
        return "unexplained"
    if key[0] in corpus.unreadable:
        return f"golive could not read the file ({corpus.unreadable[key[0]]})"
    workload = corpus.workloads.get(key)
    if workload is None:
        return "golive does not treat this resource as a workload"
    if workload.template_of:
        return "its pod template runs as an Argo Rollout (workloadRef), judged as that Rollout"
    if pair.checkov in {"CKV_K8S_8", "CKV_K8S_9"} and not workload.serving:
        if not workload.long_running:
            return "a Job or CronJob: golive asks probes of long-running containers only"
        return "no container port, no Service: golive asks probes of serving workloads only"
    if pair.checkov in {"CKV_K8S_10", "CKV_K8S_12"}:
        field_path = "requests.cpu" if pair.checkov == "CKV_K8S_10" else "requests.memory"
        limit = field_path.replace("requests", "limits")
        lacking = [c for c in workload.containers if _missing(c, field_path)]
        if lacking and all(not _missing(c, limit) for c in lacking):
            return "limits set, requests not: Kubernetes takes the limit as the request"
    if pair.checkov == "CKV_K8S_14":
        images = [str(c.get("image") or "") for c in workload.containers]
        if any(_PLACEHOLDER.search(image) for image in images):
            return "a placeholder image (<...>, ${...}): golive leaves it undecided (unknown)"
    return "unexplained"


def golive_only_reason(pair: Pair, key: Key, *, result: CheckovResult, corpus: Corpus) -> str:
    """Why golive fails a resource checkov passes or does not look at."""
    if pair.dockerfile:
        return "unexplained"
    kind = key[1]
    if kind not in result.kinds:
        return f"checkov does not evaluate {kind} resources"
    workload = corpus.workloads.get(key)
    if pair.checkov == "CKV2_K8S_6" and workload is not None and not workload.labelled:
        return (
            "pods without labels: checkov matches only labelled pods with NetworkPolicies, "
            "and no policy selects these"
        )
    if key not in result.passed:
        if key[0] in corpus.templates:
            return "a template file ({{...}} placeholders, not Helm): checkov gives no verdict"
        if pair.checkov in {"CKV_K8S_10", "CKV_K8S_12"} and workload is not None:
            field_path = "requests.cpu" if pair.checkov == "CKV_K8S_10" else "requests.memory"
            if all(_missing(c, field_path) for c in workload.containers):
                return (
                    "`resources` empty or limits only: checkov gives no verdict, and nothing "
                    f"sets {field_path}"
                )
        return "checkov gives this resource no verdict"
    return "unexplained"


# --- comparing -----------------------------------------------------------------------------------


@dataclass
class Agreement:
    pair: Pair
    both_fail: int
    both_pass: int
    checkov_only: Counter[str]
    golive_only: Counter[str]
    examples: dict[str, list[Key]]

    @property
    def disagreements(self) -> int:
        return sum(self.checkov_only.values()) + sum(self.golive_only.values())

    @property
    def judged(self) -> int:
        return self.both_fail + self.both_pass + self.disagreements


def _tally(
    keys: Iterable[Key], why: Callable[[Key], str], examples: dict[str, list[Key]]
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for key in sorted(keys):
        reason = why(key)
        counts[reason] += 1
        if len(examples[reason]) < 3:
            examples[reason].append(key)
    return counts


def compare(
    golive: dict[str, set[Key]], checkov: dict[str, CheckovResult], corpus: Corpus
) -> list[Agreement]:
    rows = []
    for pair in PAIRS:
        result = checkov.get(pair.checkov, CheckovResult())
        if pair.checkov.startswith("CKV2_K8S"):
            result = pods_as_workloads(result, corpus)
        flagged = golive.get(pair.checkov, set())
        examples: dict[str, list[Key]] = defaultdict(list)
        checkov_only = _tally(
            result.failed - flagged,
            functools.partial(checkov_only_reason, pair, corpus=corpus),
            examples,
        )
        golive_only = _tally(
            flagged - result.failed,
            functools.partial(golive_only_reason, pair, result=result, corpus=corpus),
            examples,
        )
        rows.append(
            Agreement(
                pair=pair,
                both_fail=len(result.failed & flagged),
                both_pass=len(result.passed - flagged),
                checkov_only=checkov_only,
                golive_only=golive_only,
                examples=dict(examples),
            )
        )
    return rows


# --- the report ---------------------------------------------------------------------------------


def _key_text(key: Key) -> str:
    if len(key) == 1:
        return key[0]
    path, kind, namespace, name = key
    return f"{kind}/{namespace}/{name} ({path})"


def report(
    *,
    corpus: Corpus,
    checkov_resources: int,
    checkov_version: str,
    times: dict[str, list[float]],
    rows: list[Agreement],
) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    median = {name: statistics.median(values) for name, values in times.items()}
    best = {name: min(values) for name, values in times.items()}
    print(
        f"Measured {when} on {platform.machine()}, {cores} cores, Python "
        f"{platform.python_version()}, checkov {checkov_version.strip()}. The corpus: "
        f"{corpus.files:,} files, {corpus.documents:,} Kubernetes documents read by golive "
        f"({checkov_resources:,} resources by checkov), {len(corpus.dockerfiles)} Dockerfiles.\n"
    )
    print("| tool | runs | median wall | best wall | median CPU | best CPU |")
    print("|---|---|---|---|---|---|")
    for name, label in (("golive", "golive, 23 docker.* and k8s.* checks"), ("checkov", "checkov")):
        cpu = f"{name}-cpu"
        print(
            f"| {label} | {len(times[name])} | {median[name]:.2f} s | {best[name]:.2f} s "
            f"| {median[cpu]:.2f} s | {best[cpu]:.2f} s |"
        )
    ratios = {
        label: median[f"checkov{suffix}"] / median[f"golive{suffix}"]
        for label, suffix in (("wall", ""), ("CPU", "-cpu"))
    }
    fastest = best["checkov"] / best["golive"]
    print(
        f"\ngolive is {fastest:.1f}x faster best against best (the least disturbed runs), "
        f"{ratios['wall']:.1f}x by median wall time, {ratios['CPU']:.1f}x by median CPU time.\n"
    )
    print("| checkov | golive | same verdict | both fail | both pass | only checkov fails "
          "| only golive fails |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        same = (row.both_fail + row.both_pass) / row.judged if row.judged else 1.0
        print(
            f"| {row.pair.checkov} {row.pair.title} | `{row.pair.rule.rstrip('.')}` "
            f"| {same:.0%} | {row.both_fail} | {row.both_pass} "
            f"| {sum(row.checkov_only.values())} | {sum(row.golive_only.values())} |"
        )
    reasons: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        for side, counts in (("only checkov fails", row.checkov_only),
                             ("only golive fails", row.golive_only)):  # fmt: skip
            for reason, count in counts.items():
                reasons[(side, reason)] += count
                where[(side, reason)].append(f"{row.pair.checkov} ({count})")
    print("\n| disagreement | reason | resources | checks |")
    print("|---|---|---|---|")
    for (side, reason), count in sorted(reasons.items(), key=lambda kv: (kv[0][0], -kv[1])):
        print(f"| {side} | {reason} | {count} | {', '.join(where[(side, reason)])} |")
    print("\nExamples of each reason:\n")
    for (_, reason), _count in sorted(reasons.items(), key=lambda kv: (kv[0][0], -kv[1])):
        keys = [
            f"{row.pair.checkov} {_key_text(key)}"
            for row in rows
            for key in row.examples.get(reason, [])
        ]
        print(f"- {reason}: " + "; ".join(keys[:3]))


def measure(
    corpus_dir: Path, checkov: Path, runs: int, checkov_runs: int
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Interleaved runs of both tools: their wall and CPU times, and their last outputs."""
    env = golive_env()
    argv = {"golive": golive_argv(corpus_dir), "checkov": checkov_argv(checkov, corpus_dir)}
    envs = {"golive": env, "checkov": dict(os.environ)}
    for name, command in argv.items():  # once, unmeasured: bytecode and page cache
        timed(command, envs[name])
    times: dict[str, list[float]] = {
        n: [] for n in ("golive", "checkov", "golive-cpu", "checkov-cpu")
    }
    outputs: dict[str, str] = {}
    wanted = {"golive": runs, "checkov": checkov_runs}
    for run in range(max(runs, checkov_runs)):
        for name, command in argv.items():  # interleaved: background load hits both alike
            if run < wanted[name]:
                done = timed(command, envs[name])
                times[name].append(done.wall)
                times[f"{name}-cpu"].append(done.cpu)
                outputs[name] = done.output
        print(
            f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items() if v),
            file=sys.stderr,
        )
    return times, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=5, help="runs of golive")
    parser.add_argument("--checkov-runs", type=int, default=3)
    parser.add_argument("--tools", type=Path, default=Path.home() / ".cache/golive-bench/checkov")
    parser.add_argument("--keep", type=Path, help="write both tools' outputs and times here")
    parser.add_argument(
        "--compare", type=Path, help="no runs: compare the outputs kept in this directory"
    )
    args = parser.parse_args()
    corpus_dir = args.corpus.resolve()
    if not corpus_dir.is_dir():
        raise SystemExit(f"{corpus_dir}: no such directory (give --corpus)")

    checkov, version = checkov_venv(args.tools)
    corpus = read_corpus(corpus_dir)
    if args.compare:
        outputs = {n: (args.compare / f"{n}.json").read_text() for n in ("golive", "checkov")}
        times = json.loads((args.compare / "times.json").read_text())
    else:
        times, outputs = measure(corpus_dir, checkov, args.runs, args.checkov_runs)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name, text in outputs.items():
            (args.keep / f"{name}.json").write_text(text)
        (args.keep / "times.json").write_text(json.dumps(times))
    checkov_reports = json.loads(outputs["checkov"])
    reports = checkov_reports if isinstance(checkov_reports, list) else [checkov_reports]
    checkov_resources = sum(
        r.get("summary", {}).get("resource_count", 0)
        for r in reports
        if r.get("check_type") == "kubernetes"
    )
    golive = golive_verdicts(json.loads(outputs["golive"]), corpus)
    rows = compare(golive, checkov_verdicts(reports), corpus)
    report(
        corpus=corpus,
        checkov_resources=checkov_resources,
        checkov_version=version,
        times=times,
        rows=rows,
    )


if __name__ == "__main__":
    main()
