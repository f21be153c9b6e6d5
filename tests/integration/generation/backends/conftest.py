"""Fixtures for the vendor backend integration tests: a loopback fake OpenAI/Azure server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_upstream import FakeUpstreamState, serve_fake_upstream


@pytest.fixture
def upstream() -> Iterator[tuple[str, FakeUpstreamState]]:
    with serve_fake_upstream() as served:
        yield served
