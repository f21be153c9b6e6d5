"""Integration: `limner alerts scan|list|ack|resolve` on a real data dir (CliRunner).
The API twin: tests/integration/usage/test_alerts.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.cli.main import app
from limner.components import build_components
from limner.settings import load_settings

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


async def _blocked_prompts(data_dir: Path, n: int) -> None:
    c = build_components(load_settings(data_dir))
    try:
        async with c.sessions.begin() as session:
            for _ in range(n):
                await record(
                    session, action=AuditAction.IMAGE_GENERATE_REQUESTED, actor_id="u-probe", outcome="block"
                )
    finally:
        await c.aclose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    code, out = invoke("init", "--data-dir", str(path), "--json")
    assert code == 0, out
    asyncio.run(_blocked_prompts(path, 6))
    return path


def test_scan_list_ack_resolve(data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    code, out = invoke("alerts", "scan", *d, "--json")
    assert code == 0, out
    assert [a["rule"] for a in json.loads(out)] == ["probing"]
    code, out = invoke("alerts", "list", "--status", "open", *d, "--json")
    [alert] = json.loads(out)
    assert (alert["rule"], alert["principal"], alert["status"]) == (
        "probing",
        {"type": "user", "id": "u-probe"},
        "open",
    )
    code, out = invoke("alerts", "list", *d)
    assert code == 0
    assert alert["id"] in out
    assert "probing" in out
    code, out = invoke("alerts", "ack", alert["id"], *d, "--json")
    assert code == 0, out
    assert json.loads(out)["status"] == "acknowledged"
    assert json.loads(invoke("alerts", "list", "--status", "open", *d, "--json")[1]) == []
    code, out = invoke("alerts", "resolve", alert["id"], *d)
    assert (code, out.strip()) == (0, f"{alert['id']} is now resolved")
    code, out = invoke("alerts", "scan", *d, "--json")
    assert json.loads(out) == []  # the same events never raise a second alert


def test_unknown_alert_and_bad_status_are_clear_errors(data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    code, out = invoke("alerts", "ack", "nope", *d)
    assert code == 1
    assert "No alert with id 'nope'" in out
    code, out = invoke("alerts", "list", "--status", "closed", *d)
    assert code == 2
    assert "--status must be one of" in out


def test_keys_suspend_and_resume(data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir)]
    code, out = invoke("keys", "list", *d, "--json")
    key_id = json.loads(out)[0]["id"]
    code, out = invoke("keys", "suspend", key_id, *d, "--json")
    assert code == 0, out
    assert json.loads(out)["suspended_at"] is not None
    code, out = invoke("keys", "resume", key_id, *d)
    assert (code, out.strip()) == (0, f"key {key_id} is active again")
    code, out = invoke("keys", "suspend", "nope", *d)
    assert code == 1
