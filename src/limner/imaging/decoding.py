"""Safe handling of untrusted image bytes: sniff, bound, decode, strip metadata, re-encode."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageCms, ImageOps

from limner.errors import PayloadTooLargeError, UnsupportedImageError
from limner.imaging.requests import ImageFormat, InputImage

DEFAULT_MAX_PIXELS = 40_000_000
# zlib level 1: a 1024² photo comes out ~13 % larger than at level 6 for a fraction of the CPU
# (bench/moderation.py); uploads are re-encoded on the request path, so speed wins.
UPLOAD_PNG_COMPRESSION = 10
PIL_FORMATS: dict[ImageFormat, str] = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
# Errors Pillow raises on truncated or corrupt data (SyntaxError is its "broken PNG" signal).
# DecompressionBombError is not among them: _bomb_guard turns it into a 413.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)


def sniff_format(data: bytes) -> ImageFormat | None:
    """The format the magic bytes announce; the filename and part header are never trusted."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


@contextmanager
def _bomb_guard(field: str) -> Iterator[None]:
    """Turn Pillow's decompression-bomb warning and error into our errors, leaving its limits alone."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise PayloadTooLargeError(f"The image in '{field}' has too many pixels.", param=field) from exc


def open_image(data: bytes, *, field: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode one still PNG, JPEG or WebP image after checking its header; raise on anything else."""
    fmt = sniff_format(data)
    if fmt is None:
        raise UnsupportedImageError(f"The file in '{field}' is not a PNG, JPEG or WebP image.", param=field)
    with _bomb_guard(field):
        try:
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[fmt]])
        except DECODE_ERRORS as exc:
            raise _corrupt(field) from exc
        _check_header(image, fmt, field=field, max_pixels=max_pixels)
        try:
            image.load()
        except DECODE_ERRORS as exc:
            raise _corrupt(field) from exc
    return image


def _check_header(image: Image.Image, fmt: ImageFormat, *, field: str, max_pixels: int) -> None:
    """Refuse before decoding: Image.open has read only the header, so nothing is allocated yet."""
    width, height = image.size
    if width < 1 or height < 1:
        raise _corrupt(field)
    if width * height > max_pixels:
        raise PayloadTooLargeError(
            f"The image in '{field}' is {width}x{height}; the limit is {max_pixels} pixels.",
            param=field,
        )
    # A JPEG with several frames is an MPO (a camera's depth or preview picture): frame 0 is the photo.
    if fmt != "jpeg" and getattr(image, "n_frames", 1) > 1:
        raise UnsupportedImageError(
            f"The image in '{field}' is animated; upload a single still image.", param=field
        )


def _corrupt(field: str) -> UnsupportedImageError:
    return UnsupportedImageError(
        f"The image in '{field}' is truncated or corrupt and cannot be decoded.", param=field
    )


def load_upload(
    data: bytes, *, field: str, max_bytes: int, max_pixels: int = DEFAULT_MAX_PIXELS
) -> InputImage:
    """Validate an uploaded image and return its pixels as a metadata-free PNG, upright, alpha kept."""
    if not data:
        raise UnsupportedImageError(f"The file in '{field}' is empty.", param=field)
    if len(data) > max_bytes:
        raise PayloadTooLargeError(f"The file in '{field}' is larger than {max_bytes} bytes.", param=field)
    with open_image(data, field=field, max_pixels=max_pixels) as image:
        clean = strip_metadata(to_srgb(upright(image)))
    return InputImage(
        data=encode(clean, "png", compression=UPLOAD_PNG_COMPRESSION), width=clean.width, height=clean.height
    )


def upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, so the pixels look as the camera meant once EXIF is gone."""
    return ImageOps.exif_transpose(image)


def to_srgb(image: Image.Image) -> Image.Image:
    """Bake an embedded ICC profile into sRGB pixels, so dropping the profile keeps the colours.

    Best effort: a profile lcms cannot use (malformed, or not matching the mode) is just ignored."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        converted = ImageCms.profileToProfile(image, source, target, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def strip_metadata(image: Image.Image) -> Image.Image:
    """A new image holding only pixels: no EXIF, XMP, ICC, text chunks or C2PA manifest survive."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    converted = image.convert("RGBA" if has_alpha else "RGB")
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def image_size(data: bytes, *, field: str = "image") -> tuple[int, int]:
    """Width and height read from the header alone; nothing is decoded."""
    fmt = sniff_format(data)
    if fmt is None:
        raise UnsupportedImageError(f"The file in '{field}' is not a supported image.", param=field)
    with _bomb_guard(field):
        try:
            with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[fmt]]) as image:
                return image.size
        except DECODE_ERRORS as exc:
            raise _corrupt(field) from exc


def encode(image: Image.Image, fmt: ImageFormat, *, compression: int | None) -> bytes:
    """Encode pixels only. `compression` is OpenAI's 0-100 (higher means smaller, lossier)."""
    buffer = io.BytesIO()
    if fmt == "png":
        level = 6 if compression is None else round(min(max(compression, 0), 100) * 9 / 100)
        # PNG's encoder copies image.info's ICC profile unless told not to.
        image.save(buffer, format="PNG", compress_level=level, icc_profile=None)
    else:
        quality = 90 if compression is None else 100 - min(max(compression, 0), 100)
        rgb = _flatten(image) if fmt == "jpeg" and image.mode != "RGB" else image
        rgb.save(buffer, format=PIL_FORMATS[fmt], quality=max(quality, 1))
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite onto white rather than let transparent pixels turn black."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")
