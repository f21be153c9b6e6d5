"""Integration tests: a person's own erasure request from "My data" (an audit event, newest per
person, gone once the person is deprovisioned) and range holds that reach a person only through
data created inside the range.

Unit twin: tests/unit/privacy/test_rules.py (in_range and holding, pure)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from limner.components import Components
from limner.db import utcnow
from limner.privacy import holds
from limner.privacy.requests import pending_requests, request_erasure, requested_at
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller, make_caller
from tests.integration.privacy.helpers import generate


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """The erasure route accepts API keys as step-up here (tested in tests/integration/identity/)."""
    return make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": True}})


async def test_a_persons_requests_are_listed_once_with_the_newest_time(
    components: Components, creator: Caller
) -> None:
    other = await make_caller(components, roles=["creator"])
    for user_id in (creator.user_id, other.user_id, creator.user_id):
        async with components.sessions.begin() as session:
            await request_erasure(session, user_id=user_id, request_id="req-1")
    async with components.sessions() as session:
        pending = await pending_requests(session)
        newest = await requested_at(session, creator.user_id)
    assert sorted(r.email for r in pending) == sorted([creator.email, other.email])
    mine = next(r for r in pending if r.user_id == creator.user_id)
    assert mine.requested_at == newest
    assert [r.requested_at for r in pending] == sorted(r.requested_at for r in pending)


async def test_someone_who_never_asked_has_no_request(components: Components, creator: Caller) -> None:
    async with components.sessions() as session:
        assert await requested_at(session, creator.user_id) is None
        assert await pending_requests(session) == []


async def test_a_request_disappears_once_the_person_is_erased(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    async with components.sessions.begin() as session:
        await request_erasure(session, user_id=creator.user_id)
    officer = await make_caller(components, roles=["privacy"])
    erased = await client.post(
        "/v1/limner/privacy/erasures", headers=officer.headers, json={"email": creator.email}
    )
    assert erased.status_code == 200, erased.text
    async with components.sessions() as session:
        assert await pending_requests(session) == []


async def test_a_range_hold_reaches_only_people_with_data_inside_it(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    idle = await make_caller(components, roles=["creator"])
    await generate(client, creator, "a lighthouse")
    now = utcnow()
    async with components.sessions.begin() as session:
        around = await holds.add_hold(
            session, scope="range", reason="q", actor_id=None, starts_at=now - timedelta(hours=1)
        )
        await holds.add_hold(
            session, scope="range", reason="old", actor_id=None, ends_at=now - timedelta(days=400)
        )
    async with components.sessions() as session:
        assert [h.id for h in await holds.holds_on_user(session, creator.user_id)] == [around.id]
        assert await holds.holds_on_user(session, idle.user_id) == []
