"""Integration: the compliance report over HTTP and from `limner report`, built from real traffic:
usage and cost, policy outcomes by category, alerts, review SLA, training completion; charts by matplotlib."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from typer.testing import CliRunner

from limner.cli.main import app as cli
from limner.components import Components
from limner.imaging.actions import Action
from limner.policy.engine import AllowAllPolicy
from limner.usage import report
from limner.usage.alerts.evaluation import evaluate_rules
from tests.factories import Caller, FixedPolicy

SECRET_PROMPT = "CANARY-REPORT-5a1f a weapon blueprint"


async def traffic(client: httpx.AsyncClient, c: Components, caller: Caller) -> None:
    body = {"model": "dall-e-3", "prompt": "a kite", "size": "1024x1024", "quality": "standard"}
    assert (await client.post("/v1/images/generations", json=body, headers=caller.headers)).status_code == 200
    c.policy = FixedPolicy(Action.BLOCK, ("harm.weapons",))
    for _ in range(5):
        await client.post(
            "/v1/images/generations", json={**body, "prompt": SECRET_PROMPT}, headers=caller.headers
        )
    c.policy = FixedPolicy(Action.REVIEW, ("ip.character",))
    await client.post("/v1/images/generations", json=body, headers=caller.headers)
    c.policy = AllowAllPolicy()
    async with c.sessions.begin() as session:
        await evaluate_rules(session, c.settings.alerts)


async def test_report_over_http(
    client: httpx.AsyncClient, components: Components, admin: Caller, creator: Caller
) -> None:
    await traffic(client, components, creator)
    response = await client.get("/v1/limner/reports/compliance?period=7d", headers=admin.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert page.count("<svg") == 3  # usage, outcomes by category, alerts
    assert "Matplotlib" in page  # drawn by the library, not by hand
    for text in (
        "Usage and cost",
        "harm.weapons",
        "ip.character",
        "probing",
        "Review SLA",
        "held for review",
        creator.email,
        "0.04",
    ):
        assert text in page, text
    assert "people who completed the required training" in page
    assert "CANARY" not in page
    assert (await client.get("/v1/limner/reports/compliance", headers=creator.headers)).status_code == 403
    bad = await client.get("/v1/limner/reports/compliance?period=forever", headers=admin.headers)
    assert bad.status_code == 400


async def test_training_section_reads_the_education_domain(
    client: httpx.AsyncClient, admin: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def completion_report(session: object, *, cfg: object) -> SimpleNamespace:
        return SimpleNamespace(complete=2, total=3)

    monkeypatch.setattr(report, "completion_report", completion_report)
    page = (await client.get("/v1/limner/reports/compliance", headers=admin.headers)).text
    assert "2 of 3" in page
    assert "67%" in page
    assert "No image requests in this period." in page


def test_cli_writes_a_private_html_file(tmp_path: Path) -> None:
    runner = CliRunner()
    data_dir, out = tmp_path / "data", tmp_path / "report.html"
    assert runner.invoke(cli, ["init", "--data-dir", str(data_dir), "--json"]).exit_code == 0
    result = runner.invoke(cli, ["report", "--period", "7d", "--out", str(out), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!doctype html>")
    assert out.stat().st_mode & 0o077 == 0
    bad = runner.invoke(cli, ["report", "--period", "week", "--out", str(out), "--data-dir", str(data_dir)])
    assert bad.exit_code == 2
    assert "--period takes a number" in bad.output
