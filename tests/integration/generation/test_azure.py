"""Integration tests: Azure OpenAI's deployment routes and error shapes (in-process app over HTTP).

End-to-end twin with openai.AzureOpenAI: tests/e2e/test_streaming_and_azure.py."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from limner.components import Components
from limner.imaging.actions import Action
from tests.factories import Caller, FixedPolicy

VERSION = "2025-04-01-preview"


def azure(caller: Caller) -> dict[str, str]:
    return {"api-key": caller.headers["Authorization"].removeprefix("Bearer ")}


def gen_path(deployment: str, version: str | None = VERSION) -> str:
    query = f"?api-version={version}" if version else ""
    return f"/openai/deployments/{deployment}/images/generations{query}"


async def test_a_deployment_named_like_a_model_generates(client: httpx.AsyncClient, admin: Caller) -> None:
    resp = await client.post(
        gen_path("limner-local"), headers=azure(admin), json={"prompt": "a harbour", "size": "256x256"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"][0]["b64_json"]
    assert resp.json()["size"] == "256x256"


async def test_configured_deployment_names_map_onto_the_catalog(
    client: httpx.AsyncClient, admin: Caller, components: Components
) -> None:
    components.settings.generation.azure_deployments = {"my-gptimg": "gpt-image-1.5"}
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, "PNG")
    resp = await client.post(
        f"/openai/deployments/my-gptimg/images/edits?api-version={VERSION}",
        headers=azure(admin),
        data={"prompt": "add a hat", "model": "my-gptimg"},
        files={"image[]": ("upload", buffer.getvalue(), "application/octet-stream")},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["quality"] == "high"


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        (gen_path("limner-local", None), True, 404, "404"),
        (gen_path("no-such-deployment"), True, 404, "DeploymentNotFound"),
        (gen_path("limner-local"), False, 401, "401"),
    ],
    ids=["no-api-version", "unknown-deployment", "bad-key"],
)
async def test_azure_error_shapes(
    client: httpx.AsyncClient, admin: Caller, path: str, headers: bool, status: int, code: str
) -> None:
    sent = azure(admin) if headers else {"api-key": "lmn_wrong"}
    resp = await client.post(path, headers=sent, json={"prompt": "x"})
    assert resp.status_code == status
    assert resp.json()["error"]["code"] == code
    assert resp.json()["error"]["message"]


async def test_a_policy_block_has_azures_content_filter_results(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.policy = FixedPolicy(Action.BLOCK, ("harm.violence",))
    resp = await client.post(gen_path("limner-local"), headers=azure(creator), json={"prompt": "x"})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "content_policy_violation"
    assert error["inner_error"] == {
        "code": "ResponsibleAIPolicyViolation",
        "content_filter_results": {"harm.violence": {"filtered": True, "detected": True}},
    }
