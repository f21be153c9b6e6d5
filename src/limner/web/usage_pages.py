"""Usage by group for admins (usage.read): requests, images, cost and policy outcomes over a period,
beside each group's configured limits, as a table and as CSV. Figures come from usage.stats, the
same as GET /v1/limner/usage?by=group."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Depends, Response

from limner.db import utcnow
from limner.errors import InvalidRequestError
from limner.identity.schemas import Permission
from limner.usage.stats import UsageRow, parse_period, usage
from limner.web.forms import FieldError
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
UsagePage = Depends(require_page(Permission.USAGE_READ))
CSV_COLUMNS = ("group", "requests", "images", "cost_usd", "blocked", "held", "budget_usd_per_month")


@router.get("/admin/usage")
async def usage_by_group(page: Page = UsagePage, since: str = "30d") -> Response:
    errors: list[FieldError] = []
    try:
        rows = await _rows(page, since)
    except InvalidRequestError:
        rows, errors = [], [FieldError("since", "Enter a period like 30d, 12h or 90m")]
    return await render(
        page,
        "admin/usage.html",
        status=400 if errors else 200,
        title="Usage by group",
        rows=rows,
        budgets=_budgets(page),
        since=since,
        errors=errors,
    )


@router.get("/admin/usage.csv")
async def usage_csv(page: Page = UsagePage, since: str = "30d") -> Response:
    rows = await _rows(page, since)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    budgets = _budgets(page)
    for row in rows:
        writer.writerow(
            [
                row.key,
                row.requests,
                row.images,
                f"{row.cost:.6f}",
                row.counts["blocked"],
                row.counts["held"],
                budgets.get(row.key, ""),
            ]
        )
    filename = f"limner-usage-by-group-{utcnow():%Y-%m-%d}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


async def _rows(page: Page, since: str) -> list[UsageRow]:
    end = utcnow()
    start = end - parse_period(since)
    async with page.c.sessions() as session:
        return await usage(
            session, by="group", since=start, until=end, catalog=page.c.settings.generation.models
        )


def _budgets(page: Page) -> dict[str, str]:
    groups = page.c.settings.identity.quotas.groups
    return {
        name: str(q.budget_usd_per_month) for name, q in groups.items() if q.budget_usd_per_month is not None
    }
