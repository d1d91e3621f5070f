"""The FastAPI application: JSON API under /api, the UI under /ui, probes, metrics and docs.

    app = create_app(get_settings())                       # opens the database itself
    app = create_app(settings, manage_database=False)      # tests: the db is already open

Errors a client can cause are 4xx with words: 422 (FastAPI's field messages, and
``InputError``), 404 for unknown ids, 401 without the token. ``DatabaseUnavailable`` and an
exhausted connection pool are a 503. Nothing else is caught: a 500 is a bug to fix.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from scrapersky import __version__
from scrapersky.api.auth import SessionCodec, configured_token, require_docs_access
from scrapersky.api.routes import contacts, domains, exports, ops, pages, sitemaps
from scrapersky.api.ui import views
from scrapersky.api.ui.middleware import BodyLimitMiddleware, UiMiddleware
from scrapersky.db.engine import Database, close_database, get_database, open_database
from scrapersky.exceptions import DatabaseUnavailable, InputError
from scrapersky.settings import Settings, get_settings

log = logging.getLogger("scrapersky.api")

STATIC_DIR = Path(__file__).parent / "ui" / "static"
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"

DESCRIPTION = """
ScraperSky's HTTP API. Batch endpoints take `{"ids": [...]}` (at most 10,000 per call) or
`{"filter": {...}}` plus a `status`, return `{"updated": n, "queued": n}` and are idempotent.
When `SCRAPERSKY_API_TOKEN` is set, send `Authorization: Bearer <token>`.
"""


def _current_database() -> Database | None:
    try:
        return get_database()
    except DatabaseUnavailable:
        return None


def _lifespan(settings: Settings, manage_database: bool) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened: Database | None = None
        if manage_database and _current_database() is None:
            opened = await open_database(settings)
        try:
            yield
        finally:
            if opened is not None:
                if _current_database() is opened:
                    await close_database()
                else:
                    await opened.dispose()

    return lifespan


class AsciiJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: a 422 may echo input that UTF-8 cannot encode."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return AsciiJSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            # FastAPI's "error parsing the body" (undecodable JSON or form): a 422 like the rest
            detail = [{"loc": ["body"], "msg": str(exc.detail), "type": "body_unreadable"}]
            return AsciiJSONResponse({"detail": detail}, status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        detail = [{"loc": ["body"], "msg": exc.message, "type": exc.code}]
        return JSONResponse({"detail": jsonable_encoder(detail)}, status_code=422)

    @app.exception_handler(DatabaseUnavailable)
    async def database_unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=503)

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("connection pool exhausted", extra={"action": "pool_timeout"})
        return JSONResponse(
            {"detail": "the database is busy; try again shortly"},
            status_code=503,
            headers={"retry-after": "2"},
        )


def _install_docs(app: FastAPI) -> None:
    app.mount("/static/docs", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(require_docs_access)])
    async def openapi_json() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(require_docs_access)])
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="ScraperSky API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> FastAPI:
    """Build the app. ``manage_database=False`` leaves opening/closing the db to the caller."""
    settings = settings or get_settings()
    app = FastAPI(
        title="ScraperSky",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan(settings, manage_database),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    codec = SessionCodec(configured_token(settings), settings.api_session_ttl_s)
    app.state.settings = settings
    app.state.sessions = codec
    app.add_middleware(UiMiddleware, codec=codec, secure_cookies=settings.api_cookie_secure)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api_max_upload_bytes + 64 * 1024)
    _install_error_handlers(app)
    for module in (domains, sitemaps, pages, contacts, exports):
        app.include_router(module.router)
    app.include_router(ops.probes)
    app.include_router(ops.router)
    app.include_router(views.router)
    views.install(app)
    _install_docs(app)  # before /static: its assets live under /static/docs
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/domains", status_code=307)

    return app
