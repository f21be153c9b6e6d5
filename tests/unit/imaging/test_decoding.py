"""Unit tests for imaging/decoding.py: hostile uploads are refused, good ones come back clean.

The API's edit and variation routes that call load_upload are tested in tests/integration/generation/."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Callable

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from limner.errors import LimnerError, PayloadTooLargeError, UnsupportedImageError
from limner.imaging.decoding import encode, image_size, load_upload, sniff_format, strip_metadata

MAX = 5_000_000


def save(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def png(size: tuple[int, int] = (8, 6), mode: str = "RGB") -> bytes:
    return save(Image.new(mode, size, "red" if mode == "RGB" else (255, 0, 0, 128)), "PNG")


def chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose IHDR (with a correct CRC) claims another size."""
    real = png((1, 1))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return real[:8] + chunk(b"IHDR", ihdr) + real[33:]


def apng() -> bytes:
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "blue")]
    return save(frames[0], "PNG", save_all=True, append_images=frames[1:])


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "blue")]
    return save(frames[0], "WEBP", save_all=True, append_images=frames[1:])


def gif_animation() -> bytes:
    frames = [Image.new("P", (8, 8), i) for i in range(3)]
    return save(frames[0], "GIF", save_all=True, append_images=frames[1:])


def corrupt_crc() -> bytes:
    data = bytearray(png((32, 32)))
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # flip a byte of the compressed pixels; the CRC no longer matches
    return bytes(data)


BAD_INPUTS: list[tuple[str, Callable[[], bytes], type[LimnerError], str]] = [
    ("empty", lambda: b"", UnsupportedImageError, "is empty"),
    ("text renamed .png", lambda: b"hello, I am a text file\n", UnsupportedImageError, "not a PNG"),
    ("gif animation", gif_animation, UnsupportedImageError, "not a PNG"),
    ("svg", lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>", UnsupportedImageError, "not a PNG"),
    ("png magic only", lambda: b"\x89PNG\r\n\x1a\n", UnsupportedImageError, "corrupt"),
    ("truncated png", lambda: png((64, 64))[:-40], UnsupportedImageError, "corrupt"),
    (
        "truncated jpeg",
        lambda: save(Image.effect_noise((64, 64), 50), "JPEG")[:300],
        UnsupportedImageError,
        "corrupt",
    ),
    ("png with bad crc", corrupt_crc, UnsupportedImageError, "corrupt"),
    (
        "1x1 png claiming 100000x100000",
        lambda: png_claiming(100_000, 100_000),
        PayloadTooLargeError,
        "too many pixels",
    ),
    ("1x1 png claiming 6000x1000", lambda: png_claiming(6000, 1000), PayloadTooLargeError, "6000x1000"),
    ("png claiming 0x0", lambda: png_claiming(0, 0), UnsupportedImageError, "corrupt"),
    ("animated png", apng, UnsupportedImageError, "animated"),
    ("animated webp", animated_webp, UnsupportedImageError, "animated"),
    ("over max_bytes", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * MAX, PayloadTooLargeError, "larger than"),
]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_refuses_bad_upload(make: Callable[[], bytes], error: type[LimnerError], message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        load_upload(make(), field="image", max_bytes=MAX, max_pixels=MAX)
    assert caught.value.param == "image"


def test_header_bigger_than_pillows_own_limit_is_refused_without_touching_its_globals() -> None:
    limit = Image.MAX_IMAGE_PIXELS
    filters = list(warnings.filters)
    # 10000² is above Pillow's warning limit but below ours here: Pillow's own guard must fire.
    with pytest.raises(PayloadTooLargeError, match="too many pixels"):
        load_upload(png_claiming(10_000, 10_000), field="mask", max_bytes=MAX, max_pixels=10**9)
    assert limit == Image.MAX_IMAGE_PIXELS
    assert warnings.filters == filters


def exif_jpeg() -> bytes:
    image = Image.new("RGB", (40, 20), "white")
    image.paste((0, 0, 255), (0, 0, 10, 20))  # a blue stripe on the left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned; rotate 90° clockwise to view
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b"<x:xmpmeta><dc:creator>Jane Secret</dc:creator></x:xmpmeta>"
    return save(image, "JPEG", exif=exif, icc_profile=icc, xmp=xmp, quality=95)


def test_exif_jpeg_comes_back_upright_as_png_without_any_metadata() -> None:
    source = exif_jpeg()
    assert b"SecretCam" in source
    result = load_upload(source, field="image", max_bytes=MAX)
    assert (result.width, result.height) == (20, 40)
    assert b"SecretCam" not in result.data
    assert b"Jane Secret" not in result.data
    with Image.open(io.BytesIO(result.data)) as decoded:
        assert decoded.format == "PNG"
        assert decoded.info == {}
        assert not decoded.getexif()
        top_left = decoded.getpixel((10, 2))
    assert isinstance(top_left, tuple)
    assert top_left[2] > 200  # the blue stripe moved from the left edge to the top


def test_png_text_chunks_and_icc_are_stripped() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "prompt: secret plans")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>c2pa manifest</x:xmpmeta>")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = save(Image.new("RGB", (8, 8), "green"), "PNG", pnginfo=info, icc_profile=icc)
    result = load_upload(source, field="image", max_bytes=MAX)
    for marker in (b"tEXt", b"iTXt", b"iCCP", b"secret plans", b"c2pa"):
        assert marker not in result.data


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        (png((8, 8), mode="RGBA"), "RGBA"),
        (save(Image.new("LA", (8, 8), (10, 20)), "PNG"), "RGBA"),
        (save(Image.new("P", (8, 8), 0), "PNG", transparency=0), "RGBA"),
        (save(Image.new("RGBA", (8, 8), (0, 0, 255, 60)), "WEBP", lossless=True), "RGBA"),
        (save(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG"), "RGB"),
        (save(Image.new("L", (8, 8), 128), "PNG"), "RGB"),
    ],
)
def test_keeps_alpha_and_normalises_modes(source: bytes, mode: str) -> None:
    result = load_upload(source, field="image", max_bytes=MAX)
    with Image.open(io.BytesIO(result.data)) as decoded:
        assert decoded.mode == mode
        assert decoded.size == (8, 8)


def test_semi_transparent_pixels_survive() -> None:
    result = load_upload(png(mode="RGBA"), field="image", max_bytes=MAX)
    with Image.open(io.BytesIO(result.data)) as decoded:
        assert decoded.getpixel((0, 0)) == (255, 0, 0, 128)


@pytest.mark.parametrize(
    ("data", "fmt"),
    [(png(), "png"), (b"\xff\xd8\xff\xe0", "jpeg"), (b"RIFF\0\0\0\0WEBPVP8 ", "webp"), (b"GIF89a", None)],
)
def test_format_comes_from_magic_bytes(data: bytes, fmt: str | None) -> None:
    assert sniff_format(data) == fmt


def test_image_size_reads_the_header_only() -> None:
    assert image_size(png_claiming(3000, 2000)) == (3000, 2000)


@pytest.mark.parametrize("data", [b"not an image", b"\x89PNG\r\n\x1a\nbroken"])
def test_image_size_refuses_what_it_cannot_read(data: bytes) -> None:
    with pytest.raises(UnsupportedImageError):
        image_size(data, field="image")


def test_encode_png_drops_an_inherited_icc_profile() -> None:
    image = Image.new("RGB", (4, 4))
    image.info["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    with Image.open(io.BytesIO(encode(image, "png", compression=None))) as decoded:
        assert "icc_profile" not in decoded.info


def test_encode_jpeg_flattens_alpha_onto_white() -> None:
    clear = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    with Image.open(io.BytesIO(encode(clear, "jpeg", compression=0))) as decoded:
        assert decoded.mode == "RGB"
        assert decoded.getpixel((1, 1)) == (255, 255, 255)


def test_higher_compression_gives_smaller_files() -> None:
    noisy = Image.effect_noise((128, 128), 60).convert("RGB")
    for fmt in ("jpeg", "webp", "png"):
        light = encode(noisy, fmt, compression=0)
        heavy = encode(noisy, fmt, compression=90)
        assert len(heavy) <= len(light), fmt


def test_strip_metadata_returns_a_fresh_image_with_empty_info() -> None:
    image = Image.new("RGB", (2, 2))
    image.info["exif"] = b"Exif\0\0secret"
    clean = strip_metadata(image)
    assert clean.info == {}
    assert clean is not image


@pytest.mark.parametrize("icc", [b"not a real profile", b""])
def test_unusable_icc_profile_is_ignored_not_fatal(icc: bytes) -> None:
    source = save(Image.new("RGB", (8, 8), (10, 200, 30)), "PNG", icc_profile=icc)
    result = load_upload(source, field="image", max_bytes=MAX)
    with Image.open(io.BytesIO(result.data)) as decoded:
        assert decoded.getpixel((0, 0)) == (10, 200, 30)
        assert "icc_profile" not in decoded.info


def test_srgb_profile_is_baked_in_with_alpha_kept() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = save(Image.new("RGBA", (8, 8), (200, 10, 10, 77)), "PNG", icc_profile=srgb)
    result = load_upload(source, field="image", max_bytes=MAX)
    with Image.open(io.BytesIO(result.data)) as decoded:
        assert decoded.mode == "RGBA"
        assert decoded.getpixel((0, 0)) == (200, 10, 10, 77)


def test_multi_picture_jpeg_keeps_its_primary_photo() -> None:
    # Phones write MPO (a JPEG with a depth or preview frame); that is not an animation.
    frames = [Image.new("RGB", (8, 8), "red"), Image.new("RGB", (8, 8), "blue")]
    source = save(frames[0], "MPO", save_all=True, append_images=frames[1:])
    assert sniff_format(source) == "jpeg"
    result = load_upload(source, field="image", max_bytes=MAX)
    with Image.open(io.BytesIO(result.data)) as decoded:
        pixel = decoded.getpixel((0, 0))
    assert isinstance(pixel, tuple)
    assert pixel[0] > 240
    assert pixel[2] < 20
