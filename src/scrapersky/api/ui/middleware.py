"""The UI's ASGI middleware: read the session cookies, issue a CSRF id, add security headers.

    app.add_middleware(UiMiddleware, codec=codec, secure_cookies=False)

Pure ASGI (no BaseHTTPMiddleware) so streaming exports pass through untouched. Applies to
``/ui`` only; the verified :class:`UiSession` is put in ``scope["state"]["ui_session"]``.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scrapersky.api.auth import CSRF_COOKIE, SESSION_COOKIE, SessionCodec, UiSession

UI_PREFIX = "/ui"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def cookie_header(name: str, value: str, *, max_age: int, secure: bool) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def without_empty_values(query: bytes) -> bytes:
    """A filter form submits every field; an empty one (``status=``) means "any"."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if v.strip()]).encode("latin-1")


def _cookies(scope: Scope) -> dict[str, str]:
    jar: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is ignored, as browsers do
                continue
            jar.update({name: morsel.value for name, morsel in parsed.items()})
    return jar


class UiMiddleware:
    def __init__(self, app: ASGIApp, *, codec: SessionCodec, secure_cookies: bool) -> None:
        self.app = app
        self.codec = codec
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != UI_PREFIX and not path.startswith(UI_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        jar = _cookies(scope)
        csrf_id = self.codec.csrf_id(jar.get(CSRF_COOKIE))
        new_csrf_cookie: str | None = None
        if csrf_id is None:
            new_csrf_cookie = self.codec.issue_csrf_id()
            csrf_id = self.codec.csrf_id(new_csrf_cookie)
            assert csrf_id is not None
        session = UiSession(csrf_id, self.codec.login_valid(jar.get(SESSION_COOKIE)))
        scope.setdefault("state", {})["ui_session"] = session
        scope["query_string"] = without_empty_values(scope.get("query_string", b""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                already = any(
                    v.startswith(CSRF_COOKIE + "=") for v in headers.getlist("set-cookie")
                )
                if new_csrf_cookie is not None and not already:
                    headers.append(
                        "set-cookie",
                        cookie_header(
                            CSRF_COOKIE,
                            new_csrf_cookie,
                            max_age=self.codec.ttl_s,
                            secure=self.secure_cookies,
                        ),
                    )
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` (413) before anything parses or spools them."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:  # an undeclared (chunked) body: stop reading it
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted, send)

    async def _too_large(self, send: Send) -> None:
        body = b'{"detail":"the request body is too large"}'
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
