"""Session and CSRF cookies: HttpOnly, Secure (off only in test/dev over http), SameSite=Lax."""

from __future__ import annotations

from fastapi import Request, Response

from limner.identity.sessions import IssuedSession
from limner.settings import Settings

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _secure(settings: Settings) -> bool:
    # Production always gets Secure cookies, whatever the config says.
    return settings.identity.sessions.cookie_secure or settings.env == "prod"


def set_session_cookies(response: Response, issued: IssuedSession, settings: Settings) -> None:
    cfg = settings.identity.sessions
    max_age = int((issued.row.expires_at - issued.row.last_seen_at).total_seconds())
    response.set_cookie(
        cfg.cookie_name,
        issued.token,
        max_age=max_age,
        httponly=True,
        secure=_secure(settings),
        samesite="lax",
        path="/",
    )
    # Readable by the page's script so it can echo it in the x-csrf-token header (double submit);
    # the server checks it against the HMAC stored on the session row (synchronizer token).
    response.set_cookie(
        cfg.csrf_cookie_name,
        issued.csrf_token,
        max_age=max_age,
        httponly=False,
        secure=_secure(settings),
        samesite="lax",
        path="/",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    cfg = settings.identity.sessions
    for name in (cfg.cookie_name, cfg.csrf_cookie_name):
        response.delete_cookie(name, path="/", secure=_secure(settings), httponly=True, samesite="lax")


def session_token(request: Request, settings: Settings) -> str | None:
    value = request.cookies.get(settings.identity.sessions.cookie_name)
    return value or None


def needs_csrf(request: Request) -> bool:
    return request.method.upper() not in SAFE_METHODS
