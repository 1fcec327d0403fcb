"""What a backup job's text reveals: the tool, encryption, retention, verification, archiving."""

from __future__ import annotations

import re

from golive.checks._backup_model import Encryption, Retention, Signal
from golive.checks._backup_text import Segment, search
from golive.checks.repository import Repository

__all__ = [
    "BACKUP_WORDS",
    "backup_tool",
    "continuous_archiving",
    "encryption",
    "retention",
    "verification",
]

_I = re.IGNORECASE | re.MULTILINE
_DAY = 86400.0
_UNIT_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "m": 30.0, "y": 365.0}
_KEEP_DAYS = {"hourly": 1 / 24, "daily": 1.0, "weekly": 7.0, "monthly": 30.0, "yearly": 365.0}

# (tool, pattern): the first that matches names the job's tool.
_TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (tool, re.compile(pattern, _I))
    for tool, pattern in (
        ("pg_dump", r"\bpg_dump(?:all)?\b"),
        ("pg_basebackup", r"\bpg_basebackup\b"),
        ("pgbackrest", r"\bpgbackrest\b[^\n]*\bbackup\b"),
        ("wal-g", r"\bwal-g\b[^\n]*\bbackup-push\b"),
        ("wal-e", r"\bwal-e\b[^\n]*\bbackup-push\b"),
        ("barman", r"\bbarman(?:-cloud-backup\b|\s+backup\b)"),
        ("mysqldump", r"\b(?:mysqldump|mariadb-dump|mysqlpump|mydumper)\b"),
        ("xtrabackup", r"\b(?:xtrabackup|mariabackup|mariadb-backup)\b"),
        ("mongodump", r"\bmongodump\b"),
        ("redis BGSAVE", r"\bbgsave\b|\bredis-cli\b[^\n]*--rdb\b"),
        ("restic", r"\brestic\b[^\n]*\bbackup\b"),
        ("borg", r"\bborg\s+create\b|\bborgmatic\b"),
        ("kopia", r"\bkopia\s+snapshot\s+create\b"),
        ("velero", r"\bvelero\s+(?:backup\s+create|create\s+backup)\b"),
        ("etcd snapshot", r"\betcdctl\b[^\n]*\bsnapshot\s+save\b"),
        ("vault snapshot", r"\bvault\s+operator\s+raft\s+snapshot\s+save\b"),
        ("sqlite .backup", r"\bsqlite3\b[^\n]*\.backup\b"),
        ("influx backup", r"\binfluxd?\s+backup\b"),
        ("clickhouse-backup", r"\bclickhouse-backup\b[^\n]*\b(?:create|upload)\b"),
        ("nodetool snapshot", r"\bnodetool\b[^\n]*\bsnapshot\b"),
        ("elasticsearch snapshot", r"/_snapshot/"),
    )
)
# Copies to object storage count only in a job that is evidently about backups.
_COPY = re.compile(
    r"\b(?:rclone\s+(?:copy|sync)|aws\s+s3\s+(?:cp|sync)|gsutil\s+(?:-m\s+)?(?:cp|rsync)"
    r"|azcopy\s+(?:copy|sync)|mc\s+(?:cp|mirror))\b",
    _I,
)
_BACKUP_IMAGE = re.compile(
    r"(?:^|[/_-])(?:backup|backups|restic|velero|pgbackrest|wal-g|borg|borgmatic|k8up)(?:[/_:@-]|$)",
    _I,
)
_BACKUP_NAME = re.compile(r"backup|(?:^|[-_.])dump(?:$|[-_.])|snapshot", _I)
BACKUP_WORDS = re.compile(
    r"backup|pg_dump|mysqldump|mongodump|restic|velero|pgbackrest|wal-g|borg|k8up|snapshot",
    _I,
)

_ALWAYS_ENCRYPTED = re.compile(r"\b(?:restic|kopia|borg\s+create|borgmatic)\b", _I)
_NOT_ENCRYPTED = re.compile(
    r"repo\d*[-_]cipher[-_]type\s*[=:]\s*[\"']?none\b"
    r"|\bborg\s+init\b[^\n]*(?:--encryption|-e)[= ]none\b",
    _I,
)
_ENCRYPTED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (how, re.compile(pattern, _I))
    for how, pattern in (
        ("pgBackRest repository cipher", r"repo\d*[-_]cipher[-_]type\s*[=:]\s*[\"']?aes-256-cbc"),
        ("pgBackRest S3 KMS key", r"repo\d*[-_]s3[-_](?:kms[-_]key[-_]id|sse[-_]customer[-_]key)"),
        (
            "WAL-G encryption key",
            r"\bWALG_(?:LIBSODIUM_KEY|PGP_KEY|S3_SSE|S3_SSE_KMS_ID|CSE_KMS_ID)",
        ),
        ("WAL-E GPG key", r"\bWALE_GPG_KEY_ID\b"),
        ("gpg", r"\bgpg2?\b[^\n]*?(?:--encrypt|--symmetric|--recipient|\s-[a-z]*[cer]\b)"),
        ("openssl", r"\bopenssl\s+(?:enc|smime|cms)\b"),
        ("age", r"\bage\b[^\n]*?\s(?:-r|-R|-p|--recipient|--passphrase|-e|--encrypt)\b"),
        ("S3 server-side encryption", r"--sse(?:-kms-key-id|-c)?\b|--server-side-encryption\b"),
        ("MinIO client encryption", r"--enc-(?:kms|s3|c)\b|\bmc\b[^\n]*--encrypt"),
        ("gsutil encryption key", r"encryption_key\s*="),
        ("barman-cloud encryption", r"\bbarman-cloud-\S+[^\n]*?(?:--encryption|\s-e)[= ]\S+"),
        ("an encryption flag", r"--encrypt(?:ion)?(?:-key)?\b(?![= ]+(?:none|off|false|no)\b)"),
        (
            "an encryption key in the environment",
            r"^(?:[A-Z0-9]+_)*(?:ENCRYPTION|ENCRYPT|PASSPHRASE|GPG|PGP)(?:_[A-Z0-9]+)*"
            r"=(?!(?:none|false|off|no|0)?$)",
        ),
    )
)
_KEEP = re.compile(r"--keep-(last|hourly|daily|weekly|monthly|yearly)[= ]+[\"']?(\d+)", _I)
_KEEP_WITHIN = re.compile(r"--keep-within(?:-\w+)?[= ]+[\"']?((?:\d+[yYmMwWdDhH])+)\b")
_PGBACKREST_FULL = re.compile(r"repo\d*[-_]retention[-_]full\s*[=:]\s*[\"']?(\d+)", _I)
_PGBACKREST_TIME = re.compile(r"repo\d*[-_]retention[-_]full[-_]type\s*[=:]\s*[\"']?time", _I)
_WALG_RETAIN = re.compile(r"\bwal-g\b[^\n]*\bdelete\b[^\n]*\bretain\s+(?:FULL\s+)?(\d+)", _I)
_MTIME = re.compile(r"-mtime\s+\+(\d+)\b[^\n]*(?:-delete|\brm\b)", _I)
_ENV_KEEP = re.compile(
    r"^[A-Z0-9_]*(?:KEEP|RETENTION|RETAIN)_?(DAYS|WEEKS|MONTHS)=[\"']?(\d+)", re.MULTILINE
)
_VERIFY: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (how, re.compile(pattern, _I))
    for how, pattern in (
        ("restic check", r"\brestic\b[^\n]*\bcheck\b"),
        ("borg check", r"\bborg\s+check\b"),
        ("kopia snapshot verify", r"\bkopia\s+snapshot\s+verify\b"),
        ("pgbackrest verify", r"\bpgbackrest\b[^\n]*\bverify\b"),
        ("pg_verifybackup", r"\bpg_verifybackup\b"),
        ("wal-g verification", r"\bwal-g\s+(?:wal-verify|backup-fetch)\b"),
        ("pg_restore", r"\bpg_restore\b"),
        ("mongorestore", r"\bmongorestore\b"),
        ("velero restore", r"\bvelero\s+(?:restore\s+create|create\s+restore)\b"),
    )
)
_VERIFY_NAME = re.compile(
    r"restore[-_]?(?:test|check|drill|verify)|(?:verify|check)[-_]?backup"
    r"|backup[-_]?(?:verify|verification|check|test)",
    _I,
)
_ARCHIVING: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (how, re.compile(pattern, _I))
    for how, pattern in (
        ("pgBackRest archive-push", r"\bpgbackrest\b[^\n]*\barchive-push\b"),
        ("WAL-G wal-push", r"\bwal-g\s+wal-push\b"),
        ("WAL-E wal-push", r"\bwal-e\b[^\n]*\bwal-push\b"),
        ("barman-cloud-wal-archive", r"\bbarman-cloud-wal-archive\b"),
        ("MySQL binlog streaming", r"\bmysqlbinlog\b[^\n]*--stop-never\b"),
    )
)


def backup_tool(
    name: str, segments: list[Segment], repo: Repository, *, checking: bool = False
) -> Signal | None:
    """What makes this job a backup job, if anything: a tool it runs, or (unless the job is
    `checking` backups, as a restore test does) a copy to object storage, its image, its name."""
    for tool, pattern in _TOOLS:
        found = search(pattern, segments, repo)
        if found is not None:
            return Signal(how=tool, location=found.location)
    if checking:
        return None
    named = bool(_BACKUP_NAME.search(name))
    copy = search(_COPY, segments, repo)
    if copy is not None and (named or search(BACKUP_WORDS, segments, repo)):
        return Signal(how=copy.match.group(0), location=copy.location)
    images = [segment for segment in segments if segment.kind == "image"]
    image = search(_BACKUP_IMAGE, images, repo)
    if image is not None:
        return Signal(how=f"image {image.match.string}", location=image.location)
    if named and not _VERIFY_NAME.search(name):
        where = segments[0].pieces[0].location if segments else None
        return Signal(how=f"named {name}", location=where) if where else None
    return None


def encryption(segments: list[Segment], repo: Repository) -> Encryption | None:
    """Whether the job encrypts what it backs up; None when nothing says either way."""
    off = search(_NOT_ENCRYPTED, segments, repo)
    if off is not None:
        return Encryption(encrypted=False, how=off.match.group(0), location=off.location)
    always = search(_ALWAYS_ENCRYPTED, segments, repo)
    if always is not None:
        tool = always.match.group(0).split()[0].lower()
        return Encryption(
            encrypted=True, how=f"{tool} repositories are encrypted", location=always.location
        )
    for how, pattern in _ENCRYPTED:
        found = search(pattern, segments, repo)
        if found is not None:
            return Encryption(encrypted=True, how=how, location=found.location)
    return None


def retention(
    segments: list[Segment], repo: Repository, interval: float | None
) -> Retention | None:
    """How long the job's own settings keep backups: restic/borg `--keep-*`, pgBackRest
    `repo-retention-full`, `wal-g delete retain`, `find -mtime +N -delete`, `*_KEEP_DAYS`."""
    kept: list[Retention] = []
    for segment in segments:
        for match in _KEEP.finditer(segment.text):
            unit, count = match.group(1).lower(), int(match.group(2))
            if unit == "last":
                seconds = count * interval if interval else None
            else:
                seconds = count * _KEEP_DAYS[unit] * _DAY
            kept.append(_kept(seconds, match, segment, repo))
        for match in _KEEP_WITHIN.finditer(segment.text):
            kept.append(_kept(_span(match.group(1)), match, segment, repo))
        for pattern in (_PGBACKREST_FULL, _WALG_RETAIN):
            for match in pattern.finditer(segment.text):
                count = int(match.group(1))
                by_time = pattern is _PGBACKREST_FULL and _PGBACKREST_TIME.search(segment.text)
                seconds = count * _DAY if by_time else (count * interval if interval else None)
                kept.append(_kept(seconds, match, segment, repo))
        for match in _MTIME.finditer(segment.text):
            kept.append(_kept(int(match.group(1)) * _DAY, match, segment, repo))
        for match in _ENV_KEEP.finditer(segment.text):
            factor = {"DAYS": 1, "WEEKS": 7, "MONTHS": 30}[match.group(1).upper()]
            kept.append(_kept(int(match.group(2)) * factor * _DAY, match, segment, repo))
    known = [k for k in kept if k.seconds is not None]
    if known:
        return max(known, key=lambda k: k.seconds or 0.0)
    return kept[0] if kept else None


def verification(name: str, segments: list[Segment], repo: Repository) -> Signal | None:
    """What makes this job a check of backups: a verify or restore command, or its name."""
    for how, pattern in _VERIFY:
        found = search(pattern, segments, repo)
        if found is not None:
            return Signal(how=how, location=found.location)
    if _VERIFY_NAME.search(name) and segments:
        return Signal(how=f"named {name}", location=segments[0].pieces[0].location)
    return None


def continuous_archiving(segments: list[Segment], repo: Repository) -> Signal | None:
    """WAL (or binlog) archiving, which gives point-in-time recovery between backups."""
    for how, pattern in _ARCHIVING:
        found = search(pattern, segments, repo)
        if found is not None:
            return Signal(how=how, location=found.location)
    return None


def _span(text: str) -> float:
    """Seconds in a restic/borg span such as `1y6m`, `30d` or `72h` (m is months)."""
    total = 0.0
    for number, unit in re.findall(r"(\d+)([yYmMwWdDhH])", text):
        total += int(number) * _UNIT_DAYS[unit.lower()] * _DAY
    return total


def _kept(
    seconds: float | None, match: re.Match[str], segment: Segment, repo: Repository
) -> Retention:
    token = match.group(0).strip()
    return Retention(
        seconds=seconds, how=token, location=segment.locate(match.start(), token, repo)
    )
