"""Real servers on 127.0.0.1 for the live-check tests: certificates made on the spot, nginx
run from a configuration the test writes, Python servers in threads, and a listener that
counts every connection it gets (one that must get none proves a probe stayed on target).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from golive.checks.fixtures import ServiceInfo
from golive.model import Target

__all__ = [
    "Listener",
    "Nginx",
    "Pki",
    "free_port",
    "free_ports",
    "make_pki",
    "service",
    "wait_for_port",
]


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports on 127.0.0.1. Each socket stays bound until all are
    chosen: one closed before the next bind could be handed out again."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def wait_for_port(port: int, *, timeout: float = 10.0, host: str = "127.0.0.1") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


def service(
    url: str,
    *,
    consent: str = "passive",
    ca: Path | None = None,
    allow_private: bool = True,
    name: str = "svc",
    **about: object,
) -> ServiceInfo:
    """What golive.toml would declare for one target at `url`."""
    target = Target(
        name="local",
        url=url,
        allow_private=allow_private,
        consent=consent,
        ca=str(ca) if ca else None,
    )
    return ServiceInfo(name=name, targets=(target,), **about)  # type: ignore[arg-type]


# --- certificates -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Pki:
    ca: Path  # the CA certificate (PEM) a client trusts
    cert: Path  # the server's certificate chain (PEM)
    key: Path  # the server's private key (PEM)


def make_pki(
    directory: Path,
    *,
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    key: str = "ec256",  # ec256 | ec384 | rsa2048 | rsa1024
    days: float = 60,
    not_before_days: float = -1,
    self_signed: bool = False,
) -> Pki:
    """A CA and a server certificate for `hosts`, valid from `not_before_days` to `days` from
    now (a negative `days` makes an expired one)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)

    def new_key(kind: str):  # type: ignore[no-untyped-def]
        if kind == "ec256":
            return ec.generate_private_key(ec.SECP256R1())
        if kind == "ec384":
            return ec.generate_private_key(ec.SECP384R1())
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "golive test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=2))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = new_key(key)
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if self_signed else ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=not_before_days))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    )
    cert = builder.sign(server_key if self_signed else ca_key, hashes.SHA256())
    pki = Pki(ca=directory / "ca.pem", cert=directory / "server.pem", key=directory / "key.pem")
    pki.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pki


# --- nginx ------------------------------------------------------------------------------------


class Nginx:
    """nginx (from Debian, installed by `make test`) serving the given `server { }` blocks.

    The blocks may use `{port}` placeholders by name (`{https}`, `{plain}`, ...); each gets a
    free port on 127.0.0.1, readable afterwards from `ports`.
    """

    def __init__(self, directory: Path, servers: str, *, http: str = "") -> None:
        binary = shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
        )
        if binary is None:
            pytest.fail(
                "nginx is not installed: `make test` installs it (apt-get install nginx-light)"
            )
        self.binary = binary
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        names = sorted(
            {
                part.split("}")[0]
                for part in servers.split("{")[1:]
                if part.split("}")[0].isidentifier()
            }
        )
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        body = servers
        for name, port in self.ports.items():
            body = body.replace("{" + name + "}", str(port))
        prefix = self.directory
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(
            f"""
worker_processes 1;
user root;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    default_type text/plain;
    {http}
    {body}
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Nginx:
        self.process = subprocess.Popen(
            [self.binary, "-p", str(self.directory), "-c", str(self.conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for port in self.ports.values():
                wait_for_port(port, timeout=10)
        except TimeoutError:
            self.__exit__()
            log = (self.directory / "error.log").read_text(errors="replace")
            pytest.fail(f"nginx did not start:\n{log}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


# --- a listener that must stay silent ------------------------------------------------------------


class Listener:
    """Accepts connections on 127.0.0.1 and counts them; answers each with a 200."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
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
            self.connections += 1
            with suppress(OSError):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            conn.close()

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@contextmanager
def http_server(handler: type, *, tls: Pki | None = None) -> Iterator[int]:
    """A threaded `http.server` with `handler` on a free port (TLS with `tls`)."""
    import ssl
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert, tls.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
