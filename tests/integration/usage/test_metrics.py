"""Integration tests: the Prometheus endpoint reports the audit backlog and the review queue."""

from __future__ import annotations

import httpx

from limner.components import Components
from tests.factories import Caller, make_caller


async def test_metrics_need_audit_read_and_report_gauges(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    creator = await make_caller(components, roles=["creator"])
    assert (await client.get("/metrics", headers=creator.headers)).status_code == 403
    resp = await client.get("/metrics", headers=admin.headers)
    assert resp.status_code == 200
    assert 'limner_review_pending{escalated="false"} 0.0' in resp.text
