"""Integration tests: a quota reservation is given back when the request produces no images
(upstream failure), so a failed attempt never uses up the day.

Unit twin: tests/unit/usage/test_quota_plan.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from limner.components import Components
from limner.errors import UpstreamError
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import make_caller

BODY = {"model": "fake-model", "prompt": "a lighthouse", "size": "256x256"}
GEN = "/v1/images/generations"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, identity={"quotas": {"per_user": {"per_day": 1}}})


async def test_an_upstream_failure_gives_the_reserved_image_back(
    client: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"])
    fake = components.backends["fake"]
    fake.fail_with = UpstreamError("the vendor is down")  # type: ignore[attr-defined]
    failed = await client.post(GEN, json=BODY, headers=caller.headers)
    assert failed.status_code == 502
    assert failed.json()["error"]["type"] == "upstream_error"
    fake.fail_with = None  # type: ignore[attr-defined]
    assert (await client.post(GEN, json=BODY, headers=caller.headers)).status_code == 200
    refused = await client.post(GEN, json=BODY, headers=caller.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "quota_exceeded")
