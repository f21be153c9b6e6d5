"""Shared helpers for the moderation unit tests: small encoded images."""

from __future__ import annotations

import io

import pytest
from PIL import Image


def png(size: tuple[int, int] = (64, 64), color: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def image() -> bytes:
    return png()
