"""Data-subject export: a ZIP of the user's prompts, images (+ manifests), decisions and audit trail."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.models import AuditEvent
from limner.audit.schemas import AuditAction
from limner.audit.service import event_json, record
from limner.identity.accounts.models import User
from limner.imaging.records import Generation, ImageRecord
from limner.privacy.reveal import reveal_prompt
from limner.privacy.subjects import find_subject
from limner.review.models import ReviewItem
from limner.templates.service import origin_json, versions_by_id
from limner.vault.service import BlobStore, KeyProvider, existing_data_key, get_sealed

README = """Limner data export
==================

This archive holds the personal data Limner keeps about one person, as of {at}.

  user.json            the account: email, name, roles, status
  generations.json     every image request: time, model, settings, the prompt and the revised
                       prompt (decrypted for this export), the policy decision and its categories,
                       and the prompt template (name and version) a request was started from
  reviews.json         human-review outcomes of held requests (reviewers are not named)
  images/<id>.<ext>    every stored image, decrypted; generated images carry their C2PA manifest
  images/<id>.json     the image's record: size, format, SHA-256, request it belongs to
  audit_events.json    audit events about this person or their requests (hashes and categories only)

Prompts that were purged under the retention policy are shown as null.
"""


@dataclass
class Collected:
    user: User
    generations: list[dict[str, Any]] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    data_key: bytes | None = None


async def collect_export(
    session: AsyncSession,
    key_provider: KeyProvider,
    *,
    secret_key: bytes,
    email: str,
    actor_id: str | None,
    request_id: str | None,
) -> Collected:
    """Everything the archive holds but the image bytes; every decrypted prompt is audited as a reveal."""
    user = await find_subject(session, secret_key=secret_key, email=email)
    found = Collected(user=user, data_key=await existing_data_key(session, key_provider, owner_id=user.id))
    query = select(Generation).where(Generation.owner_id == user.id).order_by(Generation.created_at)
    generations = list((await session.execute(query)).scalars())
    origins = await versions_by_id(
        session, {g.template_version_id for g in generations if g.template_version_id}
    )
    for row in generations:
        entry = await _generation_json(session, key_provider, row, actor_id, request_id)
        found.generations.append(entry | {"template": origin_json(row.template_version_id, origins)})
    images = select(ImageRecord).where(ImageRecord.owner_id == user.id).order_by(ImageRecord.created_at)
    found.images = list((await session.execute(images)).scalars())
    found.reviews = await _reviews(session, user.id)
    await record(
        session,
        action=AuditAction.PRIVACY_EXPORTED,
        actor_id=actor_id,
        subject_type="user",
        subject_id=user.id,
        request_id=request_id,
        data={"generations": len(generations), "images": len(found.images)},
    )
    found.events = await _events(session, user.id, [g.id for g in generations])
    return found


async def write_archive(out: BinaryIO, found: Collected, blob_store: BlobStore) -> dict[str, int]:
    """Write the ZIP to `out`, reading each image from `blob_store`; returns what it holds."""
    counts = {"generations": len(found.generations), "images": len(found.images), "events": len(found.events)}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(at=found.events[-1]["at"] if found.events else "now"))
        archive.writestr("user.json", _dump(_user_json(found.user)))
        archive.writestr("generations.json", _dump(found.generations))
        archive.writestr("reviews.json", _dump(found.reviews))
        archive.writestr("audit_events.json", _dump(found.events))
        await _write_images(blob_store, archive, found)
    return counts


async def _generation_json(
    session: AsyncSession,
    key_provider: KeyProvider,
    row: Generation,
    actor_id: str | None,
    request_id: str | None,
) -> dict[str, Any]:
    async def reveal(which: str) -> str | None:
        return await reveal_prompt(
            session,
            key_provider,
            generation_id=row.id,
            actor_id=actor_id,
            reason="data_subject_export",
            field="prompt" if which == "prompt" else "revised",
            request_id=request_id,
        )

    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "operation": row.operation,
        "model": row.model,
        "params": row.params,
        "status": row.status,
        "decision": row.decision,
        "categories": row.categories,
        "policy_version": row.policy_version,
        "error_code": row.error_code,
        "prompt": await reveal("prompt"),
        "revised_prompt": await reveal("revised"),
    }


async def _reviews(session: AsyncSession, user_id: str) -> list[dict[str, Any]]:
    query = select(ReviewItem).where(ReviewItem.requester_id == user_id).order_by(ReviewItem.created_at)
    return [_review_json(r) for r in (await session.execute(query)).scalars()]


def _review_json(r: ReviewItem) -> dict[str, Any]:
    return {
        "generation_id": r.generation_id,
        "status": r.status,
        "categories": r.categories,
        "created_at": r.created_at.isoformat(),
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
    }


async def _events(session: AsyncSession, user_id: str, generation_ids: list[str]) -> list[dict[str, Any]]:
    about_user = (AuditEvent.subject_type == "user") & (AuditEvent.subject_id == user_id)
    conditions = [AuditEvent.actor_id == user_id, about_user]
    if generation_ids:
        conditions.append(AuditEvent.subject_id.in_(generation_ids))
    query = select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.seq)
    return [event_json(e, with_ids=False) for e in (await session.execute(query)).scalars()]


async def _write_images(blob_store: BlobStore, archive: zipfile.ZipFile, found: Collected) -> None:
    for image in found.images:
        archive.writestr(f"images/{image.id}.json", _dump(_image_json(image)))
        if found.data_key is not None:
            data = await get_sealed(blob_store, found.data_key, owner_id=image.owner_id, blob_id=image.id)
            archive.writestr(f"images/{image.id}.{image.format}", data)


def _image_json(image: ImageRecord) -> dict[str, Any]:
    return {
        "id": image.id,
        "generation_id": image.generation_id,
        "index": image.index,
        "role": image.role,
        "format": image.format,
        "width": image.width,
        "height": image.height,
        "size_bytes": image.size_bytes,
        "sha256": image.sha256,
        "created_at": image.created_at.isoformat(),
    }


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "kind": user.kind,
        "status": user.status,
        "roles": user.roles,
        "created_at": user.created_at.isoformat(),
    }


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
