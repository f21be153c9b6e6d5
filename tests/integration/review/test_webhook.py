"""Integration tests: a decided review is announced to a webhook signed the Standard Webhooks way."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from limner.components import build_components
from limner.imaging.actions import Action
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.factories import FixedPolicy, make_caller

SECRET = "whsec_" + base64.b64encode(b"webhook-secret-for-tests").decode()


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


async def test_decision_is_posted_with_a_valid_signature(
    tmp_path: Path, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = receiver
    c = build_components(make_settings(tmp_path / "d", review={"webhook_url": url, "webhook_secret": SECRET}))
    await create_schema(c.engine)
    c.policy = FixedPolicy(Action.REVIEW, ("ip.character",))
    creator, reviewer = await make_caller(c, roles=["creator"]), await make_caller(c, roles=["reviewer"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(components=c)), base_url="http://t"
    ) as cl:
        held = await cl.post("/v1/images/generations", headers=creator.headers, json={"prompt": "a mascot"})
        review_id = held.json()["error"]["review_id"]
        await cl.post(
            f"/v1/limner/reviews/{review_id}/decision",
            headers=reviewer.headers,
            json={"verdict": "reject", "reason": "character is protected"},
        )
    await c.aclose()
    [(headers, body)] = received
    Webhook(SECRET).verify(body, headers)  # the reference library: id, timestamp and body signed
    assert "x-limner-signature" not in headers
    assert json.loads(body) == {
        "type": "review.rejected",
        "review_id": review_id,
        "generation_id": json.loads(body)["generation_id"],
    }
    assert b"mascot" not in body


def test_a_webhook_url_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    """`limner serve` stops before listening: a review webhook would otherwise go out unsigned."""
    from typer.testing import CliRunner

    from limner.cli.main import app

    runner = CliRunner()
    data_dir = tmp_path / "data"
    assert runner.invoke(app, ["init", "--data-dir", str(data_dir), "--json"]).exit_code == 0
    env = {"LIMNER_REVIEW__WEBHOOK_URL": "https://hooks.example.com/x"}
    result = runner.invoke(app, ["serve", "--data-dir", str(data_dir), "--port", "1"], env=env)
    assert result.exit_code != 0
    assert "webhook_secret" in result.output
    env["LIMNER_REVIEW__WEBHOOK_SECRET"] = ""
    result = runner.invoke(app, ["serve", "--data-dir", str(data_dir), "--port", "1"], env=env)
    assert result.exit_code != 0
    assert "secret" in result.output
