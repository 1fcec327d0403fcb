"""Finding the coverage report a check reads: the one named, or the newest in common places.

Reports are usually build output that `.gitignore` hides, so they are looked up on disk, not
in the repository's file list. Each report is read once per review however many checks ask.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from golive.checks._coverage_formats import CoverageData, ReportError, read_coverage
from golive.checks._coverage_paths import PathPlacer
from golive.checks.base import Facts, Unknown
from golive.checks.repository import Repository
from golive.thresholds import describe_duration

__all__ = ["COMMON_PLACES", "CoverageReports", "FoundReport", "report_facts"]

COMMON_PLACES = (
    "lcov.info",
    "coverage/lcov.info",
    "coverage.lcov",
    "target/llvm-cov/lcov.info",
    "target/coverage/lcov.info",
    "target/debug/lcov.info",
    "coverage.xml",
    "cobertura.xml",
    "coverage/cobertura-coverage.xml",
    "target/llvm-cov/cobertura.xml",
    "target/coverage/cobertura.xml",
    "target/tarpaulin/*.xml",
    "coverage.json",
)


@dataclass(frozen=True, kw_only=True)
class FoundReport:
    """A coverage report on disk: where it is, how it is shown, and how old it is."""

    path: Path
    shown: str  # relative to the repository when inside it
    age: float  # seconds since it was last written
    candidates: int  # reports found in the common places (1 when named)


class CoverageReports:
    """The coverage reports of one repository, found and read on demand (a fixture)."""

    def __init__(self, root: Path, repo: Repository) -> None:
        self.root = root.resolve()
        self.repo = repo
        self._lock = threading.Lock()
        self._read: dict[tuple[Path, int, int], CoverageData] = {}

    def find(self, report: str | None) -> FoundReport | None:
        """The report named by `report`, else the newest in the common places, else None."""
        now = time.time()
        if report:
            path = Path(report) if Path(report).is_absolute() else self.root / report
            if not path.is_file():
                raise Unknown(f"the coverage report {report} does not exist")
            return self._found(path, now, candidates=1)
        present = [path for pattern in COMMON_PLACES for path in _matches(self.root, pattern)]
        if not present:
            return None
        newest = max(present, key=lambda path: path.stat().st_mtime)
        return self._found(newest, now, candidates=len(present))

    def require(self, report: str | None) -> tuple[FoundReport, CoverageData]:
        """The report and its content; `Unknown` when there is none or it cannot be read."""
        found = self.find(report)
        if found is None:
            raise Unknown(self.none_found())
        return found, self.read(found)

    def read(self, found: FoundReport) -> CoverageData:
        try:
            stat = found.path.stat()
            key = (found.path, stat.st_mtime_ns, stat.st_size)
            with self._lock:
                if key not in self._read:
                    self._read[key] = read_coverage(found.path, self.placer())
                data = self._read[key]
        except (ReportError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise Unknown(f"the coverage report {found.shown} cannot be read: {reason}") from None
        if data.outside and not data.files:
            raise Unknown(
                f"the coverage report {found.shown} names {len(data.outside)} file(s), none of "
                f"them in this repository (first: {data.outside[0]})"
            )
        return data

    def placer(self) -> PathPlacer:
        return PathPlacer(self.root, self.repo.files)

    def none_found(self) -> str:
        # The places are listed in the checks' documentation (`golive explain coverage.line`);
        # repeated under every item they would bury the reason.
        return f"no coverage report found in the {len(COMMON_PLACES)} usual places"

    def _found(self, path: Path, now: float, *, candidates: int) -> FoundReport:
        resolved = path.resolve()
        shown = (
            resolved.relative_to(self.root).as_posix()
            if resolved.is_relative_to(self.root)
            else str(path)
        )
        age = max(0.0, now - path.stat().st_mtime)
        return FoundReport(path=path, shown=shown, age=age, candidates=candidates)


def _matches(root: Path, pattern: str) -> list[Path]:
    if "*" not in pattern:
        path = root / pattern
        return [path] if path.is_file() else []
    return sorted(path for path in root.glob(pattern) if path.is_file())


def report_facts(found: FoundReport, data: CoverageData) -> Facts:
    """What every coverage outcome says about the report it read."""
    return {
        "report": found.shown,
        "format": data.format,
        "report_age": describe_duration(found.age),
        "report_age_s": round(found.age, 1),
        "reports_found": found.candidates,
        "files": len(data.files),
        "files_outside_repository": len(data.outside),
    }
