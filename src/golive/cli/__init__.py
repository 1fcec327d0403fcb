"""The command line: `golive check`, `checks`, `explain`, `coverage`, `profiles`, `init`.

Exit codes: 0 GO, 1 NO-GO, 2 usage or configuration error, 3 internal error.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["main"]


def main() -> None:
    # `golive --version` answers before the CLI framework is imported: it must stay instant.
    if sys.argv[1:] in (["--version"], ["-V"]):
        from golive import __version__

        print(f"golive {__version__}")
        return
    # A review builds hundreds of thousands of small objects (parsed YAML) and lives for
    # seconds: collecting cycles every 700 allocations costs it a tenth of its time, and
    # reference counting frees almost everything anyway.
    gc.set_threshold(100_000, 50, 100)
    from golive.cli._app import run

    run()
