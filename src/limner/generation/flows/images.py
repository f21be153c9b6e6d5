"""The image stages after the backend: checks, provenance, encryption and storage of each image
(and the same checks on input images and streamed partials)."""

from __future__ import annotations

from dataclasses import dataclass

from limner import observe
from limner.components import Components
from limner.db import new_id, utcnow
from limner.errors import ContentPolicyViolation, UpstreamError
from limner.generation.backends.base import BackendResult
from limner.generation.image_work import ImageJob, ImageResult
from limner.identity.schemas import Principal
from limner.imaging.actions import Action, most_severe
from limner.imaging.catalog import ModelSpec
from limner.imaging.records import ImageRecord
from limner.policy.schemas import Decision
from limner.provenance.base import ProvenanceInfo, SourceImage
from limner.vault.service import put_sealed


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
    results = await c.image_work.run([ImageJob(data) for data in images])
    return _checks(results, what=what, raise_on_block=raise_on_block)


@observe.stage("image_checks")
async def check_and_store(
    c: Components,
    principal: Principal,
    spec: ModelSpec,
    generation_id: str,
    data_key: bytes,
    decision: Decision,
    result: BackendResult,
    source: SourceImage | None = None,
) -> tuple[ImageChecks, list[StoredImage]]:
    """Moderation and provenance in the image workers (one decode per image), then encrypted blobs.
    A BLOCK anywhere refuses the whole request and nothing is stored. `source`: the image a
    workspace edit changed, named in each result's credentials."""
    jobs = [
        ImageJob(image.data, image.format, _info(principal, spec, decision, source))
        for image in result.images
    ]
    results = await c.image_work.run(jobs)
    checks = _checks(results, what="generated image", raise_on_block=True)
    return checks, await _store(c, principal, generation_id, data_key, result, jobs, results)


@observe.stage("store")
async def _store(
    c: Components,
    principal: Principal,
    generation_id: str,
    data_key: bytes,
    result: BackendResult,
    jobs: list[ImageJob],
    results: list[ImageResult],
) -> list[StoredImage]:
    """Blobs are written before their records: a crash leaves an orphan blob for the janitor, never a
    record pointing at nothing."""
    stored = []
    for index, (image, job, done) in enumerate(zip(result.images, jobs, results, strict=True)):
        out = done.output
        if out.error is not None or out.data is None or job.info is None:
            raise out.error or UpstreamError("The image could not be processed.")
        image_id = job.info.image_id
        await put_sealed(c.blob_store, data_key, owner_id=principal.user_id, blob_id=image_id, data=out.data)
        record = ImageRecord(
            id=image_id,
            generation_id=generation_id,
            owner_id=principal.user_id,
            index=index,
            format=image.format,
            width=out.width,
            height=out.height,
            size_bytes=len(out.data),
            sha256=out.sha256,
            created_at=job.info.created_at,  # one time for the image: the record and its C2PA manifest
        )
        stored.append(StoredImage(image_id, out.data, image.format, image.revised_prompt, record))
    return stored


def _info(
    principal: Principal, spec: ModelSpec, decision: Decision, source: SourceImage | None
) -> ProvenanceInfo:
    return ProvenanceInfo(
        image_id=new_id(),
        model=spec.id,
        policy_version=decision.policy_version,
        created_at=utcnow(),
        creator=principal.pseudonym,
        source=source,
    )


def _checks(results: list[ImageResult], *, what: str, raise_on_block: bool) -> ImageChecks:
    verdicts = [r.verdict for r in results]
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
