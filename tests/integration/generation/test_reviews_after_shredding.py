"""Integration tests, over HTTP: the review routes and the resume flow once the requester's data key was
shredded while the request was held (crypto-erasure without deleting the account): the prompt cannot be
revealed, held images cannot be shown, an approval cannot run the request, and nothing is audited as
revealed. Twin: tests/unit/review/test_review_rules.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components, build_components
from limner.imaging.records import Generation, ImageRecord
from limner.main import create_app
from limner.review.models import ReviewItem
from limner.settings import Settings
from limner.vault.service import shred_data_key
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller
from tests.integration.review.test_review_api import GEN, REVIEWS, decide, hold


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": True}})


async def shred(c: Components, owner_id: str) -> None:
    async with c.sessions.begin() as session:
        assert await shred_data_key(session, c.key_provider, owner_id=owner_id)


async def audited(c: Components, action: str) -> int:
    async with c.sessions() as session:
        return len((await session.execute(select(AuditEvent).where(AuditEvent.action == action))).all())


async def test_a_shredded_prompt_cannot_be_revealed_and_no_reveal_is_audited(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    reviewer = await make_caller(components, roles=["reviewer"])
    review_id = await hold(client, components, creator)
    await shred(components, creator.user_id)
    resp = await client.post(f"{REVIEWS}/{review_id}/prompt", headers=reviewer.headers)
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == "The prompt of this review was erased."
    assert await audited(components, "prompt.revealed") == 0


async def test_approving_a_request_whose_key_was_shredded_runs_nothing(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    reviewer = await make_caller(components, roles=["reviewer"])
    review_id = await hold(client, components, creator)
    await shred(components, creator.user_id)
    resp = await decide(client, reviewer, review_id)
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == "The requester of this review no longer exists."
    async with components.sessions() as session:
        [generation] = (await session.execute(select(Generation))).scalars().all()
        outputs = (await session.execute(select(ImageRecord).where(ImageRecord.role == "output"))).all()
        item = await session.get(ReviewItem, review_id)
    assert generation.status == "held"
    assert outputs == []
    assert item is not None
    assert item.status == "pending"  # refused before any verdict was recorded


async def test_held_output_images_of_a_shredded_owner_are_not_shown(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data",
        moderation={"enabled": True, "providers": [{"kind": "fake", "scores": {"sexual": 0.7}}]},
    )
    c = build_components(settings)
    await create_schema(c.engine)
    try:
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            creator = await make_caller(c, roles=["creator"])
            reviewer = await make_caller(c, roles=["reviewer"])
            held = await client.post(
                GEN, headers=creator.headers, json={"prompt": "a beach", "size": "256x256"}
            )
            review_id = held.json()["error"]["review_id"]
            shown = await client.get(f"{REVIEWS}/{review_id}/images/0", headers=reviewer.headers)
            assert shown.status_code == 200
            await shred(c, creator.user_id)
            gone = await client.get(f"{REVIEWS}/{review_id}/images/0", headers=reviewer.headers)
        assert gone.status_code == 404
        assert gone.json()["error"]["message"] == "No such image."
    finally:
        await c.aclose()
