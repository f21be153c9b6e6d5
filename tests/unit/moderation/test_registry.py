"""Unit tests for build_moderator: every kind builds, offline, and obeys the ImageModerator contract.

The HTTP providers' behaviour is tested in tests/integration/moderation/."""

from __future__ import annotations

import builtins
import inspect
import subprocess
import sys
import typing
from typing import Any

import pytest
from pydantic import SecretStr, TypeAdapter

from limner.errors import ConfigError
from limner.moderation.providers import ModeratorConfig, build_moderator
from limner.moderation.providers.azure_content_safety import (
    AzureContentSafetyConfig,
    AzureContentSafetyModerator,
)
from limner.moderation.providers.fake import FakeModerator, FakeModeratorConfig
from limner.moderation.providers.nudenet import NudeNetConfig
from limner.moderation.providers.open_nsfw import OpenNsfwConfig, OpenNsfwModerator
from limner.moderation.providers.openai import OpenAIModerator, OpenAIModeratorConfig

BUILDABLE: list[tuple[Any, type]] = [
    (OpenNsfwConfig(), OpenNsfwModerator),
    (OpenAIModeratorConfig(api_key=SecretStr("sk-x")), OpenAIModerator),
    (
        AzureContentSafetyConfig(endpoint="https://x.invalid", api_key=SecretStr("k")),
        AzureContentSafetyModerator,
    ),
    (FakeModeratorConfig(), FakeModerator),
]


@pytest.mark.parametrize(("config", "cls"), BUILDABLE)
async def test_each_kind_builds_its_moderator_and_obeys_the_contract(config: Any, cls: type) -> None:
    moderator = build_moderator(config)
    assert isinstance(moderator, cls)
    assert moderator.name == config.name
    assert inspect.iscoroutinefunction(moderator.moderate)
    await moderator.aclose()


def test_configs_parse_from_plain_data_by_kind() -> None:
    adapter: TypeAdapter[ModeratorConfig] = TypeAdapter(ModeratorConfig)
    parsed = adapter.validate_python(
        {"kind": "azure_content_safety", "endpoint": "https://e", "api_key": "k"}
    )
    assert isinstance(parsed, AzureContentSafetyConfig)
    assert parsed.categories == ["Hate", "SelfHarm", "Sexual", "Violence"]


def test_secret_keys_do_not_show_in_config_repr() -> None:
    config = OpenAIModeratorConfig(api_key=SecretStr("sk-very-secret"))
    assert "sk-very-secret" not in repr(config)


def test_nudenet_missing_names_the_extra_and_its_license(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_nudenet(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "nudenet":
            raise ImportError("No module named 'nudenet'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nudenet)
    with pytest.raises(ConfigError) as caught:
        build_moderator(NudeNetConfig())
    assert "pip install 'limner[nudenet]'" in caught.value.message
    assert "AGPL-3.0" in caught.value.message


def test_nudenet_is_not_installed_here() -> None:
    # The AGPL extra must never sneak in as a transitive dependency of the default install.
    with pytest.raises(ConfigError, match=r"AGPL-3\.0"):
        build_moderator(NudeNetConfig())


def test_every_kind_in_the_union_is_covered_here() -> None:
    union = typing.get_args(typing.get_args(ModeratorConfig)[0])
    assert set(union) == {type(config) for config, _ in BUILDABLE} | {NudeNetConfig}


def test_importing_the_registry_loads_no_model_runtime() -> None:
    # Nothing heavy at import time: ONNX Runtime is imported when a moderator is built.
    code = "import sys, limner.moderation.service; print('onnxruntime' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
