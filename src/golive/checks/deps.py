"""Dependencies: lockfiles, pinned versions, vulnerability audits, update automation, SBOM."""
