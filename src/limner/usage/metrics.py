"""GET /metrics: Prometheus text exposition of Limner's operational gauges (audit sink backlog, queue)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select

from limner.audit.outbox import backlog
from limner.components import Components
from limner.deps import ComponentsDep, require
from limner.identity.permissions import Permission
from limner.review.models import ReviewItem

router = APIRouter()


@router.get("/metrics", dependencies=[Depends(require(Permission.AUDIT_READ))])
async def metrics(c: ComponentsDep) -> Response:
    """Collected per scrape into a fresh registry: every replica reports what the shared database says."""
    registry = CollectorRegistry()
    await _audit_backlog(c, registry)
    await _review_queue(c, registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def _audit_backlog(c: Components, registry: CollectorRegistry) -> None:
    gauge = Gauge(
        "limner_audit_sink_backlog", "Audit events not yet delivered to a sink", ["sink"], registry=registry
    )
    for sink, waiting in (await backlog(c.sessions, list(c.settings.audit.sinks))).items():
        gauge.labels(sink=sink).set(waiting)


async def _review_queue(c: Components, registry: CollectorRegistry) -> None:
    gauge = Gauge(
        "limner_review_pending", "Review items waiting for a decision", ["escalated"], registry=registry
    )
    async with c.sessions() as session:
        query = (
            select(ReviewItem.escalated_at.is_not(None), func.count())
            .where(ReviewItem.status == "pending")
            .group_by(ReviewItem.escalated_at.is_not(None))
        )
        counts = {bool(escalated): int(n) for escalated, n in (await session.execute(query)).all()}
    for escalated in (False, True):
        gauge.labels(escalated=str(escalated).lower()).set(counts.get(escalated, 0))
