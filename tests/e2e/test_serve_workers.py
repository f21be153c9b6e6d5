"""End to end: `limner serve --workers 2` on the test mode's database (SQLite or PostgreSQL) is one server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import httpx
import openai
import pytest
from openai.types import Image

from tests.e2e.conftest import LIMNER, free_port, wait_ready

pytestmark = pytest.mark.e2e


def children(pid: int) -> list[str]:
    """Command lines of the direct children of `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.fixture  # the test's own: in cluster mode, its processes find their database in the environment
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, int]]:
    data_dir, port = tmp_path_factory.mktemp("workers") / "data", free_port()
    subprocess.run([*LIMNER, "init", "--data-dir", str(data_dir), "--json"], check=True, capture_output=True)
    log = (data_dir.parent / "server.log").open("wb")
    proc = subprocess.Popen(
        [*LIMNER, "serve", "--data-dir", str(data_dir), "--port", str(port), "--workers", "2"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "LIMNER_SERVER__IMAGE_WORKERS": "0"},  # keep the process count small here
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, proc, timeout_s=120)
        yield base, data_dir, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LIMNER, *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_two_processes_serve_images_and_a_revoked_key_dies_in_both(server: tuple[str, Path, int]) -> None:
    base, data_dir, pid = server
    assert sum("multiprocessing" in cmd for cmd in children(pid)) >= 2
    created = cli(data_dir, "keys", "create", "--service", "batch", "--role", "creator", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    for index in range(8):  # a new client each time: new connections spread over both processes
        with openai.OpenAI(base_url=f"{base}/v1", api_key=key["api_key"], max_retries=0) as sdk:
            data = sdk.images.generate(
                model="limner-local", prompt=f"kite {index}", size="256x256", response_format="url"
            ).data
            url = cast(list[Image], data)[0].url
        assert url is not None
        assert httpx.get(url, timeout=30).status_code == 200
    revoked = cli(data_dir, "keys", "revoke", key["id"])
    assert revoked.returncode == 0, revoked.stderr
    for _ in range(8):
        with (
            openai.OpenAI(base_url=f"{base}/v1", api_key=key["api_key"], max_retries=0) as fresh,
            pytest.raises(openai.AuthenticationError),
        ):
            fresh.models.list()
    verified = cli(data_dir, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
