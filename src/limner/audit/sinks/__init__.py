"""Audit sinks; each entry of `settings.audit.sinks` picks one by `kind`."""

from __future__ import annotations

from typing import Annotated, assert_never

from pydantic import Field

from limner.audit.sinks.base import AuditSink
from limner.audit.sinks.fake import FakeSink, FakeSinkConfig
from limner.audit.sinks.file import FileSink, FileSinkConfig
from limner.audit.sinks.syslog import SyslogConfig, SyslogSink
from limner.audit.sinks.webhook import WebhookConfig, WebhookSink

SinkConfig = Annotated[
    SyslogConfig | WebhookConfig | FileSinkConfig | FakeSinkConfig, Field(discriminator="kind")
]


def build_sink(config: SinkConfig) -> AuditSink:
    match config:
        case SyslogConfig():
            return SyslogSink(config)
        case WebhookConfig():
            return WebhookSink(config)
        case FileSinkConfig():
            return FileSink(config)
        case FakeSinkConfig():
            return FakeSink(config)
        case _:
            assert_never(config)


__all__ = ["AuditSink", "SinkConfig", "build_sink"]
