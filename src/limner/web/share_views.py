"""What the image-details and My shares pages show (assembled from the gallery services)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from limner.gallery import sharing
from limner.gallery.models import Share
from limner.imaging.records import Generation, ImageRecord
from limner.provenance.verify import VerifyReport
from limner.templates.service import Published


@dataclass(frozen=True, slots=True)
class ShareRow:
    share: Share
    target: str  # an email, "group NAME", or "anyone with the link"
    is_live: bool


@dataclass(frozen=True, slots=True)
class ImageDetails:
    image: ImageRecord
    generation: Generation
    made_by: str
    is_owner: bool
    prompt: str | None
    revised_prompt: str | None
    url: str
    report: VerifyReport | None
    shares: list[ShareRow] = field(default_factory=list)
    may_share_outside: bool = False
    template: Published | None = None  # the template version it was made from, if any (and still kept)
    template_link: str | None = None  # where the viewer may open that template, if they may


async def shares_of(session: AsyncSession, image_id: str) -> list[ShareRow]:
    return await share_rows(session, list(await sharing.shares_of(session, image_id)))


async def share_rows(session: AsyncSession, shares: list[Share]) -> list[ShareRow]:
    names = await sharing.target_names(session, shares)
    return [ShareRow(s, names[s.id], sharing.is_live(s)) for s in shares]
