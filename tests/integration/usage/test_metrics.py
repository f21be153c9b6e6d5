"""Integration tests: /metrics over HTTP: per-process request, stage, policy and image-check series
(route templates, never raw paths), cluster gauges from the database, and who may scrape.
Unit twin (upstream attempts and retries): tests/unit/test_observe.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from limner.components import Components
from limner.imaging.actions import Action
from limner.policy.engine import AllowAllPolicy
from limner.usage.alerts.evaluation import evaluate_rules
from tests.factories import Caller, FixedPolicy, make_caller

BODY = {"model": "limner-local", "prompt": "a lighthouse", "size": "256x256"}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_who_may_scrape(client: httpx.AsyncClient, components: Components, admin: Caller) -> None:
    creator = await make_caller(components, roles=["creator"])
    monitor = await make_caller(components, roles=["monitor"])
    assert (await client.get("/metrics", headers=creator.headers)).status_code == 403
    assert (await client.get("/metrics")).status_code == 401
    assert (await client.get("/metrics", headers=monitor.headers)).status_code == 200
    resp = await client.get("/metrics", headers=admin.headers)
    assert resp.status_code == 200
    assert 'limner_review_pending{escalated="false"} 0.0' in resp.text
    # a scraper's key can do nothing else
    assert (
        await client.post("/v1/images/generations", json=BODY, headers=monitor.headers)
    ).status_code == 403


async def test_pipeline_series_after_real_traffic(
    client: httpx.AsyncClient, components: Components, admin: Caller, creator: Caller
) -> None:
    assert (
        await client.post("/v1/images/generations", json=BODY, headers=creator.headers)
    ).status_code == 200
    components.policy = FixedPolicy(Action.BLOCK, ("harm.weapons",))
    for _ in range(5):
        await client.post("/v1/images/generations", json=BODY, headers=creator.headers)
    components.policy = FixedPolicy(Action.REVIEW, ("ip.character",))
    await client.post("/v1/images/generations", json=BODY, headers=creator.headers)
    components.policy = AllowAllPolicy()
    await client.get("/v1/images/files/abc%0aFORGED?expires=1&signature=x")
    async with components.sessions.begin() as session:
        await evaluate_rules(session, components.settings.alerts)

    text = (await client.get("/metrics", headers=admin.headers)).text
    found = samples(text)
    route = "/v1/images/generations"
    assert value(found, "limner_http_requests_total", method="POST", route=route, status="200") == 1
    assert value(found, "limner_http_requests_total", method="POST", route=route, status="400") == 5
    assert value(found, "limner_http_request_duration_seconds_count", method="POST", route=route) == 7
    assert (
        value(
            found,
            "limner_http_requests_total",
            method="GET",
            route="/v1/images/files/{image_id}",
            status="404",
        )
        == 1
    )
    assert "FORGED" not in text  # raw paths never become label values
    for stage in ("policy", "quota", "open", "backend", "image_checks", "store", "close"):
        assert value(found, "limner_pipeline_stage_duration_seconds_count", stage=stage, outcome="ok") >= 1, (
            stage
        )
    assert value(found, "limner_pipeline_stage_duration_seconds_count", stage="open", outcome="error") == 6
    assert value(found, "limner_policy_decisions_total", category="harm.weapons", action="block") == 5
    assert value(found, "limner_policy_decisions_total", category="none", action="allow") == 1
    assert value(found, "limner_image_checks_total", action="allow", category="none") == 1
    assert value(found, "limner_review_pending", escalated="false") == 1
    assert value(found, "limner_review_oldest_pending_age_seconds") >= 0
    assert value(found, "limner_alerts", rule="probing", status="open") == 1
    assert value(found, "limner_alerts", rule="mfa_reset", status="open") == 0


async def test_dashboard_and_alert_rules_use_only_exported_series(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    root = Path(__file__).resolve().parents[3] / "deploy"
    exported = {
        f.name
        for f in text_string_to_metric_families((await client.get("/metrics", headers=admin.headers)).text)
    }
    dashboard = json.loads((root / "grafana-dashboard.json").read_text())
    rules = yaml.safe_load((root / "prometheus-rules.yml").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    expressions += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    used = {
        re.sub(r"_(total|bucket|count|sum)$", "", n)
        for e in expressions
        for n in re.findall(r"limner_\w+", e)
    }
    assert used
    assert used <= exported, used - exported
