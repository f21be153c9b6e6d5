"""The compliance report's figures for a period: usage and cost, policy outcomes by category, alerts,
review SLA and training completion. Render: report_html.py."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.education.config import EducationSettings
from limner.education.service import completion_report
from limner.imaging.catalog import ModelSpec
from limner.imaging.records import Generation
from limner.review.models import ReviewItem
from limner.usage.alerts.models import Alert
from limner.usage.stats import UsageRow, usage


@dataclass(frozen=True, slots=True)
class ReviewSla:
    created: int
    decided: int
    within_sla: int
    escalated: int
    overdue_pending: int
    median_hours: float | None


@dataclass(frozen=True, slots=True)
class Training:
    complete: int
    total: int


@dataclass(frozen=True, slots=True)
class ReportData:
    since: datetime
    until: datetime
    by_day: list[UsageRow]
    by_group: list[UsageRow]
    top_users: list[UsageRow]
    outcomes: dict[tuple[str, str], int]  # (category, decision) -> requests
    alerts: list[Alert]
    sla: ReviewSla
    training: Training
    totals: dict[str, Any] = field(default_factory=dict)


async def gather(
    session: AsyncSession,
    period: timedelta,
    *,
    catalog: list[ModelSpec],
    education: EducationSettings,
    now: datetime | None = None,
) -> ReportData:
    until = now or utcnow()
    since = until - period
    by_day = await usage(session, by="day", since=since, until=until, catalog=catalog)
    by_user = await usage(session, by="user", since=since, until=until, catalog=catalog)
    alerts = list(
        (
            await session.scalars(select(Alert).where(Alert.created_at >= since, Alert.created_at < until))
        ).all()
    )
    return ReportData(
        since=since,
        until=until,
        by_day=sorted(by_day, key=lambda r: r.key),
        by_group=await usage(session, by="group", since=since, until=until, catalog=catalog),
        top_users=by_user[:10],
        outcomes=await _outcomes(session, since, until),
        alerts=sorted(alerts, key=lambda a: a.created_at),
        sla=await _sla(session, since, until),
        training=await _training(session, education),
        totals={
            "requests": sum(r.requests for r in by_day),
            "images": sum(r.images for r in by_day),
            "cost_usd": float(sum((r.cost for r in by_day), start=0)),
            "people": len(by_user),
        },
    )


async def _outcomes(session: AsyncSession, since: datetime, until: datetime) -> dict[tuple[str, str], int]:
    query = select(Generation.categories, Generation.decision).where(
        Generation.created_at >= since, Generation.created_at < until, Generation.decision != "allow"
    )
    counts: Counter[tuple[str, str]] = Counter()
    for categories, decision in await session.execute(query):
        for category in categories or ["(none)"]:
            counts[(category, decision)] += 1
    return dict(counts)


async def _sla(session: AsyncSession, since: datetime, until: datetime) -> ReviewSla:
    items = (
        await session.scalars(
            select(ReviewItem).where(ReviewItem.created_at >= since, ReviewItem.created_at < until)
        )
    ).all()
    decided = [i for i in items if i.decided_at is not None]
    hours = [((i.decided_at - i.created_at).total_seconds() / 3600) for i in decided if i.decided_at]
    return ReviewSla(
        created=len(items),
        decided=len(decided),
        within_sla=sum(1 for i in decided if i.decided_at and i.decided_at <= i.due_at),
        escalated=sum(1 for i in items if i.escalated_at is not None),
        overdue_pending=sum(1 for i in items if i.status == "pending" and i.due_at < until),
        median_hours=round(statistics.median(hours), 2) if hours else None,
    )


async def _training(session: AsyncSession, education: EducationSettings) -> Training:
    report = await completion_report(session, cfg=education)
    return Training(complete=report.complete, total=report.total)
