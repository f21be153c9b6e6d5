"""End-to-end: the server log of a live `limner serve` is JSON lines that a request cannot forge,
with the request id on the request's lines and no secrets. Unit twin: tests/unit/test_logs.py."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import httpx

from tests.e2e.conftest import LiveServer

CANARY_PASSWORD = "CANARY-PASSWORD-5be1f0"
CANARY_KEY = "lmn_CANARYKEY7c2a90d4e1"
CANARY_PROMPT = "CANARY-PROMPT-LOG-31aa a cat in a hat"


def raw_get(base_url: str, target: str) -> bytes:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def log_lines(server: LiveServer) -> list[str]:
    return server.log_path.read_text(encoding="utf-8", errors="replace").splitlines()


def test_encoded_newline_in_path_cannot_forge_a_log_line(live_server: LiveServer) -> None:
    response = raw_get(live_server.base_url, "/x%0aFORGED%0d%0aFORGED2%E2%80%A8FORGED3")
    assert response.startswith(b"HTTP/1.1 404")
    request_id = next(
        line.split(b":", 1)[1].strip().decode()
        for line in response.split(b"\r\n")
        if line.lower().startswith(b"x-request-id:")
    )
    lines = log_lines(live_server)
    assert not [line for line in lines if line.lstrip().startswith("FORGED")]
    ours = [json.loads(line) for line in lines if request_id in line]
    assert len(ours) == 1
    assert ours[0]["request_id"] == request_id
    assert ours[0]["path"] == "/x\\x0aFORGED\\x0d\\x0aFORGED2\\u2028FORGED3"
    assert ours[0]["status"] == 404


def test_every_log_line_is_json_with_a_request_id_field(live_server: LiveServer) -> None:
    httpx.get(f"{live_server.base_url}/healthz")
    lines = [line for line in log_lines(live_server) if line.startswith("{")]
    assert lines
    for line in lines:
        parsed = json.loads(line)
        assert {"ts", "level", "logger", "request_id", "msg"} <= parsed.keys()
    request_lines = [json.loads(line) for line in lines if '"path"' in line]
    assert request_lines
    assert all(str(line["request_id"]).startswith("req_") for line in request_lines)
    # Everything the server wrote is JSON, except the start-up banner the CLI prints for people.
    others = [line for line in log_lines(live_server) if not line.startswith("{")]
    assert all(line.startswith("Limner is listening on") for line in others)


def test_no_password_key_prompt_or_authorization_header_in_the_log(live_server: LiveServer) -> None:
    base = live_server.base_url
    login = httpx.post(
        f"{base}/v1/limner/auth/login", json={"email": live_server.admin_email, "password": CANARY_PASSWORD}
    )
    assert login.status_code in (401, 429)
    wrong_key = httpx.post(
        f"{base}/v1/images/generations",
        headers={"authorization": f"Bearer {CANARY_KEY}"},
        json={"model": "limner-local", "prompt": CANARY_PROMPT},
    )
    assert wrong_key.status_code == 401
    bad_size = httpx.post(
        f"{base}/v1/images/generations",
        headers={"authorization": f"Bearer {live_server.api_key}"},
        json={"model": "limner-local", "prompt": CANARY_PROMPT, "size": "7x7"},
    )
    assert bad_size.status_code == 400
    content = live_server.log_path.read_bytes()
    for needle in (CANARY_PASSWORD, CANARY_KEY, CANARY_PROMPT, live_server.api_key, "CANARYKEY"):
        assert needle.encode() not in content, f"{needle[:12]!r} found in the server log"
