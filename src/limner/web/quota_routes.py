"""The quota panel of the Generate page: what is left and what this request costs, refreshed as the
model, size, quality or count change (POST /generate/quota, an htmx swap; no prompt is sent)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Depends, Response

from limner.errors import InvalidRequestError
from limner.generation.flows.prepare import default_model
from limner.identity.schemas import Permission
from limner.imaging.catalog import find_model
from limner.usage.visible import QuotaView, quota_view
from limner.web.forms import text
from limner.web.pages import Page, require_page
from limner.web.render import render_fragment
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
N_MAX = 10


async def quota_for(page: Page, form: Mapping[str, object]) -> QuotaView | None:
    """The view for the form's settings; None for a model this server does not know."""
    model = str(form.get("model") or "") or default_model(page.c)
    try:
        spec = find_model(page.c.settings.generation.models, model)
    except InvalidRequestError:
        return None
    count = str(form.get("n") or "1")
    n = min(max(int(count), 1), N_MAX) if count.isdigit() else 1
    size, quality = str(form.get("size") or "") or None, str(form.get("quality") or "") or None
    return await quota_view(page.c, page.user, spec, n=n, size=size, quality=quality)


@router.post("/generate/quota")
async def quota_panel(page: Page = Depends(require_page(Permission.IMAGES_GENERATE))) -> Response:
    form = await page.request.form()
    values = {name: text(form, name) for name in ("model", "size", "quality", "n")}
    return render_fragment(page, "generate/quota.html", quota=await quota_for(page, values))
