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

from golive.model import Finding

__all__ = ["finding_fingerprint"]


def finding_fingerprint(check: str, finding: Finding) -> str:
    """The finding's fingerprint as waivers and baselines name it."""
    if finding.fingerprint:
        return finding.fingerprint
    path = finding.location.path if finding.location is not None else ""
    identity = f"{check}\0{finding.rule or ''}\0{path}\0{finding.message}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]
