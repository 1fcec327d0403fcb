from __future__ import annotations

from pathlib import Path

import pytest
from corpus import CORPUS as SHARED_CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.checks._docker_cache import cache_issues
from golive.checks._docker_context import DockerIgnore, is_dockerfile
from golive.checks._docker_model import ImageRef, parse_dockerfile
from golive.checks._docker_parse import DockerfileError, lex
from golive.checks._docker_words import expand, words
from golive.checks.base import Check
from golive.checks.docker import (
    CacheCleaned,
    CopyNotAdd,
    Dockerignore,
    Healthcheck,
    MinimalBase,
    MultiStage,
    NonRoot,
    NoSecrets,
    PinnedBase,
)
from golive.checks.fixtures import ServiceInfo
from golive.model import Outcome, Status
from golive.testing import run_check

DATA = Path(__file__).parent.parent / "data" / "docker"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "service"
CORPUS = SHARED_CORPUS / "kubernetes-examples"
CHECKS: list[type[Check]] = [
    MultiStage,
    MinimalBase,
    NonRoot,
    PinnedBase,
    Healthcheck,
    NoSecrets,
    Dockerignore,
    CopyNotAdd,
    CacheCleaned,
]
ids = [check.id for check in CHECKS]


def _where(outcome: Outcome) -> list[str]:
    return [str(f.location) for f in outcome.findings]


def _messages(outcome: Outcome) -> list[str]:
    return [f.message for f in outcome.findings]


# --- the parser -------------------------------------------------------------------------------


def test_continuations_skip_comments_and_blank_lines_and_keep_line_numbers() -> None:
    text = (
        "FROM alpine:3.20\n"
        "RUN apk add --no-cache curl \\\n"
        "    # a comment inside the continuation\n"
        "\n"
        "    && echo done\n"
        "USER 1000\n"
    )
    run, user = lex(text, "Dockerfile").instructions[1:]
    assert (run.keyword, run.line, run.end_line) == ("RUN", 2, 5)
    assert run.args.split() == ["apk", "add", "--no-cache", "curl", "&&", "echo", "done"]
    assert (user.keyword, user.line) == ("USER", 6)


def test_the_escape_directive_changes_the_continuation_character() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY app C:\\app\\\nRUN dir `\n    C:\\app\n"
    lexed = lex(text, "Dockerfile")
    copy, run = lexed.instructions[1:]
    assert lexed.escape == "`"
    assert copy.args == "app C:\\app\\"
    assert (run.line, run.end_line) == (4, 5)


def test_a_directive_after_a_comment_is_only_a_comment() -> None:
    lexed = lex("# hello\n# escape=`\nFROM scratch\n", "Dockerfile")
    assert lexed.escape == "\\"
    assert lexed.comments == ((1, "hello"), (2, "escape=`"))


def test_heredocs_belong_to_their_instruction() -> None:
    text = (
        "FROM alpine:3.20\n"
        "RUN <<EOF\n"
        "apk add --no-cache curl\n"
        "EOF\n"
        "COPY <<-CONF /etc/app.conf\n"
        "\tkey = value\n"
        "\tCONF\n"
        "RUN <<ONE cat > /a && <<TWO cat > /b\n"
        "1\n"
        "ONE\n"
        "2\n"
        "TWO\n"
        "USER 1000\n"
    )
    run, copy, both, user = lex(text, "Dockerfile").instructions[1:]
    assert run.heredocs[0].body == "apk add --no-cache curl"
    assert run.heredocs[0].line == 3
    assert "apk add" in run.script
    assert copy.heredocs[0].body == "key = value"
    assert [doc.body for doc in both.heredocs] == ["1", "2"]
    assert (user.keyword, user.line) == ("USER", 13)


def test_exec_form_flags_and_shell_form() -> None:
    text = 'FROM x:1\nCOPY --from=build --chown=1:1 --link a b\nCMD ["app", "--serve"]\nCMD [not json\n'
    copy, exec_cmd, shell_cmd = lex(text, "Dockerfile").instructions[1:]
    assert copy.flag("from") == "build"
    assert copy.flag("chown") == "1:1"
    assert copy.flag("link") == ""
    assert copy.flag("checksum") is None
    assert copy.args == "a b"
    assert exec_cmd.exec_form == ("app", "--serve")
    assert shell_cmd.exec_form is None


def test_arg_values_are_substituted_into_from() -> None:
    dockerfile = parse_dockerfile(
        "ARG VERSION=1.2\nARG TAG\n"
        "FROM --platform=$BUILDPLATFORM golang:${VERSION}-alpine AS Build\n"
        "FROM alpine:${TAG:-3.20}\nCOPY --from=BUILD /out /out\n",
        "Dockerfile",
    )
    build, final = dockerfile.stages
    assert build.base == "golang:1.2-alpine"
    assert build.name == "build"
    assert build.unresolved == ()  # BUILDPLATFORM is set by the builder
    assert final.base == "alpine:3.20"
    assert [source.index for _, source in dockerfile.links(final)] == [0]
    assert dockerfile.final is final


def test_a_stage_from_an_earlier_stage_and_copy_from_an_index() -> None:
    dockerfile = parse_dockerfile(
        "FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch\nCOPY --from=0 /a /a\n"
        "COPY --from=nginx:1.27 /etc/nginx /etc/nginx\n",
        "Dockerfile",
    )
    assert dockerfile.stages[1].parent == 0
    assert dockerfile.base_of(dockerfile.stages[1]) is dockerfile.stages[0]
    assert [ref for _, ref in dockerfile.external_sources(dockerfile.final)] == ["nginx:1.27"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("FROM alpine:3.20\nFOO bar\n", 2, "unknown instruction 'FOO'"),
        ("RUN echo hi\nFROM alpine:3.20\n", 1, "RUN before the first FROM"),
        ("# nothing\n", 1, "no FROM instruction"),
        ("FROM alpine:3.20 AS a b\n", 1, "FROM takes an image"),
        ("FROM alpine:3.20\nRUN <<EOF\necho\n", 2, "the heredoc <<EOF is never closed"),
        ("FROM alpine:3.20\nUSER\n", 2, "USER needs at least one argument"),
        ("# escape=x\nFROM alpine:3.20\n", 1, "invalid escape character"),
    ],
)
def test_what_buildkit_refuses_is_an_error_with_its_line(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(DockerfileError) as error:
        parse_dockerfile(text, "Dockerfile")
    assert error.value.line == line
    assert message in error.value.message


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("FROMRUN ARG${}:=\\`<#\n\"'-AS/abc1")), max_size=200))
def test_any_text_parses_or_raises_a_dockerfile_error(text: str) -> None:
    try:
        parse_dockerfile(text, "Dockerfile")
    except DockerfileError as error:
        assert error.line >= 1


_LINES = st.lists(
    st.tuples(
        st.sampled_from(["RUN", "COPY", "ENV", "LABEL", "WORKDIR", "USER", "EXPOSE"]),
        st.from_regex(r"[a-z0-9_./=-]{1,12}", fullmatch=True),
        st.sampled_from(["", "# note", "   "]),
    ),
    max_size=15,
)


@settings(max_examples=100, deadline=None)
@given(_LINES)
def test_instructions_keep_their_lines_between_comments_and_blank_lines(
    lines: list[tuple[str, str, str]],
) -> None:
    text = ["FROM alpine:3.20"]
    expected: list[tuple[str, int]] = []
    for keyword, args, filler in lines:
        if filler.strip():
            text.append(filler)
        text.append(f"{keyword} {args}")
        expected.append((keyword, len(text)))
    parsed = lex("\n".join(text), "Dockerfile").instructions[1:]
    assert [(i.keyword, i.line) for i in parsed] == expected


def test_words_and_variables() -> None:
    assert words('A="b c" D=e').items == ["A=b c", "D=e"]
    assert words("'${X}' \\$Y").items == ["${X}", "$Y"]
    found = expand("${NAME}:${TAG:-1.0}-${SUFFIX}", {"NAME": "app", "SUFFIX": None})
    assert found.items == ["app:1.0-${SUFFIX}"]
    assert found.unresolved == ["SUFFIX"]


def test_image_references() -> None:
    image = ImageRef.parse("registry:5000/team/app:1.2@sha256:abc")
    assert (image.repository, image.tag, image.digest, image.name) == (
        "registry:5000/team/app",
        "1.2",
        "sha256:abc",
        "app",
    )
    assert ImageRef.parse("localhost:5000/app").tag is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Dockerfile", True),
        ("svc/Containerfile", True),
        ("Dockerfile.prod", True),
        ("api.Dockerfile", True),
        ("Dockerfile.dockerignore", False),
        ("Dockerfile.j2", False),
        ("docs/Dockerfile.md", False),
        ("dockerfiles.txt", False),
        ("Dockerfile-dev", True),
        ("src/dockerfile-utils.ts", False),
    ],
)
def test_which_files_are_dockerfiles(path: str, expected: bool) -> None:
    assert is_dockerfile(path) is expected


def test_dockerignore_patterns_follow_docker_not_gitignore() -> None:
    ignore = DockerIgnore.parse(
        ".dockerignore", "", "# comment\n*.md\n!README.md\n**/*.pem\n/docs\n.git\n"
    )
    assert ignore.excludes("CHANGES.md")
    assert not ignore.excludes("sub/CHANGES.md")  # `*.md` is the root's only
    assert not ignore.excludes("README.md")
    assert ignore.excludes("a/b/key.pem")
    assert ignore.excludes("key.pem")
    assert ignore.excludes("docs/guide/intro.txt")
    assert ignore.excludes(".git/HEAD")
    rule = ignore.rule_for(".git/HEAD")
    assert rule is not None
    assert rule.line == 6


# --- package caches ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run", "managers"),
    [
        ("apt-get update && apt-get install -y curl", ["apt"]),
        ("apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*", []),
        (
            "sudo DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confold "
            "install -y x",
            ["apt"],
        ),
        ("apk add curl", ["apk"]),
        ("apk update && apk add --no-cache curl", ["apk"]),
        ("apk add --no-cache curl", []),
        ("pip install flask", ["pip"]),
        ("python3 -m pip install --no-cache-dir flask", []),
        ("pip3 install flask && pip cache purge", []),
        ("yum install -y httpd", ["yum/dnf"]),
        ("dnf install -y httpd && dnf clean all", []),
        ("npm ci", ["npm"]),
        ("npm ci && npm cache clean --force", []),
        ("uv pip install --system flask", ["uv"]),
        ("cd /app; yarn install --frozen-lockfile", ["yarn"]),
        ("echo 'apt-get install x'", []),
        ("--mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y x", []),
    ],
)
def test_cache_issues(run: str, managers: list[str]) -> None:
    instruction = lex(f"FROM x:1\nRUN {run}\n", "Dockerfile").instructions[1]
    assert [issue.manager for issue in cache_issues(instruction, {})] == managers


def test_pip_no_cache_dir_in_the_environment_is_enough() -> None:
    instruction = lex("FROM x:1\nRUN pip install flask\n", "Dockerfile").instructions[1]
    assert cache_issues(instruction, {"PIP_NO_CACHE_DIR": "1"}) == []


# --- every check ------------------------------------------------------------------------------


@pytest.mark.parametrize("check", CHECKS, ids=ids)
def test_params_are_waive_plus_the_documented_extras(check: type[Check]) -> None:
    extras = {"docker.minimal-base": {"allow"}, "docker.pinned-base": {"strict"}}
    assert set(check.Params.model_fields) == {"waive", *extras.get(check.id, set())}


@pytest.mark.parametrize("check", CHECKS, ids=ids)
def test_a_repository_without_a_dockerfile_is_not_applicable(check: type[Check]) -> None:
    outcome = run_check(check, DATA / "empty")
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary == "no Dockerfile in the repository"


@pytest.mark.parametrize(
    "check", [c for c in CHECKS if c is not Dockerignore], ids=ids[:6] + ids[7:]
)
def test_an_unparseable_dockerfile_is_unknown_with_its_line(check: type[Check]) -> None:
    outcome = run_check(check, DATA / "broken")
    assert outcome.status is Status.UNKNOWN
    assert outcome.summary == (
        "cannot be parsed: the heredoc <<EOF is never closed (Dockerfile:2:1)"
    )


def test_the_dockerignore_of_an_unparseable_dockerfile_is_still_judged() -> None:
    assert run_check(Dockerignore, DATA / "broken").status is Status.PASS


@pytest.mark.parametrize("check", CHECKS, ids=ids)
def test_a_well_built_dockerfile_passes_every_check(check: type[Check]) -> None:
    outcome = run_check(check, DATA / "good")
    assert outcome.status is Status.PASS, outcome.summary


@pytest.mark.parametrize("check", CHECKS, ids=ids)
def test_a_careless_dockerfile_fails_every_check(check: type[Check]) -> None:
    outcome = run_check(check, DATA / "bad")
    assert outcome.status is Status.FAIL, outcome.summary
    assert outcome.remediation == check.fix
    assert all(f.location is not None and f.location.path for f in outcome.findings)


def test_the_example_image_has_no_user_by_design_and_its_kubernetes_probes_stand_in() -> None:
    # The image declares neither USER nor HEALTHCHECK. Its Rollout in deploy/ probes the
    # container, which stands in for a HEALTHCHECK; nothing stands in for the missing USER.
    service = ServiceInfo(name="greeter")
    statuses = {
        check.id: run_check(check, EXAMPLE, service=service).status
        for check in (MultiStage, PinnedBase, MinimalBase, Dockerignore, NonRoot, Healthcheck)
    }
    assert statuses == {
        "docker.multi-stage": Status.PASS,
        "docker.pinned-base": Status.PASS,
        "docker.minimal-base": Status.PASS,
        "docker.dockerignore": Status.PASS,
        "docker.non-root": Status.FAIL,
        "docker.healthcheck": Status.PASS,
    }
    outcome = run_check(NonRoot, EXAMPLE, service=service)
    assert outcome.summary == (
        "no USER instruction: the image runs as root (base debian:bookworm-slim) (Dockerfile:9:1)"
    )
    probed = run_check(Healthcheck, EXAMPLE, service=service)
    assert probed.summary.startswith("no HEALTHCHECK, but Kubernetes probes it: ")


# --- docker.multi-stage -----------------------------------------------------------------------


def test_multi_stage_names_the_copy_from_the_build_stage() -> None:
    outcome = run_check(MultiStage, DATA / "good")
    assert (
        outcome.summary == "the final stage copies from the build stage 'build' (Dockerfile:19:1)"
    )


def test_a_single_stage_copying_a_prebuilt_binary_onto_a_minimal_base_is_a_warning() -> None:
    outcome = run_check(MultiStage, DATA / "prebuilt")
    assert outcome.status is Status.WARN
    assert "with no build step: it copies in files built elsewhere" in outcome.summary
    assert _where(outcome) == ["Dockerfile:2:1"]


def test_a_final_stage_from_the_build_stage_is_not_separate() -> None:
    outcome = run_check(MultiStage, DATA / "inherit")
    assert outcome.status is Status.FAIL
    assert "it is FROM the stage 'build'" in outcome.summary


# --- docker.minimal-base ----------------------------------------------------------------------


def test_a_final_stage_from_an_earlier_stage_resolves_to_its_base() -> None:
    outcome = run_check(MinimalBase, DATA / "inherit")
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith(
        "the final image is based on golang:1.22: golang is a language SDK/toolchain image"
    )
    assert _where(outcome) == ["Dockerfile:1:6"]


def test_allow_accepts_an_image_as_minimal() -> None:
    assert run_check(MinimalBase, DATA / "bad", allow=["ubuntu"]).status is Status.PASS


def test_a_base_from_a_build_argument_without_default_is_unknown() -> None:
    outcome = run_check(MinimalBase, DATA / "variables")
    assert outcome.status is Status.UNKNOWN
    assert "depends on build argument(s) BASE_IMAGE with no default" in outcome.summary


# --- docker.non-root --------------------------------------------------------------------------


def test_user_root_fails_at_its_line() -> None:
    outcome = run_check(NonRoot, DATA / "bad")
    assert outcome.summary == "the image runs as root: USER root (Dockerfile:9:1)"


def test_a_user_inherited_from_the_stage_the_final_one_is_from() -> None:
    outcome = run_check(NonRoot, DATA / "inherit")
    assert outcome.status is Status.PASS
    assert outcome.summary == "USER app (inherited from the stage 'build') (Dockerfile:6:1)"


def test_distroless_nonroot_needs_no_user() -> None:
    outcome = run_check(NonRoot, DATA / "prebuilt")
    assert outcome.status is Status.PASS
    assert "distroless :nonroot runs as the nonroot user" in outcome.summary


def test_a_user_from_a_build_argument_without_default_is_unknown() -> None:
    outcome = run_check(NonRoot, DATA / "variables")
    assert outcome.status is Status.UNKNOWN
    assert _where(outcome) == ["Dockerfile:4:1"]


# --- docker.pinned-base -----------------------------------------------------------------------


def test_untagged_images_fail_at_the_image_on_the_from_line() -> None:
    outcome = run_check(PinnedBase, DATA / "bad")
    assert outcome.summary == (
        "ubuntu has no tag: it pulls whatever latest is at build time (Dockerfile:1:6)"
    )


def test_strict_pinning_asks_for_digests() -> None:
    assert run_check(PinnedBase, DATA / "good", strict=True).status is Status.PASS
    outcome = run_check(PinnedBase, EXAMPLE, strict=True)
    assert outcome.status is Status.FAIL
    assert _where(outcome) == ["Dockerfile:3:6", "Dockerfile:9:6"]
    assert outcome.required == "an @sha256: digest"


def test_an_image_from_a_build_argument_without_default_is_unknown() -> None:
    assert run_check(PinnedBase, DATA / "variables").status is Status.UNKNOWN


# --- docker.healthcheck -----------------------------------------------------------------------


def test_kubernetes_probes_on_the_container_running_the_image_count() -> None:
    outcome = run_check(Healthcheck, DATA / "probed")
    assert outcome.status is Status.PASS
    assert outcome.summary == (
        "no HEALTHCHECK, but Kubernetes probes it: container 'api' of Deployment/shop/api "
        "(ghcr.io/acme/api:1.4.2) has livenessProbe, readinessProbe (deploy/api.yaml:15:11)"
    )


def test_a_container_named_by_the_golive_comment_without_probes_fails_at_the_container() -> None:
    outcome = run_check(Healthcheck, DATA / "unprobed")
    assert outcome.status is Status.FAIL
    assert _where(outcome) == ["deploy/worker.yaml:13:15"]
    assert "container 'worker' of CronJob/worker" in outcome.summary
    assert outcome.findings[0].message.startswith(
        "no HEALTHCHECK in services/worker/Dockerfile, and container"
    )


def test_an_unreadable_manifest_makes_the_healthcheck_unknown() -> None:
    outcome = run_check(Healthcheck, DATA / "unreadable-manifest")
    assert outcome.status is Status.UNKNOWN
    assert "1 manifest file(s) could not be read" in outcome.summary


def test_the_service_name_matches_the_root_dockerfile() -> None:
    # The example's image is ghcr.io/example/greeter, and its root Dockerfile lies in a folder
    # named service: only the service's name connects the two.
    outcome = run_check(Healthcheck, EXAMPLE, service=ServiceInfo(name="greeter"))
    assert outcome.status is Status.PASS
    assert "container 'greeter' of Rollout/greeter/greeter (ghcr.io/example/greeter:0.1.0)" in (
        outcome.summary
    )
    assert [f.location.path for f in outcome.findings if f.location] == ["deploy/greeter.yaml"]
    other = run_check(Healthcheck, EXAMPLE, service=ServiceInfo(name="other"))
    assert other.status is Status.FAIL
    assert "no Kubernetes container runs an image named other with probes" in other.summary


def test_a_helm_chart_whose_values_name_the_image_and_whose_templates_probe_it() -> None:
    outcome = run_check(Healthcheck, DATA / "charted")
    assert outcome.status is Status.PASS
    assert outcome.summary == (
        "no HEALTHCHECK, but the Helm chart chart runs it and its templates declare probes "
        "(chart/values.yaml:3:15)"
    )


# --- docker.no-secrets ------------------------------------------------------------------------


def test_secrets_are_named_never_shown() -> None:
    outcome = run_check(NoSecrets, DATA / "bad")
    assert _messages(outcome) == [
        "ENV API_TOKEN is set to a literal value in the Dockerfile (the value is not shown)",
        "ARG DB_PASSWORD is set to a literal value in the Dockerfile (the value is not shown)",
        "COPY copies .env (an environment or credentials file) into the image",
        "COPY copies config/id_rsa (a private key) into the image",
    ]
    assert _where(outcome) == [
        "Dockerfile:2:5",
        "Dockerfile:4:5",
        "Dockerfile:8:1",
        "Dockerfile:8:1",
    ]
    text = repr(outcome)
    assert "not-a-real-token-0000" not in text
    assert "example-only" not in text
    assert all(f.fingerprint for f in outcome.findings)


def test_references_paths_and_dockerignored_files_are_fine() -> None:
    outcome = run_check(NoSecrets, DATA / "secrets-ignored")
    assert outcome.status is Status.PASS, _messages(outcome)


# --- docker.dockerignore ----------------------------------------------------------------------


def test_a_dockerfile_under_docker_built_from_the_root_uses_the_root_dockerignore() -> None:
    outcome = run_check(Dockerignore, DATA / "docker-folder")
    assert outcome.status is Status.PASS
    assert _where(outcome) == [".dockerignore:2"]


def test_the_dockerfile_specific_ignore_file_comes_first() -> None:
    outcome = run_check(Dockerignore, DATA / "specific")
    assert outcome.summary == (
        "app/Dockerfile.dockerignore does not exclude .git (app/Dockerfile.dockerignore:1)"
    )


def test_a_missing_dockerignore_fails_at_the_dockerfile() -> None:
    outcome = run_check(Dockerignore, DATA / "bad")
    assert outcome.summary.startswith("no .dockerignore for the build context")
    assert _where(outcome) == ["Dockerfile:1"]


# --- docker.copy-not-add ----------------------------------------------------------------------


def test_add_of_a_local_file_fails() -> None:
    outcome = run_check(CopyNotAdd, DATA / "bad")
    assert outcome.summary == "ADD of local `app.py`: use COPY (Dockerfile:7:1)"


def test_add_of_a_url_without_checksum_warns_and_local_archives_are_fine() -> None:
    outcome = run_check(CopyNotAdd, DATA / "add-cases")
    assert outcome.status is Status.WARN
    assert outcome.summary == (
        "ADD downloads https://example.com/config.json without --checksum (Dockerfile:3:1)"
    )
    assert outcome.facts["archives"] == 1


# --- docker.cache-cleaned ---------------------------------------------------------------------


def test_only_the_shipped_stages_count_for_caches() -> None:
    outcome = run_check(CacheCleaned, DATA / "caches")
    assert outcome.status is Status.PASS
    assert outcome.facts["build_stage_caches"] == 1
    assert outcome.summary.endswith("; 1 in build stages do not reach the image")


def test_caches_left_in_the_final_stage_fail_at_the_command() -> None:
    outcome = run_check(CacheCleaned, DATA / "bad")
    assert _where(outcome) == ["Dockerfile:5:5", "Dockerfile:6:5"]
    assert _messages(outcome)[0] == (
        "apt leaves its cache in the layer: no rm -rf /var/lib/apt/lists/* in the same RUN"
    )


# --- waivers ----------------------------------------------------------------------------------


def test_a_waiver_covering_every_failure_makes_the_outcome_waived() -> None:
    outcome = run_check(NonRoot, DATA / "bad", waive={"Dockerfile": "vendor image, root by design"})
    assert outcome.status is Status.WAIVED
    assert outcome.summary == "1 finding(s) waived: vendor image, root by design"
    assert _messages(outcome) == [
        "waived: vendor image, root by design (the image runs as root: USER root)"
    ]
    assert "waivers_unused" not in outcome.facts


def test_a_waiver_that_matches_nothing_is_reported() -> None:
    outcome = run_check(NonRoot, DATA / "bad", waive={"vendor/*": "third party"})
    assert outcome.status is Status.FAIL
    assert outcome.facts["waivers_unused"] == "vendor/*"


def test_a_waiver_keyed_by_a_pattern_covers_files_below_it() -> None:
    outcome = run_check(Healthcheck, DATA / "unprobed", waive={"services/*": "batch job"})
    assert outcome.status is Status.WAIVED


# --- the real-world corpus --------------------------------------------------------------------

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not present")


def _by_file(outcome: Outcome) -> dict[str, str]:
    return {f.location.path: f.message for f in outcome.findings if f.location is not None}


@corpus
def test_corpus_multi_stage() -> None:
    outcome = run_check(MultiStage, CORPUS)
    assert outcome.status is Status.FAIL
    assert outcome.facts["dockerfiles"] == 15
    assert outcome.facts["multi_stage"] == 1
    found = _by_file(outcome)
    assert "web/guestbook-go/Dockerfile" not in found  # COPY --from=0 into scratch
    assert found["_archived/explorer/Dockerfile"].startswith(
        "warn: single stage on the minimal base scratch"
    )
    assert found["_archived/phabricator/php-phabricator/Dockerfile"] == (
        "single stage on ubuntu:14.04: the tools and sources of the build ship in the image"
    )


@corpus
def test_corpus_bases_users_and_pins() -> None:
    bases = _by_file(run_check(MinimalBase, CORPUS))
    assert "web/guestbook-go/Dockerfile" not in bases  # scratch
    assert "_archived/storage/redis/image/Dockerfile" not in bases  # alpine:3.8
    assert bases["web/guestbook/php-redis/Dockerfile"] == (
        "the final image is based on php:5-apache: php is a language SDK/toolchain image"
    )
    assert bases["databases/cassandra/image/Dockerfile"].startswith("warn: ")
    assert run_check(NonRoot, CORPUS).facts["failures"] == 15  # none of them sets a USER
    pins = run_check(PinnedBase, CORPUS)
    assert sorted(_by_file(pins)) == [
        "_archived/https-nginx/Dockerfile",
        "_archived/volumes/flexvolume/deploy/Dockerfile",
        "_archived/volumes/nfs/nfs-data/Dockerfile",
    ]


@corpus
def test_corpus_layers() -> None:
    caches = run_check(CacheCleaned, CORPUS)
    assert _where(caches) == [
        "_archived/cluster-dns/images/frontend/Dockerfile:17:5",
        "_archived/https-nginx/Dockerfile:24:5",
        "_archived/storage/mysql-galera/image/Dockerfile:25:5",
    ]
    adds = run_check(CopyNotAdd, CORPUS)
    assert adds.facts["failures"] == 11
    assert "databases/cassandra/image/Dockerfile:39:1" in _where(adds)
    assert run_check(NoSecrets, CORPUS).status is Status.PASS


@corpus
def test_corpus_healthchecks_look_at_the_nearest_manifests() -> None:
    where = _where(run_check(Healthcheck, CORPUS))
    # _archived/storage/redis/image/Dockerfile builds the redis image of the manifests beside it
    assert "_archived/storage/redis/redis-master.yaml:11:7" in where
    assert "web/guestbook/redis-master-deployment.yaml:20:9" not in where  # another redis
    assert "web/guestbook-go/Dockerfile:23:1" in where  # no HEALTHCHECK, no container named so


# --- the outcome ------------------------------------------------------------------------------


def test_every_finding_is_listed_with_the_totals_in_the_facts(tmp_path: Path) -> None:
    for number in range(120):
        folder = tmp_path / f"svc{number:03}"
        folder.mkdir()
        (folder / "Dockerfile").write_text("FROM alpine:3.20\nADD app.sh /app.sh\n")
    outcome = run_check(CopyNotAdd, tmp_path)
    assert outcome.summary == "120 ADD instruction(s) copy local files"
    assert len(outcome.findings) == 120  # the runner, not the check, bounds long lists
    assert outcome.facts["findings"] == 120
    assert outcome.facts["dockerfiles"] == 120


def test_a_whitelisting_dockerignore_excludes_git(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nCOPY app /app\n")
    (tmp_path / ".dockerignore").write_text("*\n!app\n")
    (tmp_path / "app").write_text("#!/bin/sh\n")
    outcome = run_check(Dockerignore, tmp_path)
    assert outcome.summary == ".dockerignore excludes .git with `*` (.dockerignore:1)"
