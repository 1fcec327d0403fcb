"""`golive sbom` writes a CycloneDX 1.6 software bill of materials built from the lockfiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from golive.cli._app import existing_dir, fail, guard, stderr, stdout

__all__ = ["register", "sbom"]


def register(app: typer.Typer) -> None:
    app.command("sbom")(sbom)


def sbom(
    path: Annotated[Path, typer.Argument(help="The repository to describe.")] = Path(),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the SBOM here (default: print).")
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude", help="Leave out paths matching this gitignore-style pattern (repeatable)."
        ),
    ] = None,
) -> None:
    """Write a CycloneDX 1.6 SBOM (JSON) of every locked dependency of the repository.

    Components come from Cargo.lock, uv.lock, poetry.lock, pdm.lock, pylock.toml,
    Pipfile.lock, pinned requirements files, package-lock.json, yarn.lock and pnpm-lock.yaml,
    each with its package URL and, where the lockfile records one, a hash. Manifests without a
    lockfile have no versions to describe; they are named on stderr.
    """
    with guard():
        from golive.checks._deps_inventory import build_inventory
        from golive.checks._deps_sbom import build_sbom, project_name
        from golive.checks.repository import Repository

        root = existing_dir(path).resolve()
        inventory = build_inventory(Repository.scan(root)).without(exclude or [])
        result = build_sbom(inventory, name=project_name(inventory, root.name))
        for lockfile in result.unreadable:
            error = inventory.lockfiles[lockfile].error
            stderr.print(f"golive: warning: {lockfile} could not be read: {error}", markup=False)
        if result.unresolved:
            names = ", ".join(m.path for m in result.unresolved)
            stderr.print(
                f"golive: warning: no lockfile resolves {names}; their dependencies are not in "
                "the SBOM",
                markup=False,
            )
        if not result.components:
            fail(
                f"{path}: nothing to describe: no lockfile with third-party packages was found "
                "(Cargo.lock, uv.lock, poetry.lock, package-lock.json, a pinned "
                "requirements.txt, ...)"
            )
        text = json.dumps(result.document, indent=2, ensure_ascii=False) + "\n"
        if output is None:
            print(text, end="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            fail(f"{output}: cannot be written: {error.strerror or error}")
        counts = ", ".join(f"{eco} {n}" for eco, n in sorted(result.by_ecosystem.items()))
        stdout.print(
            f"wrote {output}: {result.components} components ({counts}) from "
            f"{len(result.lockfiles)} lockfile(s)",
            markup=False,
        )
