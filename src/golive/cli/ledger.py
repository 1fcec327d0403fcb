"""`golive keys`, `attest`, `waive`, `approve` and `records`: the signed evidence of `.golive/`.

Private keys never enter the repository: `--key FILE` (or the GOLIVE_KEY variable) names
one, its passphrase comes from GOLIVE_KEY_PASSPHRASE or a prompt.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from golive.cli._app import existing_dir, fail, guard, stderr

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from golive.checklist import Checklist
    from golive.ledger import Signer, Signers
    from golive.model import Item

__all__ = ["load_key", "register", "signers_for"]

keys_app = typer.Typer(
    name="keys", help="Make and show Ed25519 signing keys.", no_args_is_help=True
)

_Repo = Annotated[Path, typer.Option("--path", "-C", help="The repository (default: here).")]
_Config = Annotated[
    Path | None, typer.Option("--config", "-c", help="The checklist file (default: golive.toml).")
]
_Key = Annotated[
    Path | None,
    typer.Option(
        "--key",
        "-k",
        help="Your private key: a golive PEM key or an OpenSSH ed25519 key "
        "(default: the file GOLIVE_KEY names).",
    ),
]
_SignersOption = Annotated[
    Path | None,
    typer.Option("--signers", help="The signers file (default: .golive/signers.toml)."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app)
    app.command("attest")(attest)
    app.command("waive")(waive)
    app.command("approve")(approve)
    app.command("records")(records)


# --- keys ---------------------------------------------------------------------------------------


def _default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "golive" / "signing-key.pem"


@keys_app.command("new")
def keys_new(
    signer: Annotated[
        str, typer.Option("--signer", "-s", help="Your handle in signers.toml, e.g. alice.")
    ],
    roles: Annotated[
        list[str], typer.Option("--role", "-r", help="A role you sign in (repeatable).")
    ] = [],  # noqa: B006 -- typer reads, never mutates, the default
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Where to write the private key (default: ~/.config/golive/)."
        ),
    ] = None,
    from_ssh: Annotated[
        Path | None,
        typer.Option("--from-ssh", help="Use this OpenSSH ed25519 key instead of a new one."),
    ] = None,
    passphrase: Annotated[
        bool, typer.Option("--passphrase", help="Encrypt the new key with a passphrase.")
    ] = False,
    add: Annotated[
        bool, typer.Option("--add", help="Add the public key to the repository's signers file.")
    ] = False,
    repo: _Repo = Path(),
) -> None:
    """Make an Ed25519 key pair (the private key readable by you alone) and print the
    entry for .golive/signers.toml; with --from-ssh, use an SSH key you already have."""
    with guard():
        from golive.ledger.keys import (
            KeyFileError,
            key_id,
            new_private_key,
            private_key_pem,
            public_key_text,
            write_private_key,
        )

        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", signer):
            fail(f'--signer "{signer}": use letters, digits, ".", "_" or "-"')
        try:
            if from_ssh is not None:
                key = _private_key(from_ssh, ask=False)
                where = from_ssh
            else:
                where = out or _default_key_path()
                if ".golive" in where.resolve().parts:
                    fail(f"{where}: a private key never goes into .golive/ (it is committed)")
                secret = _new_passphrase() if passphrase else None
                key = new_private_key()
                write_private_key(where, private_key_pem(key, secret))
        except KeyFileError as error:
            fail(str(error))
        public = public_key_text(key.public_key(), signer)
        entry = _entry(signer, public, roles)
        if add:
            _add_signer(existing_dir(repo), signer, entry, key_id(key.public_key()))
        sys.stdout.write(
            f"private key: {where} (keep it; golive never copies it)\n"
            f"key id:      {key_id(key.public_key())}\n\n{entry}"
        )


@keys_app.command("show")
def keys_show(key: Annotated[Path, typer.Argument(help="A private or public key file.")]) -> None:
    """Print a key's public half and its id (SHA256 fingerprint, as ssh-keygen -l shows)."""
    with guard():
        from golive.ledger.keys import (
            KeyFileError,
            key_id,
            parse_public_key,
            public_key_text,
        )

        try:
            text = key.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            fail(f"{key}: {error.strerror or error}")
        try:
            if "PRIVATE KEY" in text:
                public = _private_key(key, ask=True).public_key()
            else:
                public = parse_public_key(text)
        except KeyFileError as error:
            fail(str(error))
        sys.stdout.write(f"{public_key_text(public)}\n{key_id(public)}\n")


def _entry(signer: str, public: str, roles: list[str]) -> str:
    listed = ", ".join(f'"{r}"' for r in roles)
    return f'[signers.{signer}]\nkey = "{public}"\nroles = [{listed}]\n'


def _add_signer(root: Path, handle: str, entry: str, keyid: str) -> None:
    from golive.ledger import SIGNERS_FILE, load_signers

    path = root / SIGNERS_FILE
    present = load_signers(path, display=SIGNERS_FILE)
    if present.by_handle(handle) is not None:
        fail(f"{SIGNERS_FILE} already has a signer {handle}")
    if present.by_keyid(keyid) is not None:
        fail(f"{SIGNERS_FILE} already has this key (signer {present.by_keyid(keyid)})")
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    gap = (
        "" if not before or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
    )
    path.write_text(before + gap + entry, encoding="utf-8")
    stderr.print(f"golive: added {handle} to {SIGNERS_FILE}; commit it for review", markup=False)


def _private_key(path: Path, *, ask: bool) -> Ed25519PrivateKey:
    """The private key at `path`. An encrypted one takes its passphrase from
    GOLIVE_KEY_PASSPHRASE, or, when `ask`, from a prompt on a terminal."""
    from golive.ledger.keys import EncryptedKeyError, load_private_key

    given = os.environ.get("GOLIVE_KEY_PASSPHRASE")
    try:
        return load_private_key(path, given.encode() if given else None)
    except EncryptedKeyError:
        if given or not ask or not sys.stdin.isatty():
            raise
    answer: str = typer.prompt(f"passphrase for {path}", hide_input=True)
    return load_private_key(path, answer.encode())


def _new_passphrase() -> bytes:
    given = os.environ.get("GOLIVE_KEY_PASSPHRASE")
    if given:
        return given.encode()
    if not sys.stdin.isatty():
        fail("--passphrase: set GOLIVE_KEY_PASSPHRASE, or run on a terminal to be asked")
    text: str = typer.prompt("passphrase", hide_input=True, confirmation_prompt=True)
    if len(text) < 8:
        fail("a passphrase of fewer than 8 characters protects nothing")
    return text.encode()


def load_key(key: Path | None) -> Ed25519PrivateKey:
    """The signing key the person named, or GOLIVE_KEY's; a clear exit 2 otherwise."""
    from golive.ledger.keys import KeyFileError

    path = key or (Path(os.environ["GOLIVE_KEY"]) if os.environ.get("GOLIVE_KEY") else None)
    if path is None:
        fail("no signing key: give --key FILE or set GOLIVE_KEY (make one: golive keys new)")
    try:
        return _private_key(path, ask=True)
    except KeyFileError as error:
        fail(str(error))


def signers_for(root: Path, given: Path | None) -> Signers:
    from golive.ledger import SIGNERS_FILE, load_signers

    if given is not None:
        if not given.is_file():
            fail(f"--signers {given}: no such file")
        return load_signers(given)
    return load_signers(root / SIGNERS_FILE, display=SIGNERS_FILE)


def _signer(key: Ed25519PrivateKey, signers: Signers) -> Signer:
    from golive.ledger.keys import key_id, public_key_text

    keyid = key_id(key.public_key())
    found = signers.by_keyid(keyid)
    if found is None:
        where = signers.source or ".golive/signers.toml (missing)"
        fail(
            f"your key {keyid} is not in {where}; add it (golive keys new --from-ssh/--add, or "
            f'this line under [signers.YOU]: key = "{public_key_text(key.public_key())}")'
        )
    return found


# --- attest, waive, approve ---------------------------------------------------------------------


def _checklist(root: Path, config: Path | None) -> Checklist:
    from golive.checklist import load_checklist
    from golive.checks.registry import Registry

    return load_checklist(root, Registry.discover(), config=config)


def _item(checklist: Checklist, wanted: str) -> Item:
    from golive.checklist._errors import did_you_mean

    item = checklist.item(wanted)
    if item is None:
        hint = did_you_mean(wanted, [i.id for i in checklist.items])
        fail(f"no item {wanted} in the checklist{hint}")
    return item


def _until(text: str, start: dt.datetime, *, option: str) -> dt.datetime:
    """An expiry: a duration from now ("90d", "quarterly") or a date ("2027-02-20")."""
    from golive.thresholds import ThresholdError, parse_duration

    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    else:
        return dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=dt.UTC)
    try:
        return start + dt.timedelta(seconds=parse_duration(text))
    except ThresholdError as error:
        fail(f"{option} {text}: {error}")


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _write_record(root: Path, folder: str, name: str, text: str) -> Path:
    """Writes a new record file, never over another: a second record of the same item in
    the same second gets `-2` (then `-3`...) before `.json`."""
    first = root / folder / name
    try:
        first.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot write {first.parent}: {error.strerror or error}")
    names = (first, *(first.with_name(f"{first.stem}-{n}{first.suffix}") for n in range(2, 100)))
    path = next((path for path in names if _created(path, text)), None)
    if path is None:
        fail(f"{first} and 98 more like it exist; wait a second and sign again")
    return path


def _created(path: Path, text: str) -> bool:
    """Writes `text` to `path` unless it exists (then False)."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        return False
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror or error}")
    return True


def attest(
    item: Annotated[str, typer.Argument(help="The checklist item you sign off.")],
    evidence: Annotated[
        str,
        typer.Option("--evidence", "-e", help="A link to what shows it (report, ticket, doc)."),
    ],
    role: Annotated[
        str | None, typer.Option("--role", "-r", help="The role you sign in (the item's).")
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="90d, quarterly or a date (default: the item's longest)."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-n", help="A short remark.")] = None,
    key: _Key = None,
    repo: _Repo = Path(),
    config: _Config = None,
    signers_file: _SignersOption = None,
) -> None:
    """Sign off ITEM: a signed in-toto Statement under .golive/attestations/ for this
    service at this commit and version, valid until it expires."""
    with guard():
        from golive.ledger.records import sign_off_envelope
        from golive.ledger.subject import has_changes, subject_of
        from golive.thresholds import parse_duration

        root = existing_dir(repo)
        checklist = _checklist(root, config)
        chosen = _item(checklist, item)
        if chosen.attest is None:
            fail(f"{item} takes no sign-off: its checks verify it (see golive explain {item})")
        needed = chosen.attest
        if role is not None and role != needed.role:
            fail(f"{item} needs a sign-off by {needed.role}, not {role}")
        private = load_key(key)
        signer = _signer(private, signers_for(root, signers_file))
        if needed.role not in signer.roles:
            fail(
                f"{signer.handle} does not have the {needed.role} role in signers.toml "
                f"(has: {', '.join(sorted(signer.roles)) or 'none'})"
            )
        if not re.match(r"^(https?://\S+|[^\s:]+)$", evidence.strip()):
            fail(f"--evidence {evidence}: give a URL or a path in the repository")
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        longest = now + dt.timedelta(seconds=parse_duration(needed.expires))
        until = _until(expires, now, option="--expires") if expires else longest
        if until > longest + dt.timedelta(days=1):
            fail(
                f"{item} allows a sign-off for {needed.expires} at most (until {longest:%Y-%m-%d})"
            )
        if until <= now:
            fail(f"--expires {expires}: that is not in the future")
        subject = subject_of(root, checklist.service, checklist.version)
        envelope = sign_off_envelope(
            subject,
            item=item,
            role=needed.role,
            evidence=evidence.strip(),
            signer=signer.handle,
            signed_at=now,
            expires=until,
            note=note,
        ).signed(private)
        from golive.ledger import ATTESTATIONS_DIR

        path = _write_record(
            root,
            ATTESTATIONS_DIR,
            f"{item}--{signer.handle}--{_stamp(now)}.json",
            envelope.to_json(),
        )
        if has_changes(root):
            stderr.print(
                "golive: note: the work tree has uncommitted changes; the sign-off names "
                f"commit {(subject.commit or '?')[:12]}",
                markup=False,
            )
        sys.stdout.write(
            f"signed off {item} as {signer.handle} ({needed.role}) for {subject.describe()}, "
            f"until {until:%Y-%m-%d}\nwrote {path.relative_to(root)}; commit it\n"
        )


def waive(
    item: Annotated[str, typer.Argument(help="The checklist item to waive.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the item may fail for now.")],
    expires: Annotated[str, typer.Option("--expires", help="30d, or a date: 2027-01-31.")],
    findings: Annotated[
        list[str],
        typer.Option(
            "--finding", "-f", help="Waive only this finding (its fingerprint; repeatable)."
        ),
    ] = [],  # noqa: B006 -- typer reads, never mutates, the default
    review: Annotated[
        Path | None,
        typer.Option(
            "--review",
            help="A JSON report (golive check -f json=FILE): each --finding must be one of "
            "ITEM's open findings there.",
        ),
    ] = None,
    key: _Key = None,
    repo: _Repo = Path(),
    config: _Config = None,
    signers_file: _SignersOption = None,
) -> None:
    """Waive ITEM (or some of its findings) until a date, with a reason, signed by you as its
    owner. A must item's waiver also needs an approver's signature (golive approve)."""
    with guard():
        from golive.ledger import WAIVERS_DIR
        from golive.ledger.records import waiver_envelope
        from golive.ledger.subject import subject_of
        from golive.model import Level

        root = existing_dir(repo)
        checklist = _checklist(root, config)
        chosen = _item(checklist, item)
        if not reason.strip():
            fail("--reason: a waiver needs a reason")
        for fingerprint in findings:
            if not fingerprint.strip() or any(c.isspace() for c in fingerprint):
                fail(f'--finding "{fingerprint}": give the fingerprint as the report shows it')
        if review is not None:
            _against_review(review, item, findings)
        elif findings:
            stderr.print(
                "golive: note: the fingerprints were not checked against a review (--review "
                "FILE checks them); one that matches nothing is listed as an unused waiver",
                markup=False,
            )
        private = load_key(key)
        signer = _signer(private, signers_for(root, signers_file))
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        until = _until(expires, now, option="--expires")
        if until <= now:
            fail(f"--expires {expires}: that is not in the future")
        longest = dt.timedelta(seconds=checklist.policy.max_waiver)
        if until - now > longest:
            stderr.print(
                f"golive: note: longer than the policy's {longest.days} d; every review will "
                "list it as over-broad",
                markup=False,
            )
        subject = subject_of(root, checklist.service, checklist.version)
        envelope = waiver_envelope(
            subject,
            item=item,
            reason=reason.strip(),
            owner=signer.handle,
            signed_at=now,
            expires=until,
            findings=tuple(findings),
        ).signed(private)
        path = _write_record(root, WAIVERS_DIR, f"{item}--{_stamp(now)}.json", envelope.to_json())
        scope = f"{len(set(findings))} finding(s) of {item}" if findings else item
        sys.stdout.write(f"waived {scope} until {until:%Y-%m-%d}\nwrote {path.relative_to(root)}\n")
        approvers = set(checklist.policy.approvers)
        if chosen.level is Level.MUST and not approvers & signer.roles:
            sys.stdout.write(
                f"{item} is a must item: the waiver counts once a signer with the "
                f"{' or '.join(sorted(approvers))} role approves it:\n"
                f"  golive approve {path.relative_to(root)}\n"
            )


def _against_review(path: Path, item: str, findings: list[str]) -> None:
    """Refuses fingerprints that are not open findings of ITEM in the JSON report at PATH,
    and says so when the waiver would have nothing to cover there."""
    from golive.report.baseline import BaselineError, fingerprints_then, load_baseline

    try:
        report = load_baseline(path)
    except BaselineError as error:
        fail(f"--review {error}")
    entry = next((e for e in report["items"] if isinstance(e, dict) and e.get("id") == item), None)
    if entry is None:
        fail(f"--review {path}: {item} is not in that review")
    open_now = fingerprints_then(entry)
    unknown = [f for f in dict.fromkeys(findings) if f not in open_now]
    if unknown:
        listed = ", ".join(sorted(open_now)[:12]) + (" ..." if len(open_now) > 12 else "")
        fail(
            f"--finding {', '.join(unknown)}: not an open finding of {item} in {path} "
            + (f"(its open findings: {listed})" if open_now else "(it has none there)")
        )
    status = entry.get("status")
    if not findings and status in {"pass", "not_applicable", "waived"}:
        stderr.print(
            f"golive: note: {item} is {status} in {path}; the waiver covers nothing there "
            "and every review will list it as unused while that lasts",
            markup=False,
        )


def approve(
    record: Annotated[Path, typer.Argument(help="The waiver (or sign-off) file to co-sign.")],
    key: _Key = None,
    repo: _Repo = Path(),
    signers_file: _SignersOption = None,
) -> None:
    """Add your signature to a waiver (or sign-off) record, after checking that the
    signatures it has still hold, i.e. nobody changed it since."""
    with guard():
        from golive.ledger import RecordError, parse_record

        root = existing_dir(repo)
        try:
            text = record.read_bytes()
        except OSError as error:
            fail(f"{record}: {error.strerror or error}")
        try:
            parsed = parse_record(text)
        except RecordError as error:
            fail(f"{record}: not a sign-off or waiver record: {error}")
        signers = signers_for(root, signers_file)
        envelope = parsed.envelope
        held = envelope.verified_by(signers.keys)
        if len(held) != len(envelope.signatures):
            fail(
                f"{record}: {len(envelope.signatures) - len(held)} of its signature(s) do not "
                "hold (changed since signing, or by a key not in signers.toml); not approving"
            )
        private = load_key(key)
        signer = _signer(private, signers)
        signed = envelope.signed(private)
        if signed is envelope:
            fail(f"{record}: {signer.handle} has signed it already")
        record.write_text(signed.to_json(), encoding="utf-8")
        sys.stdout.write(
            f"{signer.handle} ({', '.join(sorted(signer.roles))}) approved the {parsed.kind} "
            f"of {parsed.item}\n"
        )


def records(
    repo: Annotated[Path, typer.Argument(help="The repository.")] = Path(),
    config: _Config = None,
    signers_file: _SignersOption = None,
) -> None:
    """List the sign-offs and waivers of .golive/ and whether each holds: signature, signer,
    subject, expiry. Exit 1 when one is refused."""
    with guard():
        from golive.ledger import judge
        from golive.ledger.ledger import read_records
        from golive.ledger.subject import subject_of

        root = existing_dir(repo)
        checklist = _checklist(root, config)
        signers = signers_for(root, signers_file)
        subject = subject_of(root, checklist.service, checklist.version)
        now = dt.datetime.now(dt.UTC)
        found = read_records(root)
        if not found:
            sys.stdout.write("no sign-off or waiver records in .golive/\n")
            return
        refused = 0
        for path, data in found:
            verdict = judge(
                path, data, signers=signers, subject=subject, policy=checklist.policy, now=now
            )
            record = verdict.record
            who = ", ".join(s.handle for s in verdict.signers) or "nobody"
            what = f"{record.kind} of {record.item}" if record is not None else verdict.kind
            if verdict.problem is not None:
                refused += 1
                sys.stdout.write(f"✗ {path}\n    {what}: refused: {verdict.problem}\n")
                continue
            assert record is not None
            state = "expired" if record.expires <= now else f"until {record.expires:%Y-%m-%d}"
            sys.stdout.write(f"✓ {path}\n    {what}, signed by {who}, {state}\n")
        if refused:
            raise typer.Exit(1)
