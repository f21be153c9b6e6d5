"""Integration tests: what a gpt-image response carries, mask checks, and the headers every caller
relies on (x-request-id once, Allow on 405, redaction made visible). In-process app over HTTP."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from limner.components import Components
from limner.imaging.actions import Action
from tests.factories import Caller, FixedPolicy

GEN = "/v1/images/generations"
EDIT = "/v1/images/edits"


def png(width: int = 64, height: int = 64, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (10, 200, 30, 0)[: len(mode)]).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("model", ["limner-local", "gpt-image-1.5", "dall-e-3"])
async def test_every_model_reports_size_quality_format_background_and_usage(
    client: httpx.AsyncClient, admin: Caller, model: str
) -> None:
    body = {"model": model, "prompt": "a lighthouse"}
    if model != "dall-e-3":
        body |= {"size": "1024x1536" if model == "gpt-image-1.5" else "256x256", "quality": "low"}
    resp = await client.post(GEN, headers=admin.headers, json=body)
    assert resp.status_code == 200, resp.text
    got = resp.json()
    expected_size = {"limner-local": "256x256", "gpt-image-1.5": "1024x1536", "dall-e-3": "1024x1024"}[model]
    assert got["size"] == expected_size
    assert got["quality"] in ("low", "medium", "high")
    assert got["quality"] == ("high" if model == "dall-e-3" else "low")
    assert (got["output_format"], got["background"]) == ("png", "opaque")
    usage = got["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert set(usage["input_tokens_details"]) == {"text_tokens", "image_tokens"}


@pytest.mark.parametrize(
    ("image", "mask", "code"),
    [
        (png(64, 64), png(32, 32, "RGBA"), "invalid_mask"),
        (png(64, 64), png(64, 64, "RGB"), "invalid_mask"),
        (png(64, 64), jpeg(64), "invalid_mask"),
    ],
    ids=["other-dimensions", "no-alpha", "not-png"],
)
async def test_masks_openai_rejects_are_a_400_naming_mask(
    client: httpx.AsyncClient, admin: Caller, image: bytes, mask: bytes, code: str
) -> None:
    resp = await client.post(
        EDIT,
        headers=admin.headers,
        data={"model": "gpt-image-1.5", "prompt": "add a hat"},
        files={"image": ("a.png", image, "image/png"), "mask": ("m.png", mask, "image/png")},
    )
    assert resp.status_code == 400
    assert (resp.json()["error"]["param"], resp.json()["error"]["code"]) == ("mask", code)


async def test_a_good_mask_is_accepted(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(
        EDIT,
        headers=admin.headers,
        data={"model": "gpt-image-1.5", "prompt": "add a hat", "input_fidelity": "high"},
        files={"image": ("a.png", png(), "image/png"), "mask": ("m.png", png(mode="RGBA"), "image/png")},
    )
    assert resp.status_code == 200, resp.text


async def test_errors_carry_one_request_id(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(GEN, headers=admin.headers, json={"model": "nope", "prompt": "x"})
    assert resp.status_code == 400
    assert len(resp.headers.get_list("x-request-id")) == 1
    missing = await client.post(GEN, json={"prompt": "x"})
    assert len(missing.headers.get_list("x-request-id")) == 1


async def test_method_not_allowed_keeps_its_allow_header(client: httpx.AsyncClient) -> None:
    resp = await client.get(GEN)
    assert resp.status_code == 405
    assert resp.headers["allow"] == "POST"
    assert resp.json()["error"]["code"] == "method_not_allowed"
    assert len(resp.headers.get_list("x-request-id")) == 1


async def test_a_redacted_prompt_is_announced(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.policy = FixedPolicy(Action.REDACT, ("pii.email",))
    resp = await client.post(GEN, headers=creator.headers, json={"model": "fake-model", "prompt": "ana@x.io"})
    assert resp.status_code == 200
    assert resp.headers["x-limner-prompt-redacted"] == "true"
    assert resp.headers["x-limner-warnings"] == "pii.email"
    components.policy = FixedPolicy(Action.WARN, ("ip.trademark",))
    warned = await client.post(GEN, headers=creator.headers, json={"model": "fake-model", "prompt": "a logo"})
    assert "x-limner-prompt-redacted" not in warned.headers
