"""Integration test: PostgreSQL restarted under load. Requests fail cleanly (503 with retry-after, never a
500) while it is down, and succeed again once it is back, without restarting Limner. A private PostgreSQL
server of the test's own is restarted (never the shared one)."""

from __future__ import annotations

import asyncio
import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from limner.components import build_components
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.e2e.conftest import free_port
from tests.factories import make_caller

pytestmark = pytest.mark.postgres
GEN = "/v1/images/generations"


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: the database restart test needs it")
    return found[-1]


def as_postgres(*command: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=120
    )


@pytest.fixture
def private_postgres() -> Iterator[tuple[str, list[str]]]:
    root = Path(tempfile.mkdtemp(prefix="limner-pg-"))  # not under pytest's 0700 dirs: postgres must enter
    root.chmod(0o777)
    data, port = root / "data", free_port()
    as_postgres(pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    ctl = [
        pg_bin("pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
    ]
    as_postgres(*ctl, "-l", str(root / "log"), "start")
    try:
        asyncio.run(_create_database(port))
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/limner", ctl
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", *ctl, "-m", "immediate", "stop"], check=False)
        shutil.rmtree(root, ignore_errors=True)


async def _create_database(port: int) -> None:
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres")
    try:
        await conn.execute("CREATE DATABASE limner")
    finally:
        await conn.close()


async def test_requests_fail_cleanly_while_postgres_restarts_then_recover(
    tmp_path: Path, private_postgres: tuple[str, list[str]]
) -> None:
    url, ctl = private_postgres
    c = build_components(make_settings(tmp_path / "data", database={"url": url}))
    await create_schema(c.engine)
    caller = await make_caller(c, roles=["creator"])
    body = {"prompt": "a lighthouse", "size": "256x256"}
    transport = httpx.ASGITransport(app=create_app(components=c), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post(GEN, headers=caller.headers, json=body)).status_code == 200
        await asyncio.to_thread(as_postgres, *ctl, "-m", "fast", "stop")
        down = await asyncio.gather(*(client.post(GEN, headers=caller.headers, json=body) for _ in range(4)))
        assert [r.status_code for r in down] == [503] * 4
        assert down[0].json()["error"]["code"] == "service_unavailable"
        assert down[0].headers["retry-after"] == "1"
        await asyncio.to_thread(as_postgres, *ctl, "-l", str(Path(ctl[2]).parent / "log2"), "start")
        back = await asyncio.gather(*(client.post(GEN, headers=caller.headers, json=body) for _ in range(4)))
        assert [r.status_code for r in back] == [200] * 4
        ready = await client.get("/readyz")
        assert ready.status_code == 200
    await c.aclose()
