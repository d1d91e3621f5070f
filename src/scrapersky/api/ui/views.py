"""The server-rendered UI under /ui: login, the five tabs, and the Activity view.

    app.include_router(views.router); views.install(app)

Tabs live in :mod:`grids` (tables, live rows, domain detail) and :mod:`actions` (batch
curation, requeue, add, upload, exports); this module assembles them and owns login.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scrapersky.api.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfRejected,
    SessionCodec,
    tokens_match,
    ui_session,
)
from scrapersky.api.routes.ops import stage_to_dict
from scrapersky.api.ui import actions, grids
from scrapersky.api.ui.common import (
    CsrfSessionDep,
    LoginRequired,
    UiSessionDep,
    login_required_handler,
    render,
)
from scrapersky.api.ui.middleware import cookie_header
from scrapersky.db.queries.activity import THROUGHPUT_WINDOWS_MIN, stage_activity
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.registry import QUEUES

FAILED_LOGIN_DELAY_S = 0.5  # slows down guessing

router = APIRouter(prefix="/ui", include_in_schema=False)


def install(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, login_required_handler)


def _safe_next(target: str | None) -> str:
    """Only paths inside the UI; never another host (``//evil``) or scheme."""
    if not target or not target.startswith("/ui") or target.startswith("//") or "\\" in target:
        return "/ui/domains"
    return target


@router.get("", include_in_schema=False)
async def ui_root() -> RedirectResponse:
    return RedirectResponse("/ui/domains", status_code=307)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/ui/domains") -> Response:
    codec: SessionCodec = request.app.state.sessions
    session = ui_session(request)
    assert session is not None  # the UI middleware sets one on every /ui request
    if codec.allowed(session):
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, session, "login.html", tab=None, next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(
    request: Request,
    token: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/domains",
) -> Response:
    codec: SessionCodec = request.app.state.sessions
    session = ui_session(request)
    assert session is not None
    if not codec.csrf_ok(session, csrf_token):
        raise CsrfRejected()
    if codec.token is None:
        return RedirectResponse(_safe_next(next), status_code=303)
    if not tokens_match(token, codec.token):
        # the form again with the reason (200, like any form error: no console noise)
        await asyncio.sleep(FAILED_LOGIN_DELAY_S)
        return render(
            request,
            session,
            "login.html",
            tab=None,
            next=_safe_next(next),
            error="That token is not right. Use the value of SCRAPERSKY_API_TOKEN.",
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = request.app.state.settings.api_cookie_secure
    # a fresh login cookie and a fresh CSRF id: nothing from before the login carries over
    response.headers.append(
        "set-cookie",
        cookie_header(SESSION_COOKIE, codec.issue_login(), max_age=codec.ttl_s, secure=secure),
    )
    response.headers.append(
        "set-cookie",
        cookie_header(CSRF_COOKIE, codec.issue_csrf_id(), max_age=codec.ttl_s, secure=secure),
    )
    return response


@router.post("/logout")
async def logout(request: Request, session: CsrfSessionDep) -> RedirectResponse:
    response = RedirectResponse("/ui/login", status_code=303)
    secure = request.app.state.settings.api_cookie_secure
    response.headers.append(
        "set-cookie", cookie_header(SESSION_COOKIE, "", max_age=0, secure=secure)
    )
    return response


async def _activity_context() -> dict[str, Any]:
    async with transaction() as db:
        activity = await stage_activity(db, QUEUES)
    return {"stages": [stage_to_dict(s) for s in activity], "windows": THROUGHPUT_WINDOWS_MIN}


@router.get("/activity", response_class=HTMLResponse)
async def activity_tab(request: Request, session: UiSessionDep) -> HTMLResponse:
    return render(request, session, "activity.html", tab="activity", **await _activity_context())


@router.get("/activity/panel", response_class=HTMLResponse)
async def activity_panel(request: Request, session: UiSessionDep) -> HTMLResponse:
    """The Activity tab's content alone, for the script's periodic refresh."""
    return render(request, session, "_activity_panel.html", **await _activity_context())


router.include_router(actions.router)
router.include_router(grids.router)
