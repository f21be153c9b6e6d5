"""The suspicious-activity rules: pure functions from audit events to hits (no I/O, table-tested).

Each rule has a stable name. A rule sees the events of its window; `Context.after` holds, per rule and
principal, the last event an earlier alert already covered, so one burst raises one alert."""

from __future__ import annotations

import functools
import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from limner.usage.alerts.config import (
    NewNetworkRule,
    OffHoursRule,
    ProbingRule,
    RuleSettings,
    SpikeRule,
    WindowRule,
)

REQUESTED = ("image.generate.requested", "image.edit.requested", "image.variation.requested")
REVEALS = ("prompt.revealed", "audit.exported", "privacy.exported")
Principal = tuple[str, str]  # (type, id): ("user", id) | ("api_key", id) | ("address", ip)


@dataclass(frozen=True, slots=True)
class EventView:
    """What rules read of one audit event."""

    seq: int
    id: str
    at: datetime
    action: str
    outcome: str = "ok"
    actor_id: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    rule: str
    severity: str
    principal: Principal
    evidence: tuple[EventView, ...]
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Context:
    now: datetime
    after: Mapping[tuple[str, Principal], int] = field(default_factory=dict)
    # volume_spike: images per user over the baseline period before the window.
    baselines: Mapping[str, int] = field(default_factory=dict)
    # new_network: the (range, agent) pairs each key was seen from before, and keys seen at all.
    known_networks: Mapping[str, set[tuple[str, str]]] = field(default_factory=dict)


def _grouped(
    rule: str, events: Iterable[EventView], key: Callable[[EventView], Principal | None], ctx: Context
) -> dict[Principal, list[EventView]]:
    groups: dict[Principal, list[EventView]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.seq):
        principal = key(event)
        if principal is not None and event.seq > ctx.after.get((rule, principal), 0):
            groups[principal].append(event)
    return groups


def _actor(event: EventView) -> Principal | None:
    return ("user", event.actor_id) if event.actor_id else None


def _counted(
    rule: str,
    cfg: WindowRule,
    events: Iterable[EventView],
    key: Callable[[EventView], Principal | None],
    ctx: Context,
    weight: Callable[[EventView], int] = lambda _e: 1,
) -> list[Hit]:
    hits = []
    for principal, matched in _grouped(rule, events, key, ctx).items():
        count = sum(weight(e) for e in matched)
        if count >= cfg.threshold:
            hits.append(Hit(rule, cfg.severity, principal, tuple(matched), {"count": count}))
    return hits


def probing(cfg: ProbingRule, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """Repeated blocked or warned prompts by one person."""
    stopped = [e for e in events if e.action in REQUESTED and e.outcome in cfg.outcomes]
    return _counted("probing", cfg, stopped, _actor, ctx)


def _images(event: EventView) -> int:
    return len(event.data.get("images") or []) or 1


def volume_spike(cfg: SpikeRule, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """Images in the window far above the person's own mean per window over the baseline days."""
    windows = cfg.baseline_days * 86_400 / cfg.window_s
    hits = []
    generated = [e for e in events if e.action == "image.generated"]
    for hit in _counted("volume_spike", cfg, generated, _actor, ctx, _images):
        mean = ctx.baselines.get(hit.principal[1], 0) / windows
        if hit.detail["count"] > cfg.factor * mean:
            hits.append(
                Hit(
                    hit.rule,
                    hit.severity,
                    hit.principal,
                    hit.evidence,
                    {**hit.detail, "baseline_per_window": round(mean, 2)},
                )
            )
    return hits


def off_hours_bulk(cfg: OffHoursRule, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """Many images outside business hours (in the configured time zone)."""
    zone = ZoneInfo(cfg.timezone)

    def off_hours(e: EventView) -> bool:
        local = e.at.astimezone(zone)
        return local.weekday() not in cfg.weekdays or not cfg.start_hour <= local.hour < cfg.end_hour

    late = [e for e in events if e.action == "image.generated" and off_hours(e)]
    return _counted("off_hours_bulk", cfg, late, _actor, ctx, _images)


def network_of(address: str, cfg: NewNetworkRule) -> str:
    """The address range an address belongs to (a /24 or /48 by default); '' when unparsable."""
    return _network(address, cfg.prefix_v4, cfg.prefix_v6)


@functools.lru_cache(maxsize=65_536)
def _network(address: str, prefix_v4: int, prefix_v6: int) -> str:
    # A busy window repeats the same few addresses thousands of times; parsing them is not free.
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = prefix_v4 if ip.version == 4 else prefix_v6
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def new_network(cfg: NewNetworkRule, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """An API key used from an address range or user agent it was not used from before: one hit per
    key and run, with every first use of a new (range, agent) pair as evidence."""
    known = {key: set(pairs) for key, pairs in ctx.known_networks.items()}
    found: dict[str, list[tuple[EventView, tuple[str, str], set[tuple[str, str]]]]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.seq):
        key_id, client = event.data.get("api_key_id"), event.data.get("client") or {}
        if event.action not in REQUESTED or not key_id or not client.get("ip"):
            continue
        pair = (network_of(str(client["ip"]), cfg), str(client.get("agent", "")))
        seen = known.setdefault(str(key_id), set())
        after = ctx.after.get(("new_network", ("api_key", str(key_id))), 0)
        if seen and pair not in seen and event.seq > after:
            found[str(key_id)].append((event, pair, set(seen)))
        seen.add(pair)
    return [_network_hit(cfg, key_id, firsts) for key_id, firsts in found.items()]


def _network_hit(
    cfg: NewNetworkRule, key_id: str, firsts: list[tuple[EventView, tuple[str, str], set[tuple[str, str]]]]
) -> Hit:
    _, pair, before = firsts[0]
    changed = [name for name, i in (("network", 0), ("agent", 1)) if pair[i] not in {p[i] for p in before}]
    detail = {"network": pair[0], "changed": changed, "new_pairs": len(firsts)}
    return Hit("new_network", cfg.severity, ("api_key", key_id), tuple(e for e, _, _ in firsts), detail)


def mass_reveal(cfg: WindowRule, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """Many prompt reveals or exports by one person."""
    return _counted("mass_reveal", cfg, [e for e in events if e.action in REVEALS], _actor, ctx)


def _login_principal(event: EventView) -> Principal | None:
    if event.actor_id:
        return ("user", event.actor_id)
    address = event.data.get("client_ip")
    return ("address", str(address)) if address else None


def failed_logins(cfg: WindowRule, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """Failed sign-ins against one account (or, for unknown accounts, from one address)."""
    failed = [e for e in events if e.action in ("auth.login", "auth.mfa") and e.outcome == "failure"]
    return _counted("failed_logins", cfg, failed, _login_principal, ctx)


def _mfa_subject(event: EventView) -> Principal | None:
    if event.subject_type == "user" and event.subject_id:
        return ("user", event.subject_id)
    return _actor(event)


def mfa_reset(cfg: WindowRule, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """A second factor removed (by its owner or an admin): the classic step before account takeover."""
    removed = [e for e in events if e.action == "mfa.remove"]
    return _counted("mfa_reset", cfg, removed, _mfa_subject, ctx)


def quota_exhaustion(cfg: WindowRule, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """A person ran into a quota or budget."""
    exceeded = [e for e in events if e.action == "quota.exceeded"]
    return _counted("quota_exhaustion", cfg, exceeded, _actor, ctx)


# The audit actions each rule reads: the service loads only these.
ACTIONS: Mapping[str, tuple[str, ...]] = {
    "probing": REQUESTED,
    "volume_spike": ("image.generated",),
    "off_hours_bulk": ("image.generated",),
    "new_network": REQUESTED,
    "mass_reveal": REVEALS,
    "failed_logins": ("auth.login", "auth.mfa"),
    "mfa_reset": ("mfa.remove",),
    "quota_exhaustion": ("quota.exceeded",),
}


RULES: Mapping[str, Callable[[Any, Sequence[EventView], Context], list[Hit]]] = {
    "probing": probing,
    "volume_spike": volume_spike,
    "off_hours_bulk": off_hours_bulk,
    "new_network": new_network,
    "mass_reveal": mass_reveal,
    "failed_logins": failed_logins,
    "mfa_reset": mfa_reset,
    "quota_exhaustion": quota_exhaustion,
}


def evaluate(rule: str, rules: RuleSettings, events: Sequence[EventView], ctx: Context) -> list[Hit]:
    """Run one rule by name over events of its window."""
    cfg = getattr(rules, rule)
    return RULES[rule](cfg, events, ctx) if cfg.enabled else []


RULE_NAMES = tuple(RULES)
