"""Mozilla's server-side TLS guidelines v6.0: the suites and keys each profile allows, and what
is wrong with the others."""

from __future__ import annotations

from golive.checks._tls_certificates import CURVES, Certificate

__all__ = ["PROFILE_TLS12", "PROFILE_TLS13", "key_problem", "weaknesses", "worst"]

# The suites each profile allows (IANA codes).
PROFILE_TLS12 = {
    "intermediate": frozenset({0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8}),
    "modern": frozenset[int](),
}
PROFILE_TLS13 = frozenset({0x1301, 0x1302, 0x1303})


def worst(kinds: dict[str, int]) -> str:
    """The weaknesses of the failing suites, most common first, in short words."""
    ranked = sorted(kinds, key=lambda kind: -kinds[kind])
    return ", ".join(f"{kind.split(' (')[0]}: {kinds[kind]}" for kind in ranked[:4])


def weaknesses(name: str) -> list[str]:
    """What is wrong with a suite, read from its IANA name."""
    exchange, _, cipher = name.removeprefix("TLS_").partition("_WITH_")
    if not cipher:
        return []  # a TLS 1.3 suite
    words = []
    if cipher.startswith("NULL"):
        words.append("NULL (no encryption)")
    if "EXPORT" in exchange:
        words.append("EXPORT grade")
    if "anon" in exchange:
        words.append("anonymous (no authentication)")
    if "RC4" in cipher:
        words.append("RC4")
    if "3DES" in cipher:
        words.append("3DES")
    elif "_DES" in f"_{cipher}" or "DES40" in cipher:
        words.append("DES")
    if "CBC" in cipher:
        words.append("CBC mode")
    if exchange == "RSA" or exchange.startswith("RSA_EXPORT"):
        words.append("RSA key exchange (no forward secrecy)")
    elif exchange.split("_")[0] in {"DH", "ECDH"} and "anon" not in exchange:
        words.append("static key exchange (no forward secrecy)")
    elif exchange.startswith("DHE"):
        words.append("DHE (dropped from the v6.0 profiles)")
    if cipher.endswith("_MD5"):
        words.append("MD5")
    return words


def key_problem(leaf: Certificate, profile: str) -> str | None:
    if leaf.key_kind == "ecdsa":
        return None if leaf.curve in CURVES else f"an {leaf.key} key (P-256 or P-384 only)"
    if leaf.key_kind == "rsa":
        if profile == "modern":
            return f"an {leaf.key} key (the modern profile allows ECDSA only)"
        return None if leaf.key_bits >= 2048 else f"an {leaf.key} key (RSA needs 2048 bits)"
    return f"an {leaf.key} key (ECDSA P-256/P-384 or RSA 2048+ only)"
