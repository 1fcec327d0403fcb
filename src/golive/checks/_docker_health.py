"""Health of an image: its HEALTHCHECK, or the probes of the Kubernetes containers running it.

A container runs the image of a Dockerfile when its image's repository is named like the
Dockerfile: `# golive: image=<name>` comments in the Dockerfile, when present, name it alone;
otherwise the Dockerfile's folder (its parent when the folder is `docker`, `image`, `build`...),
the `<name>` of `Dockerfile.<name>` or `<name>.Dockerfile`, and the service's name for the
Dockerfile at the root or the only one. A name with a `/` must match the end of the
repository (`acme/api`), a plain name its last segment. Of the matching containers, those in
the manifests nearest to the Dockerfile (sharing the most folders with it) are judged. Helm
charts are not rendered: a chart whose values name the image runs it, and counts as probed
when its templates mention a liveness or readiness probe.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from golive.checks._docker_build import Review
from golive.checks._docker_model import Dockerfile, ImageRef
from golive.checks._docker_outcome import Reporter
from golive.checks._manifests import Manifests, Resource
from golive.checks._yaml import YamlMap, YamlSeq
from golive.checks.repository import Repository
from golive.model import Location

__all__ = ["image_names", "kubernetes_containers", "review_health"]

_ANNOTATION = re.compile(r"^golive:\s*image\s*=\s*(.+)$", re.IGNORECASE)
_GENERIC = frozenset(
    {"docker", ".docker", "image", "images", "build", "container", "containers", "deploy", "ci"}
)
_PROBES = ("livenessProbe", "readinessProbe")
_PROBE_WORDS = re.compile(r"\b(?:livenessProbe|readinessProbe)\b")
_VALUES = re.compile(r"values[^/]*\.ya?ml")
_IMAGE_LINE = re.compile(r"^\s*(repository|image)\s*:\s*[\"']?([^\s\"'#{}]+)")


@dataclass(frozen=True, kw_only=True)
class _Container:
    resource: Resource
    name: str
    image: str
    probes: tuple[str, ...]
    location: Location


@dataclass(frozen=True, kw_only=True)
class _Chart:
    chart: str
    location: Location  # the values line naming the image
    probed: bool


def image_names(dockerfile: Dockerfile, *, service: str, only: bool) -> list[str]:
    """The image names a Kubernetes container must use to run this Dockerfile's image."""
    declared = [
        name.strip().lower()
        for _, comment in dockerfile.comments
        if (match := _ANNOTATION.match(comment))
        for name in match.group(1).split(",")
        if name.strip()
    ]
    if declared:
        return list(dict.fromkeys(declared))
    names: list[str] = []
    folders = dockerfile.directory.split("/") if dockerfile.directory else []
    if folders:
        names.append(folders[-1].lower())
        if folders[-1].lower() in _GENERIC and len(folders) > 1:
            names.append(folders[-2].lower())
    filename = dockerfile.path.rpartition("/")[2].lower()
    for prefix in ("dockerfile.", "containerfile.", "dockerfile-", "dockerfile_"):
        if filename.startswith(prefix):
            names.append(filename[len(prefix) :])
    for suffix in (".dockerfile", ".containerfile"):
        if filename.endswith(suffix):
            names.append(filename[: -len(suffix)])
    if not folders or only or all(f.lower() in _GENERIC for f in folders):
        names.append(service.lower())
    return [name for name in dict.fromkeys(names) if name and name not in _GENERIC]


def review_health(
    dockerfile: Dockerfile,
    manifests: Manifests,
    repo: Repository,
    *,
    containers: Sequence[_Container],
    service: str,
    only: bool,
) -> Review:
    """docker.healthcheck: a HEALTHCHECK in the final stage, or probes where the image runs
    (`containers`: the `kubernetes_containers` of `manifests`, gathered once for all images)."""
    report = Reporter(rule="docker.healthcheck", subject=dockerfile.path)
    final = dockerfile.final
    declared = None
    for stage in dockerfile.chain(final):
        found = stage.of("HEALTHCHECK")
        if found:
            declared = found[-1]
            break
    if declared is not None and declared.args.split()[0].upper() != "NONE":
        return [], [report.note("HEALTHCHECK in the image", declared.location)]
    names = image_names(dockerfile, service=service, only=only)
    running = _nearest([c for c in containers if _matches(c.image, names)], dockerfile.directory)
    missing = "HEALTHCHECK NONE" if declared is not None else "no HEALTHCHECK"
    where = declared.location if declared is not None else final.from_.location
    if running:
        without = [c for c in running if not c.probes]
        if not without:
            first = running[0]
            note = (
                f"{missing}, but Kubernetes probes it: container {first.name!r} of "
                f"{first.resource.ref} ({first.image}) has {', '.join(first.probes)}"
            )
            return [], [report.note(note, first.location)]
        return [
            report.fail(
                f"{missing} in {dockerfile.path}, and container {c.name!r} of "
                f"{c.resource.ref} ({c.image}) has no liveness or readiness probe",
                c.location,
                key=c.resource.ref,
            )
            for c in without
        ], []
    charts = list(_charts_running(manifests, repo, names))
    if charts:
        probed = [use for use in charts if use.probed]
        if probed:
            note = (
                f"{missing}, but the Helm chart {probed[0].chart or '.'} runs it and its "
                "templates declare probes"
            )
            return [], [report.note(note, probed[0].location)]
        return [
            report.fail(
                f"{missing} in {dockerfile.path}, and the Helm chart {use.chart or '.'} that "
                "runs it declares no liveness or readiness probe in its templates",
                use.location,
                key=use.chart,
            )
            for use in charts
        ], []
    looked = ", ".join(names) or "(no name: add `# golive: image=<name>`)"
    if manifests.unreadable:
        message = (
            f"{missing}; {len(manifests.unreadable)} manifest file(s) could not be read, and "
            f"one may run this image ({looked}) with probes"
        )
        return [report.unknown(message, where)], []
    message = (
        f"{missing} in the final stage, and no Kubernetes container runs an image named "
        f"{looked} with probes"
    )
    return [report.fail(message, where)], []


def _charts_running(manifests: Manifests, repo: Repository, names: list[str]) -> Iterator[_Chart]:
    """Helm charts (not rendered) whose values name the image: `repository:` or `image:`."""
    for chart in manifests.charts:
        prefix = f"{chart}/" if chart else ""
        values = [
            path
            for path in repo.files
            if path.startswith(prefix) and _VALUES.fullmatch(path[len(prefix) :])
        ]
        found = next((hit for path in values for hit in _image_lines(repo, path, names)), None)
        if found is None:
            continue
        templates = [path for path in repo.files if path.startswith(f"{prefix}templates/")]
        probed = any(_PROBE_WORDS.search(repo.text(path) or "") for path in templates)
        yield _Chart(chart=chart, location=found, probed=probed)


def _image_lines(repo: Repository, path: str, names: list[str]) -> Iterator[Location]:
    for number, line in enumerate((repo.text(path) or "").splitlines(), start=1):
        match = _IMAGE_LINE.match(line)
        if match and _matches(match.group(2), names):
            yield Location(path=path, line=number, column=match.start(2) + 1)


def _nearest(containers: list[_Container], directory: str) -> list[_Container]:
    """The containers whose manifests share the most folders with the Dockerfile's path (in a
    monorepo, `redis/` has its own manifests for the image it builds)."""

    def shared(path: str) -> int:
        count = 0
        for mine, theirs in zip(directory.split("/"), path.split("/")[:-1], strict=False):
            if mine != theirs or not mine:
                break
            count += 1
        return count

    best = max((shared(c.resource.path) for c in containers), default=0)
    return [c for c in containers if shared(c.resource.path) == best]


def _matches(image: str, names: list[str]) -> bool:
    repository = ImageRef.parse(image).repository.lower()
    last = repository.rpartition("/")[2]
    return any(
        repository == name or repository.endswith("/" + name) if "/" in name else last == name
        for name in names
    )


def kubernetes_containers(manifests: Manifests) -> list[_Container]:
    """Every container with an image in the manifests, with the probes it declares."""
    return list(_containers(manifests))


def _containers(manifests: Manifests) -> Iterator[_Container]:
    for resource in manifests.resources:
        for container in _walk(resource.body):
            image = container.get("image")
            if not isinstance(image, str):
                continue
            yield _Container(
                resource=resource,
                name=str(container.get("name") or "?"),
                image=image,
                probes=tuple(p for p in _PROBES if isinstance(container.get(p), YamlMap)),
                location=container.location,
            )


def _walk(node: object) -> Iterator[YamlMap]:
    """Every item of every `containers:` list in a resource (pods, templates, job templates)."""
    if isinstance(node, YamlMap):
        for key, value in node.items():
            if key == "containers" and isinstance(value, YamlSeq):
                yield from (item for item in value if isinstance(item, YamlMap))
            else:
                yield from _walk(value)
    elif isinstance(node, YamlSeq):
        for item in node:
            yield from _walk(item)
