"""Render the compliance report as one self-contained HTML file: tables plus charts drawn by matplotlib
(object API, Agg-free SVG output, no pyplot global state), inlined as SVG."""

from __future__ import annotations

import html
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from limner.usage.report import ReportData
from limner.usage.stats import UsageRow

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_DECISIONS = ("block", "review", "redact", "warn")
_COLOURS = {"block": "#b3261e", "review": "#e8a33d", "redact": "#6a51a3", "warn": "#4c72b0"}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d1d1f}
h1{margin-bottom:0}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0}
td,th{padding:.25rem .7rem;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}.muted{color:#666}.kpi{display:flex;gap:2rem}
.kpi div{font-size:1.6rem}.kpi span{display:block;font-size:.8rem;color:#666}
"""


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure(width: float = 9.0, height: float = 3.2) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure  # loaded when a report is drawn, not at import

    figure = Figure(figsize=(width, height))
    return figure, figure.add_subplot(1, 1, 1)


def usage_chart(days: Sequence[UsageRow]) -> str:
    figure, axes = _figure()
    labels = [r.key[5:] for r in days]
    axes.bar(labels, [r.images for r in days], color="#4c72b0", label="images")
    axes.set_ylabel("images")
    cost = axes.twinx()
    cost.plot(labels, [float(r.cost) for r in days], color="#dd8452", marker="o", label="cost (USD)")
    cost.set_ylabel("cost (USD)")
    axes.set_title("Images and cost per day (UTC)")
    axes.tick_params(axis="x", labelrotation=45)
    return _svg(figure)


def outcomes_chart(outcomes: dict[tuple[str, str], int]) -> str:
    categories = sorted(
        {c for c, _ in outcomes}, key=lambda c: -sum(n for (k, _), n in outcomes.items() if k == c)
    )
    figure, axes = _figure(height=max(2.5, 0.35 * len(categories) + 1))
    left = [0] * len(categories)
    for decision in _DECISIONS:
        values = [outcomes.get((c, decision), 0) for c in categories]
        axes.barh(categories, values, left=left, color=_COLOURS[decision], label=decision)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("requests")
    axes.set_title("Policy outcomes by category")
    axes.legend(loc="lower right")
    return _svg(figure)


def alerts_chart(counts: Counter[str]) -> str:
    figure, axes = _figure(height=2.8)
    rules = sorted(counts)
    axes.bar(rules, [counts[r] for r in rules], color="#b3261e")
    axes.set_ylabel("alerts")
    axes.set_title("Suspicious-activity alerts by rule")
    return _svg(figure)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _usage_rows(rows: Sequence[UsageRow]) -> list[list[object]]:
    return [
        [r.key, r.requests, r.images, f"{r.cost:.2f}", r.counts["blocked"], r.counts["held"]] for r in rows
    ]


def render(data: ReportData) -> str:
    t = data.totals
    period = f"{data.since:%Y-%m-%d %H:%M} - {data.until:%Y-%m-%d %H:%M} UTC"
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Limner compliance report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Limner compliance report</h1><p class='muted'>{period}</p>",
        "<div class='kpi'>"
        + "".join(
            f"<div>{html.escape(str(v))}<span>{k}</span></div>"
            for k, v in (
                ("requests", t["requests"]),
                ("images", t["images"]),
                ("cost (USD)", f"{t['cost_usd']:.2f}"),
                ("people", t["people"]),
                ("alerts", len(data.alerts)),
            )
        )
        + "</div>",
        *_usage_section(data),
        *_outcomes_section(data),
        *_alerts_section(data),
        *_review_section(data),
        *_training_section(data),
        "</body></html>",
    ]
    return "\n".join(parts)


def _usage_section(data: ReportData) -> list[str]:
    parts = ["<h2>Usage and cost</h2>"]
    if not data.by_day:
        return [*parts, "<p class='muted'>No image requests in this period.</p>"]
    header = ["", "requests", "images", "cost (USD)", "blocked", "held"]
    return [
        *parts,
        usage_chart(data.by_day),
        "<h3>By group</h3>",
        _table(["group", *header[1:]], _usage_rows(data.by_group)),
        "<h3>Top people by cost</h3>",
        _table(["person", *header[1:]], _usage_rows(data.top_users)),
    ]


def _outcomes_section(data: ReportData) -> list[str]:
    parts = ["<h2>Blocked, held, redacted and warned prompts by category</h2>"]
    if not data.outcomes:
        return [*parts, "<p class='muted'>Every request in this period was allowed as sent.</p>"]
    by_category: dict[str, dict[str, int]] = defaultdict(dict)
    for (category, decision), n in data.outcomes.items():
        by_category[category][decision] = n
    rows = [[c, *(d.get(k, 0) for k in _DECISIONS)] for c, d in sorted(by_category.items())]
    return [*parts, outcomes_chart(data.outcomes), _table(["category", *_DECISIONS], rows)]


def _alerts_section(data: ReportData) -> list[str]:
    parts = ["<h2>Suspicious-activity alerts</h2>"]
    if not data.alerts:
        return [*parts, "<p class='muted'>No alerts were raised in this period.</p>"]
    rows = [
        [
            f"{a.created_at:%Y-%m-%d %H:%M}",
            a.rule,
            a.severity,
            f"{a.principal_type}:{a.principal_id}",
            a.status,
        ]
        for a in data.alerts
    ]
    return [
        *parts,
        alerts_chart(Counter(a.rule for a in data.alerts)),
        _table(["raised (UTC)", "rule", "severity", "principal", "status"], rows),
    ]


def _review_section(data: ReportData) -> list[str]:
    s = data.sla
    within = f"{100 * s.within_sla / s.decided:.0f}%" if s.decided else "-"
    rows: list[list[object]] = [
        ["held for review", s.created],
        ["decided", s.decided],
        ["decided within the SLA", within],
        ["escalated", s.escalated],
        ["still pending past the SLA", s.overdue_pending],
        ["median hours to a decision", "-" if s.median_hours is None else s.median_hours],
    ]
    return ["<h2>Review SLA</h2>", _table(["", ""], rows)]


def _training_section(data: ReportData) -> list[str]:
    parts = ["<h2>Training completion</h2>"]
    t = data.training
    share = f"{100 * t.complete / t.total:.0f}%" if t.total else "-"
    return [
        *parts,
        _table(
            ["", ""],
            [
                ["people who completed the required training", f"{t.complete} of {t.total}"],
                ["completion", share],
            ],
        ),
    ]
