"""Dockerfile checks: stages, minimal and pinned bases, non-root users, health checks, secrets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import Field

from golive.checks._docker_build import (
    Review,
    external_images,
    review_base,
    review_pins,
    review_stages,
    review_user,
)
from golive.checks._docker_content import review_add, review_caches, review_ignore, review_secrets
from golive.checks._docker_context import DockerFiles, load_docker_files
from golive.checks._docker_health import kubernetes_containers, review_health
from golive.checks._docker_model import Dockerfile
from golive.checks._docker_outcome import (
    Problem,
    conclude,
    facts_of,
    passed_summary,
    review_all,
)
from golive.checks._manifests import Manifests
from golive.checks.base import Check, CheckParams
from golive.checks.fixtures import ServiceInfo
from golive.checks.repository import Repository
from golive.model import Finding, Kind, Outcome

__all__ = [
    "FIXTURES",
    "CacheCleaned",
    "CopyNotAdd",
    "DockerParams",
    "Dockerignore",
    "Healthcheck",
    "MinimalBase",
    "MinimalBaseParams",
    "MultiStage",
    "NoSecrets",
    "NonRoot",
    "PinnedBase",
    "PinnedBaseParams",
    "docker_files",
]


def docker_files(repo: Repository) -> DockerFiles:
    """Every Dockerfile, Containerfile, `Dockerfile.*` and `*.dockerfile`, parsed once into
    stages, with its probable build context and .dockerignore (unparseable ones with the line)."""
    return load_docker_files(repo)


FIXTURES: Mapping[str, Callable[..., Any]] = {"docker_files": docker_files}


class DockerParams(CheckParams):
    waive: dict[str, str] = Field(default_factory=dict)  # Dockerfile path pattern -> reason


class MinimalBaseParams(DockerParams):
    allow: list[str] = Field(default_factory=list)  # more images accepted as minimal (fnmatch)


class PinnedBaseParams(DockerParams):
    strict: bool = False  # every image pinned by an @sha256: digest


class MultiStage(Check):
    """Dockerfiles use a multi-stage build.

    The final stage is a separate runtime stage that copies its artefacts `--from` an earlier
    stage (COPY --from, or RUN --mount=from). A single stage fails, and so does a final stage
    that is FROM the build stage. A single stage on a minimal base that runs no build tool
    (it copies in a binary built elsewhere, or only installs packages) is a warning: the
    image is small, but it cannot be rebuilt from source with the Dockerfile alone.
    """

    id = "docker.multi-stage"
    kind = Kind.STATIC
    Params = DockerParams
    fix = (
        "Build in a first stage (`FROM rust:1.82 AS build`) and copy only the artefact into a "
        "minimal final stage (`COPY --from=build /app/bin /usr/local/bin/`)."
    )

    def run(self, params: DockerParams, docker_files: DockerFiles) -> Outcome:
        problems, notes = review_all(docker_files, self.id, review_stages)
        multi = sum(len(d.stages) > 1 for d in docker_files.files)
        return conclude(
            problems,
            params.waive,
            passed=passed_summary(
                notes, f"all {len(docker_files.files)} Dockerfile(s) are multi-stage"
            ),
            failed="{count} Dockerfile(s) do not ship from a separate runtime stage",
            warned="{count} single-stage Dockerfile(s) on a minimal base with no build step",
            observed=f"{multi} of {len(docker_files.files)} Dockerfile(s) with several stages",
            required="a final stage that copies artefacts from a build stage",
            remediation=self.fix,
            facts=facts_of(docker_files, multi_stage=multi),
            notes=notes,
        )


class MinimalBase(Check):
    """The final stage is based on a minimal image (distroless, scratch, alpine, slim, chainguard).

    The base of the final stage (through the stages it is FROM) must be minimal: scratch,
    distroless, Chainguard, wolfi, alpine, busybox, ubi-micro/ubi-minimal, or an image or tag
    named `*-slim`, `*-minimal` (`python:3.12-slim`, `node:22-alpine`). A full OS (ubuntu,
    debian, centos...), a language SDK (node, python, golang, rust, openjdk...) or an
    application image on a full OS (nginx, redis...) fails; an image golive does not know is
    a warning. `allow` lists more images to accept (`registry.acme.com/base/*`).
    """

    id = "docker.minimal-base"
    kind = Kind.STATIC
    Params = MinimalBaseParams
    fix = "Base the final stage on a distroless, Chainguard, alpine or *-slim image."

    def run(self, params: MinimalBaseParams, docker_files: DockerFiles) -> Outcome:
        problems, notes = review_all(docker_files, self.id, lambda d: review_base(d, params.allow))
        return conclude(
            problems,
            params.waive,
            passed=passed_summary(notes, "every final stage is based on a minimal image"),
            failed="{count} final image(s) are based on a full OS or SDK image",
            warned="{count} final image(s) have a base golive does not know to be minimal",
            observed=", ".join(sorted({d.base_of(d.final).base for d in docker_files.files}))
            or None,
            required="distroless, scratch, Chainguard, alpine, busybox, *-slim or *-minimal",
            remediation=self.fix,
            facts=facts_of(docker_files),
            notes=notes,
        )


class NonRoot(Check):
    """The final stage runs as a non-root USER.

    The last USER of the final stage (or of the stage it is FROM) must not be root, 0 or 0:0.
    Without any USER the image runs as root and fails, unless its base is known to default
    to a non-root user: distroless `:nonroot` tags, and Chainguard images (not wolfi-base,
    not `-dev` tags). `USER ${NAME}` whose value is a build argument without a default is
    `unknown`: golive cannot tell who that is.
    """

    id = "docker.non-root"
    kind = Kind.STATIC
    Params = DockerParams
    fix = "Create a user and switch to it at the end of the final stage: `USER 10001:10001`."

    def run(self, params: DockerParams, docker_files: DockerFiles) -> Outcome:
        problems, notes = review_all(docker_files, self.id, review_user)
        return conclude(
            problems,
            params.waive,
            passed=passed_summary(notes, "every final stage runs as a non-root user"),
            failed="{count} image(s) run as root",
            required="a final USER that is not root, 0 or 0:0",
            remediation=self.fix,
            facts=facts_of(docker_files),
            notes=notes,
        )


class PinnedBase(Check):
    """Base images are pinned (no latest, no untagged; digests in strict mode).

    Every FROM that names an image (not an earlier stage, not scratch), and every image a
    `COPY --from=` or `RUN --mount=from=` reads, has a tag other than `latest`; a digest alone
    is fine too. With `strict`, each needs an `@sha256:` digest. Images built from build
    arguments without a default are `unknown`.
    """

    id = "docker.pinned-base"
    kind = Kind.STATIC
    Params = PinnedBaseParams
    fix = "Name a version tag (`python:3.12.7-slim`), or pin the digest: `python:3.12@sha256:...`."

    def run(self, params: PinnedBaseParams, docker_files: DockerFiles) -> Outcome:
        problems, notes = review_all(
            docker_files, self.id, lambda d: review_pins(d, strict=params.strict)
        )
        images = sum(external_images(d) for d in docker_files.files)
        how = "by digest" if params.strict else "by a tag other than latest"
        return conclude(
            problems,
            params.waive,
            passed=f"all {images} base image reference(s) are pinned {how}",
            failed="{count} base image reference(s) are not pinned " + how,
            observed=f"{images} image reference(s)",
            required="an @sha256: digest" if params.strict else "a tag other than latest",
            remediation=self.fix,
            facts=facts_of(docker_files, images=images),
            notes=notes,
        )


class Healthcheck(Check):
    """The image declares a HEALTHCHECK (or Kubernetes probes cover it).

    The final stage (or the stage it is FROM) has a HEALTHCHECK other than NONE, or every
    Kubernetes container that runs the image has a liveness or readiness probe. A container
    runs it when its image's name is the Dockerfile's folder (or the folder above a `docker/`,
    `image/`, `build/` folder), the `<name>` of `Dockerfile.<name>`, or the service's name
    for the root (or only) Dockerfile; a `# golive: image=<name>` comment in the Dockerfile
    names it explicitly. A Helm chart whose values name the image runs it, probed when its
    templates mention probes. Unreadable manifests make the check `unknown`, not failed.
    """

    id = "docker.healthcheck"
    kind = Kind.STATIC
    Params = DockerParams
    fix = (
        'Add `HEALTHCHECK CMD ["/app", "health"]` to the final stage, or liveness and '
        "readiness probes to the Kubernetes containers that run the image."
    )

    def run(
        self,
        params: DockerParams,
        docker_files: DockerFiles,
        manifests: Manifests,
        repo: Repository,
        service: ServiceInfo,
    ) -> Outcome:
        only = len(docker_files.files) == 1
        containers = kubernetes_containers(manifests) if docker_files.files else []

        def review(dockerfile: Dockerfile) -> Review:
            return review_health(
                dockerfile, manifests, repo, containers=containers, service=service.name, only=only
            )

        problems, notes = review_all(docker_files, self.id, review)
        return conclude(
            problems,
            params.waive,
            passed=passed_summary(notes, "every image declares a HEALTHCHECK or is probed"),
            failed="{files} image(s) have no HEALTHCHECK and no Kubernetes probes",
            required="a HEALTHCHECK, or liveness/readiness probes where the image runs",
            remediation=self.fix,
            facts=facts_of(docker_files, manifests=len(manifests.resources)),
            notes=notes,
        )


class NoSecrets(Check):
    """No secrets in ENV/ARG and no .env files copied into images.

    ENV and ARG names that look like secrets (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY,
    CREDENTIALS...) must not carry a literal value; empty values, `${}` references and paths
    are fine. COPY and ADD must not take `.env`, `*.pem`, `*.key`, `id_rsa`, `.npmrc`,
    `.pypirc`, `.netrc` or credentials files, named or through a folder or glob (`COPY . .`)
    that the build context's .dockerignore does not exclude. Into a build stage that does not
    ship, that is a warning. Values are never shown.
    """

    id = "docker.no-secrets"
    kind = Kind.STATIC
    Params = DockerParams
    fix = (
        "Pass secrets at run time (environment, mounted files) or at build time with "
        "`RUN --mount=type=secret`; exclude secret files in .dockerignore."
    )

    def run(self, params: DockerParams, docker_files: DockerFiles) -> Outcome:
        def review(dockerfile: Dockerfile) -> Review:
            return review_secrets(dockerfile, docker_files.context(dockerfile.path))

        problems, notes = review_all(docker_files, self.id, review)
        return conclude(
            problems,
            params.waive,
            passed="no literal secrets in ENV/ARG and no secret files copied into images",
            failed="{count} secret(s) written in Dockerfiles or copied into images",
            warned="{count} secret file(s) copied into build stages",
            required="no literal secret values; no secret files in the image",
            remediation=self.fix,
            facts=facts_of(docker_files),
            notes=notes,
        )


class Dockerignore(Check):
    """A .dockerignore sits next to every build context.

    For each Dockerfile (parsed or not), a `<Dockerfile>.dockerignore` next to it, or a
    `.dockerignore` in its build context (the folder of the Dockerfile, or the folder above
    where its COPY sources are), in the Dockerfile's folder or at the repository root, must
    exist and exclude `.git`; the first that exists is judged, in that order (BuildKit's own).
    """

    id = "docker.dockerignore"
    kind = Kind.STATIC
    Params = DockerParams
    fix = "Add a .dockerignore next to the Dockerfile with at least `.git` (and build outputs)."

    def run(self, params: DockerParams, docker_files: DockerFiles) -> Outcome:
        review_all(docker_files, self.id, lambda d: ([], []))  # not applicable without Dockerfiles
        problems: list[Problem] = []
        notes: list[Finding] = []
        paths = [d.path for d in docker_files.files] + [u.path for u in docker_files.unreadable]
        for path in sorted(paths):
            found, passed = review_ignore(path, docker_files.context(path))
            problems.extend(found)
            notes.extend(passed)
        return conclude(
            problems,
            params.waive,
            passed=passed_summary(notes, "every build context has a .dockerignore excluding .git"),
            failed="{count} build context(s) lack a .dockerignore that excludes .git",
            required="a .dockerignore that excludes .git",
            remediation=self.fix,
            facts=facts_of(docker_files),
            notes=notes,
        )


class CopyNotAdd(Check):
    """Local files are copied with COPY, not ADD.

    ADD of a local file or folder fails: COPY does the same without ADD's implicit URL
    fetching and archive unpacking. ADD of a local tar archive (unpacked on purpose, ADD's one
    legitimate use) is fine; ADD of a URL is a warning unless it has `--checksum`.
    """

    id = "docker.copy-not-add"
    kind = Kind.STATIC
    Params = DockerParams
    fix = "Replace `ADD <local path>` with `COPY`; give downloads a `--checksum=sha256:...`."

    def run(self, params: DockerParams, docker_files: DockerFiles) -> Outcome:
        archives = 0

        def review(dockerfile: Dockerfile) -> Review:
            nonlocal archives
            problems, unpacked = review_add(dockerfile)
            archives += unpacked
            return problems, []

        problems, notes = review_all(docker_files, self.id, review)
        unpacks = f" ({archives} local archive(s) unpacked with ADD)" if archives else ""
        return conclude(
            problems,
            params.waive,
            passed=f"no ADD of local files{unpacks}",
            failed="{count} ADD instruction(s) copy local files",
            warned="{count} ADD download(s) without --checksum",
            required="COPY for local files",
            remediation=self.fix,
            facts=facts_of(docker_files, archives=archives),
            notes=notes,
        )


class CacheCleaned(Check):
    """Package-manager caches are cleaned in the layer that fills them.

    In the final stage (and the stages it is FROM): `apt-get install`/`update` needs
    `rm -rf /var/lib/apt/lists/*` in the same RUN, `apk add` `--no-cache`, `pip install`
    `--no-cache-dir` (or ENV PIP_NO_CACHE_DIR), `uv` `--no-cache`, `yum`/`dnf` `clean all`,
    `zypper clean`, `npm ci`/`install` `npm cache clean --force`, `yarn` `yarn cache clean`;
    a RUN with `--mount=type=cache` keeps the cache out of the layer. Build stages that do
    not ship do not count (their count is in the facts).
    """

    id = "docker.cache-cleaned"
    kind = Kind.STATIC
    Params = DockerParams
    fix = (
        "Clean in the same RUN: `apt-get install -y --no-install-recommends x && rm -rf "
        "/var/lib/apt/lists/*`, `apk add --no-cache x`, `pip install --no-cache-dir x`."
    )

    def run(self, params: DockerParams, docker_files: DockerFiles) -> Outcome:
        elsewhere = 0

        def review(dockerfile: Dockerfile) -> Review:
            nonlocal elsewhere
            problems, in_build_stages = review_caches(dockerfile)
            elsewhere += in_build_stages
            return problems, []

        problems, notes = review_all(docker_files, self.id, review)
        aside = f"; {elsewhere} in build stages do not reach the image" if elsewhere else ""
        return conclude(
            problems,
            params.waive,
            passed=f"every package-manager cache of the shipped stages is cleaned{aside}",
            failed="{count} RUN instruction(s) leave a package cache in the image" + aside,
            required="caches cleaned in the RUN that fills them",
            remediation=self.fix,
            facts=facts_of(docker_files, build_stage_caches=elsewhere),
            notes=notes,
        )
