"""End-to-end: a live `limner serve` with the shipped policy; a burst of blocked prompts through the
API raises a `probing` alert, and its Standard Webhooks-signed webhook reaches a loopback receiver.
Integration twin: tests/integration/usage/test_alerts.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.conftest import LiveServer, serve

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
BLOCKED = "draw a poster with AKIAZ7XH3QWERTYUIOP1 written on it"


class Hooks(ThreadingHTTPServer):
    received: list[tuple[dict[str, str], bytes]]


class Handler(BaseHTTPRequestHandler):
    server: Hooks

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[Hooks]:
    server = Hooks(("127.0.0.1", 0), Handler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_blocked_burst_raises_probing_and_the_webhook_arrives(tmp_path: Path, receiver: Hooks) -> None:
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    config = (
        f'\n[alerts]\ninterval_s = 0.5\n\n[alerts.notifiers.soc]\nkind = "webhook"\n'
        f'url = "{hook_url}"\nsecret = "{SECRET}"\n'
    )
    with serve(tmp_path, LiveServer, train_admin=True, config=config) as server:
        headers = {"authorization": f"Bearer {server.api_key}"}
        for _ in range(5):
            response = httpx.post(
                f"{server.base_url}/v1/images/generations",
                headers=headers,
                json={"model": "limner-local", "prompt": BLOCKED},
                timeout=30,
            )
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "content_policy_violation"
        deadline = time.monotonic() + 180
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.2)
        listed = server.cli("alerts", "list", "--status", "open", "--json")
    [(hook_headers, body)] = receiver.received
    payload = Webhook(SECRET).verify(body, hook_headers)
    alert = payload["data"]
    assert (payload["type"], alert["rule"], alert["severity"]) == ("alert.raised", "probing", "high")
    assert len(alert["evidence"]) == 5
    assert "AKIA" not in body.decode()
    assert listed.returncode == 0, listed.stderr
    assert [a["id"] for a in json.loads(listed.stdout)] == [alert["id"]]
    assert "AKIA" not in (tmp_path / "server.log").read_text()
