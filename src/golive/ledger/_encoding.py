"""Byte-exact encodings the ledger signs and hashes: canonical JSON, base64, SHA-256."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

__all__ = ["b64decode", "b64encode", "canonical", "sha256"]


def canonical(value: Any) -> bytes:
    """`value` as JSON with sorted keys and no spaces: the same data always gives the same bytes."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not (DSSE allows either); ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("not a base64 string")
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None
