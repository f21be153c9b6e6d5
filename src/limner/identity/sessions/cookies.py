"""Session and CSRF cookies: HttpOnly, Secure (off only in test/dev over http), SameSite=Lax."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response

from limner.identity.config import SessionSettings
from limner.identity.sessions.service import IssuedSession

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class SessionCookies:
    """The cookie names from identity.sessions, and whether cookies are Secure."""

    cfg: SessionSettings
    secure: bool

    @classmethod
    def for_env(cls, cfg: SessionSettings, env: str) -> SessionCookies:
        # Production always gets Secure cookies, whatever the config says.
        return cls(cfg, secure=cfg.cookie_secure or env == "prod")

    def set(
        self,
        response: Response,
        name: str,
        value: str,
        *,
        max_age: int,
        http_only: bool = True,
        path: str = "/",
    ) -> None:
        response.set_cookie(
            name, value, max_age=max_age, httponly=http_only, secure=self.secure, samesite="lax", path=path
        )


def set_session_cookies(response: Response, issued: IssuedSession, cookies: SessionCookies) -> None:
    max_age = int((issued.row.expires_at - issued.row.last_seen_at).total_seconds())
    cookies.set(response, cookies.cfg.cookie_name, issued.token, max_age=max_age)
    # Readable by the page's script so it can echo it in the x-csrf-token header (double submit);
    # the server checks it against the HMAC stored on the session row (synchronizer token).
    cookies.set(response, cookies.cfg.csrf_cookie_name, issued.csrf_token, max_age=max_age, http_only=False)


def clear_session_cookies(response: Response, cookies: SessionCookies) -> None:
    for name in (cookies.cfg.cookie_name, cookies.cfg.csrf_cookie_name):
        response.delete_cookie(name, path="/", secure=cookies.secure, httponly=True, samesite="lax")


def session_token(request: Request, cfg: SessionSettings) -> str | None:
    value = request.cookies.get(cfg.cookie_name)
    return value or None


def needs_csrf(request: Request) -> bool:
    return request.method.upper() not in SAFE_METHODS
