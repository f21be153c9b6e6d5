"""`limner alerts`: list suspicious-activity alerts, acknowledge or resolve them, run the rules now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    JsonOption,
    emit,
    in_transaction,
    reading_from,
    usage_error,
)
from limner.components import Components
from limner.usage.alerts import service
from limner.usage.alerts.evaluation import evaluate_rules
from limner.usage.alerts.schemas import AlertRead

app = typer.Typer(help="Suspicious-activity alerts.", no_args_is_help=True)
STATUSES = ("open", "acknowledged", "resolved")


def _line(a: dict[str, Any]) -> str:
    principal = f"{a['principal']['type']}:{a['principal']['id']}"
    return (
        f"{a['id']}  {a['created_at'][:19]}  {a['status']:<12} {a['severity']:<8} {a['rule']:<16} {principal}"
    )


@app.command("list")
def list_alerts(
    status: str | None = typer.Option(None, help="open | acknowledged | resolved"),
    rule: str | None = typer.Option(None, help="Only this rule"),
    limit: int = typer.Option(100, min=1, max=1000),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Newest first."""
    if status is not None and status not in STATUSES:
        usage_error(f"--status must be one of {', '.join(STATUSES)}")

    async def go(_c: Components, session: AsyncSession) -> list[dict[str, Any]]:
        rows = await service.list_alerts(session, status=status, rule=rule, limit=limit)
        return [AlertRead.of(r).model_dump(mode="json") for r in rows]

    alerts = reading_from(data_dir, go)
    emit(alerts, as_json=as_json, human="\n".join(_line(a) for a in alerts) or "no alerts")


def _update(alert_id: str, status: str, data_dir: Path, as_json: bool) -> None:
    async def go(_c: Components, session: AsyncSession) -> dict[str, Any]:
        row = await service.update_alert(session, alert_id=alert_id, status=status, actor_id=None)
        return AlertRead.of(row).model_dump(mode="json")

    alert = in_transaction(data_dir, go)
    emit(alert, as_json=as_json, human=f"{alert['id']} is now {alert['status']}")


@app.command("ack")
def ack(alert_id: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Acknowledge an open alert."""
    _update(alert_id, "acknowledged", data_dir, as_json)


@app.command("resolve")
def resolve(alert_id: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Resolve an alert (open or acknowledged)."""
    _update(alert_id, "resolved", data_dir, as_json)


@app.command("scan")
def scan(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Run the rules once now (the server also runs them on its own, every alerts.interval_s)."""

    async def go(c: Components, session: AsyncSession) -> list[dict[str, Any]]:
        rows = await evaluate_rules(session, c.settings.alerts)
        return [AlertRead.of(r).model_dump(mode="json") for r in rows]

    alerts = in_transaction(data_dir, go)
    emit(alerts, as_json=as_json, human="\n".join(_line(a) for a in alerts) or "no new alerts")
