"""Integration tests: the audited prompt reveal helper, group holds, and the holds API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.errors import NotFoundError, PermissionDeniedError
from limner.identity.accounts import groups
from limner.identity.accounts.models import User
from limner.identity.principals import principal_for
from limner.identity.schemas import Principal
from limner.imaging.records import Generation
from limner.privacy import holds
from limner.privacy.flows import erase_user
from limner.privacy.reveal import reveal_for, reveal_prompt
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller, make_caller
from tests.integration.privacy.helpers import generate


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """These tests drive sensitive routes with API keys: allowed by identity.mfa.step_up_allows_api_keys
    (the step-up itself is tested in tests/integration/identity/test_authz_matrix.py)."""
    return make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": True}})


HOLDS = "/v1/limner/privacy/holds"


async def _generation_id(c: Components) -> str:
    async with c.sessions() as session:
        return str((await session.execute(select(Generation.id))).scalar_one())


async def _principal(c: Components, caller: Caller) -> Principal:
    async with c.sessions() as session:
        user = await session.get(User, caller.user_id)
        assert user is not None
        return principal_for(user, key=None, secret_key=c.secret_key)


async def test_reveal_decrypts_and_records_an_event_without_the_text(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    await generate(client, creator, "a secret garden")
    gid = await _generation_id(components)
    async with components.sessions.begin() as session:
        text = await reveal_prompt(
            session,
            components.key_provider,
            generation_id=gid,
            actor_id=admin.user_id,
            reason="investigation",
        )
    assert text == "a secret garden"
    async with components.sessions() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "prompt.revealed"))
        ).scalar_one()
    assert (event.actor_id, event.subject_id, event.data["reason"]) == (admin.user_id, gid, "investigation")
    assert "garden" not in event.data_json


async def test_reveal_for_lets_the_owner_and_revealers_in_and_no_one_else(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    await generate(client, creator, "a secret garden")
    gid = await _generation_id(components)
    other = await make_caller(components, roles=["creator"])
    allowed = [await _principal(components, caller) for caller in (creator, admin)]
    stranger = await _principal(components, other)
    provider = components.key_provider
    async with components.sessions.begin() as session:
        for principal in allowed:
            assert (
                await reveal_for(session, provider, principal, generation_id=gid, reason="r")
                == "a secret garden"
            )
        with pytest.raises(PermissionDeniedError, match=r"prompts\.reveal"):
            await reveal_for(session, provider, stranger, generation_id=gid, reason="r")
        with pytest.raises(NotFoundError):
            await reveal_prompt(session, provider, generation_id="nope", actor_id=None, reason="r")


async def test_reveal_after_erasure_returns_nothing(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await generate(client, creator, "a secret garden")
    gid = await _generation_id(components)
    async with components.sessions.begin() as session:
        row = await session.get(Generation, gid)
        assert row is not None
        row.prompt_sealed = None  # as a purge leaves it
        assert (
            await reveal_prompt(
                session, components.key_provider, generation_id=gid, actor_id=None, reason="r"
            )
            is None
        )


async def test_a_group_hold_protects_its_members_from_erasure(
    components: Components, creator: Caller
) -> None:
    async with components.sessions.begin() as session:
        group = await groups.create_group(session, name="legal")
        await groups.add_members(session, group, [creator.user_id])
        hold = await holds.add_hold(
            session, scope="group", reason="litigation", actor_id=None, group_name="legal"
        )
    with pytest.raises(Exception, match=hold.id):
        await erase_user(components, email=creator.email, actor_id=None)


async def test_a_hold_on_an_unknown_group_is_refused(components: Components) -> None:
    async with components.sessions.begin() as session:
        with pytest.raises(NotFoundError, match="no group named ghosts"):
            await holds.add_hold(session, scope="group", reason="x", actor_id=None, group_name="ghosts")


async def test_holds_api_add_list_release_each_audited(
    client: httpx.AsyncClient, components: Components, admin: Caller, creator: Caller
) -> None:
    body = {"scope": "user", "user_email": creator.email, "reason": "matter 12"}
    created = await client.post(HOLDS, headers=admin.headers, json=body)
    assert created.status_code == 201, created.text
    hold_id = created.json()["id"]
    assert [h["id"] for h in (await client.get(HOLDS, headers=admin.headers)).json()["data"]] == [hold_id]
    released = await client.post(f"{HOLDS}/{hold_id}/release", headers=admin.headers)
    assert released.json()["released_at"] is not None
    again = await client.post(f"{HOLDS}/{hold_id}/release", headers=admin.headers)
    assert again.status_code == 409
    assert (await client.get(HOLDS, headers=admin.headers)).json()["data"] == []
    async with components.sessions() as session:
        query = select(AuditEvent.action, AuditEvent.data_json).where(
            AuditEvent.action.startswith("privacy.hold")
        )
        events = (await session.execute(query)).all()
    assert [e[0] for e in events] == ["privacy.hold.added", "privacy.hold.released"]
    assert all("matter 12" not in e[1] for e in events)
