"""Live TLS checks: protocol versions, the certificate (chain, name, dates, lifetime), cipher
suites and keys against Mozilla's server-side TLS guidelines v6.0, and the redirect from plain
HTTP to HTTPS.

Every handshake goes to the target's pinned address with the target's host name as SNI (see
`golive.probes.tls`); all of them are passive probes. A target whose URL is http:// fails
every check here but `tls.redirect`, which then judges that plain origin itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urljoin, urlsplit

from pydantic import BeforeValidator, Field, PlainSerializer

from golive.checks._live import LiveParams, pinned
from golive.checks._tls_certificates import (
    failure_reasons,
    judge_lifetime,
    read_certificate,
    served_leaf,
    utc_now,
    verify_chain,
    when,
)
from golive.checks._tls_profiles import PROFILE_TLS12, PROFILE_TLS13, key_problem, weaknesses, worst
from golive.checks.base import (
    Check,
    Ending,
    Facts,
    Unknown,
    failed,
    passed,
    unknown,
    warned,
)
from golive.model import Finding, Kind, Outcome
from golive.probes import tls
from golive.probes.http import HttpError, request
from golive.probes.safety import Consent, PinnedTarget, ProbePolicy
from golive.thresholds import Comparator, Dimension, Threshold, parse_threshold

__all__ = [
    "CertificateParams",
    "CiphersParams",
    "ExpiryParams",
    "RedirectParams",
    "TlsCertificate",
    "TlsCiphers",
    "TlsExpiry",
    "TlsRedirect",
    "TlsVersions",
    "VersionsParams",
]

_WHAT = "TLS handshakes"


def _plain(target: PinnedTarget) -> Outcome | None:
    """The failure of a TLS check on an http:// target, or None for https."""
    if target.origin.scheme == "https":
        return None
    return failed(
        f"the target is plain HTTP ({target.origin}): nothing is encrypted",
        observed=str(target.origin),
        required="an https:// target",
        remediation="Serve the service over HTTPS and declare its https:// URL as the target.",
    )


@dataclass(frozen=True, kw_only=True)
class _Evidence:
    """What every ending of a check shows: what was observed, what was required, the facts."""

    observed: str
    required: str
    facts: Facts

    def end(
        self,
        ending: Ending,
        summary: str,
        *,
        findings: Iterable[Finding] = (),
        remediation: str | None = None,
    ) -> Outcome:
        return ending(
            summary,
            observed=self.observed,
            required=self.required,
            findings=findings,
            remediation=remediation,
            facts=self.facts,
        )


def _tls_target(probes: ProbePolicy, params: LiveParams) -> PinnedTarget:
    return pinned(probes, params, Consent.PASSIVE, _WHAT)


# --- tls.versions ---------------------------------------------------------------------------------


def _version(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int | float) else ""
    key = text.upper().replace(" ", "").removeprefix("TLSV").removeprefix("TLS")
    if key in {"1.0", "1", "1.1", "1.2", "1.3"}:
        return "1.0" if key == "1" else key
    raise ValueError(f'"{value}" is not a TLS version; write "1.2" or "1.3"')


class VersionsParams(LiveParams):
    min_version: Annotated[Literal["1.0", "1.1", "1.2", "1.3"], BeforeValidator(_version)] = "1.2"


class TlsVersions(Check):
    """No TLS version below the minimum is accepted.

    Each of SSLv2, SSLv3 and TLS 1.0 to 1.3 is offered alone, in its own handshake: through
    this machine's OpenSSL when it can offer that version (TLS 1.0 and 1.1 with security level
    0), otherwise with a ClientHello built by golive (SSLv2 and SSLv3 always: OpenSSL 3
    cannot offer them). A ServerHello for the offered version is acceptance; an alert, a
    ServerHello for another version or a closed connection is refusal. The check fails when
    any version below `min_version` (default 1.2) is accepted, or when no version at or above
    it is; it passes only when every lower version was offered and refused, and is unknown
    when one of them could not be tested (a timeout, an answer that proves nothing).
    """

    id = "tls.versions"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 TLS handshake per protocol version, SSLv2 to TLS 1.3"
    Params = VersionsParams
    fix = (
        "Offer TLS 1.2 and 1.3 only (nginx `ssl_protocols TLSv1.2 TLSv1.3;`, Apache "
        "`SSLProtocol -all +TLSv1.2 +TLSv1.3`); see https://ssl-config.mozilla.org."
    )

    def run(self, params: VersionsParams, probes: ProbePolicy) -> Outcome:
        target = _tls_target(probes, params)
        if (plain := _plain(target)) is not None:
            return plain
        minimum = tls.Protocol(0x0301 + int(params.min_version[-1]))
        # The current versions first: a server that answers neither is not probed further.
        current = [tls.try_version(target, p) for p in (tls.Protocol.TLSv1_3, tls.Protocol.TLSv1_2)]
        if not any(a.reached for a in current):
            raise Unknown(f"no connection to {target.origin}: {current[-1].reason}")
        if all(a.answer is tls.Answer.UNTESTED for a in current):
            raise Unknown(f"{target.origin} does not answer as a TLS server: {current[-1].reason}")
        older = [tls.try_version(target, p) for p in tls.Protocol if p < tls.Protocol.TLSv1_2]
        attempts = [*older, *reversed(current)]
        by_answer = {answer: [a for a in attempts if a.answer is answer] for answer in tls.Answer}
        lower = [a for a in attempts if a.offered < minimum]
        upper = [a for a in attempts if not a.offered < minimum]
        observed = "; ".join(f"{a.offered} {a.answer}" for a in attempts)
        facts = {str(answer): _names(by_answer[answer]) for answer in tls.Answer}
        required = f"TLS {params.min_version} or later only"
        findings = [
            Finding(
                message=f"{a.offered} is accepted ({a.reason}; via {a.via})",
                rule=self.id,
                fingerprint=f"{self.id}:{a.offered.name}",
            )
            for a in lower
            if a.answer is tls.Answer.ACCEPTED
        ]
        untested = [a for a in lower if a.answer is tls.Answer.UNTESTED]
        notes = [
            Finding(
                message=f"{a.offered} could not be tested: {a.reason}", rule=f"{self.id}.untested"
            )
            for a in attempts
            if a.answer is tls.Answer.UNTESTED
        ]
        evidence = _Evidence(observed=observed, required=required, facts=facts)
        if findings:
            return evidence.end(
                failed,
                f"accepts {_names([a for a in lower if a.answer is tls.Answer.ACCEPTED])}, "
                f"below the minimum TLS {params.min_version}",
                findings=findings + notes,
                remediation=self.fix,
            )
        if not any(a.answer is tls.Answer.ACCEPTED for a in upper):
            if any(a.answer is tls.Answer.UNTESTED for a in upper):
                return evidence.end(
                    unknown,
                    f"no version from TLS {params.min_version} up was accepted, and "
                    f"{_names([a for a in upper if a.answer is tls.Answer.UNTESTED])} could "
                    "not be tested",
                    findings=notes,
                )
            return evidence.end(
                failed,
                f"accepts no version from TLS {params.min_version} up",
                findings=notes,
                remediation=self.fix,
            )
        if untested:
            return evidence.end(
                unknown,
                f"{_names(untested)} could not be tested, so acceptance below TLS "
                f"{params.min_version} is not ruled out",
                findings=notes,
            )
        accepted = [a for a in upper if a.answer is tls.Answer.ACCEPTED]
        return evidence.end(
            passed,
            f"accepts {_names(accepted)} only; {_names(lower)} refused",
            findings=notes,
        )


def _names(attempts: Sequence[tls.Attempt]) -> str:
    return ", ".join(str(a.offered) for a in attempts) or "none"


# --- tls.certificate ------------------------------------------------------------------------------


class CertificateParams(LiveParams):
    ca: str | None = None  # a CA file (PEM) trusted besides the system store and the target's


class TlsCertificate(Check):
    """The certificate chain and hostname verify.

    One handshake as a browser would make it: the chain must verify against the system trust
    store plus the target's `ca` and this item's `ca` (PEM files), the certificate must name
    the target's host in its subjectAltName, and now must fall between notBefore and notAfter.
    The failure names every reason found: expired, not yet valid, issued for other names,
    self-signed, issued by an unknown CA, or OpenSSL's own message (a key too weak, ...).
    """

    id = "tls.certificate"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 TLS handshake"
    Params = CertificateParams
    fix = (
        "Serve the full chain (leaf, then intermediates) from a CA clients trust, naming every "
        "host clients use in subjectAltName, and renew before notAfter; for a private CA, name "
        "its certificate in the target's `ca`."
    )

    def run(self, params: CertificateParams, probes: ProbePolicy, root: Path) -> Outcome:
        target = _tls_target(probes, params)
        if (plain := _plain(target)) is not None:
            return plain
        cafiles = [target.ca] if target.ca is not None else []
        if params.ca is not None:
            extra = Path(params.ca) if Path(params.ca).is_absolute() else root / params.ca
            if not extra.is_file():
                raise Unknown(f"the CA file {extra} does not exist")
            cafiles.append(extra)
        verification = verify_chain(target, cafiles=cafiles)
        leaf = served_leaf(verification, target)
        host = target.origin.host
        trusted = "the system store" + "".join(f" + {path}" for path in cafiles)
        observed = (
            f"subject {leaf.subject}; issuer {leaf.issuer}; names {leaf.names}; "
            f"valid {when(leaf.not_before)} to {when(leaf.not_after)}"
        )
        facts: Facts = {
            "subject": leaf.subject,
            "issuer": leaf.issuer,
            "names": leaf.names,
            "not_after": leaf.not_after.isoformat(),
            "chain_length": len(verification.chain),
        }
        required = f"a chain to {trusted}, valid now, naming {host}"
        evidence = _Evidence(observed=observed, required=required, facts=facts)
        if verification.verified:
            return evidence.end(
                passed,
                f"the certificate for {host} verifies (issued by {leaf.issuer}, valid until "
                f"{when(leaf.not_after)})",
            )
        reasons = failure_reasons(verification, leaf, host)
        return evidence.end(
            failed,
            f"the certificate does not verify: {'; '.join(reason for _, reason in reasons)}",
            findings=[
                Finding(message=reason, rule=self.id, fingerprint=f"{self.id}:{key}")
                for key, reason in reasons
            ],
            remediation=self.fix,
        )


# --- tls.expiry -----------------------------------------------------------------------------------


def _remaining(value: Any) -> Threshold:
    if isinstance(value, Threshold):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f'expected text such as ">=30d", found {type(value).__name__}')
    threshold = parse_threshold(str(value), dimension=Dimension.DURATION)
    if threshold.comparator not in {Comparator.GE, Comparator.GT}:
        raise ValueError(
            f'"{value}": write the time that must remain before expiry, such as ">=30d"'
        )
    return threshold


Remaining = Annotated[
    Threshold, BeforeValidator(_remaining), PlainSerializer(lambda t: t.text, return_type=str)
]


class ExpiryParams(LiveParams):
    warn: Remaining = Field(default_factory=lambda: _remaining(">=30d"))
    fail: Remaining = Field(default_factory=lambda: _remaining(">=7d"))


class TlsExpiry(Check):
    """The certificate does not expire soon.

    The time left is the earliest notAfter of the leaf and the intermediates the server sends.
    It fails below `fail` (default ">=7d") and warns below `warn` (default ">=30d"). The
    lifetime (notAfter - notBefore) of a public certificate -- one whose chain verifies
    against the system trust store alone -- above the CA/Browser Forum limit for its issue
    date (398 days; 200 from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15) is a
    warning; certificates of a private CA are exempt.
    """

    id = "tls.expiry"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 or 2 TLS handshakes"
    Params = ExpiryParams
    fix = (
        "Renew automatically well before expiry (an ACME client: certbot, cert-manager, "
        "Caddy) and alert on the days left."
    )

    def run(self, params: ExpiryParams, probes: ProbePolicy) -> Outcome:
        target = _tls_target(probes, params)
        if (plain := _plain(target)) is not None:
            return plain
        public = verify_chain(target, hostname=False)
        leaf = served_leaf(public, target)
        now = utc_now()
        ends = [(leaf.not_after, "the certificate")]
        for der in public.chain[1:]:
            other = read_certificate(der)
            if not other.self_signed:  # a root sent along does not limit the chain
                ends.append((other.not_after, f"the intermediate {other.subject}"))
        end, which = min(ends)
        left = (end - now).total_seconds()
        days = left / 86_400
        observed = f"{which} expires on {when(end)} ({days:.0f} days left)"
        facts: dict[str, str | int | float | bool] = {
            "not_after": end.isoformat(),
            "days_left": round(days, 1),
            "lifetime_days": round((leaf.not_after - leaf.not_before).total_seconds() / 86_400),
        }
        required = f"time left {_shown(params.fail)} (warning below {_shown(params.warn)})"
        if left <= 0:
            return failed(
                f"{which} expired on {when(end)}",
                observed=observed,
                required=required,
                remediation=self.fix,
                facts=facts,
            )
        if not params.fail.holds(left):
            return failed(
                f"{which} expires in {days:.1f} days, under {params.fail.quantity}",
                observed=observed,
                required=required,
                remediation=self.fix,
                facts=facts,
            )
        lifetime, note = judge_lifetime(public, leaf)
        facts["public"] = public.verified
        findings = [Finding(message=note, rule=f"{self.id}.lifetime")] if note else []
        if not params.warn.holds(left):
            return warned(
                f"{which} expires in {days:.0f} days, under {params.warn.quantity}",
                observed=observed,
                required=required,
                findings=findings,
                remediation=self.fix,
                facts=facts,
            )
        if lifetime is not None:
            return warned(
                lifetime,
                observed=observed,
                required=required,
                findings=findings,
                remediation="Issue certificates for at most the CA/Browser Forum maximum "
                "(200 days from 2026-03-15); automate renewal.",
                facts=facts,
            )
        return passed(
            f"{which} expires on {when(end)}, in {days:.0f} days",
            observed=observed,
            required=required,
            findings=findings,
            facts=facts,
        )


def _shown(threshold: Threshold) -> str:
    return f"{threshold.comparator} {threshold.quantity}"


# --- tls.ciphers ----------------------------------------------------------------------------------


class CiphersParams(LiveParams):
    profile: Literal["intermediate", "modern"] = "intermediate"


class TlsCiphers(Check):
    """Negotiated cipher suites and key sizes are within the Mozilla profile.

    Every TLS 1.2 and TLS 1.3 suite the server accepts is found by elimination (offer all,
    drop the one the server picks, repeat): suites this machine's OpenSSL knows go through
    it, the rest (3DES, RC4, DES, EXPORT, static ECDH, ... and TLS 1.3 suites, which the
    `ssl` module cannot pick one by one) in ClientHellos built by golive. Each must be in the
    profile of Mozilla's guidelines v6.0: intermediate allows six ECDHE suites with AES-GCM or
    ChaCha20-Poly1305 in TLS 1.2, modern none; both allow the three default TLS 1.3 suites.
    NULL, EXPORT, anonymous, RC4, 3DES and CBC suites are named as such. The certificate key
    must be ECDSA P-256/P-384 or (intermediate only) RSA of 2048 bits or more.
    """

    id = "tls.ciphers"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 TLS handshake per accepted suite, plus 1 per version"
    Params = CiphersParams
    fix = (
        "Use Mozilla's configuration for the profile (https://ssl-config.mozilla.org): in TLS "
        "1.2 only ECDHE with AES-GCM or ChaCha20-Poly1305, the default TLS 1.3 suites, and an "
        "ECDSA P-256 key (or RSA 2048+)."
    )

    def run(self, params: CiphersParams, probes: ProbePolicy) -> Outcome:
        target = _tls_target(probes, params)
        if (plain := _plain(target)) is not None:
            return plain
        scans = [
            tls.accepted_suites(target, p) for p in (tls.Protocol.TLSv1_2, tls.Protocol.TLSv1_3)
        ]
        if not any(scan.reached for scan in scans):
            raise Unknown(f"no connection to {target.origin}")
        profile = params.profile
        findings = []
        kinds: dict[str, int] = {}  # weakness -> how many accepted suites show it
        for scan in scans:
            allowed = (
                PROFILE_TLS13 if scan.protocol is tls.Protocol.TLSv1_3 else PROFILE_TLS12[profile]
            )
            for accepted in scan.accepted:
                if accepted.code in allowed:
                    continue
                problems = weaknesses(accepted.name)
                if not allowed:
                    problems.insert(0, f"the {profile} profile allows TLS 1.3 only")
                problems = problems or ["outside the profile"]
                for problem in problems:
                    kinds[problem] = kinds.get(problem, 0) + 1
                findings.append(
                    Finding(
                        message=f"{scan.protocol} accepts {accepted}: {', '.join(problems)}",
                        rule=self.id,
                        fingerprint=f"{self.id}:{scan.protocol.name}:{accepted.code:04X}",
                    )
                )
        keys = {}
        for scan in scans:
            for chain in scan.chains:
                if chain:
                    leaf = read_certificate(chain[0])
                    keys[leaf.fingerprint] = leaf
        for leaf in keys.values():
            if (weak := key_problem(leaf, profile)) is not None:
                findings.append(
                    Finding(
                        message=f"the certificate for {leaf.names} has {weak}",
                        rule=f"{self.id}.key",
                        fingerprint=f"{self.id}.key:{leaf.key}",
                    )
                )
        gaps = [gap for scan in scans for gap in scan.gaps]
        observed = "; ".join(
            f"{scan.protocol}: {', '.join(s.name for s in scan.accepted) or 'none'}"
            for scan in scans
        )
        observed += f"; keys: {', '.join(k.key for k in keys.values()) or 'none seen'}"
        facts: dict[str, str | int | float | bool] = {
            f"{scan.protocol.name}_suites": len(scan.accepted) for scan in scans
        }
        facts["offered_suites"] = sum(scan.offered for scan in scans)
        facts["keys"] = ", ".join(k.key for k in keys.values())
        required = f"Mozilla {profile} (v6.0) suites and keys only"
        notes = [Finding(message=f"not tested: {gap}", rule=f"{self.id}.untested") for gap in gaps]
        evidence = _Evidence(observed=observed, required=required, facts=facts)
        if findings:
            suites = sum(f.rule == self.id for f in findings)
            keys_off = len(findings) - suites
            parts = [f"{suites} accepted suite(s)"] if suites else []
            parts += [f"{keys_off} certificate key(s)"] if keys_off else []
            return evidence.end(
                failed,
                f"{' and '.join(parts)} outside the Mozilla {profile} profile"
                + (f" ({worst(kinds)})" if suites else ""),
                findings=findings + notes,
                remediation=self.fix,
            )
        if not any(scan.accepted for scan in scans):
            if gaps:
                raise Unknown(f"no suite could be tested: {'; '.join(gaps)}")
            return evidence.end(
                failed,
                "the server accepts no TLS 1.2 or TLS 1.3 suite",
                remediation=self.fix,
            )
        if gaps:
            return evidence.end(
                unknown,
                f"every suite found is in the {profile} profile, but some could not be tested",
                findings=notes,
            )
        if not keys:
            return evidence.end(
                unknown,
                "every suite is in the profile, but no handshake completed to show the key",
            )
        count = sum(len(scan.accepted) for scan in scans)
        return evidence.end(
            passed,
            f"all {count} accepted suites and the {', '.join(k.key for k in keys.values())} "
            f"key are within the Mozilla {profile} profile",
        )


# --- tls.redirect ---------------------------------------------------------------------------------


class RedirectParams(LiveParams):
    http_port: int = Field(default=80, ge=1, le=65535)  # the plain-HTTP port on the same host


_REDIRECTS = {301, 302, 307, 308}


class TlsRedirect(Check):
    """Plain HTTP redirects to HTTPS.

    One GET to http://HOST:`http_port`/ (default port 80) on the target's host: it must answer
    301, 302, 307 or 308 with a Location on https:// and the same host. Content served over
    plain HTTP (2xx) or a redirect elsewhere fails; an error status without a redirect is a
    warning, and so is nothing listening (no plaintext is served, but a browser typing the
    bare host gets an error). When the target itself is http://, its own origin is judged.
    """

    id = "tls.redirect"
    kind = Kind.LIVE
    consent = "passive"
    traffic = "1 plain-HTTP GET of / on `http_port`"
    Params = RedirectParams
    fix = (
        "Answer every plain-HTTP request with a 301 (or 308) to the same host over https: "
        "nginx `return 301 https://$host$request_uri;`."
    )

    def run(self, params: RedirectParams, probes: ProbePolicy) -> Outcome:
        target = pinned(probes, params, Consent.PASSIVE, "a GET over plain HTTP")
        if target.origin.scheme == "http":
            url = target.url("/")
        else:
            url = f"{target.plain_twin(params.http_port)}{target.base_path}/"
        required = f"a 301/302/307/308 to https://{target.origin.host}/..."
        try:
            response = request(target, "GET", url, follow=False)
        except HttpError as exc:
            if exc.timed_out:
                raise Unknown(f"GET {url} timed out: {exc}") from None
            if "ConnectionRefused" not in str(exc):
                raise Unknown(f"GET {url} failed: {exc}") from None
            return warned(
                f"nothing answers plain HTTP at {url}: no plaintext is served, but a browser "
                "typing the bare host gets an error instead of a redirect",
                observed=f"GET {url}: {exc}",
                required=required,
                remediation=self.fix,
            )
        status = response.status
        location = response.headers.get("location")
        observed = f"GET {url}: {status}" + (f", Location {location}" if location else "")
        facts: dict[str, str | int | float | bool] = {"status": status, "url": url}
        if status in _REDIRECTS and location:
            goes = urljoin(url, location)
            parts = urlsplit(goes)
            facts["location"] = goes
            same = (parts.hostname or "").lower() == target.origin.host
            if parts.scheme.lower() == "https" and same:
                kind = "permanent" if status in {301, 308} else "temporary"
                return passed(
                    f"plain HTTP answers {status} ({kind}) to {goes}",
                    observed=observed,
                    required=required,
                    facts=facts,
                )
            where = (
                "plain HTTP"
                if parts.scheme.lower() != "https"
                else f"another host ({parts.hostname})"
            )
            return failed(
                f"plain HTTP redirects to {where}: {goes}",
                observed=observed,
                required=required,
                remediation=self.fix,
                facts=facts,
            )
        if 200 <= status < 300 or 300 <= status < 400:
            return failed(
                f"plain HTTP answers {status} without a redirect to HTTPS"
                + (": content is served unencrypted" if status < 300 else ""),
                observed=observed,
                required=required,
                remediation=self.fix,
                facts=facts,
            )
        return warned(
            f"plain HTTP answers {status}: no content is served, but there is no redirect to HTTPS",
            observed=observed,
            required=required,
            remediation=self.fix,
            facts=facts,
        )
