"""Azure OpenAI's image routes, so `AzureOpenAI(azure_endpoint=..., api_version=...)` clients work.

    POST /openai/deployments/{deployment}/images/generations?api-version=...   (JSON)
    POST /openai/deployments/{deployment}/images/edits?api-version=...         (multipart)

The deployment names a catalog model (directly, or through generation.azure_deployments) and the
request runs the same flow as /v1/images/*. The key comes in Azure's `api-key` header (or as a
bearer token). Errors take Azure's documented shapes: 404 "Resource not found" without an
api-version, 404 DeploymentNotFound, 401 with code "401", and content-filter refusals with
`inner_error.content_filter_results`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from limner.components import Components
from limner.deps import ComponentsDep, PrincipalDep, RequestIdDep, require
from limner.errors import NotFoundError
from limner.generation.routes.images import answer_json, answer_multipart
from limner.generation.schemas import GenerationBody, ImagesResponse
from limner.identity.schemas import Permission

router = APIRouter(prefix="/openai/deployments/{deployment}/images", tags=["Azure OpenAI"])
ApiVersion = Annotated[
    str | None, Query(alias="api-version", description="Azure API version, e.g. 2025-04-01-preview")
]


@router.post(
    "/generations",
    response_model=ImagesResponse,
    response_model_exclude_none=True,
    dependencies=[Depends(require(Permission.IMAGES_GENERATE))],
)
async def azure_generation(
    deployment: str,
    body: GenerationBody,
    request: Request,
    response: Response,
    c: ComponentsDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    api_version: ApiVersion = None,
) -> ImagesResponse | StreamingResponse:
    model = deployment_model(c, deployment, api_version)
    return await answer_json(body, request, response, c, principal, request_id, model=model)


@router.post(
    "/edits",
    response_model=ImagesResponse,
    response_model_exclude_none=True,
    dependencies=[Depends(require(Permission.IMAGES_EDIT))],
)
async def azure_edit(
    deployment: str,
    request: Request,
    response: Response,
    c: ComponentsDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    api_version: ApiVersion = None,
) -> ImagesResponse | StreamingResponse:
    model = deployment_model(c, deployment, api_version)
    return await answer_multipart(request, response, c, principal, request_id, "edit", model=model)


def deployment_model(c: Components, deployment: str, api_version: str | None) -> str:
    """The catalog model a deployment names; Azure's 404s without an api-version or a deployment."""
    if not api_version:
        raise NotFoundError("Resource not found", code="404")
    gen = c.settings.generation
    model = gen.azure_deployments.get(deployment, deployment)
    if not any(spec.id == model for spec in gen.models):
        raise NotFoundError("The API deployment for this resource does not exist.", code="DeploymentNotFound")
    return model
