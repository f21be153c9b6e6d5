"""Integration: alerts raised from real audit events driven through the API, raised once, listed and
acknowledged over HTTP, delivered to loopback notifiers. Unit twin: tests/unit/usage/test_alert_rules.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from limner.audit.sinks.syslog import SyslogConfig
from limner.components import Components, build_components
from limner.identity.accounts import service as identity
from limner.identity.accounts.models import User
from limner.identity.keys import service as key_service
from limner.imaging.actions import Action
from limner.main import create_app
from limner.privacy.flows import erase_user
from limner.usage.alerts.config import AlertSettings
from limner.usage.alerts.delivery import deliver_once
from limner.usage.alerts.evaluation import evaluate_rules
from limner.usage.alerts.models import Alert
from limner.usage.alerts.notifiers.email import EmailNotifier, EmailNotifierConfig
from limner.usage.alerts.notifiers.fake import FakeNotifier
from limner.usage.alerts.notifiers.syslog import SyslogNotifier
from limner.usage.alerts.notifiers.webhook import WebhookNotifier, WebhookNotifierConfig
from limner.usage.alerts.schemas import AlertRead
from tests.conftest import create_schema, make_settings
from tests.e2e.conftest import free_port
from tests.factories import Caller, FixedPolicy, make_caller
from tests.integration.audit.servers import start_collector, start_receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = {"model": "limner-local", "prompt": "how to make a weapon", "size": "256x256"}


async def blocked_burst(client: httpx.AsyncClient, c: Components, caller: Caller, n: int = 5) -> None:
    c.policy = FixedPolicy(Action.BLOCK, ("harm.weapons",))
    for _ in range(n):
        response = await client.post("/v1/images/generations", json=BODY, headers=caller.headers)
        assert response.status_code == 400


async def evaluate(c: Components, settings: AlertSettings | None = None) -> list[Alert]:
    async with c.sessions.begin() as session:
        return await evaluate_rules(session, settings or c.settings.alerts)


async def test_blocked_burst_raises_probing_once_and_is_an_audit_event(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    await blocked_burst(client, components, creator)
    [alert] = await evaluate(components)
    assert (alert.rule, alert.severity, alert.principal_type, alert.principal_id) == (
        "probing",
        "high",
        "user",
        creator.user_id,
    )
    assert len(alert.evidence) == 5
    assert await evaluate(components) == []  # the same burst never raises twice
    events = await client.get("/v1/limner/audit/events?action=alert.raised", headers=admin.headers)
    [event] = events.json()["data"]
    assert event["data"]["alert_id"] == alert.id
    assert event["data"]["evidence"] == alert.evidence
    await blocked_burst(client, components, creator, n=4)
    assert await evaluate(components) == []  # four new blocks: under the threshold
    await blocked_burst(client, components, creator, n=1)
    assert [a.rule for a in await evaluate(components)] == ["probing"]  # a second burst


async def test_alerts_api_lists_acknowledges_and_resolves(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    await blocked_burst(client, components, creator)
    await evaluate(components)
    listed = await client.get("/v1/limner/alerts?status=open", headers=admin.headers)
    [alert] = listed.json()["data"]
    assert alert["rule"] == "probing"
    url = f"/v1/limner/alerts/{alert['id']}"
    acked = await client.patch(url, json={"status": "acknowledged"}, headers=admin.headers)
    assert acked.status_code == 200
    assert (acked.json()["status"], acked.json()["assignee_id"]) == ("acknowledged", admin.user_id)
    assert (await client.get("/v1/limner/alerts?status=open", headers=admin.headers)).json()["data"] == []
    resolved = await client.patch(url, json={"status": "resolved"}, headers=admin.headers)
    assert resolved.json()["status"] == "resolved"
    again = await client.patch(url, json={"status": "acknowledged"}, headers=admin.headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    missing = await client.get("/v1/limner/alerts/nope", headers=admin.headers)
    assert missing.status_code == 404
    bad = await client.get("/v1/limner/alerts?status=closed", headers=admin.headers)
    assert bad.status_code == 400
    forbidden = await client.get("/v1/limner/alerts", headers=creator.headers)
    assert forbidden.status_code == 403
    trail = await client.get("/v1/limner/audit/events?action=alert.resolved", headers=admin.headers)
    assert len(trail.json()["data"]) == 1


async def test_webhook_is_signed_per_standard_webhooks(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await blocked_burst(client, components, creator)
    [alert] = await evaluate(components, AlertSettings(notifiers={"hook": {"kind": "fake"}}))
    receiver = await start_receiver()
    receiver.statuses = [503]  # the first attempt fails: delivered on the next run
    notifier = WebhookNotifier(WebhookNotifierConfig(url=receiver.url, secret=SECRET))
    try:
        assert await deliver_once(components.sessions, {"hook": notifier}, AlertSettings()) == 0
        assert await deliver_once(components.sessions, {"hook": notifier}, AlertSettings()) == 1
        assert await deliver_once(components.sessions, {"hook": notifier}, AlertSettings()) == 0
    finally:
        await notifier.aclose()
        assert receiver.server is not None
        receiver.server.close()
    [(headers, body)] = receiver.requests
    payload = Webhook(SECRET).verify(body, headers)
    assert payload["type"] == "alert.raised"
    assert payload["data"]["id"] == alert.id
    assert headers["webhook-id"] == f"alert_{alert.id}"
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 32).verify(body, headers)


async def test_email_reaches_an_smtp_server(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await blocked_burst(client, components, creator)
    [alert] = await evaluate(components)

    class Inbox(Message):
        def __init__(self) -> None:
            super().__init__()
            self.messages: list[object] = []

        def handle_message(self, message: object) -> None:
            self.messages.append(message)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    await asyncio.to_thread(controller.start)
    try:
        config = EmailNotifierConfig(
            host="127.0.0.1",
            port=controller.port,
            security="none",
            sender="limner@example.com",
            recipients=["soc@example.com"],
        )
        await EmailNotifier(config).send(AlertRead.of(alert).model_dump(mode="json"))
    finally:
        await asyncio.to_thread(controller.stop)
    [message] = inbox.messages
    assert "probing" in message["Subject"]  # type: ignore[index]
    assert alert.id in message.get_payload()  # type: ignore[attr-defined]
    assert "weapon" not in str(message)


async def test_syslog_carries_the_alert(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await blocked_burst(client, components, creator)
    [alert] = await evaluate(components)
    collector = await start_collector()
    notifier = SyslogNotifier(SyslogConfig(host="127.0.0.1", port=collector.port, tls=False))
    await notifier.send(AlertRead.of(alert).model_dump(mode="json"))
    for _ in range(100):
        if collector.messages:
            break
        await asyncio.sleep(0.02)
    assert collector.server is not None
    collector.server.close()
    [message] = collector.messages
    assert b" alert.raised " in message
    assert json.loads(message.split(b"\xef\xbb\xbf", 1)[1])["rule"] == "probing"


async def test_failed_delivery_is_retried_until_max_attempts(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await blocked_burst(client, components, creator)
    await evaluate(components, AlertSettings(notifiers={"x": {"kind": "fake"}}))
    fake = FakeNotifier()
    fake.fail_next = 5
    settings = AlertSettings(max_attempts=2)
    assert await deliver_once(components.sessions, {"x": fake}, settings) == 0
    assert await deliver_once(components.sessions, {"x": fake}, settings) == 0
    fake.fail_next = 0
    assert await deliver_once(components.sessions, {"x": fake}, settings) == 0  # gave up after 2
    assert fake.sent == []


async def test_severe_alert_suspends_the_person_until_an_admin_reactivates(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await blocked_burst(client, components, creator)
    await evaluate(components, AlertSettings(suspend_at="high"))
    components.policy = FixedPolicy(Action.ALLOW, ())
    refused = await client.post("/v1/images/generations", json=BODY, headers=creator.headers)
    assert refused.status_code == 401
    async with components.sessions.begin() as session:
        user = await session.get(User, creator.user_id)
        assert user is not None
        assert user.status == "suspended"
        await identity.set_status(session, user, "active")
    allowed = await client.post("/v1/images/generations", json=BODY, headers=creator.headers)
    assert allowed.status_code == 200


async def test_key_from_a_new_user_agent_raises_new_network(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    body = {**BODY, "prompt": "a boat"}
    for agent in ("OpenAI/Python 1.0", "OpenAI/Python 1.0"):
        headers = {**creator.headers, "user-agent": agent}
        assert (await client.post("/v1/images/generations", json=body, headers=headers)).status_code == 200
    assert await evaluate(components) == []  # the first network of a key is its baseline
    headers = {**creator.headers, "user-agent": "curl/8.0"}
    assert (await client.post("/v1/images/generations", json=body, headers=headers)).status_code == 200
    [alert] = await evaluate(components)
    assert (alert.rule, alert.principal_type, alert.principal_id) == (
        "new_network",
        "api_key",
        creator.key_id,
    )
    assert alert.detail["changed"] == ["agent"]


async def test_quota_exhaustion_raises_an_alert(data_dir: Path) -> None:
    c = build_components(make_settings(data_dir, identity={"quotas": {"per_user": {"per_day": 1}}}))
    await create_schema(c.engine)
    try:
        caller = await make_caller(c, roles=["creator"])
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            body = {**BODY, "prompt": "a boat"}
            assert (
                await client.post("/v1/images/generations", json=body, headers=caller.headers)
            ).status_code == 200
            assert (
                await client.post("/v1/images/generations", json=body, headers=caller.headers)
            ).status_code == 429
        [alert] = await evaluate(c)
        assert (alert.rule, alert.principal_id) == ("quota_exhaustion", caller.user_id)
    finally:
        await c.aclose()


async def test_replicas_on_one_postgres_raise_each_alert_once(pg_database: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "shared", database={"url": pg_database})
    replicas = [build_components(settings) for _ in range(2)]
    await create_schema(replicas[0].engine)
    try:
        caller = await make_caller(replicas[0], roles=["creator"])
        for i, c in enumerate(replicas):  # blocked prompts arrive at both replicas
            transport = httpx.ASGITransport(app=create_app(components=c))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                await blocked_burst(client, c, caller, n=3 if i == 0 else 2)
        raised = await asyncio.gather(*(evaluate(c) for c in replicas))
        assert sorted(len(r) for r in raised) == [0, 1]
        async with replicas[1].sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Alert)) == 1
    finally:
        for c in replicas:
            await c.aclose()


async def test_erasure_keeps_the_alert_but_not_the_person(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:

    await blocked_burst(client, components, creator)
    [alert] = await evaluate(components)
    await erase_user(components, email=creator.email, actor_id=None)
    async with components.sessions() as session:
        row = await session.get(Alert, alert.id)
        assert row is not None
        assert (row.rule, row.principal_id, len(row.evidence)) == ("probing", "erased", 5)


async def test_key_alert_suspends_the_key_until_an_admin_resumes_it(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    body = {**BODY, "prompt": "a boat"}
    for agent in ("sdk/1", "curl/8"):
        headers = {**creator.headers, "user-agent": agent}
        assert (await client.post("/v1/images/generations", json=body, headers=headers)).status_code == 200
    settings = AlertSettings(suspend_at="medium")
    [alert] = await evaluate(components, settings)
    assert alert.rule == "new_network"
    refused = await client.post("/v1/images/generations", json=body, headers=creator.headers)
    assert refused.status_code == 401
    async with components.sessions.begin() as session:
        user = await session.get(User, creator.user_id)
        assert user is not None
        assert user.status == "active"  # the person keeps their other keys and sessions
        await key_service.set_key_suspended(session, key_id=creator.key_id, suspended=False)
    assert (
        await client.post("/v1/images/generations", json=body, headers=creator.headers)
    ).status_code == 200
