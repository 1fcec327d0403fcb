"""Content fingerprints of findings: what waivers and baselines key on, never a line number.

Every finding a review reports carries one; the runner stamps those that come without. A
family that knows what makes its finding unique (a secret's hash, a vulnerability id and
package, a configuration key) sets `Finding.fingerprint` itself, and that text is kept as
it is: a secrets baseline names the same fingerprint the report shows. Otherwise the
fingerprint is 16 hex digits of a SHA-256 over the check id, the rule, the file and the
message.
"""

from __future__ import annotations

import hashlib

from golive.model import Finding, ItemResult, Status

__all__ = ["finding_fingerprint", "open_findings"]


def finding_fingerprint(check: str, finding: Finding) -> str:
    """The finding's fingerprint as waivers and baselines name it."""
    if finding.fingerprint:
        return finding.fingerprint
    path = finding.location.path if finding.location is not None else ""
    identity = f"{check}\0{finding.rule or ''}\0{path}\0{finding.message}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def open_findings(result: ItemResult) -> dict[str, set[str]]:
    """Per check of the item that neither passed nor was not applicable, the fingerprints of
    its findings, evidence aside (an empty set for a check that failed without any): what a
    waiver must cover and what a baseline compares."""
    return {
        check.check: {
            f.fingerprint for f in check.outcome.findings if f.fingerprint and not f.evidence
        }
        for check in result.checks
        if check.outcome.status not in {Status.PASS, Status.NOT_APPLICABLE}
    }
