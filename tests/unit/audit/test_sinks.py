"""Unit tests: sink formats and configs (loopback-server integration: tests/integration/audit/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, TypeAdapter, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from limner.audit.sinks import SinkConfig, build_sink
from limner.audit.sinks.syslog import format_message, frame
from limner.audit.sinks.webhook import WebhookConfig
from limner.webhooks import signed_headers

EVENT: dict[str, Any] = {
    "seq": 3,
    "id": "abc",
    "at": "2026-01-01T00:00:00+00:00",
    "action": "image.generated",
}
RFC5424 = re.compile(rb"^<110>1 2026-01-01T00:00:00\+00:00 host limner - image\.generated "
                     rb'\[limner@32473 seq="3" id="abc"\] \xef\xbb\xbf\{')  # fmt: skip


def test_syslog_message_is_rfc5424_with_the_event_as_json() -> None:
    message = format_message(EVENT, facility=13, hostname="host", app_name="limner")
    assert RFC5424.match(message)
    assert json.loads(message.split(b"\xef\xbb\xbf", 1)[1]) == EVENT


def test_syslog_header_fields_cannot_be_forged_with_spaces() -> None:
    message = format_message(
        {**EVENT, "action": "x y] [evil"}, facility=13, hostname="h o", app_name="limner"
    )
    assert message.split(b" ")[2] == b"ho"
    assert message.split(b" ")[5] == b"xy][evil"


def test_octet_counting_frame() -> None:
    assert frame(b"hello") == b"5 hello"


def test_webhook_headers_follow_standard_webhooks() -> None:
    """Checked with the Standard Webhooks reference library: id, timestamp and body are all signed."""
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    headers = signed_headers(SecretStr(secret), b"{}", now=at)
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{{}}".encode()
    expected = base64.b64encode(hmac.new(b"k" * 32, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    with pytest.raises(WebhookVerificationError):  # a replay an hour later is refused by receivers
        Webhook(secret).verify(b"{}", headers)


@pytest.mark.parametrize("secret", ["", "   ", "short", "whsec_!!!notbase64", "whsec_" + "QQ=="])
def test_webhook_refuses_an_empty_or_weak_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="secret"):
        WebhookConfig(url="https://siem.example.com/in", secret=secret)


@pytest.mark.parametrize("url", ["http://example.com/hook", "ftp://127.0.0.1/x"])
def test_webhook_refuses_plain_http_except_loopback(url: str) -> None:
    with pytest.raises(ValidationError, match="https"):
        WebhookConfig(url=url, secret="sxxxxxxxxxxxxxxxxxxxx")


def test_webhook_secret_is_not_printed() -> None:
    config = WebhookConfig(url="http://127.0.0.1:1/x", secret="topsecret-topsecret")
    assert "topsecret" not in repr(config)


@pytest.mark.parametrize(
    "raw",
    [
        {"kind": "syslog", "host": "127.0.0.1", "port": 514, "tls": False},
        {"kind": "webhook", "url": "https://siem.example.com/in", "secret": "sxxxxxxxxxxxxxxxxxxxx"},
        {"kind": "file", "path": "/tmp/x.jsonl"},
        {"kind": "fake"},
    ],
)
async def test_every_sink_kind_builds_and_obeys_the_contract(raw: dict[str, Any]) -> None:
    sink = build_sink(TypeAdapter(SinkConfig).validate_python(raw))
    assert callable(sink.send)
    await sink.aclose()


def test_unknown_sink_kind_fails_at_startup() -> None:
    with pytest.raises(ValidationError, match="syslog"):
        TypeAdapter(SinkConfig).validate_python({"kind": "kafka"})


async def test_file_sink_appends_private_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    sink = build_sink(TypeAdapter(SinkConfig).validate_python({"kind": "file", "path": str(path)}))
    await sink.send([EVENT])
    await sink.send([{**EVENT, "seq": 4}])
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["seq"] for e in lines] == [3, 4]
    assert path.stat().st_mode & 0o077 == 0
