"""A tiny PNG for the edit tests."""

from __future__ import annotations

import io

from PIL import Image


def png(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (40, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()
