"""Integration tests: generation records against the database and the vault: held inputs sealed at rest
and loaded back, prompts decrypted only for owners whose key survives, the prompt replay behind a policy
dry-run, and downloads (format refusals, erased owners, the collection manifest). Twin:
tests/unit/generation/test_request_params.py."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.db import new_id, utcnow
from limner.errors import InvalidRequestError, NotFoundError
from limner.generation import service
from limner.generation.flows.downloads import collection_zip, image_download
from limner.generation.flows.replay import replay_prompts
from limner.imaging.records import Generation, GenerationStatus, ImageRecord
from limner.imaging.requests import ImageRequest, InputImage
from limner.policy.engine import AllowAllPolicy
from limner.policy.service import default_policy_text
from limner.templates import service as templates
from limner.templates.schemas import TemplateDraft
from limner.vault.service import data_key_for, put_sealed, shred_data_key
from tests.factories import make_user


def png(color: tuple[int, int, int], size: tuple[int, int] = (6, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


async def owner_with_key(c: Components) -> tuple[str, bytes]:
    user = await make_user(c, roles=["creator"])
    async with c.sessions.begin() as session:
        key = await data_key_for(session, c.key_provider, owner_id=user.id)
    return user.id, key


async def new_generation(c: Components, owner_id: str, key: bytes, prompt: str | None) -> Generation:
    async with c.sessions.begin() as session:
        row = await service.create_generation(
            session,
            owner_id=owner_id,
            data_key=key,
            prompt=prompt,
            status=GenerationStatus.COMPLETED,
            request_id="req",
            operation="generate",
            model="fake-model",
            params={"n": 1},
        )
        session.expunge(row)
    return row


async def stored_image(c: Components, row: Generation, key: bytes, data: bytes) -> ImageRecord:
    record = ImageRecord(
        id=new_id(),
        generation_id=row.id,
        owner_id=row.owner_id,
        index=0,
        role="output",
        format="png",
        width=6,
        height=4,
        size_bytes=len(data),
        sha256="0" * 64,
        created_at=utcnow(),
    )
    await put_sealed(c.blob_store, key, owner_id=row.owner_id, blob_id=record.id, data=data)
    async with c.sessions.begin() as session:
        session.add(record)
    return record


async def shred(c: Components, owner_id: str) -> None:
    async with c.sessions.begin() as session:
        assert await shred_data_key(session, c.key_provider, owner_id=owner_id)


@pytest.fixture
async def owner(components: Components) -> tuple[str, bytes]:
    return await owner_with_key(components)


@pytest.mark.parametrize("lookup", [service.get_generation, service.get_image])
async def test_unknown_records_are_not_found(components: Components, lookup: object) -> None:
    async with components.sessions() as session:
        with pytest.raises(NotFoundError):
            await lookup(session, "missing")  # type: ignore[operator]


async def test_a_generation_without_a_prompt_opens_to_none(
    components: Components, owner: tuple[str, bytes]
) -> None:
    owner_id, key = owner
    row = await new_generation(components, owner_id, key, None)
    assert row.prompt_sealed is None
    assert row.prompt_hmac is None
    assert service.open_prompt(row, key) is None


async def test_held_inputs_are_sealed_at_rest_and_load_back_in_order_with_the_mask(
    components: Components, owner: tuple[str, bytes]
) -> None:
    owner_id, key = owner
    row = await new_generation(components, owner_id, key, "a lighthouse")
    first, second, mask = png((255, 0, 0)), png((0, 255, 0)), png((0, 0, 0), (6, 4))
    request = ImageRequest(
        operation="edit",
        model="fake-model",
        prompt="a lighthouse",
        n=1,
        size=None,
        images=(InputImage(first, 6, 4), InputImage(second, 6, 4)),
        mask=InputImage(mask, 6, 4),
    )
    async with components.sessions.begin() as session:
        await service.keep_inputs(
            session, components.blob_store, key, generation_id=row.id, owner_id=owner_id, request=request
        )
    async with components.sessions() as session:
        records = (await session.execute(select(ImageRecord).order_by(ImageRecord.index))).scalars().all()
        assert [(r.index, r.role) for r in records] == [(0, "input"), (1, "input"), (2, "mask")]
        for record, raw in zip(records, (first, second, mask), strict=True):
            assert await components.blob_store.get(record.id) != raw  # only ciphertext is stored
        images, loaded_mask = await service.load_inputs(
            session, components.blob_store, key, generation_id=row.id
        )
        assert await service.output_images(session, row.id) == []  # inputs are never outputs
    assert [i.data for i in images] == [first, second]
    assert loaded_mask == InputImage(mask, 6, 4)


async def test_a_request_without_inputs_keeps_nothing(
    components: Components, owner: tuple[str, bytes]
) -> None:
    owner_id, key = owner
    row = await new_generation(components, owner_id, key, "a kite")
    request = ImageRequest(operation="generate", model="fake-model", prompt="a kite", n=1, size=None)
    async with components.sessions.begin() as session:
        await service.keep_inputs(
            session, components.blob_store, key, generation_id=row.id, owner_id=owner_id, request=request
        )
    async with components.sessions() as session:
        assert await service.load_inputs(session, components.blob_store, key, generation_id=row.id) == (
            (),
            None,
        )


async def test_replayed_prompts_skip_erased_owners_and_the_audit_event_holds_no_prompt(
    components: Components,
) -> None:
    kept_id, kept_key = await owner_with_key(components)
    erased_id, erased_key = await owner_with_key(components)
    await new_generation(components, kept_id, kept_key, "a red kite over a field")
    await new_generation(components, kept_id, kept_key, None)  # nothing to replay
    await new_generation(components, erased_id, erased_key, "the erased person's prompt")
    await shred(components, erased_id)

    since = utcnow() - timedelta(hours=1)
    report = await replay_prompts(components, candidate_text=default_policy_text(), since=since)

    assert report.prompts == 1
    assert report.changed == 0
    async with components.sessions() as session:
        events = (
            (await session.execute(select(AuditEvent).where(AuditEvent.action == "policy.dry_run")))
            .scalars()
            .all()
        )
    assert len(events) == 1
    assert events[0].data["prompts_decrypted"] == 1
    assert "kite" not in json.dumps(events[0].data)


async def test_prompts_before_the_window_are_not_replayed(
    components: Components, owner: tuple[str, bytes]
) -> None:
    owner_id, key = owner
    await new_generation(components, owner_id, key, "a red kite over a field")
    report = await replay_prompts(
        components, candidate_text=default_policy_text(), since=utcnow() + timedelta(minutes=1)
    )
    assert report.prompts == 0


@pytest.mark.parametrize("fmt", ["gif", "PNG", "", "tiff"])
async def test_a_download_in_an_unknown_format_is_refused_before_reading_the_file(
    components: Components, owner: tuple[str, bytes], fmt: str
) -> None:
    owner_id, key = owner
    row = await new_generation(components, owner_id, key, "a kite")
    image = await stored_image(components, row, key, png((1, 2, 3)))
    with pytest.raises(InvalidRequestError) as refused:
        await image_download(components, image, row, fmt)
    assert refused.value.param == "format"


async def test_a_download_without_provenance_re_encodes_in_the_chosen_format(
    components: Components, owner: tuple[str, bytes]
) -> None:
    owner_id, key = owner
    row = await new_generation(components, owner_id, key, "a kite")
    original = png((200, 10, 10))
    image = await stored_image(components, row, key, original)

    same = await image_download(components, image, row, "png")
    jpeg = await image_download(components, image, row, "jpeg")

    assert same.data == original
    assert (same.media_type, same.filename) == ("image/png", f"limner-{image.id}.png")
    assert (jpeg.media_type, jpeg.filename) == ("image/jpeg", f"limner-{image.id}.jpg")
    with Image.open(io.BytesIO(jpeg.data)) as decoded:
        assert (decoded.format, decoded.size) == ("JPEG", (6, 4))


async def test_the_image_of_an_erased_owner_cannot_be_downloaded(
    components: Components, owner: tuple[str, bytes]
) -> None:
    owner_id, key = owner
    row = await new_generation(components, owner_id, key, "a kite")
    image = await stored_image(components, row, key, png((1, 2, 3)))
    await shred(components, owner_id)
    with pytest.raises(NotFoundError):
        await image_download(components, image, row, "png")


async def test_a_collection_zip_holds_files_a_manifest_and_only_the_requesters_prompts(
    components: Components,
) -> None:
    mine_id, mine_key = await owner_with_key(components)
    theirs_id, theirs_key = await owner_with_key(components)
    mine = await new_generation(components, mine_id, mine_key, "my own prompt")
    theirs = await new_generation(components, theirs_id, theirs_key, "someone else's prompt")
    mine_image = await stored_image(components, mine, mine_key, png((9, 9, 9)))
    theirs_image = await stored_image(components, theirs, theirs_key, png((8, 8, 8)))
    rows = [(mine_image, mine), (theirs_image, theirs)]

    with_prompts = zipfile.ZipFile(io.BytesIO(await _zip(components, rows, prompts_of=mine_id)))
    without = zipfile.ZipFile(io.BytesIO(await _zip(components, rows, prompts_of=None)))

    manifest = json.loads(with_prompts.read("manifest.json"))["images"]
    assert [entry.get("prompt") for entry in manifest] == ["my own prompt", None]
    assert "prompt" not in manifest[1]
    assert with_prompts.read(f"limner-{mine_image.id}.png") == png((9, 9, 9))
    assert manifest[0]["generation_id"] == mine.id
    assert all("prompt" not in entry for entry in json.loads(without.read("manifest.json"))["images"])


async def test_a_collection_zip_manifest_names_the_template_version_each_image_was_made_from(
    components: Components,
) -> None:
    owner_id, key = await owner_with_key(components)
    async with components.sessions.begin() as session:
        published = await templates.publish(
            session,
            TemplateDraft(name="Team slide", text="A picture of a lighthouse"),
            policy=AllowAllPolicy(),
            models=components.settings.generation.models,
            actor_id=owner_id,
            request_id=None,
        )
    origins = [published.version.id, None, "0" * 32]  # from a template, not, from a version not kept
    rows = []
    for n, origin in enumerate(origins):
        row = await new_generation(components, owner_id, key, f"prompt {n}")
        async with components.sessions.begin() as session:
            kept = await session.get(Generation, row.id)
            assert kept
            kept.template_version_id = origin
        row.template_version_id = origin
        rows.append((await stored_image(components, row, key, png((n, n, n))), row))

    manifest = json.loads(
        zipfile.ZipFile(io.BytesIO(await _zip(components, rows, prompts_of=None))).read("manifest.json")
    )["images"]

    assert [entry["template"] for entry in manifest] == [
        {
            "version_id": published.version.id,
            "template_id": published.template.id,
            "name": "Team slide",
            "version": 1,
        },
        None,
        {"version_id": "0" * 32, "template_id": None, "name": None, "version": None},
    ]


async def test_a_collection_zip_streams_one_chunk_per_image_and_refuses_an_erased_owner_up_front(
    components: Components,
) -> None:
    owner_id, key = await owner_with_key(components)
    row = await new_generation(components, owner_id, key, "a kite")
    images = [await stored_image(components, row, key, png((n, n, n))) for n in range(3)]
    rows = [(image, row) for image in images]

    chunks = [chunk async for chunk in await collection_zip(components, rows, prompts_of=None)]

    assert len(chunks) == len(images) + 1  # one per image, then the manifest and the directory
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert [archive.read(f"limner-{i.id}.png") for i in images] == [png((n, n, n)) for n in range(3)]
    await shred(components, owner_id)
    with pytest.raises(NotFoundError):
        await collection_zip(components, rows, prompts_of=None)


async def _zip(
    components: Components, rows: list[tuple[ImageRecord, Generation]], *, prompts_of: str | None
) -> bytes:
    return b"".join([chunk async for chunk in await collection_zip(components, rows, prompts_of=prompts_of)])
