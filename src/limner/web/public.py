"""The pages anyone may open without signing in. Every other page declares `PageDep` or `require_page(...)`;
tests/integration/web/test_page_authz.py fails for a page that does neither."""

from __future__ import annotations

PUBLIC_PAGES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/"),  # the sign-in form for a visitor (Generate once signed in)
        ("POST", "/signin"),
        ("POST", "/signout"),  # ends the presented session; CSRF-checked inside
        ("GET", "/mfa"),  # the half-signed-in session is checked inside (identity.authentication.session_ref)
        ("POST", "/mfa"),
        ("GET", "/mfa/enrol"),
        ("POST", "/mfa/enrol"),
        ("POST", "/mfa/enrol/passkey"),  # first factor only: limner.identity.mfa.routes._may_enrol
        ("GET", "/s/{token}"),  # external share links: the token is the credential
        ("GET", "/s/{token}/image"),
    }
)
