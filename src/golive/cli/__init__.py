"""The command line: `golive check`, `checks`, `explain`, `coverage`, `profiles`, `init`.

Exit codes: 0 GO, 1 NO-GO, 2 usage or configuration error, 3 internal error.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    # `golive --version` answers before the CLI framework is imported: it must stay instant.
    if sys.argv[1:] in (["--version"], ["-V"]):
        from golive import __version__

        print(f"golive {__version__}")
        return
    from golive.cli._app import run

    run()
