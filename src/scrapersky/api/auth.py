"""Authentication: a Bearer token for the API, a signed session cookie + CSRF token for the UI.

    codec = SessionCodec(token="s3cret", ttl_s=3600)
    codec.login_valid(codec.issue_login())                    # True until it expires
    codec.csrf_token(UiSession(codec.csrf_id(cookie), True))  # what UI posts send back

With no ``SCRAPERSKY_API_TOKEN`` everything is open, but UI posts still need the CSRF token.
With a token, the API wants ``Authorization: Bearer <token>`` and the UI a session cookie
obtained from the login form. The cookies never contain the token: they are random ids signed with
an HMAC key derived from the token, so changing the token ends every session.
Comparisons are constant-time. The token is never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import HTTPException, Request
from starlette.status import HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN

from scrapersky.settings import Settings

SESSION_COOKIE = "scrapersky_session"
CSRF_COOKIE = "scrapersky_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def configured_token(settings: Settings) -> str | None:
    """The API token, or None when unset or blank."""
    if settings.api_token is None:
        return None
    value = settings.api_token.get_secret_value()
    return value or None


def tokens_match(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class UiSession:
    """What the UI middleware learnt from the cookies of one request."""

    csrf_id: str
    authenticated: bool


class SessionCodec:
    """Issues and verifies the UI cookies: login (``sid.expiry``) and CSRF id (``cid``).

    Two cookies, so that a browser arriving without the login cookie (SameSite=Strict drops
    it on cross-site navigation) gets a fresh CSRF id without losing its login.
    """

    def __init__(self, token: str | None, ttl_s: int) -> None:
        self.token = token
        self.ttl_s = ttl_s
        if token is None:
            # no token: cookies only carry CSRF protection; they end with the process
            self._key = secrets.token_bytes(32)
        else:
            self._key = hashlib.sha256(b"scrapersky-ui-session\x00" + token.encode()).digest()

    @property
    def login_required(self) -> bool:
        return self.token is not None

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def _verified(self, cookie: str | None, kind: str) -> str | None:
        if not cookie or len(cookie) > 256:
            return None
        payload, _, signature = cookie.rpartition(".")
        expected = self._sign(kind + "|" + payload)
        if not payload or not hmac.compare_digest(
            expected.encode(), signature.encode("ascii", "replace")
        ):
            return None
        return payload

    def issue_login(self) -> str:
        payload = f"{secrets.token_urlsafe(18)}.{int(time.time()) + self.ttl_s}"
        return f"{payload}.{self._sign('login|' + payload)}"

    def login_valid(self, cookie: str | None) -> bool:
        payload = self._verified(cookie, "login")
        if payload is None:
            return False
        _, _, expiry = payload.partition(".")
        return expiry.isdigit() and int(expiry) >= time.time()

    def issue_csrf_id(self) -> str:
        payload = secrets.token_urlsafe(18)
        return f"{payload}.{self._sign('cid|' + payload)}"

    def csrf_id(self, cookie: str | None) -> str | None:
        return self._verified(cookie, "cid")

    def csrf_token(self, session: UiSession) -> str:
        return self._sign("csrf|" + session.csrf_id)

    def csrf_ok(self, session: UiSession, given: str | None) -> bool:
        if not given:
            return False
        return hmac.compare_digest(
            self.csrf_token(session).encode(), given.encode("utf-8", "replace")
        )

    def allowed(self, session: UiSession | None) -> bool:
        """May this request see the UI?"""
        if session is None:
            return False
        return session.authenticated or not self.login_required


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def require_api_token(request: Request) -> None:
    """Dependency of every API route: the Bearer token, when one is configured."""
    codec: SessionCodec = request.app.state.sessions
    if codec.token is None:
        return
    given = bearer_token(request)
    if given is None or not tokens_match(given, codec.token):
        raise HTTPException(
            HTTP_401_UNAUTHORIZED,
            "missing or wrong API token: send 'Authorization: Bearer <SCRAPERSKY_API_TOKEN>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


def ui_session(request: Request) -> UiSession | None:
    """The session the UI middleware verified (or issued) for this request."""
    session = request.scope.get("state", {}).get("ui_session")
    return session if isinstance(session, UiSession) else None


async def require_docs_access(request: Request) -> None:
    """/docs and /openapi.json: a Bearer token, or a logged-in UI session."""
    codec: SessionCodec = request.app.state.sessions
    if codec.token is None:
        return
    given = bearer_token(request)
    if given is not None and tokens_match(given, codec.token):
        return
    if codec.login_valid(request.cookies.get(SESSION_COOKIE)):
        return
    raise HTTPException(
        HTTP_401_UNAUTHORIZED, "log in at /ui/login first", headers={"WWW-Authenticate": "Bearer"}
    )


class CsrfRejected(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            HTTP_403_FORBIDDEN,
            "this form has expired or did not come from ScraperSky (CSRF check failed); "
            "reload the page and try again",
        )
