"""Settings for suspicious-activity alerts: one threshold block per rule, notifiers, auto-suspension."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from limner.usage.alerts.notifiers import NotifierConfig

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")


class WindowRule(BaseModel):
    """Fires when one principal reaches `threshold` matching events within `window_s` seconds."""

    enabled: bool = True
    threshold: int = Field(ge=1)
    window_s: int = Field(ge=1)
    severity: Severity = "medium"


class ProbingRule(WindowRule):
    outcomes: list[str] = Field(default_factory=lambda: ["block", "warn"], description="Policy actions")


class SpikeRule(WindowRule):
    """Images in the window above `factor` times the principal's mean per window over `baseline_days`."""

    factor: float = Field(default=5.0, gt=1)
    baseline_days: int = Field(default=7, ge=1)


class OffHoursRule(WindowRule):
    start_hour: int = Field(default=7, ge=0, le=23, description="Business hours start (local time)")
    end_hour: int = Field(default=20, ge=1, le=24, description="Business hours end (local time)")
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], description="0 = Monday")
    timezone: str = "UTC"


class NewNetworkRule(WindowRule):
    prefix_v4: int = Field(default=24, ge=8, le=32, description="An address range is this IPv4 prefix")
    prefix_v6: int = Field(default=48, ge=16, le=128)


class RuleSettings(BaseModel):
    probing: ProbingRule = Field(
        default_factory=lambda: ProbingRule(threshold=5, window_s=600, severity="high")
    )
    volume_spike: SpikeRule = Field(default_factory=lambda: SpikeRule(threshold=50, window_s=3600))
    off_hours_bulk: OffHoursRule = Field(default_factory=lambda: OffHoursRule(threshold=20, window_s=3600))
    new_network: NewNetworkRule = Field(default_factory=lambda: NewNetworkRule(threshold=1, window_s=3600))
    mass_reveal: WindowRule = Field(
        default_factory=lambda: WindowRule(threshold=10, window_s=3600, severity="high")
    )
    failed_logins: WindowRule = Field(default_factory=lambda: WindowRule(threshold=10, window_s=900))
    mfa_reset: WindowRule = Field(
        default_factory=lambda: WindowRule(threshold=1, window_s=3600, severity="high")
    )
    quota_exhaustion: WindowRule = Field(
        default_factory=lambda: WindowRule(threshold=1, window_s=86_400, severity="low")
    )


class AlertSettings(BaseModel):
    enabled: bool = True
    interval_s: float = Field(default=30.0, gt=0, description="How often the rules run")
    rules: RuleSettings = Field(default_factory=RuleSettings)
    notifiers: dict[str, NotifierConfig] = Field(default_factory=dict, description="Where alerts go, by name")
    max_attempts: int = Field(default=10, ge=1, description="Deliveries tried per alert and notifier")
    suspend_at: Severity | None = Field(
        default=None, description="Suspend the person (or the key) on alerts this severe or worse"
    )


def at_least(severity: str, floor: Severity) -> bool:
    rank: dict[str, int] = {name: i for i, name in enumerate(SEVERITIES)}
    return rank.get(severity, 0) >= rank[floor]
