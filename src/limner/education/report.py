"""The completion report: every active person, their acknowledgement and each module's status."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.service import csv_safe
from limner.education.config import EducationSettings
from limner.education.models import PolicyAcknowledgement
from limner.education.modules import list_modules, module_status, records_of
from limner.education.policies import required_version
from limner.education.status import is_acknowledged, renewal_cutoff
from limner.identity.accounts.models import User


class ReportRow(BaseModel):
    email: str
    display_name: str
    acknowledged_version: int | None
    acknowledged_at: datetime | None
    modules: dict[str, str]
    complete: bool


class CompletionReport(BaseModel):
    policy_version: int | None
    module_ids: list[str]
    rows: list[ReportRow]
    complete: int
    total: int


async def completion_report(session: AsyncSession, *, cfg: EducationSettings) -> CompletionReport:
    since = renewal_cutoff(cfg)
    people = await _people(session)
    modules = await list_modules(session)
    records = await records_of(session, [p.id for p in people])
    acks = await _newest_acks(session, since)
    needed = await required_version(session)
    rows = []
    for person in people:
        ack = acks.get(person.id)
        states = {m.id: module_status(m, records.get((person.id, m.id)), since) for m in modules}
        done = is_acknowledged(ack, needed) and all(
            states[m.id] == "passed" for m in modules if m.is_required
        )
        rows.append(
            ReportRow(
                email=person.email,
                display_name=person.display_name,
                acknowledged_version=ack.version if ack else None,
                acknowledged_at=ack.acknowledged_at if ack else None,
                modules=states,
                complete=done,
            )
        )
    return CompletionReport(
        policy_version=needed,
        module_ids=[m.id for m in modules],
        rows=rows,
        complete=sum(r.complete for r in rows),
        total=len(rows),
    )


async def _people(session: AsyncSession) -> list[User]:
    query = select(User).where(User.kind == "person", User.status == "active").order_by(User.email)
    return list((await session.execute(query)).scalars())


async def _newest_acks(session: AsyncSession, since: datetime | None) -> dict[str, PolicyAcknowledgement]:
    query = select(PolicyAcknowledgement).order_by(PolicyAcknowledgement.version)
    if since is not None:
        query = query.where(PolicyAcknowledgement.acknowledged_at >= since)
    return {row.user_id: row for row in (await session.execute(query)).scalars()}


def report_csv(report: CompletionReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["email", "display_name", "acknowledged_version", "acknowledged_at", *report.module_ids,
                     "complete"])  # fmt: skip
    for row in report.rows:
        at = row.acknowledged_at.isoformat() if row.acknowledged_at else ""
        cells = [row.email, row.display_name, row.acknowledged_version, at]
        cells += [row.modules[m] for m in report.module_ids] + ["yes" if row.complete else "no"]
        writer.writerow([csv_safe(cell) if isinstance(cell, str) else str(cell or "") for cell in cells])
    return buffer.getvalue()
