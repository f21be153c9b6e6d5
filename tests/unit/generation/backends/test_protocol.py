"""Unit tests: the vendor backends satisfy the ImageBackend protocol and build from plain config dicts.

Behaviour over HTTP is tested in tests/integration/generation/backends/."""

from __future__ import annotations

import pytest

from limner.generation.backends.azure_openai import AzureOpenAIBackend, AzureOpenAIConfig
from limner.generation.backends.base import ImageBackend
from limner.generation.backends.openai import OpenAIBackend, OpenAIConfig


async def test_vendor_backends_are_image_backends() -> None:
    backends: list[ImageBackend] = [
        OpenAIBackend(OpenAIConfig.model_validate({"kind": "openai", "api_key": "k"})),
        AzureOpenAIBackend(
            AzureOpenAIConfig.model_validate(
                {"kind": "azure_openai", "endpoint": "https://r", "api_key": "k"}
            )
        ),
    ]
    for backend in backends:
        await backend.aclose()
    assert [type(b).__name__ for b in backends] == ["OpenAIBackend", "AzureOpenAIBackend"]


@pytest.mark.parametrize(
    ("config", "kind"),
    [(OpenAIConfig, "openai"), (AzureOpenAIConfig, "azure_openai")],
)
def test_kind_is_fixed_per_config(config: type[OpenAIConfig | AzureOpenAIConfig], kind: str) -> None:
    assert config.model_fields["kind"].default == kind
