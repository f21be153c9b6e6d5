"""Integration tests: the AlertNotifier contract, run against every member of NotifierConfig built through
`build_notifier`: webhook (loopback receiver), email (loopback SMTP server), syslog (loopback collector),
and the fake.

The contract (usage/alerts/notifiers/base.py): one alert is delivered with its id; a destination that is
down or refuses raises UnavailableError and the retried alert is delivered; alert content and secrets never
reach the logs."""

from __future__ import annotations

import asyncio
import email
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email.message import Message
from typing import Any, get_args

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import TypeAdapter

from limner.errors import UnavailableError
from limner.usage.alerts.notifiers import AlertNotifier, NotifierConfig, build_notifier
from limner.usage.alerts.notifiers.fake import FakeNotifier
from tests.e2e.conftest import free_port
from tests.integration.audit.servers import CountingCollector, start_receiver

CONFIGS = TypeAdapter[NotifierConfig](NotifierConfig)
KINDS = ["webhook", "email", "syslog", "fake"]
CANARY = "CANARY-alert-detail-5e1d"
SECRET = "whsec_" + "bm90aWZpZXItY29udHJhY3Qtc2VjcmV0LWtleTAxMjM0"
PASSWORD = "CANARY-smtp-password-88c2"
DESTINATION_LOGGERS = ("mail.",)  # the loopback SMTP server logs what it receives: that is not Limner


def _alert(alert_id: str) -> dict[str, Any]:
    at = "2026-01-01T00:00:00+00:00"
    return {
        "id": alert_id, "rule": "probing", "severity": "high", "principal": {"type": "user", "id": "u1"},
        "evidence": ["ev1", "ev2"], "detail": {"blocked": 5, "note": CANARY}, "status": "open",
        "assignee_id": None, "created_at": at, "updated_at": at,
    }  # fmt: skip


@dataclass
class Wired:
    """A notifier wired to a destination the test can read (alert ids), take down and bring back."""

    notifier: AlertNotifier
    delivered: Callable[[], Awaitable[list[str]]]
    down: Callable[[], Awaitable[None]]
    up: Callable[[], Awaitable[None]]
    close: Callable[[], Awaitable[None]]
    sent: int = 0

    async def send(self, alert: dict[str, Any]) -> None:
        await self.notifier.send(alert)
        self.sent += 1


async def _nothing() -> None:
    return None


async def _webhook() -> Wired:
    receiver = await start_receiver()
    config = {"kind": "webhook", "url": receiver.url, "secret": SECRET, "timeout_s": 5}

    async def delivered() -> list[str]:
        return [json.loads(body)["data"]["id"] for _, body in receiver.requests]

    async def down() -> None:
        receiver.statuses = [500] * 10

    async def up() -> None:
        receiver.statuses = []

    async def close() -> None:
        assert receiver.server is not None
        receiver.server.close()
        await receiver.server.wait_closed()

    return Wired(build_notifier(CONFIGS.validate_python(config)), delivered, down, up, close)


class Inbox:
    """An SMTP handler that keeps each message, or refuses it with 554 while `refusing`."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refusing = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refusing:
            return "554 Transaction failed"
        assert isinstance(envelope.content, bytes)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


async def _email() -> Wired:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    await asyncio.to_thread(controller.start)
    config = {"kind": "email", "host": "127.0.0.1", "port": controller.port, "security": "none",
              "sender": "limner@example.com", "recipients": ["soc@example.com"], "timeout_s": 5}  # fmt: skip

    async def delivered() -> list[str]:
        lines = [line for message in inbox.messages for line in _body(message)]
        return [line.removeprefix("Alert id: ") for line in lines if line.startswith("Alert id: ")]

    async def down() -> None:
        inbox.refusing = True

    async def up() -> None:
        inbox.refusing = False

    async def close() -> None:
        await asyncio.to_thread(controller.stop)

    return Wired(build_notifier(CONFIGS.validate_python(config)), delivered, down, up, close)


def _body(message: Message) -> list[str]:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode().splitlines()


async def _syslog() -> Wired:
    collector = CountingCollector()
    collector.server = await asyncio.start_server(collector.handle, "127.0.0.1", 0)
    port = collector.port
    config = {"kind": "syslog", "host": "127.0.0.1", "port": port, "tls": False, "timeout_s": 5}

    async def delivered() -> list[str]:
        messages = await collector.settled(built.sent)
        return [json.loads(m.split(b"\xef\xbb\xbf", 1)[1])["id"] for m in messages]

    async def down() -> None:
        assert collector.server is not None
        collector.server.close()
        await collector.server.wait_closed()
        collector.server = None

    async def up() -> None:
        collector.server = await asyncio.start_server(collector.handle, "127.0.0.1", port)

    async def close() -> None:
        if collector.server is not None:
            await down()

    built = Wired(build_notifier(CONFIGS.validate_python(config)), delivered, down, up, close)
    return built


async def _fake() -> Wired:
    notifier = build_notifier(CONFIGS.validate_python({"kind": "fake"}))
    assert isinstance(notifier, FakeNotifier)

    async def delivered() -> list[str]:
        return [alert["id"] for alert in notifier.sent]

    async def down() -> None:
        notifier.fail_next = 10

    async def up() -> None:
        notifier.fail_next = 0

    return Wired(notifier, delivered, down, up, _nothing)


WIRINGS = {"webhook": _webhook, "email": _email, "syslog": _syslog, "fake": _fake}


@pytest.fixture(params=KINDS)
async def wired(request: pytest.FixtureRequest) -> AsyncIterator[Wired]:
    built = await WIRINGS[request.param]()
    try:
        yield built
    finally:
        await built.notifier.aclose()
        await built.close()


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(NotifierConfig)[0])
    kinds = sorted(member.model_fields["kind"].default for member in union)
    assert kinds == sorted(KINDS) == sorted(WIRINGS)


async def test_each_alert_is_delivered_with_its_id(wired: Wired) -> None:
    await wired.send(_alert("al_1"))
    await wired.send(_alert("al_2"))
    assert await wired.delivered() == ["al_1", "al_2"]


async def test_a_down_destination_is_unavailable_and_the_retry_delivers(wired: Wired) -> None:
    await wired.down()
    with pytest.raises(UnavailableError) as failure:
        await wired.send(_alert("al_1"))
    assert CANARY not in str(failure.value)
    await wired.up()
    await wired.send(_alert("al_1"))
    assert await wired.delivered() == ["al_1"]


async def test_alert_content_never_reaches_the_logs(wired: Wired, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await wired.send(_alert("al_1"))
    await wired.down()
    with pytest.raises(UnavailableError):
        await wired.send(_alert("al_2"))
    await wired.up()
    assert await wired.delivered() == ["al_1"]
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(DESTINATION_LOGGERS))
    assert CANARY not in ours
    assert SECRET not in ours


async def test_an_unreachable_smtp_server_is_unavailable_and_the_password_stays_out_of_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    config = {"kind": "email", "host": "127.0.0.1", "port": free_port(), "security": "none",
              "username": "limner", "password": PASSWORD, "sender": "limner@example.com",
              "recipients": ["soc@example.com"], "timeout_s": 5}  # fmt: skip
    notifier = build_notifier(CONFIGS.validate_python(config))
    with pytest.raises(UnavailableError, match="refused the alert") as failure:
        await notifier.send(_alert("al_1"))
    assert PASSWORD not in str(failure.value) + caplog.text
    assert PASSWORD not in repr(CONFIGS.validate_python(config))
