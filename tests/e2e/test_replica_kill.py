"""End to end: two `limner serve` replicas on one PostgreSQL database and one Redis, sharing one data dir
(config, key files, key store). The official openai SDK sends requests to both; one replica is killed with
SIGKILL while its requests wait on a slow upstream. The other keeps serving, every image the killed one
answered 200 for is served by the survivor byte for byte, the killed one's requests in flight left no row
(a generation is written in one transaction at its end), and the audit chain verifies.
In-process twin: tests/integration/test_replicas.py."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import openai
import pytest

from limner.generation.urls import signed_url
from tests.e2e.conftest import LIMNER, LiveServer, group_members, serve
from tests.fakes.openai_upstream import FakeUpstreamState, serve_fake_upstream

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]
REDIS_URL = "redis://127.0.0.1:6379/0"
WAVE = 3  # requests per replica per wave
UPSTREAM_DELAY_S = 8.0  # long enough for the kill to land while the second wave waits upstream


@dataclass(frozen=True)
class Answer:
    request_id: str
    images: list[bytes]


@dataclass(frozen=True)
class Cluster:
    a: LiveServer  # killed mid-request
    b: LiveServer  # survives
    upstream: FakeUpstreamState
    env: dict[str, str]
    database_url: str  # for asyncpg
    api_key: str  # a creator's service key


def config_for(upstream_url: str, api_key: str) -> str:
    return (
        f'\n[policy]\nenabled = false\n\n[generation.backends.upstream]\nkind = "openai"\n'
        f'base_url = "{upstream_url}"\napi_key = "{api_key}"\n\n'
        '[[generation.models]]\nid = "dall-e-2"\nbackend = "upstream"\nfamily = "dall-e-2"\n'
    )


@pytest.fixture
def cluster(tmp_path: Path, pg_fresh_database: str) -> Iterator[Cluster]:
    env = {
        "LIMNER_DATABASE__URL": pg_fresh_database,
        "LIMNER_REDIS__URL": REDIS_URL,
        "LIMNER_SERVER__IMAGE_WORKERS": "1",  # worker processes, kept few on a small machine
    }
    with serve_fake_upstream() as (upstream_url, upstream):
        config = config_for(upstream_url, upstream.api_key)
        with serve(tmp_path / "a", LiveServer, env=env, config=config) as a:
            made = cli(a, env, "keys", "create", "--service", "batch", "--role", "creator", "--json")
            with serve(tmp_path / "b", LiveServer, env=env, replica_of=a) as b:
                url = pg_fresh_database.replace("+asyncpg", "", 1)
                yield Cluster(a, b, upstream, env, url, json.loads(made.stdout)["api_key"])
        assert not group_members(a.pid), "the killed replica's image workers outlived it"


def cli(server: LiveServer, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*LIMNER, *args, "--data-dir", str(server.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def generate(server: LiveServer, api_key: str, prompt: str) -> Answer:
    with openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=api_key, max_retries=0, timeout=120) as sdk:
        raw = sdk.images.with_raw_response.generate(
            model="dall-e-2", prompt=prompt, size="256x256", response_format="b64_json"
        )
    images = [base64.b64decode(image.b64_json or "") for image in raw.parse().data or []]
    return Answer(raw.headers["x-request-id"], images)


def send_wave(
    pool: ThreadPoolExecutor, cluster: Cluster, server: LiveServer, name: str
) -> list[Future[Answer]]:
    return [pool.submit(generate, server, cluster.api_key, f"{name} kite {i}") for i in range(WAVE)]


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


def query(database_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(database_url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(go())


def served_by(server: LiveServer, image_id: str) -> bytes:
    """The image as `server` serves it, through a signed URL made with the replicas' shared secret."""
    config = tomllib.loads((server.data_dir / "config.toml").read_text())
    url = signed_url(server.base_url, config["secret_key"].encode(), image_id, ttl_s=600)
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    return response.content


def kill_mid_request(cluster: Cluster, pool: ThreadPoolExecutor) -> tuple[list[Answer], list[Future[Answer]]]:
    """Wave 1 completes on both replicas; wave 2 waits upstream when replica a is killed. Returns a's
    answered wave and its in-flight requests."""
    first = send_wave(pool, cluster, cluster.a, "first") + send_wave(pool, cluster, cluster.b, "first")
    answered = [future.result() for future in first]
    seen = len(cluster.upstream.image_requests())
    cluster.upstream.add_fault("slow", times=2 * WAVE, delay_s=UPSTREAM_DELAY_S)
    in_flight = send_wave(pool, cluster, cluster.a, "second")
    survivor_wave = send_wave(pool, cluster, cluster.b, "second")
    wait_for(lambda: len(cluster.upstream.image_requests()) >= seen + 2 * WAVE, "the second wave upstream")
    assert len(group_members(cluster.a.pid)) > 1  # the server and its image workers
    os.kill(cluster.a.pid, signal.SIGKILL)
    for future in survivor_wave:  # requests on the survivor finish normally
        assert len(future.result().images) == 1
    return answered[:WAVE], in_flight


def test_killing_a_replica_mid_request_loses_nothing_committed(cluster: Cluster) -> None:
    with ThreadPoolExecutor(max_workers=4 * WAVE) as pool:
        answered_by_a, in_flight = kill_mid_request(cluster, pool)
        wait(in_flight)
        for future in in_flight:
            assert isinstance(future.exception(), openai.APIConnectionError)
        after = [future.result() for future in send_wave(pool, cluster, cluster.b, "after")]
    assert all(len(answer.images) == 1 for answer in after)
    for answer in answered_by_a:
        rows = query(
            cluster.database_url,
            "SELECT i.id FROM images i JOIN generations g ON g.id = i.generation_id "
            "WHERE g.request_id = $1 AND g.status = 'completed' AND i.role = 'output' ORDER BY i.index",
            answer.request_id,
        )
        assert [served_by(cluster.b, row["id"]) for row in rows] == answer.images
    # a's in-flight generations were never committed (one transaction at the end): nothing is pending,
    # and the sweep finds nothing to abandon.
    assert query(cluster.database_url, "SELECT id FROM generations WHERE status = 'pending'") == []
    swept = json.loads(cli(cluster.b, cluster.env, "vault", "sweep", "--older-than-s", "0", "--json").stdout)
    assert swept["abandoned"] == []
    assert_nothing_half_written(cluster)
    cli(cluster.b, cluster.env, "audit", "verify")


def assert_nothing_half_written(cluster: Cluster) -> None:
    """Every generation ended; each completed one has its image, and the survivor serves it."""
    rows = query(
        cluster.database_url,
        "SELECT g.status, g.error_code, array_agg(i.id) FILTER (WHERE i.id IS NOT NULL) AS images "
        "FROM generations g LEFT JOIN images i ON i.generation_id = g.id AND i.role = 'output' "
        "GROUP BY g.id, g.status, g.error_code",
    )
    assert sorted((row["status"], row["error_code"]) for row in rows) == [("completed", None)] * 4 * WAVE
    for row in rows:
        images = row["images"] or []
        assert len(images) == (1 if row["status"] == "completed" else 0)
        for image_id in images:
            assert served_by(cluster.b, image_id).startswith(b"\x89PNG")
