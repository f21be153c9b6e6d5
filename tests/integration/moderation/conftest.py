"""Fixtures for the moderation integration tests: the loopback vendor fakes, one server per test."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.fakes.moderation_upstreams import UpstreamState, serve


@pytest.fixture(scope="module")
def upstream_server() -> Iterator[tuple[str, UpstreamState]]:
    state = UpstreamState()
    with serve(state) as base_url:
        yield base_url, state


@pytest.fixture
def upstream(upstream_server: tuple[str, UpstreamState]) -> tuple[str, UpstreamState]:
    upstream_server[1].reset()
    return upstream_server


@pytest.fixture
def image() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), (120, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()
