"""Parse the multipart bodies of /v1/images/edits and /variations into a GenerationInput."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.datastructures import FormData, UploadFile

from limner.errors import InvalidRequestError
from limner.imaging.decoding import load_upload, sniff_format
from limner.imaging.requests import GenerationInput, InputImage, Operation

TEXT_FIELDS = (
    "model",
    "prompt",
    "size",
    "quality",
    "response_format",
    "background",
    "output_format",
    "moderation",
    "user",
    "input_fidelity",
    "safety_identifier",
    "style",
)
INT_FIELDS = ("n", "output_compression", "partial_images")
FILE_FIELDS = ("image", "image[]", "mask")
MAX_MASK_BYTES = 4 * 1024 * 1024


async def parse_form(form: FormData, *, operation: Operation, max_bytes: int) -> GenerationInput:
    _refuse_unknown(form)
    images = tuple([await _image(part, "image", max_bytes) for part in _files(form, "image")])
    mask_part = form.get("mask")
    mask = await _image(mask_part, "mask", MAX_MASK_BYTES, png_only=True) if mask_part is not None else None
    values: dict[str, Any] = {name: _text(form, name) for name in TEXT_FIELDS}
    values.update({name: _int(form, name) for name in INT_FIELDS})
    if operation == "variation" and values["prompt"] is not None:
        raise InvalidRequestError("Variations take no prompt.", param="prompt")
    values.pop("safety_identifier")  # accepted as the SDK sends it; the pseudonymous `user` goes upstream
    return GenerationInput(
        operation=operation, stream=_bool(form, "stream"), images=images, mask=mask, **values
    )


def _refuse_unknown(form: FormData) -> None:
    known = {*TEXT_FIELDS, *INT_FIELDS, *FILE_FIELDS, "stream"}
    for name in form:
        if name not in known:
            raise InvalidRequestError(
                f"Unrecognized request argument supplied: {name}",
                param=name,
                code="unknown_parameter",
            )


def _files(form: FormData, name: str) -> list[UploadFile | str]:
    return [*form.getlist(name), *form.getlist(f"{name}[]")]


async def _image(part: UploadFile | str, field: str, max_bytes: int, *, png_only: bool = False) -> InputImage:
    if not isinstance(part, UploadFile):
        raise InvalidRequestError(f"'{field}' must be a file upload.", param=field)
    data = await part.read(max_bytes + 1)
    if png_only and data and sniff_format(data) != "png":
        raise InvalidRequestError(f"The '{field}' must be a PNG image.", param=field, code="invalid_mask")
    return await asyncio.to_thread(load_upload, data, field=field, max_bytes=max_bytes)


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequestError(f"'{name}' must be a text field, not a file.", param=name)
    return value


def _int(form: FormData, name: str) -> int | None:
    value = _text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidRequestError(f"'{name}' must be an integer.", param=name) from exc


def _bool(form: FormData, name: str) -> bool | None:
    value = _text(form, name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise InvalidRequestError(f"'{name}' must be true or false.", param=name)
    return value == "true"
