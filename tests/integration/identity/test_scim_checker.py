"""Integration: the independent scim2-tester checker against /scim/v2 on a live loopback uvicorn server."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import uvicorn
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from limner.components import build_components
from limner.identity.accounts import service
from limner.identity.keys import service as key_service
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.integration.identity.conftest import free_port


async def _prepare(data_dir: Path) -> str:
    c = build_components(make_settings(data_dir))
    try:
        await create_schema(c.engine)
        async with c.sessions.begin() as session:
            owner = await service.get_or_create_service(session, name="okta", roles=["scim"])
            _, key = await key_service.create_api_key(
                session, owner=owner, secret_key=c.secret_key, roles=["scim"]
            )
    finally:
        await c.aclose()
    return key


@pytest.fixture
def live_scim(tmp_path: Path) -> Iterator[tuple[str, str]]:
    data_dir = tmp_path / "live"
    key = asyncio.run(_prepare(data_dir))
    port = free_port()
    app = create_app(make_settings(data_dir), run_jobs=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/scim/v2", key
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_scim2_tester_reports_no_errors(live_scim: tuple[str, str]) -> None:
    base, key = live_scim
    with httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10) as http:
        results = check_server(SyncSCIMClient(http), raise_exceptions=False)
    summary = Counter(r.status.name for r in results)
    errors = [f"{r.title}: {r.reason}" for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    print(f"scim2-tester summary: {dict(summary)}")  # noqa: T201 - the report quotes it
    assert summary["SUCCESS"] > 0
    assert errors == [], "\n".join(errors)
