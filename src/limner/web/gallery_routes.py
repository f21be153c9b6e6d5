"""Gallery pages: one's own images with search, each image's details, erase, and shares with one's images."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import NotFoundError
from limner.gallery import collections, service, sharing
from limner.gallery.collection_models import Collection
from limner.gallery.service import STATUSES, GalleryFilter
from limner.generation.flows import downloads
from limner.generation.service import open_prompt
from limner.identity.accounts.models import User
from limner.identity.schemas import Permission
from limner.imaging.records import ImageRecord
from limner.templates import service as templates
from limner.templates.service import Published
from limner.vault.service import existing_data_key, get_sealed
from limner.web.forms import FieldError
from limner.web.pages import Page, PageDep
from limner.web.render import render
from limner.web.results import provenance_of, signed_image_url
from limner.web.route import WebRoute
from limner.web.share_views import ImageDetails, shares_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@dataclass(frozen=True, slots=True)
class GalleryQuery:
    """The filters, kept in the URL so a view can be bookmarked."""

    since: str = ""
    until: str = ""
    model: str = ""
    status: str = ""
    favourites: str = ""
    collection: str = ""
    tag: str = ""


@router.get("/gallery")
async def gallery(page: PageDep, q: Annotated[GalleryQuery, Depends()]) -> Response:
    errors: list[FieldError] = []
    filters = GalleryFilter(
        since=_day(q.since, "since", errors),
        until=_day(q.until, "until", errors),
        model=q.model or None,
        status=q.status if q.status in STATUSES else None,
        favourites_of=page.user.user_id if q.favourites == "yes" else None,
        collection_id=q.collection or None,
        tag=q.tag.strip().lower() or None,
    )
    async with page.c.sessions.begin() as session:
        mine = await collections.visible_collections(session, page.user.user_id)
        if filters.collection_id and filters.collection_id not in {c.id for c in mine}:
            raise NotFoundError("No such collection.")
        entries = await service.search(session, owner_id=page.user.user_id, filters=filters)
        models = await service.models_used(session, owner_id=page.user.user_id)
        tags = await collections.tags_used(session, page.user.user_id)
        received = await sharing.shared_with(session, page.user.user_id)
    urls = {i.id: signed_image_url(page.c, i.id) for e in entries for i in e.images}
    urls.update({s.image_id: signed_image_url(page.c, s.image_id) for s in received})
    return await render(
        page,
        "gallery/gallery.html",
        title="Gallery",
        entries=entries,
        urls=urls,
        received=received,
        models=models,
        statuses=STATUSES,
        collections=mine,
        tags=tags,
        query=q,
        errors=errors,
        deleted=page.request.query_params.get("deleted") == "1",
    )


def _day(value: str, field: str, errors: list[FieldError]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(field, "Enter a real date, like 2026-03-31"))
        return None


@router.get("/gallery/{image_id}")
async def image_details(image_id: str, page: PageDep) -> Response:
    return await details_page(page, await load_details(page, image_id))


async def load_details(page: Page, image_id: str) -> ImageDetails:
    """Owners see their prompt; people it was shared with see the image and its provenance only."""
    async with page.c.sessions.begin() as session:
        image, generation = await service.image_with_generation(session, image_id)
        if not await may_see(session, image, page):
            raise NotFoundError("No such image.")
        owner = await session.get(User, image.owner_id)
        key = await existing_data_key(session, page.c.key_provider, owner_id=image.owner_id)
        if key is None:
            raise NotFoundError("No such image.")
        is_owner = image.owner_id == page.user.user_id
        prompt = open_prompt(generation, key) if is_owner else None
        revised = service.open_revised_prompt(generation, key) if is_owner else None
        if prompt is not None:
            await record(
                session,
                action=AuditAction.PROMPT_REVEALED,
                actor_id=page.user.user_id,
                subject_type="generation",
                subject_id=generation.id,
                request_id=page.request_id,
                data={"by_owner": True},
            )
        shares = await shares_of(session, image.id) if is_owner else []
        template = await templates.version_of(session, generation.template_version_id)
    data = await get_sealed(page.c.blob_store, key, owner_id=image.owner_id, blob_id=image.id)
    report = await provenance_of(page.c, data)
    return ImageDetails(
        image=image,
        generation=generation,
        made_by=owner.email if owner else "a former user",
        is_owner=is_owner,
        prompt=prompt,
        revised_prompt=revised,
        url=signed_image_url(page.c, image.id),
        report=report,
        shares=shares,
        may_share_outside=page.user.can(Permission.IMAGES_SHARE_EXTERNAL),
        template=template,
        template_link=_template_link(page, template),
    )


def _template_link(page: Page, template: Published | None) -> str | None:
    """The Templates page lists live templates to people who generate; a retired one has no page."""
    if template is None or template.template.retired_at is not None:
        return None
    if not page.user.can(Permission.IMAGES_GENERATE):
        return None
    return f"/templates#t-{template.template.id}"


async def may_see(session: AsyncSession, image: ImageRecord, page: Page) -> bool:
    """The owner, people and groups it was shared with, and members of a group collection holding it."""
    if await sharing.may_view(session, image, page.user):
        return True
    return await collections.may_see_image(session, image.id, page.user.user_id)


async def details_page(page: Page, details: ImageDetails, *, status: int = 200, **values: object) -> Response:
    organise = await organise_for(page, details) if details.is_owner else None
    return await render(
        page,
        "gallery/image.html",
        status=status,
        title="Image details",
        d=details,
        organise=organise,
        formats=downloads.FORMATS,
        **values,
    )


@dataclass(frozen=True, slots=True)
class Organise:
    favourite: bool
    tags: list[str]
    collections: list[Collection]  # the image is in these
    choices: list[Collection]  # it may be added to these


async def organise_for(page: Page, details: ImageDetails) -> Organise:
    async with page.c.sessions.begin() as session:
        image_id, user_id = details.image.id, page.user.user_id
        holding = await collections.collections_of_image(session, image_id, user_id)
        visible = await collections.visible_collections(session, user_id)
        return Organise(
            favourite=await collections.is_favourite(session, user_id, image_id),
            tags=await collections.tags_of(session, image_id),
            collections=holding,
            choices=[c for c in visible if c not in holding],
        )


@router.post("/gallery/{image_id}/delete")
async def delete_image(image_id: str, page: PageDep) -> Response:
    async with page.c.sessions.begin() as session:
        image, _ = await service.image_with_generation(session, image_id)
        if image.owner_id != page.user.user_id:
            raise NotFoundError("No such image.")
        await service.erase_image(
            session, page.c.blob_store, image, actor_id=page.user.user_id, request_id=page.request_id
        )
    return RedirectResponse("/gallery?deleted=1", status_code=303)
