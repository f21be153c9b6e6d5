"""Decode untrusted image bytes within limits, and encode pixels as PNG, JPEG or WebP."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from limner.errors import UnsupportedImageError
from limner.provenance.png import encode_png

RgbArray = npt.NDArray[np.uint8]
PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
MIME_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
JPEG_QUALITY = 92
WEBP_QUALITY = 90
DEFAULT_MAX_PIXELS = 40_000_000


@dataclass(frozen=True, slots=True)
class Decoded:
    """Pixels of an image, split so that the watermark sees RGB only."""

    rgb: RgbArray  # (H, W, 3), read-only
    alpha: npt.NDArray[np.uint8] | None  # (H, W), kept for PNG/WebP output; None when fully opaque
    fmt: str  # png, jpeg or webp
    image: Image.Image | None = None  # the same RGB pixels as a Pillow image, when there is no alpha


def normalize_format(fmt: str) -> str:
    """'png', 'jpeg' (also 'jpg') or 'webp'; anything else is refused."""
    name = fmt.lower().removeprefix("image/")
    name = "jpeg" if name == "jpg" else name
    if name not in PIL_FORMATS:
        raise UnsupportedImageError(f"unsupported image format {fmt!r}: use png, jpeg or webp")
    return name


def decode_image(data: bytes, *, max_pixels: int) -> Decoded:
    """Decode PNG, JPEG or WebP bytes; anything else, or anything too big or broken, is refused."""
    image = _open(data, max_pixels=max_pixels)
    fmt = str(image.format).lower()
    if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
        pixels = np.asarray(image if image.mode == "RGBA" else image.convert("RGBA"))
        if pixels[:, :, 3].min() < 255:  # a fully opaque alpha channel is dropped: same pixels, less work
            return Decoded(np.ascontiguousarray(pixels[:, :, :3]), pixels[:, :, 3].copy(), fmt)
        image = Image.fromarray(pixels[:, :, :3])
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return Decoded(rgb=np.asarray(rgb), alpha=None, fmt=fmt, image=rgb)


def sniff_format(data: bytes) -> str | None:
    """png, jpeg or webp from the header alone (no pixels decoded), else None."""
    try:
        with Image.open(io.BytesIO(data), formats=list(PIL_FORMATS.values())) as image:
            return str(image.format).lower()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):  # not an image we read
        return None


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check only warns below twice its global limit; here it refuses.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(PIL_FORMATS.values()))
            if image.width * image.height > max_pixels:
                raise UnsupportedImageError(
                    f"image of {image.width}x{image.height} pixels exceeds the limit of {max_pixels}"
                )
            image.load()
    except UnidentifiedImageError as exc:
        raise UnsupportedImageError("not a PNG, JPEG or WebP image") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedImageError("image is too large to decode safely") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedImageError("image data is corrupt or truncated") from exc
    return image


def encode_image(rgb: RgbArray, alpha: npt.NDArray[np.uint8] | None, fmt: str) -> bytes:
    """Encode pixels; alpha survives in PNG and WebP and is dropped for JPEG."""
    name = normalize_format(fmt)
    pixels = rgb if alpha is None or name == "jpeg" else np.dstack([rgb, alpha])
    if name == "png":
        return encode_png(pixels)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, PIL_FORMATS[name], **_options(name))
    return buffer.getvalue()


def _options(fmt: str) -> dict[str, int]:
    if fmt == "jpeg":
        return {"quality": JPEG_QUALITY}
    # Method 0 (libwebp's fastest): ~30 % less time than method 2 at the same PSNR, files ~10 % larger.
    return {"quality": WEBP_QUALITY, "method": 0}
