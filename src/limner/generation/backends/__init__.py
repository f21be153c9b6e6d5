"""Image generation backends; each entry of `settings.generation.backends` names a kind."""

from __future__ import annotations

from typing import Annotated, assert_never

from pydantic import Field

from limner.generation.backends.base import ImageBackend
from limner.generation.backends.fake import FakeBackend, FakeConfig
from limner.generation.backends.local import LocalBackend, LocalConfig

BackendConfig = Annotated[LocalConfig | FakeConfig, Field(discriminator="kind")]


def build_backend(config: BackendConfig) -> ImageBackend:
    match config:
        case LocalConfig():
            return LocalBackend(config)
        case FakeConfig():
            return FakeBackend(config)
        case _:
            assert_never(config)


__all__ = ["BackendConfig", "ImageBackend", "build_backend"]
