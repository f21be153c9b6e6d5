"""Unit: each suspicious-activity rule fires on a crafted event sequence and stays silent on a normal
one (table tests, no database). Integration twin: tests/integration/usage/test_alerts.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from limner.usage.alerts.config import RuleSettings
from limner.usage.alerts.rules import RULE_NAMES, Context, EventView, evaluate, network_of

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday, 15:00 UTC
NIGHT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def ev(
    action: str,
    *,
    outcome: str = "ok",
    actor: str | None = "u1",
    at: datetime = NOW,
    subject: tuple[str, str] | None = None,
    **data: Any,
) -> dict[str, Any]:
    return {
        "action": action,
        "outcome": outcome,
        "actor_id": actor,
        "at": at,
        "subject": subject,
        "data": data,
    }


def events(specs: Sequence[dict[str, Any]]) -> list[EventView]:
    return [
        EventView(
            seq=i + 1,
            id=f"ev{i + 1}",
            at=s["at"] - timedelta(seconds=len(specs) - i),
            action=s["action"],
            outcome=s["outcome"],
            actor_id=s["actor_id"],
            subject_type=s["subject"][0] if s["subject"] else None,
            subject_id=s["subject"][1] if s["subject"] else None,
            data=s["data"],
        )
        for i, s in enumerate(specs)
    ]


def request(
    outcome: str = "allow",
    actor: str = "u1",
    key: str | None = None,
    ip: str = "198.51.100.7",
    agent: str = "a1",
) -> dict[str, Any]:
    client = {"ip": ip, "agent": agent}
    return ev("image.generate.requested", outcome=outcome, actor=actor, api_key_id=key, client=client)


def generated(n: int = 1, at: datetime = NOW, actor: str = "u1") -> dict[str, Any]:
    return ev("image.generated", at=at, actor=actor, images=[{"id": f"i{k}"} for k in range(n)])


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    specs: list[dict[str, Any]]
    fires: list[tuple[str, str]]  # expected principals
    baselines: dict[str, int] = field(default_factory=dict)
    known: dict[str, set[tuple[str, str]]] = field(default_factory=dict)


CASES = [
    Case("probing", "five blocked prompts", [request("block")] * 5, [("user", "u1")]),
    Case(
        "probing",
        "warned and blocked mixed",
        [request("warn")] * 3 + [request("block")] * 2,
        [("user", "u1")],
    ),
    Case("probing", "four blocked is under the threshold", [request("block")] * 4, []),
    Case("probing", "allowed and redacted prompts", [request("allow")] * 20 + [request("redact")] * 5, []),
    Case("probing", "blocks spread over people", [request("block", actor=f"u{i}") for i in range(6)], []),
    Case(
        "volume_spike",
        "sixty images against a quiet baseline",
        [generated(10)] * 6,
        [("user", "u1")],
        baselines={"u1": 20},
    ),
    Case(
        "volume_spike",
        "sixty images is this person's normal",
        [generated(10)] * 6,
        [],
        baselines={"u1": 168 * 60},
    ),
    Case("volume_spike", "few images", [generated(4)] * 3, []),
    Case("off_hours_bulk", "twenty images at 2am", [generated(5, at=NIGHT)] * 4, [("user", "u1")]),
    Case("off_hours_bulk", "twenty images at 3pm on a weekday", [generated(5)] * 4, []),
    Case(
        "new_network",
        "a key from a new range",
        [request(key="k1", ip="203.0.113.9")],
        [("api_key", "k1")],
        known={"k1": {("198.51.100.0/24", "a1")}},
    ),
    Case(
        "new_network",
        "a key with a new user agent",
        [request(key="k1", agent="zz")],
        [("api_key", "k1")],
        known={"k1": {("198.51.100.0/24", "a1")}},
    ),
    Case(
        "new_network",
        "same range, another address",
        [request(key="k1", ip="198.51.100.200")],
        [],
        known={"k1": {("198.51.100.0/24", "a1")}},
    ),
    Case("new_network", "first use of a key", [request(key="k2"), request(key="k2")], []),
    Case("new_network", "a session user has no key", [request(ip="203.0.113.9")], []),
    Case(
        "mass_reveal",
        "ten reveals and exports",
        [ev("prompt.revealed")] * 7 + [ev("audit.exported")] * 3,
        [("user", "u1")],
    ),
    Case("mass_reveal", "a reviewer's few reveals", [ev("prompt.revealed")] * 3, []),
    Case(
        "failed_logins",
        "ten failures on one account",
        [ev("auth.login", outcome="failure")] * 10,
        [("user", "u1")],
    ),
    Case(
        "failed_logins",
        "unknown accounts from one address",
        [ev("auth.login", outcome="failure", actor=None, client_ip="192.0.2.1")] * 10,
        [("address", "192.0.2.1")],
    ),
    Case(
        "failed_logins",
        "a few typos then success",
        [ev("auth.login", outcome="failure")] * 3 + [ev("auth.login")],
        [],
    ),
    Case(
        "mfa_reset",
        "a factor removed",
        [ev("mfa.remove", subject=("user", "u9"), actor="admin")],
        [("user", "u9")],
    ),
    Case("mfa_reset", "a factor enrolled", [ev("mfa.enrol")], []),
    Case("quota_exhaustion", "a quota ran out", [ev("quota.exceeded", outcome="denied")], [("user", "u1")]),
    Case("quota_exhaustion", "ordinary generation", [generated(3)], []),
]


def run(case: Case, after: dict[tuple[str, tuple[str, str]], int] | None = None) -> list[tuple[str, str]]:
    ctx = Context(now=NOW, after=after or {}, baselines=case.baselines, known_networks=case.known)
    return [hit.principal for hit in evaluate(case.rule, RuleSettings(), events(case.specs), ctx)]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}: {c.name}" for c in CASES])
def test_rule(case: Case) -> None:
    assert run(case) == case.fires


def test_every_rule_has_a_firing_and_a_silent_case() -> None:
    for rule in RULE_NAMES:
        assert any(c.rule == rule and c.fires for c in CASES), rule
        assert any(c.rule == rule and not c.fires for c in CASES), rule


def test_events_an_alert_already_covers_do_not_fire_again() -> None:
    case = CASES[0]
    assert run(case, after={("probing", ("user", "u1")): 5}) == []
    assert run(case, after={("probing", ("user", "u1")): 1}) == []  # four left: under the threshold


def test_disabled_rule_is_silent() -> None:
    rules = RuleSettings()
    rules.probing.enabled = False
    assert evaluate("probing", rules, events([request("block")] * 9), Context(now=NOW)) == []


def test_hit_carries_evidence_and_counts() -> None:
    [hit] = evaluate("probing", RuleSettings(), events([request("block")] * 6), Context(now=NOW))
    assert [e.id for e in hit.evidence] == [f"ev{i}" for i in range(1, 7)]
    assert hit.detail == {"count": 6}
    assert hit.severity == "high"


@pytest.mark.parametrize(
    ("address", "network"),
    [("198.51.100.7", "198.51.100.0/24"), ("2001:db8:1:2::5", "2001:db8:1::/48"), ("not-an-ip", "")],
)
def test_network_of(address: str, network: str) -> None:
    assert network_of(address, RuleSettings().new_network) == network
