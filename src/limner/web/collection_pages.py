"""Collections pages: list and create, one collection with its images, rename it, share it with a group,
download it as a zip; on an image: favourite, add to a collection, tags, and download in another format."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import InvalidRequestError, NotFoundError
from limner.gallery import collections, service
from limner.gallery.collection_models import Collection
from limner.generation.flows import downloads
from limner.identity.accounts.models import Group
from limner.imaging.records import Generation, ImageRecord
from limner.web.forms import FieldError, text
from limner.web.gallery_routes import details_page, load_details, may_see
from limner.web.pages import Page, PageDep
from limner.web.render import render
from limner.web.results import signed_image_url
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/collections")
async def collection_list(page: PageDep) -> Response:
    return await _list_page(page)


async def _list_page(page: Page, *, status: int = 200, **values: object) -> Response:
    async with page.c.sessions.begin() as session:
        found = await collections.visible_collections(session, page.user.user_id)
    return await render(
        page, "collections/list.html", status=status, title="Collections", collections=found, **values
    )


@router.post("/collections")
async def create(page: PageDep) -> Response:
    name = text(await page.request.form(), "name")
    try:
        async with page.c.sessions.begin() as session:
            made = await collections.create_collection(session, page.user, name=name)
    except InvalidRequestError as exc:
        return await _list_page(page, status=400, errors=[FieldError("name", exc.message)], name=name)
    return RedirectResponse(f"/collections/{made.id}", status_code=303)


@router.get("/collections/{collection_id}")
async def collection_page(collection_id: str, page: PageDep) -> Response:
    return await _collection_page(page, collection_id)


async def _collection_page(
    page: Page, collection_id: str, *, status: int = 200, **values: object
) -> Response:
    async with page.c.sessions.begin() as session:
        found = await collections.get_visible(session, collection_id, page.user.user_id)
        images = await collections.items(session, found)
        group = await _group_name(session, found)
    return await render(
        page,
        "collections/collection.html",
        status=status,
        title=found.name,
        collection=found,
        group=group,
        is_owner=found.owner_id == page.user.user_id,
        images=images,
        urls={i.id: signed_image_url(page.c, i.id) for i in images},
        **values,
    )


async def _group_name(session: AsyncSession, found: Collection) -> str | None:
    if found.group_id is None:
        return None
    group = await session.get(Group, found.group_id)
    return group.name if group else None


@router.post("/collections/{collection_id}/rename")
async def rename(collection_id: str, page: PageDep) -> Response:
    name = text(await page.request.form(), "name")
    try:
        async with page.c.sessions.begin() as session:
            found = await collections.get_owned(session, collection_id, page.user.user_id)
            await collections.rename_collection(
                session, found, page.user, name=name, request_id=page.request_id
            )
    except InvalidRequestError as exc:
        return await _collection_page(
            page, collection_id, status=400, errors=[FieldError("name", exc.message)]
        )
    return RedirectResponse(f"/collections/{collection_id}", status_code=303)


@router.post("/collections/{collection_id}/share")
async def share(collection_id: str, page: PageDep) -> Response:
    form = await page.request.form()
    try:
        async with page.c.sessions.begin() as session:
            found = await collections.get_owned(session, collection_id, page.user.user_id)
            if text(form, "action") == "unshare":
                await collections.unshare(session, found, page.user, request_id=page.request_id)
            else:
                group = text(form, "group")
                await collections.share_with_group(
                    session, found, page.user, group_name=group, request_id=page.request_id
                )
    except InvalidRequestError as exc:
        errors = [FieldError("group", exc.message)]
        return await _collection_page(page, collection_id, status=400, errors=errors)
    return RedirectResponse(f"/collections/{collection_id}", status_code=303)


@router.post("/collections/{collection_id}/delete")
async def delete(collection_id: str, page: PageDep) -> Response:
    """The owner deletes the collection; its images stay in their owners' galleries."""
    async with page.c.sessions.begin() as session:
        found = await collections.get_owned(session, collection_id, page.user.user_id)
        await collections.delete_collection(session, found, page.user, request_id=page.request_id)
    return RedirectResponse("/collections?deleted=1", status_code=303)


@router.post("/collections/{collection_id}/remove")
async def remove(collection_id: str, page: PageDep) -> Response:
    image_id = text(await page.request.form(), "image_id")
    async with page.c.sessions.begin() as session:
        found = await collections.get_visible(session, collection_id, page.user.user_id)
        await collections.remove_image(session, found, image_id, page.user)
    return RedirectResponse(f"/collections/{collection_id}", status_code=303)


@router.post("/collections/{collection_id}/download")
async def download_zip(collection_id: str, page: PageDep) -> Response:
    """The zip's manifest holds ids, models, dates and template versions; prompts only when asked, and
    only one's own."""
    with_prompts = text(await page.request.form(), "include_prompts") == "yes"
    async with page.c.sessions.begin() as session:
        found = await collections.get_visible(session, collection_id, page.user.user_id)
        rows = [
            await service.image_with_generation(session, i.id)
            for i in await collections.items(session, found)
        ]
        await _audit_download(page, session, found, rows, with_prompts)
    chunks = await downloads.collection_zip(
        page.c, rows, prompts_of=page.user.user_id if with_prompts else None
    )
    disposition = f'attachment; filename="collection-{found.id}.zip"'
    return StreamingResponse(
        chunks, media_type="application/zip", headers={"content-disposition": disposition}
    )


async def _audit_download(
    page: Page,
    session: AsyncSession,
    found: Collection,
    rows: list[tuple[ImageRecord, Generation]],
    prompts: bool,
) -> None:
    own = [g.id for i, g in rows if i.owner_id == page.user.user_id] if prompts else []
    await record(
        session,
        action=AuditAction.COLLECTION_DOWNLOADED,
        actor_id=page.user.user_id,
        subject_type="collection",
        subject_id=found.id,
        request_id=page.request_id,
        data={"images": len(rows), "prompts_included": prompts},
    )
    for generation_id in own:  # the zip reveals these stored prompts to their owner
        await record(
            session,
            action=AuditAction.PROMPT_REVEALED,
            actor_id=page.user.user_id,
            subject_type="generation",
            subject_id=generation_id,
            request_id=page.request_id,
            data={"by_owner": True, "via": "collection_zip"},
        )


@router.post("/gallery/{image_id}/organise")
async def organise(image_id: str, page: PageDep) -> Response:
    """The owner's favourite mark, tags, and adding the image to a collection, from the details page."""
    form = await page.request.form()
    action = text(form, "action")
    try:
        async with page.c.sessions.begin() as session:
            image, _ = await service.image_with_generation(session, image_id)
            if image.owner_id != page.user.user_id:
                raise NotFoundError("No such image.")
            await _organise(session, page, image, form)
    except InvalidRequestError as exc:
        details = await load_details(page, image_id)
        return await details_page(page, details, status=400, errors=[FieldError("tags", exc.message)])
    return RedirectResponse(f"/gallery/{image_id}?organised={action}", status_code=303)


async def _organise(session: AsyncSession, page: Page, image: ImageRecord, form: FormData) -> None:
    action = text(form, "action")
    if action in ("favourite", "unfavourite"):
        await collections.set_favourite(session, page.user.user_id, image.id, on=action == "favourite")
    elif action == "tags":
        await collections.set_tags(session, image, page.user, collections.parse_tags(text(form, "tags")))
    elif action == "collect":
        found = await collections.get_visible(session, text(form, "collection"), page.user.user_id)
        await collections.add_image(session, found, image, page.user)
    else:
        raise InvalidRequestError("Choose what to do with the image.", param="tags")


@router.get("/gallery/{image_id}/download")
async def download_image(image_id: str, page: PageDep, format: str = "png") -> Response:
    async with page.c.sessions.begin() as session:
        image, generation = await service.image_with_generation(session, image_id)
        if not await may_see(session, image, page):
            raise NotFoundError("No such image.")
    file = await downloads.image_download(page.c, image, generation, format)
    disposition = f'attachment; filename="{file.filename}"'
    return Response(file.data, media_type=file.media_type, headers={"content-disposition": disposition})
