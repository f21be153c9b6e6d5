"""Integration test: kill -9 a real `limner serve` mid-generation; the janitor and verifier recover.

A generation is written in one transaction at its end, so after the crash nothing of the interrupted
requests is in the database (no row, no audit event, nothing half-written), everything committed
before is intact, no record points at a missing blob, the janitor removes orphan blobs, and
`limner audit verify` still passes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from limner.settings import load_settings
from tests.modes import current_mode, run_sql

CONFIG = """
[generation.backends.fast]
kind = "fake"

[generation.backends.slow]
kind = "fake"
delay_s = 60.0

[[generation.models]]
id = "fast-model"
backend = "fast"
family = "local"

[[generation.models]]
id = "slow-model"
backend = "slow"
family = "local"
"""
CANARY = "CANARY-crash-5be0c2"


def _limner(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "limner.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_ready(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(1200):  # up to ~2 min: start-up loads the harm model tier, slow on a busy machine
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("limner serve did not start")


async def _fire(client: httpx.AsyncClient) -> list[asyncio.Task[httpx.Response]]:
    for i in range(3):
        body = {"model": "fast-model", "prompt": f"{CANARY} fast {i}"}
        assert (await client.post("/v1/images/generations", json=body)).status_code == 200
    slow = [
        asyncio.create_task(
            client.post("/v1/images/generations", json={"model": "slow-model", "prompt": f"{CANARY} {i}"})
        )
        for i in range(4)
    ]
    await asyncio.sleep(1.5)  # all four are inside the backend call now
    return slow


def _records_and_blobs(data_dir: Path) -> tuple[set[str], set[str], dict[str, int]]:
    url = load_settings(data_dir).database_url
    records = {row[0] for row in run_sql(url, "SELECT id FROM images")}
    statuses = dict(run_sql(url, "SELECT status, count(*) FROM generations GROUP BY status"))
    if current_mode() == "embedded":
        blobs = {p.name for p in (data_dir / "blobs").glob("*/*")}
    else:  # cluster mode keeps blobs in the database
        blobs = {row[0] for row in run_sql(url, "SELECT key FROM blobs")}
    return records, blobs, statuses


def _image_events(data_dir: Path) -> dict[str, int]:
    query = "SELECT action, count(*) FROM audit_events WHERE action LIKE 'image.%' GROUP BY action"
    return dict(run_sql(load_settings(data_dir).database_url, query))


def _plant_orphan(data_dir: Path, key: str) -> None:
    """A blob without a record, ten seconds old, as a crash between the two writes leaves it."""
    if current_mode() == "embedded":
        orphan = data_dir / "blobs" / key[:2] / key
        orphan.parent.mkdir(exist_ok=True)
        orphan.write_bytes(b"sealed")
        past = time.time() - 10
        os.utime(orphan, (past, past))
    else:
        run_sql(
            load_settings(data_dir).database_url,
            "INSERT INTO blobs (key, data, modified_at) VALUES (:key, :data, :at)",
            key=key,
            data=b"sealed",
            at=datetime.now(UTC) - timedelta(seconds=10),
        )


async def test_kill_9_mid_generation_then_janitor_and_verify(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    init = _limner("init", "--data-dir", str(data_dir), "--json")
    assert init.returncode == 0, init.stderr
    key = json.loads(init.stdout)["api_key"]
    trained = _limner("training", "record", "--user", json.loads(init.stdout)["admin_email"], "--all",
                      "--data-dir", str(data_dir))  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    with (data_dir / "config.toml").open("a") as handle:
        handle.write(CONFIG)
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "limner.cli", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_ready(base)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
            slow = await _fire(client)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
            results = await asyncio.gather(*slow, return_exceptions=True)
        assert all(isinstance(r, httpx.TransportError) for r in results)
    finally:
        if server.poll() is None:
            server.kill()
        log.close()

    records, blobs, statuses = _records_and_blobs(data_dir)
    assert records <= blobs, "a record points at a missing blob"
    # The three finished requests are whole; the four interrupted ones left nothing behind.
    assert (len(records), statuses) == (3, {"completed": 3})
    assert _image_events(data_dir) == {"image.generate.requested": 3, "image.generated": 3}
    # A crash between writing a blob and its record leaves an orphan: plant one as such a crash would.
    _plant_orphan(data_dir, "deadbeef00000000")

    swept = _limner("vault", "sweep", "--older-than-s", "0", "--json", "--data-dir", str(data_dir))
    assert swept.returncode == 0, swept.stderr
    report = json.loads(swept.stdout)
    assert report["orphans_deleted"] == 1
    assert report["abandoned"] == []  # no generation is left pending
    records, blobs, statuses = _records_and_blobs(data_dir)
    assert (records == blobs, statuses) == (True, {"completed": 3})

    verify = _limner("audit", "verify", "--json", "--data-dir", str(data_dir))
    assert verify.returncode == 0, verify.stdout
    assert json.loads(verify.stdout)["ok"] is True
    assert CANARY not in (tmp_path / "serve.log").read_text()
