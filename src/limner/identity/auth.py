"""Who is calling: the identity chain tried for every request (API key now; sessions join it)."""

from __future__ import annotations

from fastapi import Request

from limner.components import Components
from limner.errors import AuthenticationError
from limner.identity.permissions import Principal
from limner.identity.service import authenticate_api_key


async def authenticate_request(request: Request, c: Components) -> Principal:
    """Authenticate in a short transaction of its own, so the flow never holds one upstream.
    Any failure denies the request."""
    raw = bearer_token(request)
    client_ip = request.client.host if request.client else None
    async with c.sessions.begin() as session:
        return await authenticate_api_key(
            session,
            raw_key=raw,
            secret_key=c.secret_key,
            client_ip=client_ip,
            custom_roles=c.settings.identity.custom_roles,
        )


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError(
            "You didn't provide an API key. Send it in the Authorization header as 'Bearer lmn_...'."
        )
    return value.strip()
