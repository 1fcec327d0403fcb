"""The typer application, exit codes, and the error handling every command shares."""

from __future__ import annotations

import enum
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from golive import __version__

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["ExitCode", "app", "fail", "guard", "run", "stderr", "stdout"]


class ExitCode(enum.IntEnum):
    GO = 0
    NO_GO = 1
    USAGE = 2  # a bad flag, or a checklist file that cannot be used as written
    INTERNAL = 3  # a bug in golive


app = typer.Typer(
    name="golive",
    help="Executable production-readiness checklists that end in a GO / NO-GO decision.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _colour() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None  # None: rich decides (TTY or not)


class _Console:
    """A rich `Console` made on first use: a review that only writes JSON never imports rich."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


# Messages are never wrapped: a path or an id cut in two cannot be copied. Tables piped into
# a log get 120 columns rather than rich's 80.
stdout: Console = _Console(  # type: ignore[assignment]
    highlight=False,
    no_color=_colour() is False,
    soft_wrap=True,
    width=None if sys.stdout.isatty() else 120,
)
stderr: Console = _Console(  # type: ignore[assignment]
    stderr=True, highlight=False, no_color=_colour() is False, soft_wrap=True
)


def _version(value: bool) -> None:
    if value:
        print(f"golive {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Executable production-readiness checklists that end in a GO / NO-GO decision.

    Exit codes: 0 GO, 1 NO-GO, 2 usage or configuration error, 3 internal error.
    """


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    stderr.print(f"golive: {message}", markup=False, highlight=False)
    raise typer.Exit(int(code))


@contextmanager
def guard(*, verbose: bool = False) -> Iterator[None]:
    """Turn configuration problems into exit 2 and crashes into exit 3, never a traceback
    (unless --verbose)."""
    from golive.checklist import ConfigError
    from golive.checks.registry import RegistryError

    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except ConfigError as error:
        for problem in error.problems:
            stderr.print(str(problem), markup=False, highlight=False)
        count = len(error.problems)
        stderr.print(
            f"golive: {count} problem(s) in the checklist; nothing was checked", markup=False
        )
        raise typer.Exit(int(ExitCode.USAGE)) from None
    except RegistryError as error:
        fail(str(error))
    except Exception as error:
        if verbose:
            stderr.print(traceback.format_exc(), markup=False, highlight=False)
        fail(
            f"internal error: {type(error).__name__}: {error}"
            + ("" if verbose else " (run with --verbose for the traceback)"),
            ExitCode.INTERNAL,
        )


def existing_dir(path: Path) -> Path:
    if not path.exists():
        fail(f"{path}: no such directory")
    if not path.is_dir():
        fail(f"{path}: not a directory")
    return path


def run() -> None:
    from golive.cli import catalog, check, export, gate, init, ledger, report, sbom

    check.register(app)
    gate.register(app)
    ledger.register(app)
    report.register(app)
    catalog.register(app)
    init.register(app)
    sbom.register(app)
    export.register(app)
    # Ctrl-C ends with exit 130 (typer's own handling); the runner has stopped its tools by then.
    app(prog_name="golive")
