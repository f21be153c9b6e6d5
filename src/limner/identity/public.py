"""The routes anyone may call without credentials. Every other route must declare a permission with
`dependencies=[Depends(require(...))]` (or `any_session` for MFA completion); the authorization
matrix test fails for a route that does neither. Keep this list small."""

from __future__ import annotations

PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/openapi.json"),
        ("HEAD", "/openapi.json"),
        ("GET", "/docs"),  # the API reference page and its assets
        ("GET", "/docs/assets/{name}"),
        ("POST", "/v1/limner/auth/login"),
        ("POST", "/v1/limner/auth/password-reset"),  # the one-time token is the credential
        ("GET", "/v1/limner/auth/oidc/{provider}/login"),
        ("GET", "/v1/limner/auth/oidc/{provider}/callback"),  # state, PKCE and the IdP's signature
        ("GET", "/v1/images/files/{image_id}"),  # signed, expiring URLs
        ("GET", "/scim/v2/ServiceProviderConfig"),
        ("GET", "/scim/v2/Schemas"),
        ("GET", "/scim/v2/Schemas/{schema_id}"),
        ("GET", "/scim/v2/ResourceTypes"),
        ("GET", "/scim/v2/ResourceTypes/{type_id}"),
        *((m, "/scim/v2/{path:path}") for m in ("GET", "POST", "PUT", "PATCH", "DELETE")),  # SCIM 404/405
    }
)
