"""Collections pages (integration, over ASGI): favourites, tags and collections as gallery filters; only the
owner or the shared group's members see a collection; sharing is audited; one image in another format; a
collection's zip whose manifest holds prompts only when asked, and only one's own."""

from __future__ import annotations

import io
import json
import re
import zipfile

import httpx
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.identity.accounts import groups
from limner.identity.accounts.models import User
from tests.integration.web.conftest import csrf_from, web_sign_in
from tests.integration.web.test_gallery import actions, generate_one, second_client

COLLECTION_LINK = re.compile(r'href="/collections/([0-9a-f]{32})"')


async def new_collection(client: httpx.AsyncClient, name: str) -> str:
    listing = await client.get("/collections")
    made = await client.post("/collections", data={"name": name, "csrf_token": csrf_from(listing.text)})
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).rsplit("/", 1)[1]


async def organise(client: httpx.AsyncClient, image_id: str, **data: str) -> httpx.Response:
    details = await client.get(f"/gallery/{image_id}")
    return await client.post(
        f"/gallery/{image_id}/organise", data={**data, "csrf_token": csrf_from(details.text)}
    )


async def group_of(c: Components, name: str, emails: list[str]) -> None:
    async with c.sessions.begin() as session:
        ids = (await session.execute(select(User.id).where(User.email.in_(emails)))).scalars().all()
        group = await groups.create_group(session, name=name)
        await groups.add_members(session, group, list(ids))


async def test_favourites_tags_and_collections_filter_the_gallery(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    kept = await generate_one(client, "a lighthouse at dusk")
    other = await generate_one(client, "a bowl of lemons")
    assert other != kept
    collection = await new_collection(client, "Spring campaign")
    assert (await organise(client, kept, action="collect", collection=collection)).status_code == 303
    assert (await organise(client, kept, action="favourite")).status_code == 303
    assert (await organise(client, kept, action="tags", tags="Campaign, spring")).status_code == 303

    for query in (f"collection={collection}", "favourites=yes", "tag=campaign"):
        shown = (await client.get(f"/gallery?{query}")).text
        assert kept in shown, query
        assert other not in shown, query
    assert "campaign, spring" in (await client.get(f"/gallery/{kept}")).text
    assert "collection.created" in await actions(components)


async def test_a_personal_collection_is_hidden_from_others(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    collection = await new_collection(client, "Private")
    await organise(client, image_id, action="collect", collection=collection)
    async with second_client(app) as other:
        await web_sign_in(other, components, ["creator"])
        assert (await other.get(f"/collections/{collection}")).status_code == 404
        assert (await other.get(f"/gallery?collection={collection}")).status_code == 404
        assert (await other.get(f"/gallery/{image_id}/download?format=png")).status_code == 404
        assert collection not in (await other.get("/collections")).text


async def test_a_collection_shared_with_a_group_is_seen_by_its_members_and_audited(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    owner, _ = await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    collection = await new_collection(client, "Team board")
    await organise(client, image_id, action="collect", collection=collection)
    async with second_client(app) as member, second_client(app) as outsider:
        member_email, _ = await web_sign_in(member, components, ["creator"])
        await web_sign_in(outsider, components, ["creator"])
        await group_of(components, "design", [owner, member_email])
        page = await client.get(f"/collections/{collection}")
        shared = await client.post(
            f"/collections/{collection}/share",
            data={"group": "design", "action": "share", "csrf_token": csrf_from(page.text)},
        )
        assert shared.status_code == 303
        seen = await member.get(f"/collections/{collection}")
        assert seen.status_code == 200
        assert image_id in seen.text
        assert (await member.get(f"/gallery/{image_id}")).status_code == 200
        assert "a kite over the sea" not in (await member.get(f"/gallery/{image_id}")).text  # no prompt
        assert (await outsider.get(f"/collections/{collection}")).status_code == 404
        assert (await outsider.get(f"/gallery/{image_id}")).status_code == 404
    async with components.sessions() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "collection.shared"))
        ).scalar_one()
    assert event.subject_id == collection


async def test_sharing_with_an_unknown_group_is_refused_on_the_page(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    collection = await new_collection(client, "Board")
    page = await client.get(f"/collections/{collection}")
    refused = await client.post(
        f"/collections/{collection}/share",
        data={"group": "nobody", "action": "share", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 400
    assert 'href="#group"' in refused.text
    assert "collection.shared" not in await actions(components)


async def test_an_image_downloads_in_each_format_at_full_resolution(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    for fmt, pil_name in (("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")):
        response = await client.get(f"/gallery/{image_id}/download?format={fmt}")
        assert response.status_code == 200, fmt
        assert response.headers["content-type"] == f"image/{fmt}"
        with Image.open(io.BytesIO(response.content)) as image:
            assert (image.format, image.size) == (pil_name, (256, 256))
    assert (await client.get(f"/gallery/{image_id}/download?format=gif")).status_code == 400


async def test_the_zip_manifest_has_no_prompts_unless_asked_and_then_only_ones_own(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    owner, _ = await web_sign_in(client, components, ["creator"])
    mine = await generate_one(client, "my own lighthouse")
    collection = await new_collection(client, "Shared zip")
    await organise(client, mine, action="collect", collection=collection)
    async with second_client(app) as member:
        member_email, _ = await web_sign_in(member, components, ["creator"])
        theirs = await generate_one(member, "their secret harbour")
        await group_of(components, "harbour", [owner, member_email])
        page = await client.get(f"/collections/{collection}")
        await client.post(
            f"/collections/{collection}/share",
            data={"group": "harbour", "action": "share", "csrf_token": csrf_from(page.text)},
        )
        assert (await organise(member, theirs, action="collect", collection=collection)).status_code == 303

    page = await client.get(f"/collections/{collection}")
    plain = await client.post(
        f"/collections/{collection}/download", data={"csrf_token": csrf_from(page.text)}
    )
    manifest = _manifest(plain.content)
    assert {e["image_id"] for e in manifest} == {mine, theirs}
    assert all("prompt" not in e and e["model"] == "limner-local" for e in manifest)

    asked = await client.post(
        f"/collections/{collection}/download",
        data={"include_prompts": "yes", "csrf_token": csrf_from(page.text)},
    )
    prompts = {e["image_id"]: e.get("prompt") for e in _manifest(asked.content)}
    assert prompts == {mine: "my own lighthouse", theirs: None}
    assert "collection.downloaded" in await actions(components)


def _manifest(data: bytes) -> list[dict[str, object]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        body = json.loads(archive.read("manifest.json"))
    assert len(names) == len(body["images"]) + 1  # the files and the manifest
    images: list[dict[str, object]] = body["images"]
    return images


async def test_too_many_tags_are_refused_on_the_details_page(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    refused = await organise(client, image_id, action="tags", tags=",".join(f"t{i}" for i in range(21)))
    assert refused.status_code == 400
    assert 'href="#tags"' in refused.text
    assert "Image details" in refused.text


async def test_deleting_a_collection_keeps_its_images_and_is_audited(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    collection = await new_collection(client, "Short-lived")
    await organise(client, image_id, action="collect", collection=collection)
    page = await client.get(f"/collections/{collection}")
    deleted = await client.post(
        f"/collections/{collection}/delete", data={"csrf_token": csrf_from(page.text)}
    )
    assert deleted.status_code == 303
    assert (await client.get(f"/collections/{collection}")).status_code == 404
    assert (await client.get(f"/gallery/{image_id}")).status_code == 200
    assert "collection.deleted" in await actions(components)
