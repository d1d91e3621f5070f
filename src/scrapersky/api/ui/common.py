"""What every UI view shares: templates, the login and CSRF guards, rendering, flash notes.

@router.get("/domains")
async def page(request: Request, session: UiSessionDep) -> HTMLResponse:
    return render(request, session, "domains.html", tab="domains", rows=rows)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from scrapersky.api.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    CsrfRejected,
    SessionCodec,
    UiSession,
    ui_session,
)
from scrapersky.db.enums import CURATION_LABELS, CurationStatus

TEMPLATES_DIR = Path(__file__).parent / "templates"
FLASH_COOKIE = "scrapersky_flash"
templates = Jinja2Templates(directory=TEMPLATES_DIR)

TONES = {
    "new": "neutral",
    "pending": "neutral",
    "queued": "info",
    "processing": "busy",
    "completed": "ok",
    "complete": "ok",
    "submitted": "ok",
    "selected": "ok",
    "maybe": "warn",
    "error": "bad",
    "failed": "bad",
    "not_a_fit": "muted",
    "archived": "muted",
}


def status_label(value: object) -> str:
    text = str(getattr(value, "value", value))
    if text in CURATION_LABELS:
        return CURATION_LABELS[CurationStatus(text)]
    return text.replace("_", " ").capitalize()


def badge(value: object, what: str = "") -> Markup:
    text = str(getattr(value, "value", value))
    tone = TONES.get(text, "neutral")
    label = status_label(text)
    hidden = Markup('<span class="visually-hidden">{}: </span>').format(what) if what else ""
    return Markup('<span class="badge badge-{}" data-status="{}">{}{}</span>').format(
        tone, text, hidden, label
    )


templates.env.globals.update(
    badge=badge,
    status_label=status_label,
    curation_labels={s.value: label for s, label in CURATION_LABELS.items()},
    tojson_attr=lambda value: json.dumps(value, separators=(",", ":"), default=str),
)


class LoginRequired(Exception):
    """The UI needs a login (a token is configured and this browser has no valid session)."""


def _session(request: Request) -> UiSession:
    session = ui_session(request)
    codec: SessionCodec = request.app.state.sessions
    if session is None or not codec.allowed(session):
        raise LoginRequired()
    return session


UiSessionDep = Annotated[UiSession, Depends(_session)]


async def _csrf(request: Request) -> UiSession:
    session = _session(request)
    codec: SessionCodec = request.app.state.sessions
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not codec.csrf_ok(session, given):
        raise CsrfRejected()
    return session


CsrfSessionDep = Annotated[UiSession, Depends(_csrf)]


async def login_required_handler(request: Request, exc: Exception) -> Response:
    wants_json = "application/json" in request.headers.get("accept", "")
    if request.method == "GET" and not wants_json:
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"/ui/login?next={target}", status_code=303)
    return JSONResponse({"detail": "your session has ended; log in again"}, status_code=401)


def render(
    request: Request,
    session: UiSession,
    template: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    codec: SessionCodec = request.app.state.sessions
    flash = request.cookies.get(FLASH_COOKIE)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "csrf_token": codec.csrf_token(session),
            "login_required": codec.login_required,
            "flash": unquote(flash)[:500] if flash else None,
            **context,
        },
        status_code=status_code,
    )
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/ui")
    return response


def redirect_with_flash(url: str, message: str, *, secure: bool) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLASH_COOKIE,
        quote(message[:500]),
        max_age=60,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


def page_links(total: int, limit: int, offset: int) -> dict[str, Any]:
    """Numbers for the pager under a table."""
    last_offset = max(0, (total - 1) // limit * limit) if total else 0
    return {
        "first": offset + 1 if total else 0,
        "last": min(offset + limit, total),
        "total": total,
        "prev": max(0, offset - limit) if offset > 0 else None,
        "next": offset + limit if offset + limit < total else None,
        "page": offset // limit + 1,
        "pages": last_offset // limit + 1,
        "limit": limit,
    }


def query_without(request: Request, *names: str) -> str:
    """The current query string minus ``names`` (for pager links that keep the filters)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in names]
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in items)
