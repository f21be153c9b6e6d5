"""Integration tests: which quota counter store the components build. With a shared Redis (`redis.url`)
the counters live there unless `identity.quotas.store` names one; a Redis outage is a clean 503.
The store contract itself is tests/integration/usage/test_counter_store_contract.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from limner.components import Components, build_components
from limner.main import create_app
from limner.usage.counters import DatabaseCounterStore, RedisCounterStore
from tests.conftest import create_schema, make_settings
from tests.factories import make_caller

REDIS_URL = "redis://127.0.0.1:6379/0"
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: the connection is refused at once


async def test_without_redis_the_counters_are_in_the_database(tmp_path: Path) -> None:
    c = build_components(make_settings(tmp_path, redis={"url": None}))  # cluster-mode tests add Redis
    try:
        assert isinstance(c.counters, DatabaseCounterStore)
    finally:
        await c.aclose()


@pytest.mark.redis
async def test_a_shared_redis_holds_the_counters_by_default(tmp_path: Path) -> None:
    c = build_components(make_settings(tmp_path, redis={"url": REDIS_URL}))
    try:
        assert isinstance(c.counters, RedisCounterStore)
        assert await c.counters.used("img:user:nobody:d:2026-01-01") == 0
    finally:
        await c.aclose()


async def test_an_explicit_store_wins_over_the_shared_redis(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, redis={"url": CLOSED_PORT_URL}, identity={"quotas": {"store": {"kind": "database"}}}
    )
    c = build_components(settings)
    try:
        assert isinstance(c.counters, DatabaseCounterStore)
    finally:
        await c.aclose()


async def test_an_unreachable_redis_refuses_the_request_cleanly(tmp_path: Path) -> None:
    quotas = {"per_user": {"per_day": 5}}
    c: Components = build_components(
        make_settings(tmp_path, redis={"url": CLOSED_PORT_URL}, identity={"quotas": quotas})
    )
    await create_schema(c.engine)
    transport = httpx.ASGITransport(app=create_app(components=c))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            creator = await make_caller(c, roles=["creator"])
            body = {"prompt": "a kite", "size": "256x256"}
            answer = await client.post("/v1/images/generations", headers=creator.headers, json=body)
        assert answer.status_code == 503, answer.text
        error = answer.json()["error"]
        assert error["type"] == "service_unavailable_error"
        assert "127.0.0.1:1" not in error["message"]
    finally:
        await c.aclose()
