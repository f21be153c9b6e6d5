"""GET /metrics: Prometheus text exposition (bearer key with the `metrics` permission).

Two parts: this process's counters and histograms (requests, pipeline stages, policy decisions,
upstream calls, image checks; kept in memory, no query per request), and cluster-wide gauges read from
the shared database once per scrape (audit sink backlog, review queue depth and age, alerts)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select

from limner.audit.outbox import backlog
from limner.components import Components
from limner.db import utcnow
from limner.deps import ComponentsDep, require
from limner.identity.permissions import Permission
from limner.observe import Instruments
from limner.review.models import ReviewItem
from limner.usage.alerts import service as alerts
from limner.usage.alerts.rules import RULE_NAMES

router = APIRouter()


@router.get("/metrics", dependencies=[Depends(require(Permission.METRICS))])
async def metrics(request: Request, c: ComponentsDep) -> Response:
    registry = CollectorRegistry()
    await _audit_backlog(c, registry)
    await _review_queue(c, registry)
    await _alerts(c, registry)
    instruments: Instruments = request.app.state.instruments
    body = generate_latest(instruments.registry) + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def _audit_backlog(c: Components, registry: CollectorRegistry) -> None:
    gauge = Gauge(
        "limner_audit_sink_backlog", "Audit events not yet delivered to a sink", ["sink"], registry=registry
    )
    for sink, waiting in (await backlog(c.sessions, list(c.settings.audit.sinks))).items():
        gauge.labels(sink=sink).set(waiting)


async def _review_queue(c: Components, registry: CollectorRegistry) -> None:
    pending = Gauge(
        "limner_review_pending", "Review items waiting for a decision", ["escalated"], registry=registry
    )
    age = Gauge(
        "limner_review_oldest_pending_age_seconds",
        "Age of the oldest undecided review item",
        registry=registry,
    )
    async with c.sessions() as session:
        query = (
            select(ReviewItem.escalated_at.is_not(None), func.count())
            .where(ReviewItem.status == "pending")
            .group_by(ReviewItem.escalated_at.is_not(None))
        )
        counts = {bool(escalated): int(n) for escalated, n in (await session.execute(query)).all()}
        oldest = await session.scalar(
            select(func.min(ReviewItem.created_at)).where(ReviewItem.status == "pending")
        )
    for escalated in (False, True):
        pending.labels(escalated=str(escalated).lower()).set(counts.get(escalated, 0))
    age.set((utcnow() - oldest).total_seconds() if oldest else 0)


async def _alerts(c: Components, registry: CollectorRegistry) -> None:
    gauge = Gauge(
        "limner_alerts", "Alerts by rule and status (all replicas)", ["rule", "status"], registry=registry
    )
    async with c.sessions() as session:
        counts = await alerts.counts_by_rule(session)
    for rule in RULE_NAMES:
        for status in ("open", "acknowledged", "resolved"):
            gauge.labels(rule=rule, status=status).set(counts.get((rule, status), 0))
