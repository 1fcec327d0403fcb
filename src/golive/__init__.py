"""golive: executable production-readiness checklists that end in a GO / NO-GO decision."""

__version__ = "0.1.0"

__all__ = ["__version__"]
