"""What the Generate page shows about an image: its signed download URL and its provenance."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from limner.components import Components
from limner.errors import ConfigError
from limner.generation import urls
from limner.provenance.verify import VerifyReport


@dataclass(frozen=True, slots=True)
class ShownImage:
    image_id: str
    url: str  # signed and expiring, like the API's response_format=url
    filename: str
    revised_prompt: str | None
    c2pa_signer: str | None
    c2pa_state: str | None
    watermark_id: str | None
    policy_version: str | None


def signed_image_url(c: Components, image_id: str) -> str:
    ttl = c.settings.generation.url_ttl_s
    full = urls.signed_url(c.settings.public_url, c.secret_key, image_id, ttl_s=ttl)
    return full.removeprefix(c.settings.public_url.rstrip("/"))  # same origin: a path is enough


async def provenance_of(c: Components, data: bytes) -> VerifyReport | None:
    """The same check as /v1/limner/verify; None when this server has no verifier configured."""
    try:
        return await asyncio.to_thread(c.verifier.verify, data)
    except ConfigError:
        return None


async def shown_image(
    c: Components, *, image_id: str, data: bytes, fmt: str, revised_prompt: str | None
) -> ShownImage:
    """Read the credentials back from the delivered bytes: the panel shows what the file really carries."""
    report = await provenance_of(c, data)
    return ShownImage(
        image_id=image_id,
        url=signed_image_url(c, image_id),
        filename=f"limner-{image_id}.{fmt}",
        revised_prompt=revised_prompt,
        c2pa_signer=report.c2pa.signer if report else None,
        c2pa_state=report.c2pa.state if report else None,
        watermark_id=report.watermark.image_id if report and report.watermark.found else None,
        policy_version=report.policy_version if report else None,
    )
