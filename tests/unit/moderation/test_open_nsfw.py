"""Unit tests for the open_nsfw moderator on the real, bundled ONNX model (local, offline).

Latency is measured in bench/moderation.py, never asserted here."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from limner.errors import ConfigError, PayloadTooLargeError, UnsupportedImageError
from limner.moderation.providers.open_nsfw import OpenNsfwConfig, OpenNsfwModerator
from tests.unit.moderation.conftest import png


@pytest.fixture
async def moderator() -> AsyncIterator[OpenNsfwModerator]:
    moderator = OpenNsfwModerator(OpenNsfwConfig(max_pixels=1_000_000))
    yield moderator
    await moderator.aclose()


async def test_scores_sexual_in_unit_interval(moderator: OpenNsfwModerator, image: bytes) -> None:
    result = await moderator.moderate(image)
    assert result.provider == "open_nsfw"
    assert set(result.scores) == {"sexual"}
    assert 0.0 <= result.scores["sexual"] <= 1.0


async def test_plain_blue_square_is_far_below_review(moderator: OpenNsfwModerator) -> None:
    result = await moderator.moderate(png((256, 256), (20, 60, 200)))
    assert result.scores["sexual"] < 0.2


async def test_inference_runs_off_the_event_loop_thread(
    moderator: OpenNsfwModerator, image: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    real_score = moderator.score

    def spy(data: bytes) -> float:
        threads.append(threading.get_ident())
        return real_score(data)

    monkeypatch.setattr(moderator, "score", spy)
    await moderator.moderate(image)
    assert threads
    assert threads[0] != threading.get_ident()


async def test_refuses_image_over_pixel_limit_before_decoding(moderator: OpenNsfwModerator) -> None:
    with pytest.raises(PayloadTooLargeError):
        await moderator.moderate(png((1001, 1000)))


async def test_refuses_bytes_that_are_not_an_image(moderator: OpenNsfwModerator) -> None:
    with pytest.raises(UnsupportedImageError):
        await moderator.moderate(b"%PDF-1.7 not an image")


def test_missing_model_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing"):
        OpenNsfwModerator(OpenNsfwConfig(model_path=tmp_path / "absent.onnx"))
