"""Alert notifiers; each entry of `settings.alerts.notifiers` picks one by `kind`."""

from __future__ import annotations

from typing import Annotated, assert_never

from pydantic import Field

from limner.audit.config import SyslogConfig
from limner.usage.alerts.notifiers.base import AlertNotifier
from limner.usage.alerts.notifiers.email import EmailNotifier, EmailNotifierConfig
from limner.usage.alerts.notifiers.fake import FakeNotifier, FakeNotifierConfig
from limner.usage.alerts.notifiers.syslog import SyslogNotifier
from limner.usage.alerts.notifiers.webhook import WebhookNotifier, WebhookNotifierConfig

NotifierConfig = Annotated[
    WebhookNotifierConfig | EmailNotifierConfig | SyslogConfig | FakeNotifierConfig,
    Field(discriminator="kind"),
]


def build_notifier(config: NotifierConfig) -> AlertNotifier:
    match config:
        case WebhookNotifierConfig():
            return WebhookNotifier(config)
        case EmailNotifierConfig():
            return EmailNotifier(config)
        case SyslogConfig():
            return SyslogNotifier(config)
        case FakeNotifierConfig():
            return FakeNotifier(config)
        case _:
            assert_never(config)


__all__ = ["AlertNotifier", "NotifierConfig", "build_notifier"]
