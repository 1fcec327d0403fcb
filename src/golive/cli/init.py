"""`golive init` writes a commented golive.toml; `golive import` turns a Markdown checklist
into a profile."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from golive.cli._app import existing_dir, fail, guard, stdout

__all__ = ["Stack", "detect", "register", "template"]


@dataclass(frozen=True, kw_only=True)
class Stack:
    """What golive found in a repository, to tailor the starting checklist."""

    name: str
    rust: bool
    python: bool
    node: bool
    docker: bool
    kubernetes: bool
    ci: tuple[str, ...]
    fixtures: tuple[str, ...] = ()  # test-data folders, which usually hold planted problems


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("import")(import_markdown)


def import_markdown(
    source: Annotated[
        Path, typer.Argument(help="A Markdown checklist (- [ ] items under headings).")
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Profile name (default: the file's).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the profile here (default: print).")
    ] = None,
) -> None:
    """Turn a Markdown checklist into a profile: sections from its headings, an item per task.

    The items start unverified: map each to checks (`checks = [...]`) or a sign-off
    (`attest = {...}`) to make it executable; `golive coverage --profile FILE` shows progress.
    """
    with guard():
        from golive.checklist.markdown import parse_checklist, slugify, to_profile_toml

        try:
            text = source.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            fail(f"{source}: cannot be read: {error}")
        checklist = parse_checklist(text)
        if not checklist.items:
            fail(f"{source}: no task items (- [ ] ...) found; nothing to import")
        profile = to_profile_toml(checklist, name=name or slugify(source.stem))
        if output is None:
            print(profile, end="")
            return
        if output.exists():
            fail(f"{output} exists; choose another --output")
        output.write_text(profile, encoding="utf-8")
        count = len(checklist.items)
        stdout.print(f"wrote {output}: {count} items, all unverified until mapped", markup=False)


def init(
    path: Annotated[Path, typer.Argument(help="The repository to set up.")] = Path(),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing golive.toml.")
    ] = False,
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the file instead of writing it.")
    ] = False,
) -> None:
    """Write a commented golive.toml for the repository, tailored to the stack it finds."""
    with guard():
        root = existing_dir(path)
        text = template(detect(root))
        if print_only:
            print(text, end="")
            return
        target = root / "golive.toml"
        if target.exists() and not force:
            fail(f"{target} exists; use --force to overwrite it, or --print to see the template")
        target.write_text(text, encoding="utf-8")
        stdout.print(f"wrote {target}; next: golive check {path}", markup=False, highlight=False)


def detect(root: Path) -> Stack:
    from golive.checklist._loader import _service_name
    from golive.checks.repository import Repository

    listed = Repository.scan(root).files
    fixtures = tuple(
        folder for folder in _FIXTURE_FOLDERS if any(p.startswith(folder + "/") for p in listed)
    )
    # What the fixtures hold is not the service's stack: detect it as the review will see it.
    repo = Repository.scan(root, exclude=[f"{folder}/" for folder in fixtures])
    names = {path.rpartition("/")[2].lower() for path in repo.files}
    yaml = [p for p in repo.files if p.endswith((".yaml", ".yml"))]
    kubernetes = any(_looks_like_kubernetes(repo.text(p) or "") for p in yaml[:500])
    ci = []
    if any(p.startswith(".github/workflows/") for p in repo.files):
        ci.append("GitHub Actions")
    if ".gitlab-ci.yml" in names:
        ci.append("GitLab CI")
    return Stack(
        name=_service_name(root),
        rust="cargo.toml" in names,
        python=bool({"pyproject.toml", "setup.py", "setup.cfg", "requirements.txt"} & names),
        node="package.json" in names,
        docker=any(
            n == "dockerfile" or n.endswith(".dockerfile") or n == "containerfile" for n in names
        ),
        kubernetes=kubernetes,
        ci=tuple(ci),
        fixtures=fixtures,
    )


_FIXTURE_FOLDERS = ("tests/data", "tests/fixtures", "test/fixtures", "testdata", "fixtures")


def _looks_like_kubernetes(text: str) -> bool:
    return "apiVersion:" in text and "kind:" in text


def template(stack: Stack) -> str:
    found = [
        label
        for label, present in (
            ("Rust", stack.rust),
            ("Python", stack.python),
            ("Node", stack.node),
            ("Dockerfile", stack.docker),
            ("Kubernetes manifests", stack.kubernetes),
            *((ci, True) for ci in stack.ci),
        )
        if present
    ]
    lines = [
        "# golive checklist for this service. Reference: docs/checklist-format.md",
        f"# Found here: {', '.join(found) or 'no known stack'}.",
        "",
        "[service]",
        f'name = "{stack.name}"',
        "# Built-in profiles: production (default), mocopr, tusklang; or a path to your own.",
        'profiles = ["production"]',
        *_exclude_lines(stack),
        "",
        "[policy]",
        "# What an undecided must item does (tool missing, check not built yet):",
        '# "block" (NO-GO) or "warn" (a condition).',
        'unknown = "block"',
        "# true: waivers are not accepted.",
        "strict = false",
        "",
        "# Live checks only ever talk to targets named here.",
        "# [targets.staging]",
        '# url = "https://staging.example.com"',
        "# allow_private = false      # loopback and private addresses need true",
        '# consent = "passive"        # passive | active | load',
        "",
        "# Override an item of the profile: its level, parameters, or switch it off with a reason.",
        '# [items."perf.latency"]',
        '# with = { target = "staging", rate = "1200 req/s", duration = "30s", p95 = "<100ms" }',
    ]
    if not stack.kubernetes:
        lines += [
            "",
            "# No Kubernetes manifests were found. If the service runs elsewhere, say so:",
            '# [items."k8s.pdb"]',
            '# disabled = "runs as a single systemd unit, not on Kubernetes"',
        ]
    if stack.rust:
        lines += [
            "",
            "# Servers that catch panics per request keep unwinding in release builds:",
            '# [items."docker.optimized"]',
            '# with = { panic = "unwind" }',
        ]
    lines += [
        "",
        "# Add an item of your own:",
        '# [items."team.load-shedding"]',
        '# title = "Load shedding verified in the last game day"',
        '# section = "launch.load"',
        '# level = "should"',
        '# attest = { role = "operations", expires = "90d" }',
        "",
    ]
    return "\n".join(lines)


def _exclude_lines(stack: Stack) -> list[str]:
    if not stack.fixtures:
        return [
            "# Paths the review leaves out (gitignore-style), e.g. fixtures with planted problems:",
            '# exclude = ["tests/fixtures/**"]',
        ]
    patterns = ", ".join(f'"{folder}/**"' for folder in stack.fixtures)
    return [
        "# Test data found here; left out of the review, as it often holds planted problems:",
        f"exclude = [{patterns}]",
    ]
