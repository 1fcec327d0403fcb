"""Run the example service on 127.0.0.1 behind TLS and review it live.

    python examples/live.py [golive check options...]

It builds greeter (examples/service) with cargo, makes a private CA and a certificate for
127.0.0.1 at start-up, starts greeter on a free port and, in front of it, a small TLS
terminator standing in for the Ingress of deploy/greeter.yaml (HTTPS on one port, a
redirect to it on another), then runs `golive check --live --kind live` against the
`local` target of examples/service/golive.toml (https://127.0.0.1:18443). Everything stops
when the review ends. Exit status: golive's.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVICE = HERE / "service"
STATE = SERVICE / ".golive-demo"  # the CA golive.toml's target trusts (git-ignored)
# The ports examples/service/golive.toml names: its `local` target and the plain-HTTP port
# tls.redirect probes.
HTTPS_PORT, HTTP_PORT = 18443, 18080


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_certificate() -> tuple[Path, Path]:
    """A private CA (written where golive.toml's target expects it) and a server certificate
    for 127.0.0.1 signed by it, valid for 90 days from now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    STATE.mkdir(exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "greeter demo CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (STATE / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain, private = STATE / "server.pem", STATE / "server-key.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return chain, private


def build_greeter() -> Path:
    print("building greeter (cargo build)...", file=sys.stderr)
    subprocess.run(
        ["cargo", "build", "--quiet", "--offline", "--manifest-path", str(SERVICE / "Cargo.toml")],
        check=True,
    )
    return SERVICE / "target" / "debug" / "greeter"


def wait_for(port: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


class Ingress:
    """TLS on `https_port` forwarded to greeter; `http_port` redirects to HTTPS."""

    def __init__(self, upstream: int, chain: Path, key: Path) -> None:
        self.upstream = upstream
        self.https_port = HTTPS_PORT
        self.http_port = HTTP_PORT
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.load_cert_chain(chain, key)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.servers: list[asyncio.Server] = []

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def _tls(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(self._pipe(client_r, up_w), self._pipe(up_r, client_w))

    async def _redirect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            parts = line.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 and parts[1].startswith("/") else "/"
            location = f"https://127.0.0.1:{self.https_port}{path}"
            writer.write(
                f"HTTP/1.1 308 Permanent Redirect\r\nLocation: {location}\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n".encode("latin-1")
            )
            await writer.drain()
        except (OSError, TimeoutError):
            pass
        finally:
            writer.close()

    def start(self) -> None:
        for port in (self.https_port, self.http_port):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    raise SystemExit(f"127.0.0.1:{port} is taken; the demo needs it free")

        async def serve() -> None:
            self.servers = [
                await asyncio.start_server(
                    self._tls, "127.0.0.1", self.https_port, ssl=self.context
                ),
                await asyncio.start_server(self._redirect, "127.0.0.1", self.http_port),
            ]

        self.thread.start()
        asyncio.run_coroutine_threadsafe(serve(), self.loop).result(timeout=10)

    def stop(self) -> None:
        async def shutdown() -> None:
            # Connections still open (keep-alive clients of the review) end here, so no
            # task is left pending when the loop stops.
            for server in self.servers:
                server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        # What is cut off mid-connection at exit is expected, not worth a traceback.
        self.loop.call_soon_threadsafe(self.loop.set_exception_handler, lambda loop, context: None)
        with contextlib.suppress(TimeoutError, RuntimeError):
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def main(argv: list[str]) -> int:
    binary = build_greeter()
    chain, key = make_certificate()
    port = free_port()
    env = dict(os.environ, GREETER_BIND=f"127.0.0.1:{port}")
    greeter = subprocess.Popen([binary], cwd=SERVICE, env=env, stderr=subprocess.DEVNULL)
    ingress = Ingress(port, chain, key)
    try:
        wait_for(port)
        ingress.start()
        url = f"https://127.0.0.1:{ingress.https_port}"
        print(f"greeter on 127.0.0.1:{port}, TLS in front at {url}\n", file=sys.stderr)
        golive = Path(sys.executable).with_name("golive")
        command = [
            str(golive),
            "check",
            str(SERVICE),
            "--live",
            "--kind",
            "live",
            *argv,
        ]
        return subprocess.run(command, check=False).returncode
    finally:
        ingress.stop()
        greeter.terminate()
        greeter.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
