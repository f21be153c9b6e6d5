"""Unit tests: the Route contract of the OpenAI-shaped Images API client, run against every route (OpenAI with
each credential option, Azure OpenAI with an API key, a static Entra token and a token file).

The contract (generation/backends/_images_api.py): an absolute URL per operation and model, a readiness URL
on the same host, and credential headers computed per request, so a rotated token file is picked up."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from limner.errors import UnavailableError
from limner.generation.backends._images_api import Route
from limner.generation.backends.azure_openai import AzureOpenAIConfig, AzureRoute
from limner.generation.backends.openai import OpenAIConfig, OpenAIRoute
from limner.imaging.requests import Operation

OPERATIONS: list[Operation] = ["generate", "edit", "variation"]
AZURE = {"endpoint": "https://res.openai.azure.com/", "deployments": {"gpt-image-1.5": "img prod"}}


def _route(member: str, tmp_path: Path) -> Route:
    if member.startswith("openai"):
        extra: dict[str, Any] = (
            {"organization": "org-1", "project": "proj-1"} if member == "openai-org" else {}
        )
        return OpenAIRoute(OpenAIConfig.model_validate({"api_key": "sk-route", **extra}))
    credential: dict[str, Any] = {
        "azure-key": {"api_key": "az-key"},
        "azure-token": {"entra_token": "tok-static"},
        "azure-token-file": {"entra_token_file": str(tmp_path / "token")},
    }[member]
    (tmp_path / "token").write_text("tok-file-1\n")
    return AzureRoute(AzureOpenAIConfig.model_validate(AZURE | credential))


ENDINGS = {"generate": "/generations", "edit": "/edits", "variation": "/variations"}
MEMBERS = ["openai", "openai-org", "azure-key", "azure-token", "azure-token-file"]
EXPECTED_HEADERS: dict[str, dict[str, str]] = {
    "openai": {"authorization": "Bearer sk-route"},
    "openai-org": {
        "authorization": "Bearer sk-route",
        "openai-organization": "org-1",
        "openai-project": "proj-1",
    },
    "azure-key": {"api-key": "az-key"},
    "azure-token": {"authorization": "Bearer tok-static"},
    "azure-token-file": {"authorization": "Bearer tok-file-1"},
}


@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_has_an_absolute_url_on_the_checked_host(
    member: str, operation: Operation, tmp_path: Path
) -> None:
    route = _route(member, tmp_path)
    url, check = urlsplit(route.url(operation, "gpt-image-1.5")), urlsplit(route.check_url())
    assert (url.scheme, check.scheme) == ("https", "https")
    assert url.netloc == check.netloc != ""
    assert url.path.endswith(
        {"generate": "/generations", "edit": "/edits", "variation": "/variations"}[operation]
    )
    assert " " not in route.url(operation, "gpt-image-1.5")


@pytest.mark.parametrize("member", MEMBERS)
async def test_credential_headers(member: str, tmp_path: Path) -> None:
    assert await _route(member, tmp_path).auth_headers() == EXPECTED_HEADERS[member]


async def test_a_rotated_token_file_is_read_per_request(tmp_path: Path) -> None:
    route = _route("azure-token-file", tmp_path)
    assert await route.auth_headers() == {"authorization": "Bearer tok-file-1"}
    (tmp_path / "token").write_text("tok-file-2")
    assert await route.auth_headers() == {"authorization": "Bearer tok-file-2"}


@pytest.mark.parametrize(("content", "message"), [(None, "cannot be read"), ("  \n", "empty")])
async def test_a_missing_or_empty_token_file_makes_the_provider_unavailable(
    tmp_path: Path, content: str | None, message: str
) -> None:
    route = _route("azure-token-file", tmp_path)
    token = tmp_path / "token"
    if content is None:
        token.unlink()
    else:
        token.write_text(content)
    with pytest.raises(UnavailableError, match=message):
        await route.auth_headers()


def test_azure_routes_deployments_and_sends_the_api_version(tmp_path: Path) -> None:
    route = _route("azure-key", tmp_path)
    generate = urlsplit(route.url("generate", "gpt-image-1.5"))
    assert generate.path == "/openai/deployments/img%20prod/images/generations"
    assert generate.query.startswith("api-version=")
    assert (
        urlsplit(route.url("generate", "unmapped")).path == "/openai/deployments/unmapped/images/generations"
    )
    assert "deployments" not in route.url("variation", "gpt-image-1.5")
