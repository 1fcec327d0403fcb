"""Sign-offs, waivers and decision records: signed, expiring evidence kept in `.golive/`.

Records are in-toto Statements in DSSE envelopes signed with Ed25519 (`dsse`, `records`);
`.golive/signers.toml` says whose keys count and in which roles (`signers`); a review
judges every record against the signers, the policy and the subject under review, and
applies the valid ones to its items (`ledger`). `decision` writes and verifies the signed
record of a GO / NO-GO decision.
"""

from golive.ledger.ledger import ATTESTATIONS_DIR, WAIVERS_DIR, Judged, Ledger, judge
from golive.ledger.records import RecordError, SignOff, Subject, Waiver, parse_record
from golive.ledger.signers import SIGNERS_FILE, Signer, Signers, load_signers
from golive.ledger.subject import has_changes, head_commit, subject_of

__all__ = [
    "ATTESTATIONS_DIR",
    "SIGNERS_FILE",
    "WAIVERS_DIR",
    "Judged",
    "Ledger",
    "RecordError",
    "SignOff",
    "Signer",
    "Signers",
    "Subject",
    "Waiver",
    "has_changes",
    "head_commit",
    "judge",
    "load_signers",
    "parse_record",
    "subject_of",
]
