"""Sharing pages: share an image, My shares (revocable), and the public page of an external link."""

from __future__ import annotations

from fastapi import APIRouter, Response

from limner.errors import InvalidRequestError, NotFoundError
from limner.gallery import service, sharing
from limner.generation.routes.images import MEDIA_TYPES
from limner.vault.service import existing_data_key, get_sealed
from limner.web.forms import FieldError, text
from limner.web.gallery_routes import details_page, load_details
from limner.web.pages import PageDep, VisitorDep
from limner.web.render import render
from limner.web.route import WebRoute
from limner.web.share_views import share_rows

router = APIRouter(route_class=WebRoute, include_in_schema=False)
KINDS = {"person", "group", "link"}
NO_INDEX = {"x-robots-tag": "noindex, nofollow"}


@router.post("/gallery/{image_id}/shares")
async def create_share(image_id: str, page: PageDep) -> Response:
    form = await page.request.form()
    kind, target, days = text(form, "kind"), text(form, "target"), text(form, "days", "7")
    link = None
    try:
        async with page.c.sessions.begin() as session:
            image, _ = await service.image_with_generation(session, image_id)
            if kind == "link":
                _, token = await sharing.share_link(
                    session, image, page.user, days=_days(days), secret_key=page.c.secret_key
                )
                link = f"{page.c.settings.public_url.rstrip('/')}/s/{token}"
            elif kind in KINDS:
                await sharing.share_inside(session, image, page.user, kind=kind, target=target)
            else:
                raise InvalidRequestError("Choose who to share with.", param="kind")
    except InvalidRequestError as exc:
        field = "days" if exc.param == "days" else "target"
        details = await load_details(page, image_id)
        return await details_page(page, details, status=400, errors=[FieldError(field, exc.message)])
    details = await load_details(page, image_id)
    return await details_page(page, details, new_link=link, shared=True)


def _days(value: str) -> int:
    if not value.isdigit():
        raise InvalidRequestError("Enter the number of days the link works, like 7.", param="days")
    return int(value)


@router.get("/shares")
async def my_shares(page: PageDep) -> Response:
    async with page.c.sessions.begin() as session:
        rows = await share_rows(session, list(await sharing.my_shares(session, page.user.user_id)))
    return await render(page, "shares/shares.html", title="My shares", rows=rows)


@router.post("/shares/{share_id}/revoke")
async def revoke_share(share_id: str, page: PageDep) -> Response:
    async with page.c.sessions.begin() as session:
        await sharing.revoke(session, share_id, page.user)
    return await my_shares(page)


@router.get("/s/{token}")
async def external_page(token: str, page: VisitorDep) -> Response:
    async with page.c.sessions.begin() as session:
        share = await sharing.open_link(session, token, secret_key=page.c.secret_key)
        image, generation = await service.image_with_generation(session, share.image_id)
    response = await render(
        page,
        "shares/external.html",
        title="AI-generated image",
        token=token,
        image=image,
        generation=generation,
        expires_at=share.expires_at,
    )
    response.headers.update(NO_INDEX)
    return response


@router.get("/s/{token}/image")
async def external_image(token: str, page: VisitorDep) -> Response:
    """The stored file as generated: C2PA credentials and the invisible watermark included."""
    async with page.c.sessions.begin() as session:
        share = await sharing.open_link(session, token, secret_key=page.c.secret_key)
        image, _ = await service.image_with_generation(session, share.image_id)
        key = await existing_data_key(session, page.c.key_provider, owner_id=image.owner_id)
    if key is None:
        raise NotFoundError("This link has expired or was withdrawn.")
    data = await get_sealed(page.c.blob_store, key, owner_id=image.owner_id, blob_id=image.id)
    media = MEDIA_TYPES.get(image.format, "application/octet-stream")
    return Response(data, media_type=media, headers=NO_INDEX)
