"""A loopback fake of HashiCorp Vault's transit HTTP API (keys, encrypt, decrypt, rotate, config, trim,
delete: refused unless the key's config set deletion_allowed, as Vault does).

Shapes follow Vault's API docs: POST /v1/<mount>/encrypt/<name> {"plaintext": b64, "context": b64}
→ {"data": {"ciphertext": "vault:v<N>:<b64>", "key_version": N}}; errors are {"errors": [...]} with
400/403/404. Derived keys require a context, which is bound as AES-GCM associated data here.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


@dataclass
class TransitKey:
    derived: bool
    versions: dict[int, bytes] = field(default_factory=dict)
    min_decryption_version: int = 1
    deletion_allowed: bool = False

    @property
    def latest(self) -> int:
        return max(self.versions)


class FakeVault:
    def __init__(self, token: str = "root-token", mount: str = "transit") -> None:
        self.token, self.mount = token, mount
        self.keys: dict[str, TransitKey] = {}
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def handle(
        self, method: str, path: str, token: str | None, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]:
        self.requests.append((method, path))
        if token != self.token:
            return 403, {"errors": ["permission denied"]}
        prefix = f"/v1/{self.mount}/"
        if not path.startswith(prefix):
            return 404, {"errors": ["no handler for route"]}
        parts = path[len(prefix) :].split("/")
        with self.lock:
            return self._route(method, parts, body)

    def _route(
        self, method: str, parts: list[str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]:
        match (method, parts):
            case ("POST", ["keys", name]):
                self.keys.setdefault(
                    name, TransitKey(bool(body.get("derived")), {1: AESGCM.generate_key(256)})
                )
                return 204, None
            case ("GET", ["keys", name]):
                return self._read(name)
            case ("DELETE", ["keys", name]):
                return self._delete(name)
            case ("POST", ["keys", name, "rotate"]):
                return self._rotate(name)
            case ("POST", ["keys", name, "config"]):
                return self._config(name, body)
            case ("POST", ["keys", name, "trim"]):
                return self._trim(name, body)
            case ("POST", ["encrypt", name]):
                return self._encrypt(name, body)
            case ("POST", ["decrypt", name]):
                return self._decrypt(name, body)
        return 404, {"errors": ["no handler for route"]}

    def _key(self, name: str) -> TransitKey | None:
        return self.keys.get(name)

    def _read(self, name: str) -> tuple[int, dict[str, Any] | None]:
        key = self._key(name)
        if key is None:
            return 404, {"errors": []}
        versions = {str(v): 1_700_000_000 + v for v in key.versions}
        return 200, {
            "data": {
                "name": name,
                "type": "aes256-gcm96",
                "derived": key.derived,
                "keys": versions,
                "latest_version": key.latest,
                "min_decryption_version": key.min_decryption_version,
                "min_encryption_version": 0,
            }
        }

    def _delete(self, name: str) -> tuple[int, dict[str, Any] | None]:
        key = self._key(name)
        if key is None:
            return 400, {"errors": ["could not delete key; not found"]}
        if not key.deletion_allowed:
            return 400, {"errors": ["deletion is not allowed for this key"]}
        del self.keys[name]
        return 204, None

    def _rotate(self, name: str) -> tuple[int, dict[str, Any] | None]:
        key = self._key(name)
        if key is None:
            return 400, {"errors": ["encryption key not found"]}
        key.versions[key.latest + 1] = AESGCM.generate_key(256)
        return self._read(name)

    def _config(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        key = self._key(name)
        if key is None:
            return 400, {"errors": ["encryption key not found"]}
        key.deletion_allowed = bool(body.get("deletion_allowed", key.deletion_allowed))
        floor = int(body.get("min_decryption_version", key.min_decryption_version))
        if floor > key.latest:
            return 400, {"errors": ["cannot set min decryption version higher than the latest version"]}
        key.min_decryption_version = floor
        return self._read(name)

    def _trim(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        key = self._key(name)
        floor = int(body.get("min_available_version", 0))
        if key is None or floor > key.min_decryption_version:
            return 400, {"errors": ["cannot trim beyond min decryption version"]}
        key.versions = {v: k for v, k in key.versions.items() if v >= floor}
        return self._read(name)

    def _encrypt(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        key = self._key(name)
        if key is None:
            return 400, {"errors": ["encryption key not found"]}
        context = _context(key, body)
        if context is None:
            return 400, {
                "errors": ["missing 'context' for key derivation; the key was created using a derived key"]
            }
        nonce = os.urandom(12)
        sealed = AESGCM(key.versions[key.latest]).encrypt(nonce, base64.b64decode(body["plaintext"]), context)
        text = f"vault:v{key.latest}:" + base64.b64encode(nonce + sealed).decode()
        return 200, {"data": {"ciphertext": text, "key_version": key.latest}}

    def _decrypt(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        key = self._key(name)
        if key is None:
            return 400, {"errors": ["encryption key not found"]}
        context = _context(key, body)
        _, version_text, payload = str(body.get("ciphertext", "")).split(":", 2)
        version = int(version_text[1:])
        if version < key.min_decryption_version or version not in key.versions:
            return 400, {"errors": ["ciphertext version is disallowed by policy (too old)"]}
        raw = base64.b64decode(payload)
        try:
            plain = AESGCM(key.versions[version]).decrypt(raw[:12], raw[12:], context or b"")
        except InvalidTag:
            return 400, {"errors": ["cipher: message authentication failed"]}
        return 200, {"data": {"plaintext": base64.b64encode(plain).decode()}}


def _context(key: TransitKey, body: dict[str, Any]) -> bytes | None:
    if not key.derived:
        return b""
    value = body.get("context")
    return base64.b64decode(value) if value else None


def _handler(vault: FakeVault) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            status, payload = vault.handle(
                method, self.path.split("?")[0], self.headers.get("x-vault-token"), body
            )
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


class FakeVaultServer:
    """`with FakeVaultServer() as server:` serves on 127.0.0.1:<random port> in a thread."""

    def __init__(self, vault: FakeVault | None = None) -> None:
        self.vault = vault or FakeVault()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.vault))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeVaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
