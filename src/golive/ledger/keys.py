"""Ed25519 keys: made by golive or taken from OpenSSH, named by their SHA-256 fingerprint.

A public key is written the OpenSSH way (`ssh-ed25519 AAAA... comment`) and identified as
`ssh-keygen -l` shows it (`SHA256:...`), so people can compare ids with the tools they know.
A private key is a PKCS#8 PEM file (passphrase-encrypted when asked) or an OpenSSH key file;
golive writes it with permissions 0600 and never copies it anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "EncryptedKeyError",
    "KeyFileError",
    "key_id",
    "load_private_key",
    "new_private_key",
    "parse_public_key",
    "private_key_pem",
    "public_key_text",
    "write_private_key",
]


class KeyFileError(ValueError):
    """A key cannot be read or used; the message says why and what to do."""


class EncryptedKeyError(KeyFileError):
    """The key is encrypted and no passphrase was given."""


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_text(key: Ed25519PublicKey, comment: str = "") -> str:
    text = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return text.decode("ascii") + (f" {comment}" if comment else "")


def key_id(key: Ed25519PublicKey) -> str:
    """The key's OpenSSH fingerprint: `SHA256:` and the unpadded base64 of its blob's hash."""
    blob = base64.b64decode(public_key_text(key).split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key written as `ssh-ed25519 AAAA...` or as a PEM block."""
    stripped = text.strip()
    try:
        if stripped.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(stripped.encode())
        elif stripped.startswith("ssh-"):
            key = serialization.load_ssh_public_key(stripped.encode())
        else:
            raise KeyFileError('expected "ssh-ed25519 AAAA..." or a PEM public key')
    except (ValueError, TypeError) as error:
        raise KeyFileError(f"not a public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"not an Ed25519 key ({type(key).__name__.removeprefix('_')})")
    return key


def private_key_pem(key: Ed25519PrivateKey, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def write_private_key(path: Path, data: bytes) -> None:
    """Create `path` for the owner alone (0600) and write the key; an existing file stays."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} exists; golive does not overwrite a key") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def load_private_key(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """A private key from a PKCS#8 PEM file or an OpenSSH key file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"{path}: cannot read the key: {error.strerror or error}") from None
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise KeyFileError(
            f"{path}: other users can read this private key; chmod 600 {path} (as ssh requires)"
        )
    key: object
    try:
        if b"BEGIN OPENSSH PRIVATE KEY" in data:
            key = serialization.load_ssh_private_key(data, passphrase)
        else:
            key = serialization.load_pem_private_key(data, passphrase)
    except TypeError as error:  # a passphrase is missing, or given for a plain key
        if passphrase is None:
            raise EncryptedKeyError(f"{path}: it is encrypted: give its passphrase") from None
        raise KeyFileError(f"{path}: {error}") from None
    except ValueError as error:
        raise KeyFileError(f"{path}: not a usable private key ({error})") from None
    except ImportError:
        raise KeyFileError(f"{path}: encrypted OpenSSH keys need the bcrypt package") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key; golive signs with Ed25519 only")
    return key
