"""Coverage evidence: line, branch and critical-path coverage from lcov, Cobertura and coverage.py reports."""
