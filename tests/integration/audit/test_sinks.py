"""Integration tests: sinks against real loopback servers, fed from the outbox, never losing an event.

Unit tests of the formats: tests/unit/audit/test_sinks.py."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import timedelta
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from limner.audit.config import AuditSettings
from limner.audit.outbox import backlog, drain_configured, drain_once
from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.audit.sinks.fake import FakeSink
from limner.audit.sinks.syslog import SyslogConfig, SyslogSink
from limner.audit.sinks.webhook import WebhookConfig, WebhookSink
from limner.components import Components
from limner.db import utcnow
from tests.integration.audit.servers import self_signed, start_collector, start_receiver

SETTINGS = AuditSettings(drain_batch=3)


async def _record(c: Components, n: int, *, actor: str = "user-1") -> None:
    async with c.sessions.begin() as session:
        for i in range(n):
            await record(session, action=AuditAction.IMAGE_GENERATED, actor_id=actor, data={"i": i})


async def _drain_all(c: Components, sinks: dict[str, object], settings: AuditSettings = SETTINGS) -> None:
    for _ in range(20):
        delivered = await drain_once(c.sessions, sinks, settings)  # type: ignore[arg-type]
        if not any(delivered.values()):
            return


async def test_syslog_over_tcp_receives_rfc5424_frames(components: Components) -> None:
    collector = await start_collector()
    sink = SyslogSink(SyslogConfig(host="127.0.0.1", port=collector.port, tls=False, hostname="gw1"))
    await _record(components, 5)
    await _drain_all(components, {"syslog": sink})
    collector.server.close()  # type: ignore[union-attr]
    assert len(collector.messages) == 5
    first = collector.messages[0]
    assert first.startswith(b"<110>1 ")
    assert b' gw1 limner - image.generated [limner@32473 seq="1"' in first
    payloads = [json.loads(m.split(b"\xef\xbb\xbf", 1)[1]) for m in collector.messages]
    assert [p["seq"] for p in payloads] == [1, 2, 3, 4, 5]
    assert all("actor_id" not in p and p["actor"].startswith("p_") for p in payloads)


async def test_syslog_over_tls(components: Components, tmp_path: Path) -> None:
    ca_file, server_context = self_signed(tmp_path)
    collector = await start_collector(server_context)
    sink = SyslogSink(SyslogConfig(host="127.0.0.1", port=collector.port, tls=True, ca_file=ca_file))
    await _record(components, 2)
    await _drain_all(components, {"syslog": sink})
    collector.server.close()  # type: ignore[union-attr]
    assert len(collector.messages) == 2


async def test_syslog_tls_refuses_an_untrusted_collector(components: Components, tmp_path: Path) -> None:
    _, server_context = self_signed(tmp_path)
    collector = await start_collector(server_context)
    sink = SyslogSink(SyslogConfig(host="127.0.0.1", port=collector.port, tls=True))  # system CAs only
    await _record(components, 1)
    await drain_once(components.sessions, {"syslog": sink}, SETTINGS)
    collector.server.close()  # type: ignore[union-attr]
    assert collector.messages == []
    assert await _backlog(components, ["syslog"]) == {"syslog": 1}


async def test_webhook_batches_are_signed_the_standard_webhooks_way(components: Components) -> None:
    receiver = await start_receiver()
    secret = "whsec_" + base64.b64encode(b"s3cret-s3cret-s3cret").decode()
    sink = WebhookSink(WebhookConfig(url=receiver.url, secret=secret))
    await _record(components, 4)
    await _drain_all(components, {"hook": sink})
    await sink.aclose()
    receiver.server.close()  # type: ignore[union-attr]
    seqs = []
    for headers, body in receiver.requests:
        Webhook(secret).verify(body, headers)  # the reference library: signature and timestamp
        seqs += [e["seq"] for e in json.loads(body)["events"]]
    assert seqs == [1, 2, 3, 4]


async def test_webhook_over_https_with_a_private_ca(components: Components, tmp_path: Path) -> None:
    ca_file, server_context = self_signed(tmp_path)
    receiver = await start_receiver(server_context)
    sink = WebhookSink(WebhookConfig(url=receiver.url, secret="kxxxxxxxxxxxxxxxxxxxx", ca_file=ca_file))
    untrusted = WebhookSink(WebhookConfig(url=receiver.url, secret="kxxxxxxxxxxxxxxxxxxxx"))
    await _record(components, 2)
    await _drain_all(components, {"hook": sink, "untrusted": untrusted})
    for s in (sink, untrusted):
        await s.aclose()
    assert receiver.url.startswith("https://")
    receiver.server.close()  # type: ignore[union-attr]
    assert [e["seq"] for _, body in receiver.requests for e in json.loads(body)["events"]] == [1, 2]
    assert await _backlog(components, ["hook", "untrusted"]) == {"hook": 0, "untrusted": 2}


async def test_a_down_sink_backs_off_keeps_a_backlog_and_loses_nothing(components: Components) -> None:
    receiver = await start_receiver()
    receiver.statuses = [503, 503]
    sink = WebhookSink(WebhookConfig(url=receiver.url, secret="kxxxxxxxxxxxxxxxxxxxx"))
    await _record(components, 5)
    await drain_once(components.sessions, {"hook": sink}, SETTINGS)
    assert await _backlog(components, ["hook"]) == {"hook": 5}
    # Backing off: an immediate retry does not even call the receiver.
    await drain_once(components.sessions, {"hook": sink}, SETTINGS)
    assert receiver.statuses == [503]
    for hours in range(1, 6):  # each pass is past the previous backoff
        await drain_once(components.sessions, {"hook": sink}, SETTINGS, now=utcnow() + timedelta(hours=hours))
    await sink.aclose()
    receiver.server.close()  # type: ignore[union-attr]
    delivered = [e["seq"] for _, body in receiver.requests for e in json.loads(body)["events"]]
    assert delivered == [1, 2, 3, 4, 5]
    assert await _backlog(components, ["hook"]) == {"hook": 0}


async def test_a_slow_sink_never_blocks_recording(components: Components) -> None:
    sink = FakeSink()
    sink.delay_s = 1.0
    await _record(components, 1)
    drain = asyncio.create_task(drain_once(components.sessions, {"slow": sink}, SETTINGS))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await _record(components, 3)
    assert time.perf_counter() - started < 0.5  # the drain holds no transaction while it sends
    await drain
    assert [e["seq"] for e in sink.events] == [1]


async def test_outbox_is_pruned_once_every_sink_has_an_event(components: Components) -> None:
    a, b = FakeSink(), FakeSink()
    b.fail_next = 1
    await _record(components, 2)
    await drain_once(components.sessions, {"a": a, "b": b}, SETTINGS)
    assert await _backlog(components, ["a", "b"]) == {"a": 0, "b": 2}
    await drain_once(components.sessions, {"a": a, "b": b}, SETTINGS, now=utcnow() + timedelta(hours=1))
    assert await _backlog(components, ["a", "b"]) == {"a": 0, "b": 0}
    assert [e["seq"] for e in b.events] == [1, 2]


async def test_configured_file_sink_via_the_job_entry_point(components: Components, tmp_path: Path) -> None:
    path = tmp_path / "siem" / "audit.jsonl"
    settings = AuditSettings.model_validate({"sinks": {"file": {"kind": "file", "path": str(path)}}})
    await _record(components, 2)
    assert await drain_configured(components.sessions, settings) == {"file": 2}
    assert [json.loads(line)["seq"] for line in path.read_text().splitlines()] == [1, 2]


async def _backlog(components: Components, sinks: list[str]) -> dict[str, int]:
    async with components.sessions() as session:
        return await backlog(session, sinks)
