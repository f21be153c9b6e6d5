"""Image generation backends; each entry of `settings.generation.backends` names a kind."""

from __future__ import annotations

from typing import Annotated, assert_never

from pydantic import Field

from limner.generation.backends.azure_openai import AzureOpenAIBackend, AzureOpenAIConfig
from limner.generation.backends.base import ImageBackend
from limner.generation.backends.diffusers import DiffusersBackend, DiffusersConfig
from limner.generation.backends.fake import FakeBackend, FakeConfig
from limner.generation.backends.local import LocalBackend, LocalConfig
from limner.generation.backends.openai import OpenAIBackend, OpenAIConfig

BackendConfig = Annotated[
    LocalConfig | OpenAIConfig | AzureOpenAIConfig | DiffusersConfig | FakeConfig, Field(discriminator="kind")
]


def build_backend(config: BackendConfig) -> ImageBackend:
    match config:
        case LocalConfig():
            return LocalBackend(config)
        case OpenAIConfig():
            return OpenAIBackend(config)
        case AzureOpenAIConfig():
            return AzureOpenAIBackend(config)
        case DiffusersConfig():
            return DiffusersBackend(config)
        case FakeConfig():
            return FakeBackend(config)
        case _:
            assert_never(config)


__all__ = ["BackendConfig", "ImageBackend", "build_backend"]
