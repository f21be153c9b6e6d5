"""Downloads: one image in PNG, JPEG or WebP at full resolution, or a collection as a zip with a manifest.

The stored file is the signed original. Another format is made from it by the provenance stage itself:
the copy gets the same invisible watermark and its own C2PA manifest, with the original's manifest as its
parent ingredient, so converting never strips the credentials. When this server runs no provenance stage
the copy is a plain re-encoding (there were no credentials to keep)."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass

from limner.components import Components
from limner.db import reading
from limner.errors import InvalidRequestError, NotFoundError
from limner.generation.service import open_prompt
from limner.identity.keys.tokens import pseudonym
from limner.imaging.records import Generation, ImageRecord
from limner.provenance.base import NoProvenance, Provenance, ProvenanceInfo
from limner.provenance.codec import MIME_TYPES, decode_image, encode_image
from limner.templates import service as templates
from limner.templates.service import Published
from limner.vault.service import existing_data_key, get_sealed

FORMATS = ("png", "jpeg", "webp")
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}


@dataclass(frozen=True, slots=True)
class Download:
    data: bytes
    media_type: str
    filename: str


async def stored_file(c: Components, image: ImageRecord) -> bytes:
    keys = await _data_keys(c, {image.owner_id})
    return await get_sealed(c.blob_store, keys[image.owner_id], owner_id=image.owner_id, blob_id=image.id)


async def _data_keys(c: Components, owners: set[str]) -> dict[str, bytes]:
    """Each owner's data key; NotFoundError when one was shredded (their images are gone)."""
    keys: dict[str, bytes] = {}
    async with reading(c.sessions) as session:
        for owner_id in sorted(owners):
            key = await existing_data_key(session, c.key_provider, owner_id=owner_id)
            if key is None:
                raise NotFoundError("No such image.")
            keys[owner_id] = key
    return keys


async def image_download(c: Components, image: ImageRecord, generation: Generation, fmt: str) -> Download:
    if fmt not in FORMATS:
        raise InvalidRequestError("Choose PNG, JPEG or WebP.", param="format")
    data = await stored_file(c, image)
    if fmt != image.format:
        limit = c.settings.provenance.max_pixels
        info = _info(c, image, generation)
        data = await asyncio.to_thread(convert, c.provenance, data, fmt, info, max_pixels=limit)
    return Download(data, MIME_TYPES[fmt], f"limner-{image.id}.{EXTENSIONS[fmt]}")


def convert(provenance: Provenance, data: bytes, fmt: str, info: ProvenanceInfo, *, max_pixels: int) -> bytes:
    """The stored file in `fmt`, stamped again (the original's manifest becomes the parent)."""
    if isinstance(provenance, NoProvenance):
        decoded = decode_image(data, max_pixels=max_pixels)
        return encode_image(decoded.rgb, decoded.alpha, fmt)
    return provenance.stamp(data, fmt=fmt, info=info)


def _info(c: Components, image: ImageRecord, generation: Generation) -> ProvenanceInfo:
    """The same claims the original carries: model, policy version, time and pseudonymous creator."""
    return ProvenanceInfo(
        image_id=image.id,
        model=generation.model,
        policy_version=generation.policy_version,
        created_at=image.created_at,
        creator=pseudonym(c.secret_key, image.owner_id),
    )


async def collection_zip(
    c: Components, rows: list[tuple[ImageRecord, Generation]], *, prompts_of: str | None
) -> AsyncIterator[bytes]:
    """The stored files and manifest.json (ids, models, dates, the template version each was made from),
    as a stream of zip chunks: one image in memory at a time, whatever the collection's size. With
    `prompts_of` set to a user id, the manifest also holds the prompts of that person's own images, and
    no one else's. Every data key is unwrapped before the first chunk, so an erased owner is a clean 404
    rather than a cut-off download."""
    keys = await _data_keys(c, {image.owner_id for image, _ in rows})
    async with reading(c.sessions) as session:
        wanted = {g.template_version_id for _, g in rows if g.template_version_id}
        origins = await templates.versions_by_id(session, wanted)
    return _zip_chunks(c, rows, keys, origins, prompts_of=prompts_of)


async def _zip_chunks(
    c: Components,
    rows: list[tuple[ImageRecord, Generation]],
    keys: dict[str, bytes],
    origins: dict[str, Published],
    *,
    prompts_of: str | None,
) -> AsyncIterator[bytes]:
    sink = _Sink()
    manifest: list[dict[str, object]] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for image, generation in rows:
            key = keys[image.owner_id]
            name = f"limner-{image.id}.{EXTENSIONS.get(image.format, image.format)}"
            data = await get_sealed(c.blob_store, key, owner_id=image.owner_id, blob_id=image.id)
            archive.writestr(name, data)
            entry = _entry(image, generation, name)
            entry["template"] = templates.origin_json(generation.template_version_id, origins)
            if prompts_of is not None and image.owner_id == prompts_of:
                entry["prompt"] = open_prompt(generation, key)
            manifest.append(entry)
            yield sink.take()
        archive.writestr("manifest.json", json.dumps({"images": manifest}, indent=2))
    yield sink.take()


class _Sink(io.RawIOBase):
    """A write-only, unseekable file for zipfile: what was written since the last take()."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._chunks.append(chunk)
        return len(chunk)

    def take(self) -> bytes:
        chunk = b"".join(self._chunks)
        self._chunks.clear()
        return chunk


def _entry(image: ImageRecord, generation: Generation, name: str) -> dict[str, object]:
    return {
        "file": name,
        "image_id": image.id,
        "generation_id": generation.id,
        "model": generation.model,
        "created_at": image.created_at.isoformat(),
        "width": image.width,
        "height": image.height,
        "format": image.format,
    }
