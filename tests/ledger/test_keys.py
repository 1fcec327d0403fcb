"""Keys: golive's own and OpenSSH's, their ids as ssh-keygen shows them, and their files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from golive.ledger.keys import (
    KeyFileError,
    key_id,
    load_private_key,
    new_private_key,
    parse_public_key,
    private_key_pem,
    public_key_text,
    write_private_key,
)

SSH_KEYGEN = shutil.which("ssh-keygen")


def test_a_new_key_file_is_for_its_owner_alone(tmp_path: Path) -> None:
    key = new_private_key()
    path = tmp_path / "keys" / "me.pem"
    write_private_key(path, private_key_pem(key))
    assert path.stat().st_mode & 0o777 == 0o600
    assert key_id(load_private_key(path).public_key()) == key_id(key.public_key())
    with pytest.raises(KeyFileError, match="does not overwrite"):
        write_private_key(path, private_key_pem(key))


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "me.pem"
    write_private_key(path, private_key_pem(new_private_key()))
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_private_key(path)


def test_an_encrypted_key_needs_its_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "me.pem"
    write_private_key(path, private_key_pem(new_private_key(), b"correct horse"))
    with pytest.raises(KeyFileError, match="encrypted"):
        load_private_key(path)
    with pytest.raises(KeyFileError):
        load_private_key(path, b"wrong")
    assert load_private_key(path, b"correct horse")


def test_public_keys_are_read_in_openssh_and_pem_form() -> None:
    key = new_private_key().public_key()
    from cryptography.hazmat.primitives import serialization

    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    assert key_id(parse_public_key(public_key_text(key, "me@host"))) == key_id(key)
    assert key_id(parse_public_key(pem)) == key_id(key)
    with pytest.raises(KeyFileError, match="expected"):
        parse_public_key("AAAAC3NzaC1lZDI1NTE5")


@pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen is not installed")
@pytest.mark.parametrize("passphrase", ["", "open sesame"])
def test_an_ssh_key_signs_and_its_id_is_what_ssh_keygen_prints(
    tmp_path: Path, passphrase: str
) -> None:
    assert SSH_KEYGEN is not None
    path = tmp_path / "id_ed25519"
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", passphrase, "-f", str(path), "-C", "me"],
        check=True,
    )
    key = load_private_key(path, passphrase.encode() or None)
    printed = subprocess.run(
        [SSH_KEYGEN, "-l", "-f", str(path.with_suffix(".pub"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[1]
    assert key_id(key.public_key()) == printed
    assert key_id(parse_public_key(path.with_suffix(".pub").read_text())) == printed


@pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen is not installed")
def test_an_rsa_key_is_refused_by_name(tmp_path: Path) -> None:
    assert SSH_KEYGEN is not None
    path = tmp_path / "id_rsa"
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(path)], check=True
    )
    with pytest.raises(KeyFileError, match="Ed25519"):
        load_private_key(path)
    with pytest.raises(KeyFileError, match="not an Ed25519 key"):
        parse_public_key(path.with_suffix(".pub").read_text())
