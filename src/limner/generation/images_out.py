"""The image stages after the backend: checks, provenance, encryption and storage of each image."""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass

from PIL import Image

from limner import observe
from limner.components import Components
from limner.db import new_id, utcnow
from limner.errors import ContentPolicyViolation, UpstreamError
from limner.generation.backends.base import BackendResult
from limner.generation.catalog import ModelSpec
from limner.generation.models import ImageRecord
from limner.identity.permissions import Principal
from limner.moderation.service import moderate_image
from limner.policy.decision import Action, Decision, most_severe
from limner.provenance.base import ProvenanceInfo
from limner.vault.service import put_sealed

MAX_OUTPUT_PIXELS = 40_000_000


@dataclass(frozen=True, slots=True)
class ImageChecks:
    """The most severe moderation outcome over a request's images (BLOCK never gets here)."""

    action: Action
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredImage:
    image_id: str
    data: bytes
    format: str
    revised_prompt: str | None
    record: ImageRecord


@observe.stage("image_checks")
async def check_images(
    c: Components, images: list[bytes], *, what: str = "generated image", raise_on_block: bool = True
) -> ImageChecks:
    """Moderate every image; a BLOCK anywhere refuses the whole request and nothing is stored."""
    verdicts = await asyncio.gather(
        *(moderate_image(data, moderators=c.moderators, settings=c.settings.moderation) for data in images)
    )
    action = most_severe([v.action for v in verdicts])
    categories = tuple(
        sorted({cat for v in verdicts if v.action is not Action.ALLOW for cat in v.categories})
    )
    observe.count_image_checks(action.value, list(categories))
    if action is Action.BLOCK and raise_on_block:
        raise ContentPolicyViolation(
            f"The {what} was blocked by this organisation's image checks. "
            f"Categories: {', '.join(categories)}.",
            categories=list(categories),
            code="image_blocked",
        )
    return ImageChecks(action=action, categories=categories)


@observe.stage("store")
async def store_images(
    c: Components,
    principal: Principal,
    spec: ModelSpec,
    generation_id: str,
    data_key: bytes,
    decision: Decision,
    result: BackendResult,
) -> list[StoredImage]:
    """Blobs are written before their records: a crash leaves an orphan blob for the janitor,
    never a record pointing at nothing."""
    stored = []
    for index, image in enumerate(result.images):
        info = ProvenanceInfo(
            image_id=new_id(),
            model=spec.id,
            policy_version=decision.policy_version,
            created_at=utcnow(),
            creator=principal.pseudonym,
        )
        data = await asyncio.to_thread(c.provenance.stamp, image.data, fmt=image.format, info=info)
        width, height = _dimensions(data)
        await put_sealed(c.blob_store, data_key, owner_id=principal.user_id, blob_id=info.image_id, data=data)
        record = ImageRecord(
            id=info.image_id,
            generation_id=generation_id,
            owner_id=principal.user_id,
            index=index,
            format=image.format,
            width=width,
            height=height,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=info.created_at,  # one time for the image: the record and its C2PA manifest
        )
        stored.append(StoredImage(info.image_id, data, image.format, image.revised_prompt, record))
    return stored


def _dimensions(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
    except (OSError, ValueError) as exc:
        raise UpstreamError("The image backend returned data that is not an image.") from exc
    if width * height > MAX_OUTPUT_PIXELS:
        raise UpstreamError("The image backend returned an image larger than allowed.")
    return width, height
