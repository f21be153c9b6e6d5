"""Integration tests (over ASGI): what the collection pages refuse and who may change a shared collection:
names and renaming, unsharing, members adding and removing items, owner-only sharing and deleting, organise
actions. Twin: tests/unit/gallery/test_share_tokens.py."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from limner.components import Components
from limner.gallery.collection_models import Collection, CollectionItem, Favourite
from tests.integration.web.conftest import csrf_from, web_sign_in
from tests.integration.web.test_collections import group_of, new_collection, organise
from tests.integration.web.test_gallery import actions, generate_one, second_client


async def collection_count(c: Components) -> int:
    async with c.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Collection))).scalar_one())


async def item_ids(c: Components, collection_id: str) -> set[str]:
    async with c.sessions() as session:
        query = select(CollectionItem.image_id).where(CollectionItem.collection_id == collection_id)
        return set((await session.execute(query)).scalars())


async def post_form(client: httpx.AsyncClient, page_path: str, path: str, **data: str) -> httpx.Response:
    page = await client.get(page_path)
    return await client.post(path, data={**data, "csrf_token": csrf_from(page.text)})


@pytest.mark.parametrize(("name", "message"), [("   ", "Name the collection"), ("x" * 81, "up to 80")])
async def test_a_blank_or_long_name_is_refused_on_the_field(
    client: httpx.AsyncClient, components: Components, name: str, message: str
) -> None:
    await web_sign_in(client, components, ["creator"])
    refused = await post_form(client, "/collections", "/collections", name=name)
    assert refused.status_code == 400
    assert message in refused.text
    assert 'href="#name"' in refused.text
    assert await collection_count(components) == 0


async def test_a_second_collection_with_the_same_name_is_refused_but_others_may_use_it(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    await new_collection(client, "Spring")
    again = await post_form(client, "/collections", "/collections", name="  Spring ")
    assert again.status_code == 400
    assert "already have a collection with that name" in again.text
    async with second_client(app) as other:
        await web_sign_in(other, components, ["creator"])
        await new_collection(other, "Spring")
    assert await collection_count(components) == 2


async def test_the_owner_renames_a_collection_with_the_same_rules_and_a_member_cannot(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    owner, _ = await web_sign_in(client, components, ["creator"])
    await new_collection(client, "Taken")
    collection = await new_collection(client, "Board")
    page = f"/collections/{collection}"
    for name, message in (("Taken", "already have a collection"), ("  ", "Name the collection")):
        refused = await post_form(client, page, f"{page}/rename", name=name)
        assert refused.status_code == 400
        assert message in refused.text
        assert 'href="#name"' in refused.text
    for _ in range(2):  # the second rename changes nothing and is not audited
        renamed = await post_form(client, page, f"{page}/rename", name=" Spring board ")
        assert renamed.status_code == 303
    assert "<h1>Spring board</h1>" in (await client.get(page)).text
    assert (await actions(components)).count("collection.renamed") == 1

    async with second_client(app) as member:
        member_email, _ = await web_sign_in(member, components, ["creator"])
        await group_of(components, "design", [owner, member_email])
        await post_form(client, page, f"{page}/share", group="design", action="share")
        assert (await post_form(member, page, f"{page}/rename", name="Mine now")).status_code == 404
    assert "<h1>Spring board</h1>" in (await client.get(page)).text


async def test_unsharing_ends_the_members_access_and_is_audited_once(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    owner, _ = await web_sign_in(client, components, ["creator"])
    collection = await new_collection(client, "Board")
    page = f"/collections/{collection}"
    async with second_client(app) as member:
        member_email, _ = await web_sign_in(member, components, ["creator"])
        await group_of(components, "design", [owner, member_email])
        shared = await post_form(client, page, f"{page}/share", group="design", action="share")
        assert shared.status_code == 303
        assert (await member.get(page)).status_code == 200

        for _ in range(2):  # the second unshare finds nothing to undo
            done = await post_form(client, page, f"{page}/share", action="unshare")
            assert done.status_code == 303
        assert (await member.get(page)).status_code == 404
    assert (await actions(components)).count("collection.unshared") == 1


async def test_members_add_and_remove_their_own_items_but_only_the_owner_shares_deletes_or_removes_others(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    owner, _ = await web_sign_in(client, components, ["creator"])
    owners_image = await generate_one(client, "a lighthouse")
    collection = await new_collection(client, "Team")
    page = f"/collections/{collection}"
    await organise(client, owners_image, action="collect", collection=collection)
    async with second_client(app) as member:
        member_email, _ = await web_sign_in(member, components, ["creator"])
        members_image = await generate_one(member, "a bowl of lemons")
        await group_of(components, "team", [owner, member_email])
        await post_form(client, page, f"{page}/share", group="team", action="share")

        assert (
            await organise(member, members_image, action="collect", collection=collection)
        ).status_code == 303
        assert await item_ids(components, collection) == {owners_image, members_image}
        refused = await post_form(member, page, f"{page}/remove", image_id=owners_image)
        assert refused.status_code == 404
        for path, data in ((f"{page}/share", {"action": "unshare"}), (f"{page}/delete", {})):
            assert (await post_form(member, page, path, **data)).status_code == 404
        assert (await post_form(member, page, f"{page}/remove", image_id=members_image)).status_code == 303
        assert await item_ids(components, collection) == {owners_image}

        await organise(member, members_image, action="collect", collection=collection)
        assert (await post_form(client, page, f"{page}/remove", image_id=members_image)).status_code == 303
    assert await item_ids(components, collection) == {owners_image}
    assert await collection_count(components) == 1


async def test_removing_an_image_that_is_not_in_the_collection_is_not_found(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    collection = await new_collection(client, "Empty")
    page = f"/collections/{collection}"
    refused = await post_form(client, page, f"{page}/remove", image_id="0" * 32)
    assert refused.status_code == 404


async def test_collecting_the_same_image_twice_keeps_one_item(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    collection = await new_collection(client, "Twice")
    for _ in range(2):
        assert (await organise(client, image_id, action="collect", collection=collection)).status_code == 303
    assert await item_ids(components, collection) == {image_id}


async def test_unfavouriting_clears_the_mark_and_an_unknown_action_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    await organise(client, image_id, action="favourite")
    assert (await organise(client, image_id, action="unfavourite")).status_code == 303
    assert (await organise(client, image_id, action="unfavourite")).status_code == 303  # already clear
    async with components.sessions() as session:
        assert (await session.execute(select(Favourite))).first() is None

    refused = await organise(client, image_id, action="shred")
    assert refused.status_code == 400
    assert "Choose what to do with the image." in refused.text


async def test_another_persons_image_cannot_be_organised(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    async with second_client(app) as other:
        await web_sign_in(other, components, ["creator"])
        mine = await new_collection(other, "Mine")
        home = await other.get("/collections")
        for data in ({"action": "favourite"}, {"action": "collect", "collection": mine}, {"action": "tags"}):
            resp = await other.post(
                f"/gallery/{image_id}/organise", data={**data, "csrf_token": csrf_from(home.text)}
            )
            assert resp.status_code == 404, data
    assert await item_ids(components, mine) == set()
