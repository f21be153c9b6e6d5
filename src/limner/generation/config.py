"""Settings for image generation: the backends and the model catalog."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from limner.generation.backends import BackendConfig
from limner.generation.backends.local import LocalConfig
from limner.imaging.catalog import ModelSpec, default_catalog


def _default_backends() -> dict[str, BackendConfig]:
    return {"local": LocalConfig()}


class GenerationSettings(BaseModel):
    backends: dict[str, BackendConfig] = Field(
        default_factory=_default_backends,
        description="Named backends; each model in the catalog names one",
    )
    models: list[ModelSpec] = Field(default_factory=default_catalog)
    default_model: str | None = Field(default=None, description="Model used when a request names none")
    url_ttl_s: int = Field(default=3600, ge=60, le=7 * 86400, description="Lifetime of signed image URLs")
    stream_partials: Literal["checked", "none"] = Field(
        default="checked",
        description="Streamed partial images: sent once they pass the image checks, or never sent",
    )
    azure_deployments: dict[str, str] = Field(
        default_factory=dict,
        description="Azure OpenAI routes: deployment name -> model id (a model id also works as is)",
    )
