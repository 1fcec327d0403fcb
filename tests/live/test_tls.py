"""tls.versions, tls.certificate, tls.expiry, tls.ciphers and tls.redirect against real nginx
servers (well and badly configured), a raw TLS responder that speaks SSLv2/SSLv3 as told, and
sslscan on the same bad nginx."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from livekit import Nginx, Pki, free_port, make_pki, service
from pydantic import ValidationError

from golive.checks.base import Check
from golive.checks.tls import (
    ExpiryParams,
    TlsCertificate,
    TlsCiphers,
    TlsExpiry,
    TlsRedirect,
    TlsVersions,
    VersionsParams,
)
from golive.model import Outcome, Status, Target
from golive.probes import _tls_suites, _tls_wire, tls
from golive.probes.safety import PinnedTarget, ProbePolicy
from golive.testing import run_check

INTERMEDIATE = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)
# name -> (make_pki options, server directives)
SERVERS: dict[str, tuple[dict[str, object], str]] = {
    "good": ({}, f"ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers {INTERMEDIATE};"),
    "modern": ({}, "ssl_protocols TLSv1.3;"),
    "legacy": (
        {"key": "rsa2048"},
        "ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers 'ALL:@SECLEVEL=0'; ssl_dhparam {dh};",
    ),
    "weakkey": (
        {"key": "rsa1024"},
        f"ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers '{INTERMEDIATE}:@SECLEVEL=0';",
    ),
    "ccm13": (
        {},
        "ssl_protocols TLSv1.3; ssl_conf_command Ciphersuites "
        "TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256;",
    ),
    "expired": ({"days": -2, "not_before_days": -40}, "ssl_protocols TLSv1.2 TLSv1.3;"),
    "expiring": ({"days": 3}, "ssl_protocols TLSv1.2 TLSv1.3;"),
    "soon": ({"days": 20}, "ssl_protocols TLSv1.2 TLSv1.3;"),
    "otherhost": ({"hosts": ("other.example",)}, "ssl_protocols TLSv1.2 TLSv1.3;"),
    "selfsigned": ({"self_signed": True}, "ssl_protocols TLSv1.2 TLSv1.3;"),
    "expiredself": (
        {"self_signed": True, "days": -1, "not_before_days": -10},
        "ssl_protocols TLSv1.2 TLSv1.3;",
    ),
}
PLAIN = {
    "redirects": "return 301 https://$host:{good}$request_uri;",
    "serves": 'return 200 "plain hello";',
    "elsewhere": "return 301 https://example.com/;",
    "downgrade": "return 302 http://$host:{serves}/;",
    "refuses": "return 403;",
}


@dataclass(frozen=True, kw_only=True)
class Servers:
    ports: dict[str, int]
    pki: dict[str, Pki]

    def url(self, name: str) -> str:
        scheme = "http" if name in PLAIN else "https"
        return f"{scheme}://127.0.0.1:{self.ports[name]}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("tls")
    dh = root / "dh.pem"
    subprocess.run(
        ["openssl", "dhparam", "-dsaparam", "-out", str(dh), "2048"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    pki = {name: make_pki(root / name, **options) for name, (options, _) in SERVERS.items()}  # type: ignore[arg-type]
    blocks = [
        f"server {{ listen 127.0.0.1:{{{name}}} ssl; ssl_certificate {pki[name].cert}; "
        f"ssl_certificate_key {pki[name].key}; {directives.replace('{dh}', str(dh))} "
        'return 200 "ok"; }'
        for name, (_, directives) in SERVERS.items()
    ]
    blocks += [f"server {{ listen 127.0.0.1:{{{name}}}; {body} }}" for name, body in PLAIN.items()]
    with Nginx(root / "nginx", "\n".join(blocks)) as nginx:
        yield Servers(ports=nginx.ports, pki=pki)


def check(
    servers: Servers, cls: type[Check], name: str, *, trust: bool = True, **params: object
) -> Outcome:
    """Run `cls` on server `name`, its target trusting the server's CA (unless not `trust`)."""
    pki = servers.pki.get(name)
    svc = service(servers.url(name), ca=pki.ca if (trust and pki) else None)
    return run_check(cls, servers.pki["good"].ca.parent, service=svc, **params)


def target(url: str) -> PinnedTarget:
    policy = ProbePolicy([Target(name="t", url=url, allow_private=True)])
    return policy.target()


# --- a raw TLS responder: answers each ClientHello as its table says ------------------------------


def _offered(hello: bytes) -> tuple[int, list[int]]:
    """The version a ClientHello offers (SSLv2 records too) and its suites."""
    if hello[0] & 0x80:
        return 0x0002, [0]
    body = hello[9:]
    version = int.from_bytes(body[0:2], "big")
    at = 34 + 1 + body[34]
    size = int.from_bytes(body[at : at + 2], "big")
    suites = [int.from_bytes(body[i : i + 2], "big") for i in range(at + 2, at + 2 + size, 2)]
    at += 2 + size
    at += 1 + body[at]
    end = at + 2 + int.from_bytes(body[at : at + 2], "big")
    at += 2
    while at + 4 <= end:
        kind, size = int.from_bytes(body[at : at + 2], "big"), int.from_bytes(body[at + 2 : at + 4])
        if kind == 43:
            listed = body[at + 5 : at + 4 + size]
            version = max(
                int.from_bytes(listed[i : i + 2], "big") for i in range(0, len(listed), 2)
            )
        at += 4 + size
    return version, suites


def _server_hello(version: int, suite: int) -> bytes:
    if version == 0x0002:
        body = b"\x04\x00\x01\x00\x02\x00\x00\x00\x03\x00\x10" + b"\x01\x00\x80" + bytes(16)
        return (0x8000 | len(body)).to_bytes(2, "big") + body
    extensions = b""
    legacy = version
    if version == 0x0304:
        extensions = b"\x00\x2b\x00\x02\x03\x04"
        legacy = 0x0303
    body = legacy.to_bytes(2, "big") + bytes(32) + b"\x00" + suite.to_bytes(2, "big") + b"\x00"
    body += len(extensions).to_bytes(2, "big") + extensions
    message = b"\x02" + len(body).to_bytes(3, "big") + body
    return (
        b"\x16" + min(legacy, 0x0303).to_bytes(2, "big") + len(message).to_bytes(2, "big") + message
    )


class Responder:
    """A loopback server answering the first ClientHello of each connection by version:
    "accept" (a ServerHello), "alert:N", "close" or "garbage"."""

    def __init__(self, table: dict[int, str], *, only: set[int] | None = None) -> None:
        self.table = table
        self.only = only  # the suites it accepts (default: the first offered)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    hello = conn.recv(65536)
                    version, suites = _offered(hello)
                    action = self.table.get(version, "alert:70")
                    chosen = [c for c in suites if self.only is None or c in self.only]
                    if action == "accept" and not chosen:
                        action = "alert:40"
                    if action == "accept":
                        conn.sendall(_server_hello(version, chosen[0]))
                    elif action.startswith("alert:"):
                        conn.sendall(b"\x15\x03\x01\x00\x02\x02" + bytes([int(action[6:])]))
                    elif action == "garbage":
                        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
                except (OSError, IndexError, ValueError):
                    pass

    def __enter__(self) -> Responder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def responder_url(responder: Responder) -> str:
    return f"https://127.0.0.1:{responder.port}"


# --- tls.versions ------------------------------------------------------------------------------------


def test_versions_pass_on_tls12_and_13(servers: Servers) -> None:
    outcome = check(servers, TlsVersions, "good")
    assert outcome.status is Status.PASS, outcome
    assert "SSLv2 refused; SSLv3 refused; TLS 1.0 refused; TLS 1.1 refused" in (
        outcome.observed or ""
    )


def test_versions_min_version_spellings() -> None:
    for text in (1.3, "1.3", "TLSv1.3", "TLS 1.3"):
        assert VersionsParams.model_validate({"min_version": text}).min_version == "1.3"
    with pytest.raises(ValidationError, match="not a TLS version"):
        VersionsParams.model_validate({"min_version": "1.4"})


def test_versions_min_13(servers: Servers) -> None:
    assert check(servers, TlsVersions, "modern", min_version="1.3").status is Status.PASS
    outcome = check(servers, TlsVersions, "good", min_version="TLSv1.3")
    assert outcome.status is Status.FAIL
    assert "accepts TLS 1.2, below the minimum TLS 1.3" in outcome.summary


def test_versions_fail_on_tls10_and_11(servers: Servers) -> None:
    outcome = check(servers, TlsVersions, "legacy")
    assert outcome.status is Status.FAIL
    assert "accepts TLS 1.0, TLS 1.1, below the minimum TLS 1.2" in outcome.summary
    assert any("via OpenSSL" in f.message for f in outcome.findings)


def test_versions_fail_on_sslv2_and_sslv3() -> None:
    table = {0x0002: "accept", 0x0300: "accept"}
    with Responder(table) as server:
        outcome = run_check(TlsVersions, ".", service=service(responder_url(server)))
    assert outcome.status is Status.FAIL
    assert "accepts SSLv2, SSLv3" in outcome.summary
    assert all("hand-built ClientHello" in f.message for f in outcome.findings)


def test_versions_unknown_when_a_lower_version_proves_nothing() -> None:
    # SSLv3 answered with decode_error: the hand-built hello may be at fault -> not refused
    table = {0x0300: "alert:50", 0x0303: "accept", 0x0304: "accept"}
    with Responder(table) as server:
        outcome = run_check(TlsVersions, ".", service=service(responder_url(server)))
    assert outcome.status is Status.UNKNOWN, outcome
    assert "SSLv3 could not be tested" in outcome.summary
    assert "TLS 1.2 accepted" in (outcome.observed or "")


def test_versions_fail_when_nothing_from_the_minimum_is_accepted() -> None:
    with Responder({0x0301: "accept"}) as server:
        outcome = run_check(TlsVersions, ".", service=service(responder_url(server)))
    assert outcome.status is Status.FAIL
    assert "TLS 1.0" in outcome.summary


def test_versions_unknown_on_non_tls_and_closed_ports() -> None:
    table = dict.fromkeys((0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304), "garbage")
    with Responder(table) as server:
        outcome = run_check(TlsVersions, ".", service=service(responder_url(server)))
    assert outcome.status is Status.UNKNOWN
    assert "does not answer as a TLS server" in outcome.summary
    closed = run_check(TlsVersions, ".", service=service(f"https://127.0.0.1:{free_port()}"))
    assert closed.status is Status.UNKNOWN
    assert "no connection" in closed.summary


def test_plain_http_target_fails_the_tls_checks(servers: Servers) -> None:
    for cls in (TlsVersions, TlsCertificate, TlsExpiry, TlsCiphers):
        outcome = check(servers, cls, "serves")
        assert outcome.status is Status.FAIL, cls
        assert "the target is plain HTTP" in outcome.summary


def test_hand_built_hellos_agree_with_openssl(servers: Servers) -> None:
    """The hand-built ClientHello (used for SSLv2/SSLv3 and suites OpenSSL lacks) gets the
    same answers as OpenSSL's own for what both can offer."""
    legacy = target(servers.url("legacy"))
    for protocol in (tls.Protocol.TLSv1_0, tls.Protocol.TLSv1_2, tls.Protocol.TLSv1_3):
        older = tuple(code for code in _tls_suites.IANA if code not in tls.TLS13_SUITES)
        suites = tls.TLS13_SUITES if protocol is tls.Protocol.TLSv1_3 else older
        hello = _tls_wire.client_hello(protocol, suites, "127.0.0.1")
        raw = tls._judge(protocol, tls._ask(legacy, hello), via="raw", strict=True)
        assert raw.answer is tls.try_version(legacy, protocol).answer, protocol


# --- tls.certificate ---------------------------------------------------------------------------------


def test_certificate_pass_with_the_targets_ca(servers: Servers) -> None:
    outcome = check(servers, TlsCertificate, "good")
    assert outcome.status is Status.PASS
    assert outcome.facts["names"] == "localhost, 127.0.0.1"
    assert outcome.facts["issuer"] == "CN=golive test CA"


def test_certificate_ca_param(servers: Servers) -> None:
    without = check(servers, TlsCertificate, "good", trust=False)
    assert without.status is Status.FAIL
    assert "a CA that is not trusted" in without.summary
    # `ca` relative to the repository root, or absolute
    assert check(servers, TlsCertificate, "good", trust=False, ca="ca.pem").status is Status.PASS
    absolute = str(servers.pki["good"].ca)
    assert check(servers, TlsCertificate, "good", trust=False, ca=absolute).status is Status.PASS
    missing = check(servers, TlsCertificate, "good", trust=False, ca="missing.pem")
    assert missing.status is Status.UNKNOWN
    assert "does not exist" in missing.summary


def test_certificate_failures(servers: Servers) -> None:
    expired = check(servers, TlsCertificate, "expired")
    assert expired.status is Status.FAIL
    assert "expired on" in expired.summary
    other = check(servers, TlsCertificate, "otherhost")
    assert "issued for other.example, not 127.0.0.1" in other.summary
    selfsigned = check(servers, TlsCertificate, "selfsigned")
    assert "self-signed" in selfsigned.summary
    both = check(servers, TlsCertificate, "expiredself")
    assert "self-signed" in both.summary and "expired on" in both.summary
    weak = check(servers, TlsCertificate, "weakkey")
    assert weak.status is Status.FAIL
    assert "key too weak" in weak.summary


def test_certificate_and_expiry_unknown_without_a_handshake() -> None:
    with Responder({}) as server:  # every hello gets alert protocol_version
        for cls in (TlsCertificate, TlsExpiry):
            outcome = run_check(cls, ".", service=service(responder_url(server)))
            assert outcome.status is Status.UNKNOWN, cls
            assert "protocol_version" in outcome.summary


# --- tls.expiry --------------------------------------------------------------------------------------


def test_expiry(servers: Servers) -> None:
    good = check(servers, TlsExpiry, "good")
    assert good.status is Status.PASS
    assert any("private CA" in f.message for f in good.findings)
    assert check(servers, TlsExpiry, "soon").status is Status.WARN
    assert check(servers, TlsExpiry, "expiring").status is Status.FAIL
    expired = check(servers, TlsExpiry, "expired")
    assert expired.status is Status.FAIL
    assert "expired on" in expired.summary
    assert check(servers, TlsExpiry, "good", warn=">=90d").status is Status.WARN
    assert check(servers, TlsExpiry, "good", fail=">= 61 d").status is Status.FAIL


def test_expiry_thresholds_say_what_must_remain() -> None:
    with pytest.raises(ValidationError, match="must remain"):
        ExpiryParams.model_validate({"warn": "<30d"})
    with pytest.raises(ValidationError):
        ExpiryParams.model_validate({"fail": ">=7 req/s"})


def test_lifetime_rule_for_public_certificates() -> None:
    from golive.checks import _tls_certificates as certificates

    def leaf(start: str, days: int) -> certificates.Certificate:
        import datetime as dt

        begin = dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
        return certificates.Certificate(
            subject="CN=x", issuer="CN=ca", dns=("x",), ips=(), not_before=begin,
            not_after=begin + dt.timedelta(days=days), self_signed=False, key="ECDSA P-256",
            key_kind="ecdsa", key_bits=256, curve="secp256r1", fingerprint="00",
        )  # fmt: skip

    public = tls.Verification(chain=(), verified=True, code=None, message=None)
    private = tls.Verification(chain=(), verified=False, code=20, message="unable to get issuer")
    assert certificates.judge_lifetime(public, leaf("2026-01-10", 397)) == (None, None)
    assert certificates.judge_lifetime(public, leaf("2026-01-10", 399))[0] is not None
    assert certificates.judge_lifetime(public, leaf("2026-04-01", 199)) == (None, None)
    warning = certificates.judge_lifetime(public, leaf("2026-04-01", 201))[0]
    assert warning is not None and "200-day maximum" in warning
    assert "100-day" in (certificates.judge_lifetime(public, leaf("2027-06-01", 120))[0] or "")
    assert "47-day" in (certificates.judge_lifetime(public, leaf("2029-06-01", 60))[0] or "")
    assert certificates.judge_lifetime(private, leaf("2026-04-01", 3650))[0] is None


# --- tls.ciphers -------------------------------------------------------------------------------------


def test_ciphers_pass_on_intermediate(servers: Servers) -> None:
    outcome = check(servers, TlsCiphers, "good")
    assert outcome.status is Status.PASS, outcome
    assert outcome.facts["TLSv1_2_suites"] == 3  # the ECDSA half of the six
    assert outcome.facts["TLSv1_3_suites"] == 3
    assert outcome.facts["keys"] == "ECDSA P-256"


def test_ciphers_modern(servers: Servers) -> None:
    assert check(servers, TlsCiphers, "modern", profile="modern").status is Status.PASS
    outcome = check(servers, TlsCiphers, "good", profile="modern")
    assert outcome.status is Status.FAIL
    assert any("TLS 1.3 only" in f.message for f in outcome.findings)


def test_ciphers_fail_on_legacy(servers: Servers) -> None:
    outcome = check(servers, TlsCiphers, "legacy")
    assert outcome.status is Status.FAIL
    messages = "\n".join(f.message for f in outcome.findings)
    for word in ("CBC mode", "RSA key exchange", "anonymous", "DHE"):
        assert word in messages, word
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" not in messages  # in the profile


def test_ciphers_fail_on_weak_key_and_tls13_ccm(servers: Servers) -> None:
    weak = check(servers, TlsCiphers, "weakkey")
    assert weak.status is Status.FAIL
    assert any("RSA 1024 key" in f.message for f in weak.findings)
    ccm = check(servers, TlsCiphers, "ccm13")
    assert ccm.status is Status.FAIL
    assert any("TLS_AES_128_CCM_SHA256" in f.message for f in ccm.findings)


def test_ciphers_found_beyond_this_openssl() -> None:
    """3DES and RC4, which this machine's OpenSSL cannot offer, are found by hand-built hellos."""
    rsa_3des, rsa_rc4, good = 0x000A, 0x0005, 0xC02F
    with Responder({0x0303: "accept"}, only={rsa_3des, rsa_rc4, good}) as server:
        outcome = run_check(TlsCiphers, ".", service=service(responder_url(server)))
    assert outcome.status is Status.FAIL
    messages = "\n".join(f.message for f in outcome.findings)
    assert "TLS_RSA_WITH_3DES_EDE_CBC_SHA: 3DES, CBC mode, RSA key exchange" in messages
    assert "TLS_RSA_WITH_RC4_128_SHA: RC4" in messages
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" not in messages
    assert outcome.facts["TLSv1_2_suites"] == 3


def test_ciphers_unknown_without_tls() -> None:
    table = dict.fromkeys((0x0303, 0x0304), "garbage")
    with Responder(table) as server:
        outcome = run_check(TlsCiphers, ".", service=service(responder_url(server)))
    assert outcome.status is Status.UNKNOWN
    closed = run_check(TlsCiphers, ".", service=service(f"https://127.0.0.1:{free_port()}"))
    assert closed.status is Status.UNKNOWN


# --- tls.redirect ------------------------------------------------------------------------------------


def test_redirect(servers: Servers) -> None:
    def redirect(plain: str) -> Outcome:
        return check(servers, TlsRedirect, "good", http_port=servers.ports[plain])

    passing = redirect("redirects")
    assert passing.status is Status.PASS
    assert "301 (permanent)" in passing.summary
    assert redirect("serves").status is Status.FAIL
    assert "another host (example.com)" in redirect("elsewhere").summary
    assert "to plain HTTP" in redirect("downgrade").summary
    assert redirect("refuses").status is Status.WARN
    nothing = check(servers, TlsRedirect, "good", http_port=free_port())
    assert nothing.status is Status.WARN
    assert "nothing answers plain HTTP" in nothing.summary


def test_redirect_of_a_plain_target(servers: Servers) -> None:
    assert check(servers, TlsRedirect, "redirects").status is Status.PASS
    assert check(servers, TlsRedirect, "serves").status is Status.FAIL


# --- sslscan, on the same bad nginx -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("sslscan") is None, reason="sslscan is not installed")
def test_agrees_with_sslscan(servers: Servers) -> None:
    for name in ("legacy", "ccm13"):
        port = servers.ports[name]
        run = subprocess.run(
            ["sslscan", "--no-colour", "--xml=-", f"127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        document = ET.fromstring(run.stdout[run.stdout.index("<?xml") :])
        scanned = {
            ("SSLv" if p.get("type") == "ssl" else "TLS ") + str(p.get("version")): p.get("enabled")
            == "1"
            for p in document.iter("protocol")
        }
        where = target(servers.url(name))
        for protocol in tls.Protocol:
            attempt = tls.try_version(where, protocol)
            expected = tls.Answer.ACCEPTED if scanned[protocol.label] else tls.Answer.REFUSED
            # where sslscan says "enabled" golive must too; where it says "disabled" golive may
            # only be refused or, when it cannot offer the version, untested
            if expected is tls.Answer.ACCEPTED:
                assert attempt.answer is tls.Answer.ACCEPTED, (name, protocol)
            else:
                assert attempt.answer is not tls.Answer.ACCEPTED, (name, protocol)
        for protocol, label in (
            (tls.Protocol.TLSv1_2, "TLSv1.2"),
            (tls.Protocol.TLSv1_3, "TLSv1.3"),
        ):
            theirs = {
                int(str(c.get("id")), 16)
                for c in document.iter("cipher")
                if c.get("sslversion") == label
            }
            ours = {s.code for s in tls.accepted_suites(where, protocol).accepted}
            assert ours == theirs, (name, protocol, sorted(ours ^ theirs))
