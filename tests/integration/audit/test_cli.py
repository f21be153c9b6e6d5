"""Integration tests: `limner audit verify|checkpoints|search|export` on a real data dir (CliRunner)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from limner.audit.schemas import AuditAction
from limner.audit.service import AuditRuntime, install_audit, record
from limner.audit.signing import FileCheckpointSigner
from limner.cli.main import app
from limner.components import build_components
from limner.settings import load_settings
from tests.modes import run_sql

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


async def _record(data_dir: Path, n: int) -> None:
    c = build_components(load_settings(data_dir))
    install_audit(c.sessions, AuditRuntime(signer=FileCheckpointSigner(data_dir), checkpoint_every=5))
    try:
        async with c.sessions.begin() as session:
            for i in range(n):
                await record(session, action=AuditAction.IMAGE_GENERATED, outcome="=cmd", data={"i": i})
    finally:
        await c.aclose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    code, out = invoke("init", "--data-dir", str(path), "--json")
    assert code == 0, out
    asyncio.run(_record(path, 12))
    return path


def _sql(data_dir: Path, statement: str, **params: object) -> None:
    run_sql(load_settings(data_dir).database_url, statement, **params)


def test_verify_passes_on_an_intact_chain(data_dir: Path) -> None:
    code, out = invoke("audit", "verify", "--data-dir", str(data_dir), "--json")
    report = json.loads(out)
    assert code == 0
    assert report["ok"] is True
    assert report["signed_checkpoints"] >= 2


def test_verify_names_the_modified_event_and_exits_1(data_dir: Path) -> None:
    _sql(data_dir, "UPDATE audit_events SET action = 'image.failed' WHERE seq = 4")
    code, out = invoke("audit", "verify", "--data-dir", str(data_dir))
    assert code == 1
    assert "seq 4" in out
    assert "modified" in out


def test_verify_names_a_corrupted_checkpoint_signature(data_dir: Path) -> None:
    seq = 10
    _sql(data_dir, "UPDATE audit_checkpoints SET signature = :sig WHERE seq = :seq", sig="QUFB" * 22, seq=seq)
    code, out = invoke("audit", "verify", "--data-dir", str(data_dir), "--json")
    problem = json.loads(out)["problem"]
    assert code == 1
    assert (problem["seq"], problem["kind"]) == (seq, "bad_signature")


def test_checkpoints_export_for_anchoring(data_dir: Path) -> None:
    code, out = invoke("audit", "checkpoints", "--data-dir", str(data_dir), "--json")
    listing = json.loads(out)
    assert code == 0
    assert listing["algorithm"] == "ed25519"
    assert len(bytes.fromhex(listing["public_key"])) == 32
    assert all(c["signature"] for c in listing["checkpoints"])


def test_search_and_csv_export(data_dir: Path, tmp_path: Path) -> None:
    code, out = invoke(
        "audit", "search", "--data-dir", str(data_dir), "--action", "image.*", "--limit", "5", "--json"
    )
    page = json.loads(out)
    assert code == 0
    assert len(page["data"]) == 5
    assert page["next_cursor"] is not None
    target = tmp_path / "audit.csv"
    code, out = invoke(
        "audit", "export", "--data-dir", str(data_dir), "--format", "csv", "--out", str(target)
    )
    assert code == 0, out
    text = target.read_text()
    assert ",'=cmd," in text
    assert ",=cmd," not in text


def test_search_unknown_user_exits_1(data_dir: Path) -> None:
    code, out = invoke("audit", "search", "--data-dir", str(data_dir), "--user", "ghost@example.com")
    assert code == 1
    assert "no user with email ghost@example.com" in out
