"""Integration tests: /openapi.json says what the API does, and /docs serves the reference page
from packaged assets. A client generated from the document: tests/e2e/test_openapi_client.py."""

from __future__ import annotations

import httpx

from limner.identity.public import PUBLIC_ROUTES


async def test_document_has_security_schemes_multipart_bodies_and_openai_errors(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/openapi.json")).json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert (schemes["sessionCookie"]["in"], schemes["sessionCookie"]["name"]) == ("cookie", "limner_session")
    assert schemes["azureApiKey"]["name"] == "api-key"
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert "422" not in op["responses"], (method, path)
            if (method.upper(), path) in PUBLIC_ROUTES:
                assert op["security"] == []
    edits = doc["paths"]["/v1/images/edits"]["post"]
    form = edits["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["image"]["format"] == "binary"
    assert set(form["required"]) == {"image", "prompt"}
    for path in (
        "/v1/images/variations",
        "/v1/limner/verify",
        "/openai/deployments/{deployment}/images/edits",
    ):
        assert "multipart/form-data" in doc["paths"][path]["post"]["requestBody"]["content"]
    generations = doc["paths"]["/v1/images/generations"]["post"]["responses"]
    assert set(generations["200"]["content"]) == {"application/json", "text/event-stream"}
    for status in ("400", "401", "403", "404", "409", "413", "429"):
        assert generations[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorResponse"
        }
    assert doc["components"]["schemas"]["Error"]["required"] == ["message", "type", "param", "code"]


async def test_docs_page_uses_local_assets_only(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "http" not in page.text.replace('charset="utf-8"', "")  # no CDN, no absolute URL
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "init.js"):
        resp = await client.get(f"/docs/assets/{asset}")
        assert resp.status_code == 200, asset
        assert len(resp.content) > 10
    assert (await client.get("/docs/assets/..%2Fpyproject.toml")).status_code == 404
    assert (await client.get("/docs/assets/index.html")).status_code == 404
