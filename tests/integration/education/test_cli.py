"""Integration: `limner training record` and `limner training report` on an initialised data dir, and
the first admin of `limner init` reaching generation once trained.

The same through the admin API: tests/integration/education/test_training_api.py."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from limner.audit.models import AuditEvent
from limner.cli.main import app as cli
from limner.components import build_components
from limner.main import create_app
from limner.settings import load_settings

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def initialised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    monkeypatch.setenv(
        "LIMNER_SERVER__IMAGE_WORKERS", "0"
    )  # image stages in threads, as in tests/conftest.py
    data_dir = tmp_path / "data"
    code, out = invoke("init", "--data-dir", str(data_dir), "--json")
    assert code == 0, out
    return data_dir, json.loads(out)


async def generate_status(data_dir: Path, api_key: str) -> tuple[int, str | None]:
    c = build_components(load_settings(data_dir))
    try:
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                "/v1/images/generations",
                headers={"Authorization": f"Bearer {api_key}"},
                json={"prompt": "a kite", "size": "256x256"},
            )
        code = response.json()["error"]["code"] if response.status_code != 200 else None
        return response.status_code, code
    finally:
        await c.aclose()


async def test_init_admin_is_gated_until_training_is_recorded(
    initialised: tuple[Path, dict[str, str]],
) -> None:
    data_dir, creds = initialised
    assert await generate_status(data_dir, creds["api_key"]) == (403, "training_required")
    args = [
        "training",
        "record",
        "--user",
        creds["admin_email"],
        "--all",
        "--json",
        "--data-dir",
        str(data_dir),
    ]
    code, out = await asyncio.to_thread(invoke, *args)
    assert code == 0, out
    assert json.loads(out) == {
        "email": creds["admin_email"],
        "modules": ["responsible-use"],
        "policy_version": 1,
    }
    assert await generate_status(data_dir, creds["api_key"]) == (200, None)


def test_record_one_module_is_audited(initialised: tuple[Path, dict[str, str]]) -> None:
    data_dir, creds = initialised
    dd = ("--data-dir", str(data_dir))
    code, out = invoke(
        "training", "record", "--user", creds["admin_email"], "--module", "responsible-use", *dd
    )
    assert code == 0, out
    assert "responsible-use" in out

    async def actions() -> list[str]:
        c = build_components(load_settings(data_dir))
        async with c.sessions() as session:
            found = (await session.execute(select(AuditEvent.action))).scalars().all()
        await c.aclose()
        return list(found)

    recorded = asyncio.run(actions())
    assert "education.module.recorded" in recorded
    assert "education.policy.acknowledged" not in recorded  # one module is not the policy


@pytest.mark.parametrize(
    ("extra", "message", "exit_code"),
    [
        ((), "exactly one of --module ID or --all", 2),
        (("--all", "--module", "responsible-use"), "exactly one of --module ID or --all", 2),
        (("--module", "nope"), "No training module 'nope'", 1),
    ],
)
def test_record_refuses_unclear_requests(
    initialised: tuple[Path, dict[str, str]], extra: tuple[str, ...], message: str, exit_code: int
) -> None:
    data_dir, creds = initialised
    code, out = invoke(
        "training", "record", "--user", creds["admin_email"], *extra, "--data-dir", str(data_dir)
    )
    assert code == exit_code
    assert message in out


def test_record_unknown_person(initialised: tuple[Path, dict[str, str]]) -> None:
    data_dir, _ = initialised
    code, out = invoke(
        "training", "record", "--user", "ghost@example.com", "--all", "--data-dir", str(data_dir)
    )
    assert code == 1
    assert "ghost@example.com" in out


def test_report_csv(initialised: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    data_dir, creds = initialised
    dd = ("--data-dir", str(data_dir))
    invoke("training", "record", "--user", creds["admin_email"], "--all", *dd)
    out_file = tmp_path / "training.csv"
    code, out = invoke("training", "report", "--csv", str(out_file), *dd)
    assert code == 0, out
    assert "1 of 1 people complete" in out
    rows = list(csv.DictReader(out_file.read_text().splitlines()))
    assert [(r["email"], r["complete"]) for r in rows] == [(creds["admin_email"], "yes")]
    code, out = invoke("training", "report", "--csv", str(out_file), *dd)
    assert code == 1  # never overwrites
