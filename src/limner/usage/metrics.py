"""The cluster-wide gauges GET /metrics exports (usage/routes.py): read from the shared database once per
scrape, so every replica reports the same audit sink backlog, review queue depth and age, and alerts."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.service import backlog
from limner.db import utcnow
from limner.review.models import ReviewItem
from limner.usage.alerts import service as alerts
from limner.usage.alerts.rules import RULE_NAMES


async def cluster_gauges(session: AsyncSession, *, audit_sinks: list[str]) -> CollectorRegistry:
    registry = CollectorRegistry()
    await _audit_backlog(session, registry, audit_sinks)
    await _review_queue(session, registry)
    await _alerts(session, registry)
    return registry


async def _audit_backlog(session: AsyncSession, registry: CollectorRegistry, sinks: list[str]) -> None:
    gauge = Gauge(
        "limner_audit_sink_backlog", "Audit events not yet delivered to a sink", ["sink"], registry=registry
    )
    for sink, waiting in (await backlog(session, sinks)).items():
        gauge.labels(sink=sink).set(waiting)


async def _review_queue(session: AsyncSession, registry: CollectorRegistry) -> None:
    pending = Gauge(
        "limner_review_pending", "Review items waiting for a decision", ["escalated"], registry=registry
    )
    age = Gauge(
        "limner_review_oldest_pending_age_seconds",
        "Age of the oldest undecided review item",
        registry=registry,
    )
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


async def _alerts(session: AsyncSession, registry: CollectorRegistry) -> None:
    gauge = Gauge(
        "limner_alerts", "Alerts by rule and status (all replicas)", ["rule", "status"], registry=registry
    )
    counts = await alerts.counts_by_rule(session)
    for rule in RULE_NAMES:
        for status in ("open", "acknowledged", "resolved"):
            gauge.labels(rule=rule, status=status).set(counts.get((rule, status), 0))
