"""Integration tests: the gallery's services on a real database — search filters, erasing under a
legal hold, sharing with people and groups, who may view, and external links that are unknown,
revoked or expired all answering the same 404. The pages over them: tests/integration/web/test_gallery.py.

Unit twin: tests/unit/gallery/test_share_tokens.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.db import utcnow
from limner.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from limner.gallery import service as gallery
from limner.gallery import sharing
from limner.gallery.models import Share
from limner.gallery.service import GalleryFilter
from limner.identity.accounts import groups
from limner.identity.schemas import Permission, Principal, permissions_for
from limner.imaging.records import ImageRecord
from limner.privacy import holds
from limner.vault.service import existing_data_key
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"


def principal(caller: Caller, *roles: str) -> Principal:
    return Principal(
        user_id=caller.user_id,
        email=caller.email,
        kind="person",
        roles=frozenset(roles),
        permissions=permissions_for(roles),
        pseudonym="u_test",
        via="api_key",
    )


async def generate(client: httpx.AsyncClient, caller: Caller, model: str = "limner-local") -> None:
    body = {"model": model, "prompt": "a kite over the sea", "size": "256x256"}
    assert (await client.post(GEN, headers=caller.headers, json=body)).status_code == 200


async def image_of(c: Components, caller: Caller) -> ImageRecord:
    async with c.sessions() as session:
        query = select(ImageRecord).where(
            ImageRecord.owner_id == caller.user_id, ImageRecord.role == "output"
        )
        return (await session.execute(query.limit(1))).scalar_one()


@pytest.fixture
async def image(client: httpx.AsyncClient, components: Components, creator: Caller) -> ImageRecord:
    await generate(client, creator)
    return await image_of(components, creator)


async def test_search_filters_by_model_status_and_dates(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await generate(client, creator)
    await generate(client, creator, model="fake-model")
    today = utcnow().date()
    cases = [
        (GalleryFilter(), 2),
        (GalleryFilter(model="fake-model"), 1),
        (GalleryFilter(status="completed", since=today, until=today), 2),
        (GalleryFilter(status="blocked"), 0),
        (GalleryFilter(since=today + timedelta(days=1)), 0),
        (GalleryFilter(until=date(2000, 1, 1)), 0),
    ]
    async with components.sessions() as session:
        for filters, expected in cases:
            found = await gallery.search(session, owner_id=creator.user_id, filters=filters)
            assert len(found) == expected, filters
            assert all(len(entry.images) == 1 for entry in found)
        assert await gallery.models_used(session, owner_id=creator.user_id) == ["fake-model", "limner-local"]
        assert await gallery.search(session, owner_id="nobody", filters=GalleryFilter()) == []


async def test_an_unknown_image_or_an_input_image_is_not_found(components: Components) -> None:
    async with components.sessions() as session:
        with pytest.raises(NotFoundError):
            await gallery.image_with_generation(session, "0" * 32)


async def test_a_generation_without_a_revised_prompt_opens_to_none(
    components: Components, image: ImageRecord
) -> None:
    async with components.sessions() as session:
        _, generation = await gallery.image_with_generation(session, image.id)
    assert gallery.open_revised_prompt(generation, b"k" * 32) is None


async def test_erasing_an_image_under_a_legal_hold_is_refused_and_keeps_it(
    components: Components, creator: Caller, image: ImageRecord
) -> None:
    async with components.sessions.begin() as session:
        await holds.add_hold(session, scope="user", reason="matter 7", actor_id=None, user_id=creator.user_id)
    async with components.sessions.begin() as session:
        with pytest.raises(ConflictError) as caught:
            await gallery.erase_image(
                session, components.blob_store, image, actor_id=creator.user_id, request_id=None
            )
    assert caught.value.code == "legal_hold"
    async with components.sessions() as session:
        assert await session.get(ImageRecord, image.id) is not None


async def test_erasing_an_image_deletes_the_record_and_the_file_and_is_audited(
    components: Components, creator: Caller, image: ImageRecord
) -> None:
    async with components.sessions.begin() as session:
        row = await session.get(ImageRecord, image.id)
        assert row is not None
        await gallery.erase_image(
            session, components.blob_store, row, actor_id=creator.user_id, request_id="r1"
        )
    async with components.sessions() as session:
        assert await session.get(ImageRecord, image.id) is None
        events = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "image.erased"))
        ).scalars()
        assert [(e.subject_id, e.request_id) for e in events] == [(image.id, "r1")]


@pytest.mark.parametrize(
    ("kind", "target", "param"),
    [
        ("person", "ghost@example.com", "target"),
        ("group", "no-such-group", "target"),
        ("everyone", "x", "kind"),
    ],
)
async def test_sharing_with_someone_who_is_not_there_is_refused(
    components: Components, creator: Caller, image: ImageRecord, kind: str, target: str, param: str
) -> None:
    async with components.sessions.begin() as session:
        with pytest.raises(InvalidRequestError) as caught:
            await sharing.share_inside(
                session, image, principal(creator, "creator"), kind=kind, target=target
            )
    assert caught.value.param == param


async def test_only_the_owner_may_share_and_a_stranger_gets_the_same_404(
    components: Components, creator: Caller, image: ImageRecord
) -> None:
    stranger = await make_caller(components, roles=["admin"])
    async with components.sessions.begin() as session:
        with pytest.raises(NotFoundError, match="No such image"):
            await sharing.share_inside(
                session, image, principal(stranger, "admin"), kind="person", target=creator.email
            )
        with pytest.raises(NotFoundError, match="No such image"):
            await sharing.share_link(
                session, image, principal(stranger, "admin"), days=1, secret_key=components.secret_key
            )


async def test_a_group_share_lets_members_view_and_names_the_group(
    components: Components, creator: Caller, image: ImageRecord
) -> None:
    member, outsider = [await make_caller(components, roles=["viewer"]) for _ in range(2)]
    owner = principal(creator, "creator")
    async with components.sessions.begin() as session:
        group = await groups.create_group(session, name="design")
        await groups.add_members(session, group, [member.user_id])
        share = await sharing.share_inside(session, image, owner, kind="group", target="design")
    async with components.sessions() as session:
        assert await sharing.may_view(session, image, owner)
        assert await sharing.may_view(session, image, principal(member, "viewer"))
        assert not await sharing.may_view(session, image, principal(outsider, "viewer"))
        assert [s.id for s in await sharing.shared_with(session, member.user_id)] == [share.id]
        assert await sharing.target_names(session, [share]) == {share.id: "group design"}


async def test_a_revoked_share_stops_showing_and_revoking_twice_audits_once(
    components: Components, creator: Caller, image: ImageRecord
) -> None:
    friend = await make_caller(components, roles=["viewer"])
    owner = principal(creator, "creator")
    async with components.sessions.begin() as session:
        share = await sharing.share_inside(session, image, owner, kind="person", target=friend.email)
    async with components.sessions() as session:
        assert await sharing.target_names(session, [share]) == {share.id: friend.email}
    for _ in range(2):
        async with components.sessions.begin() as session:
            assert (await sharing.revoke(session, share.id, owner)).revoked_at is not None
    async with components.sessions() as session:
        assert await sharing.shared_with(session, friend.user_id) == []
        assert not await sharing.may_view(session, image, principal(friend, "viewer"))
        assert [s.id for s in await sharing.my_shares(session, creator.user_id)] == [share.id]
        assert [s.id for s in await sharing.shares_of(session, image.id)] == [share.id]
        revoked = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "share.revoked"))
        ).all()
    assert len(revoked) == 1


async def test_someone_elses_share_cannot_be_revoked(
    components: Components, creator: Caller, image: ImageRecord
) -> None:
    friend = await make_caller(components, roles=["viewer"])
    async with components.sessions.begin() as session:
        share = await sharing.share_inside(
            session, image, principal(creator, "creator"), kind="person", target=friend.email
        )
    async with components.sessions.begin() as session:
        with pytest.raises(NotFoundError, match="No such share"):
            await sharing.revoke(session, share.id, principal(friend, "viewer"))
        with pytest.raises(NotFoundError, match="No such share"):
            await sharing.revoke(session, "missing", principal(creator, "creator"))


@pytest.mark.parametrize("days", [0, -1, sharing.MAX_LINK_DAYS + 1])
async def test_links_last_one_to_thirty_days(
    components: Components, creator: Caller, image: ImageRecord, days: int
) -> None:
    async with components.sessions.begin() as session:
        with pytest.raises(InvalidRequestError) as caught:
            await sharing.share_link(
                session, image, principal(creator, "admin"), days=days, secret_key=components.secret_key
            )
    assert caught.value.param == "days"


async def test_an_external_link_needs_the_share_external_permission(
    components: Components, creator: Caller, image: ImageRecord
) -> None:
    owner = principal(creator, "creator")
    assert not owner.can(Permission.IMAGES_SHARE_EXTERNAL)
    async with components.sessions.begin() as session:
        with pytest.raises(PermissionDeniedError):
            await sharing.share_link(session, image, owner, days=3, secret_key=components.secret_key)
    allowed = replace(owner, permissions=owner.permissions | {Permission.IMAGES_SHARE_EXTERNAL})
    async with components.sessions.begin() as session:
        share, token = await sharing.share_link(
            session, image, allowed, days=3, secret_key=components.secret_key
        )
    assert share.token_hash == sharing.token_hash(components.secret_key, token)
    assert token not in (share.token_hash or "")


async def test_unknown_revoked_and_expired_links_all_look_the_same(
    components: Components, creator: Caller, image: ImageRecord
) -> None:
    owner = principal(creator, "admin")
    key = components.secret_key
    async with components.sessions.begin() as session:
        live, live_token = await sharing.share_link(session, image, owner, days=1, secret_key=key)
        gone, gone_token = await sharing.share_link(session, image, owner, days=1, secret_key=key)
        old, old_token = await sharing.share_link(session, image, owner, days=1, secret_key=key)
    async with components.sessions.begin() as session:
        await sharing.revoke(session, gone.id, owner)
        await session.execute(
            update(Share).where(Share.id == old.id).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    async with components.sessions() as session:
        assert (await sharing.open_link(session, live_token, secret_key=key)).id == live.id
        messages = []
        for token in (gone_token, old_token, "never-issued"):
            with pytest.raises(NotFoundError) as caught:
                await sharing.open_link(session, token, secret_key=key)
            messages.append(caught.value.message)
        with pytest.raises(NotFoundError):
            await sharing.open_link(session, live_token, secret_key=b"another key" * 3)
        rows = {s.id: s for s in await sharing.shares_of(session, image.id)}
        names = await sharing.target_names(session, list(rows.values()))
    assert len(set(messages)) == 1
    assert [sharing.is_live(rows[s.id]) for s in (live, gone, old)] == [True, False, False]
    assert set(names.values()) == {"anyone with the link"}


async def test_a_revised_prompt_is_stored_sealed_and_opens_with_the_owners_key(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    body = {"model": "dall-e-3", "prompt": "a kite over the sea", "size": "1024x1024"}
    resp = await client.post(GEN, headers=creator.headers, json=body)
    assert resp.status_code == 200, resp.text
    revised = resp.json()["data"][0]["revised_prompt"]
    image = await image_of(components, creator)
    async with components.sessions() as session:
        _, generation = await gallery.image_with_generation(session, image.id)
        key = await existing_data_key(session, components.key_provider, owner_id=creator.user_id)
    assert key is not None
    assert generation.revised_prompt_sealed is not None
    assert revised.encode() not in generation.revised_prompt_sealed
    assert gallery.open_revised_prompt(generation, key) == revised
