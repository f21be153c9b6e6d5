"""Integration tests: the AuditSink contract, run against every member of SinkConfig built through
`build_sink`: syslog (loopback collector), webhook (loopback receiver), file, and the fake.

The contract (audit/sinks/base.py): events arrive in seq order and intact; a destination that is down
or refuses raises UnavailableError, and the same batch sent again is delivered; content never reaches the
logs; aclose releases the sink."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import TypeAdapter

from limner.audit.sinks import AuditSink, SinkConfig, build_sink
from limner.audit.sinks.fake import FakeSink
from limner.errors import UnavailableError
from tests.integration.audit.servers import CountingCollector, start_receiver

CONFIGS = TypeAdapter[SinkConfig](SinkConfig)
KINDS = ["syslog", "webhook", "file", "fake"]
CANARY = "CANARY-audit-event-content-7f3a"
SECRET = "whsec_" + "c2VjcmV0LXNpbmstY29udHJhY3Qta2V5MDEyMzQ1Njc4OQ=="


def _events(first: int, last: int) -> list[dict[str, Any]]:
    return [
        {"seq": s, "id": f"e{s}", "at": "2026-01-01T00:00:00+00:00", "action": "image.generated",
         "data": {"note": CANARY}}
        for s in range(first, last + 1)
    ]  # fmt: skip


@dataclass
class Harness:
    """A sink wired to a destination the test can read, take down and bring back."""

    sink: AuditSink
    delivered: Callable[[], Awaitable[list[dict[str, Any]]]]
    down: Callable[[], Awaitable[None]]
    up: Callable[[], Awaitable[None]]
    close: Callable[[], Awaitable[None]]
    sent: int = 0

    async def send(self, events: list[dict[str, Any]]) -> None:
        await self.sink.send(events)
        self.sent += 1  # one delivered batch: the syslog collector waits for as many connections


async def _nothing() -> None:
    return None


async def _close(server: asyncio.Server | None) -> None:
    if server is not None:
        server.close()
        await server.wait_closed()


async def _syslog(_tmp: Path) -> Harness:
    collector = CountingCollector()
    collector.server = await asyncio.start_server(collector.handle, "127.0.0.1", 0)
    port = collector.port
    config = {"kind": "syslog", "host": "127.0.0.1", "port": port, "tls": False, "timeout_s": 5}

    async def delivered() -> list[dict[str, Any]]:
        messages = await collector.settled(wired.sent)
        return [json.loads(m.split(b"\xef\xbb\xbf", 1)[1]) for m in messages]

    async def down() -> None:
        await _close(collector.server)
        collector.server = None

    async def up() -> None:
        collector.server = await asyncio.start_server(collector.handle, "127.0.0.1", port)

    async def close() -> None:
        await _close(collector.server)

    wired = Harness(build_sink(CONFIGS.validate_python(config)), delivered, down, up, close)
    return wired


async def _webhook(_tmp: Path) -> Harness:
    receiver = await start_receiver()
    config = {"kind": "webhook", "url": receiver.url, "secret": SECRET, "timeout_s": 5}

    async def delivered() -> list[dict[str, Any]]:
        return [event for _, body in receiver.requests for event in json.loads(body)["events"]]

    async def down() -> None:
        receiver.statuses = [503] * 10

    async def up() -> None:
        receiver.statuses = []

    async def close() -> None:
        await _close(receiver.server)

    return Harness(build_sink(CONFIGS.validate_python(config)), delivered, down, up, close)


async def _file(tmp: Path) -> Harness:
    path = tmp / "audit" / "events.jsonl"

    async def delivered() -> list[dict[str, Any]]:
        return [json.loads(line) for line in path.read_text().splitlines()]

    async def down() -> None:  # the directory is replaced by a plain file: appends fail
        (tmp / "audit").rename(tmp / "parked")
        (tmp / "audit").write_bytes(b"")

    async def up() -> None:
        (tmp / "audit").unlink()
        (tmp / "parked").rename(tmp / "audit")

    sink = build_sink(CONFIGS.validate_python({"kind": "file", "path": str(path)}))
    return Harness(sink, delivered, down, up, _nothing)


async def _fake(_tmp: Path) -> Harness:
    sink = build_sink(CONFIGS.validate_python({"kind": "fake"}))
    assert isinstance(sink, FakeSink)

    async def delivered() -> list[dict[str, Any]]:
        return list(sink.events)

    async def down() -> None:
        sink.fail_next = 10

    async def up() -> None:
        sink.fail_next = 0

    return Harness(sink, delivered, down, up, _nothing)


HARNESSES = {"syslog": _syslog, "webhook": _webhook, "file": _file, "fake": _fake}


@pytest.fixture(params=KINDS)
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    built = await HARNESSES[request.param](tmp_path)
    try:
        yield built
    finally:
        await built.sink.aclose()
        await built.close()


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(SinkConfig)[0])
    assert (
        sorted(member.model_fields["kind"].default for member in union) == sorted(KINDS) == sorted(HARNESSES)
    )


async def test_batches_arrive_intact_and_in_seq_order(harness: Harness) -> None:
    await harness.send(_events(1, 3))
    await harness.send(_events(4, 5))
    assert await harness.delivered() == _events(1, 5)


async def test_a_down_destination_is_unavailable_and_the_retry_delivers(harness: Harness) -> None:
    await harness.send(_events(1, 1))
    await harness.down()
    with pytest.raises(UnavailableError) as failure:
        await harness.send(_events(2, 3))
    assert CANARY not in str(failure.value)
    await harness.up()
    await harness.send(_events(2, 3))  # at least once: the whole batch is sent again
    assert [e["seq"] for e in await harness.delivered()] == [1, 2, 3]


async def test_event_content_never_reaches_the_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await harness.send(_events(1, 2))
    await harness.down()
    with pytest.raises(UnavailableError):
        await harness.send(_events(3, 3))
    await harness.up()
    assert len(await harness.delivered()) == 2
    assert CANARY not in caplog.text
    assert SECRET not in caplog.text


async def test_aclose_releases_the_sink_after_use(harness: Harness) -> None:
    await harness.send(_events(1, 1))
    await harness.sink.aclose()
    assert [e["seq"] for e in await harness.delivered()] == [1]
