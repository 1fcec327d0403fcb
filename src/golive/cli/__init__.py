"""The command line."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    from golive import __version__

    print(f"golive {__version__}")
    sys.exit(0)
