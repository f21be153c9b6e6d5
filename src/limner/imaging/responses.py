"""The image object of every Images API answer (and of an approved review): inline bytes or a URL."""

from __future__ import annotations

from pydantic import BaseModel


class ImageData(BaseModel):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None
