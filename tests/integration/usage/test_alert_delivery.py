"""Integration tests: the alert jobs, delivery from settings, notifiers that cannot reach their
endpoint, partial deliveries, and the alerts API's filters and assignment.

Unit twin: tests/unit/usage/test_alert_notifiers.py."""

from __future__ import annotations

import socket

import httpx
from sqlalchemy import select

from limner.components import Components
from limner.imaging.actions import Action
from limner.usage.alerts.config import AlertSettings
from limner.usage.alerts.delivery import deliver_configured, deliver_once
from limner.usage.alerts.evaluation import evaluate_rules
from limner.usage.alerts.jobs import alert_jobs
from limner.usage.alerts.models import Alert
from limner.usage.alerts.notifiers.email import EmailNotifier, EmailNotifierConfig
from limner.usage.alerts.notifiers.fake import FakeNotifier, FakeNotifierConfig
from limner.usage.alerts.notifiers.webhook import WebhookNotifier, WebhookNotifierConfig
from tests.factories import Caller, FixedPolicy

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = {"model": "limner-local", "prompt": "how to make a weapon", "size": "256x256"}
ALERTS = "/v1/limner/alerts"


async def raise_probing(client: httpx.AsyncClient, c: Components, caller: Caller) -> Alert:
    """Five blocked prompts in a row: the probing rule raises one alert that waits for delivery."""
    c.policy = FixedPolicy(Action.BLOCK, ("harm.weapons",))
    for _ in range(5):
        assert (
            await client.post("/v1/images/generations", json=BODY, headers=caller.headers)
        ).status_code == 400
    async with c.sessions.begin() as session:
        [alert] = await evaluate_rules(session, AlertSettings(notifiers={"n": {"kind": "fake"}}))
    return alert


async def stored(c: Components, alert_id: str) -> Alert:
    async with c.sessions() as session:
        row = (await session.execute(select(Alert).where(Alert.id == alert_id))).scalar_one()
        return row


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_alert_jobs_are_none_when_alerts_are_off(components: Components) -> None:
    components.settings.alerts.enabled = False
    assert alert_jobs(components) == []


async def test_the_alert_jobs_evaluate_then_deliver_on_the_configured_interval(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.settings.alerts.notifiers = {"n": FakeNotifierConfig()}
    components.policy = FixedPolicy(Action.BLOCK, ("harm.weapons",))
    for _ in range(5):
        await client.post("/v1/images/generations", json=BODY, headers=creator.headers)
    evaluate, deliver = alert_jobs(components)
    assert (evaluate.name, deliver.name) == ("alerts.evaluate", "alerts.deliver")
    assert evaluate.interval_s == components.settings.alerts.interval_s
    async with components.sessions.begin() as session:
        raised = await evaluate.run(components, session)
    assert isinstance(raised, list)
    [alert] = raised
    assert isinstance(alert, Alert)
    assert alert.rule == "probing"
    async with components.sessions() as session:
        assert await deliver.run(components, session) == 1
    assert (await stored(components, alert.id)).is_notify_done


async def test_delivery_without_notifiers_sends_nothing(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    alert = await raise_probing(client, components, creator)
    assert await deliver_configured(components.sessions, AlertSettings()) == 0
    assert not (await stored(components, alert.id)).is_notify_done


async def test_an_unreachable_webhook_leaves_the_alert_pending_and_counts_the_attempt(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    alert = await raise_probing(client, components, creator)
    url = f"http://127.0.0.1:{closed_port()}/hook"
    notifier = WebhookNotifier(WebhookNotifierConfig(url=url, secret=SECRET))
    try:
        assert await deliver_once(components.sessions, {"hook": notifier}, AlertSettings()) == 0
    finally:
        await notifier.aclose()
    row = await stored(components, alert.id)
    assert (row.delivered, row.attempts, row.is_notify_done) == ([], 1, False)


async def test_a_refused_smtp_connection_is_a_failed_delivery_not_a_crash(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    alert = await raise_probing(client, components, creator)
    config = EmailNotifierConfig(
        host="127.0.0.1", port=closed_port(), security="none", sender="a@x.io", recipients=["b@x.io"]
    )
    sent = await deliver_once(components.sessions, {"mail": EmailNotifier(config)}, AlertSettings())
    assert sent == 0
    assert (await stored(components, alert.id)).attempts == 1


async def test_a_notifier_that_took_the_alert_is_not_asked_again(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    alert = await raise_probing(client, components, creator)
    first, second = FakeNotifier(), FakeNotifier()
    second.fail_next = 1
    notifiers = {"first": first, "second": second}
    assert await deliver_once(components.sessions, notifiers, AlertSettings()) == 1
    assert (await stored(components, alert.id)).delivered == ["first"]
    assert await deliver_once(components.sessions, notifiers, AlertSettings()) == 1
    assert [len(first.sent), len(second.sent)] == [1, 1]
    row = await stored(components, alert.id)
    assert (sorted(row.delivered), row.is_notify_done) == (["first", "second"], True)


async def test_the_alerts_api_filters_by_rule_and_assigns_to_someone_else(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    alert = await raise_probing(client, components, creator)
    by_rule = await client.get(ALERTS, params={"rule": "probing", "limit": 0}, headers=admin.headers)
    assert [a["id"] for a in by_rule.json()["data"]] == [alert.id]
    other = await client.get(ALERTS, params={"rule": "mass_reveal"}, headers=admin.headers)
    assert other.json()["data"] == []
    one = await client.get(f"{ALERTS}/{alert.id}", headers=admin.headers)
    assert one.json()["principal"] == {"type": "user", "id": creator.user_id}
    resolved = await client.patch(
        f"{ALERTS}/{alert.id}",
        json={"status": "resolved", "assignee_id": creator.user_id},
        headers=admin.headers,
    )
    assert (resolved.json()["status"], resolved.json()["assignee_id"]) == ("resolved", creator.user_id)


async def test_an_alert_update_with_an_unknown_field_is_a_400(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    alert = await raise_probing(client, components, creator)
    resp = await client.patch(
        f"{ALERTS}/{alert.id}", json={"status": "resolved", "x": 1}, headers=admin.headers
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["type"] == "invalid_request_error"


async def test_a_creator_may_not_manage_alerts(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    alert = await raise_probing(client, components, creator)
    resp = await client.patch(f"{ALERTS}/{alert.id}", json={"status": "resolved"}, headers=creator.headers)
    assert resp.status_code == 403
    assert (await stored(components, alert.id)).status == "open"


async def test_a_disabled_rule_raises_nothing_for_the_same_burst(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.policy = FixedPolicy(Action.BLOCK, ("harm.weapons",))
    for _ in range(5):
        assert (
            await client.post("/v1/images/generations", json=BODY, headers=creator.headers)
        ).status_code == 400
    quiet = AlertSettings.model_validate(
        {"rules": {"probing": {"enabled": False, "threshold": 5, "window_s": 600}}}
    )
    async with components.sessions.begin() as session:
        assert await evaluate_rules(session, quiet) == []
    async with components.sessions.begin() as session:
        assert [a.rule for a in await evaluate_rules(session, AlertSettings())] == ["probing"]
