"""Settings for the audit log: checkpoints and streaming sinks.

`SyslogConfig` is re-exported for the alert notifiers that reuse the audit's syslog sink.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from limner.audit.sinks import SinkConfig
from limner.audit.sinks.syslog import SyslogConfig as SyslogConfig


class AuditSettings(BaseModel):
    checkpoint_every: int = Field(default=1000, ge=1, description="Sign a checkpoint every N events")
    sinks: dict[str, SinkConfig] = Field(default_factory=dict, description="Streaming sinks by name")
    drain_interval_s: float = Field(default=2.0, gt=0, description="How often the outbox is drained")
    drain_batch: int = Field(default=500, ge=1, le=10_000, description="Events per delivery")
    max_backoff_s: float = Field(default=300.0, gt=0, description="Longest wait between retries")
