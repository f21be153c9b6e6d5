"""Loopback servers for sink tests: a syslog collector (TCP or TLS) and a webhook receiver."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Collector:
    """Reads RFC 6587 octet-counted frames."""

    messages: list[bytes] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                length = await reader.readuntil(b" ")
                self.messages.append(await reader.readexactly(int(length[:-1])))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port


class CountingCollector(Collector):
    """A collector that also signals each finished connection (the syslog sink opens one per batch), so
    a test awaits delivery instead of polling."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = asyncio.Semaphore(0)
        self.seen = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await super().handle(reader, writer)
        self.connections.release()

    async def settled(self, batches: int) -> list[bytes]:
        """The messages once `batches` connections have finished."""
        while self.seen < batches:
            await asyncio.wait_for(self.connections.acquire(), timeout=5)
            self.seen += 1
        return self.messages


async def start_collector(tls: ssl.SSLContext | None = None) -> Collector:
    collector = Collector()
    collector.server = await asyncio.start_server(collector.handle, "127.0.0.1", 0, ssl=tls)
    return collector


@dataclass
class Receiver:
    """A minimal HTTP/1.1 endpoint that records each POST and answers with the next queued status."""

    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    server: asyncio.Server | None = None
    scheme: str = "http"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in head[1:] if ":" in line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.requests.append((headers, body))
        writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.scheme}://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"


async def start_receiver(tls: ssl.SSLContext | None = None) -> Receiver:
    receiver = Receiver(scheme="https" if tls else "http")
    receiver.server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0, ssl=tls)
    return receiver


def self_signed(tmp: Path) -> tuple[Path, ssl.SSLContext]:
    """A certificate for 127.0.0.1; returns the CA file (the cert itself) and a server context."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return cert_path, context
