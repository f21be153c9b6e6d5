"""Unit tests: alert notifier configs (https only, valid secrets), the notifier factory, the e-mail
text and the fake's failure switch.

Integration twin: tests/integration/usage/test_alert_delivery.py."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from limner.errors import UnavailableError
from limner.usage.alerts.config import AlertSettings
from limner.usage.alerts.notifiers import NotifierConfig, build_notifier
from limner.usage.alerts.notifiers.email import EmailNotifier, compose
from limner.usage.alerts.notifiers.fake import FakeNotifier
from limner.usage.alerts.notifiers.syslog import SyslogNotifier
from limner.usage.alerts.notifiers.webhook import WebhookNotifier, WebhookNotifierConfig

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ADAPTER: TypeAdapter[NotifierConfig] = TypeAdapter(NotifierConfig)
ALERT: dict[str, Any] = {
    "id": "al_1",
    "rule": "probing",
    "severity": "high",
    "principal": {"type": "user", "id": "u_1"},
    "created_at": "2026-01-02T03:04:05+00:00",
    "detail": {"count": 5},
    "evidence": ["ev_1", "ev_2"],
}


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://hooks.example.com/alerts", True),
        ("http://127.0.0.1:8080/hook", True),
        ("http://localhost/hook", True),
        ("http://[::1]/hook", True),
        ("http://hooks.example.com/alerts", False),
        ("http://10.0.0.5/hook", False),
        ("ftp://hooks.example.com/alerts", False),
    ],
)
def test_webhook_notifiers_need_https_except_on_loopback(url: str, accepted: bool) -> None:
    if accepted:
        assert WebhookNotifierConfig(url=url, secret=SECRET).url == url
    else:
        with pytest.raises(ValidationError, match="https"):
            WebhookNotifierConfig(url=url, secret=SECRET)


@pytest.mark.parametrize(
    ("secret", "message"),
    [("whsec_%%%", "whsec_"), ("whsec_not base64!", "whsec_"), ("", "secret is required")],
)
def test_webhook_notifiers_refuse_a_malformed_secret(secret: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        WebhookNotifierConfig(url="https://hooks.example.com", secret=secret)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"kind": "webhook", "url": "https://hooks.example.com", "secret": SECRET}, WebhookNotifier),
        (
            {"kind": "email", "host": "smtp.example.com", "sender": "a@x.io", "recipients": ["b@x.io"]},
            EmailNotifier,
        ),
        ({"kind": "syslog", "host": "logs.example.com"}, SyslogNotifier),
        ({"kind": "fake"}, FakeNotifier),
    ],
)
async def test_build_notifier_picks_the_implementation_by_kind(raw: dict[str, Any], expected: type) -> None:
    notifier = build_notifier(ADAPTER.validate_python(raw))
    try:
        assert isinstance(notifier, expected)
    finally:
        await notifier.aclose()


def test_an_unknown_notifier_kind_is_refused_at_load() -> None:
    with pytest.raises(ValidationError):
        AlertSettings.model_validate({"notifiers": {"x": {"kind": "pager"}}})


def test_an_email_needs_at_least_one_recipient() -> None:
    with pytest.raises(ValidationError, match="recipients"):
        ADAPTER.validate_python({"kind": "email", "host": "h", "sender": "a@x.io", "recipients": []})


def test_the_alert_email_names_rule_severity_principal_and_evidence() -> None:
    message = compose(ALERT, "alerts@example.com", ["soc@example.com", "ciso@example.com"])
    assert message["Subject"] == "[Limner] high alert: probing (user)"
    assert message["To"] == "soc@example.com, ciso@example.com"
    body = message.get_content()
    assert "Principal: user u_1" in body
    assert "Evidence (audit event ids): ev_1, ev_2" in body
    assert "limner alerts ack al_1" in body


async def test_the_fake_notifier_fails_as_often_as_told_then_records() -> None:
    fake = FakeNotifier()
    fake.fail_next = 1
    with pytest.raises(UnavailableError):
        await fake.send(ALERT)
    await fake.send(ALERT)
    await fake.aclose()
    assert fake.sent == [ALERT]
