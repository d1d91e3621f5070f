"""The UI over HTTP: CSRF on every post, login with a token, live rows, flash results."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from scrapersky.db.engine import Database
from tests.support.api import api_client, seed_domain_tree, set_columns
from tests.support.database import make_test_settings

pytestmark = pytest.mark.integration

TOKEN = "correct-horse-battery-staple-4821"


@pytest.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(make_test_settings()) as c:
        yield c


@pytest.fixture
async def locked(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(make_test_settings(api_token=TOKEN)) as c:
        yield c


def csrf_of(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def test_pages_carry_security_headers_and_a_csrf_cookie(client: httpx.AsyncClient) -> None:
    response = await client.get("/ui/domains")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # loopback http in tests; see the secure test below


async def test_every_ui_post_needs_the_csrf_token(client: httpx.AsyncClient) -> None:
    seeded = await seed_domain_tree("acme.com")
    token = csrf_of((await client.get("/ui/domains")).text)
    body = {"ids": [seeded.domain_id], "status": "selected"}
    missing = await client.post("/ui/domains/batch", json=body)
    assert missing.status_code == 403
    assert "CSRF" in missing.json()["detail"]
    wrong = await client.post("/ui/domains/batch", json=body, headers={"x-csrf-token": "nope"})
    assert wrong.status_code == 403
    form = await client.post("/ui/domains/add", data={"domains": "x.com"})
    assert form.status_code == 403
    ok = await client.post("/ui/domains/batch", json=body, headers={"x-csrf-token": token})
    assert ok.json() == {
        "updated": 1,
        "queued": 1,
        "message": "1 set to Selected, 1 queued for sitemap analysis",
    }


async def test_add_form_reports_its_result_after_the_redirect(client: httpx.AsyncClient) -> None:
    token = csrf_of((await client.get("/ui/domains")).text)
    response = await client.post(
        "/ui/domains/add",
        data={"domains": "acme.com\nbeta.io, localhost", "csrf_token": token},
    )
    assert response.status_code == 303
    page = await client.get("/ui/domains")
    assert "2 added, 0 already known, 1 rejected" in page.text
    assert "acme.com" in page.text
    again = await client.get("/ui/domains")
    assert "2 added" not in again.text  # a flash is shown once


async def test_live_rows_render_badges_and_errors(client: httpx.AsyncClient) -> None:
    seeded = await seed_domain_tree("acme.com")
    await set_columns(
        "domains", seeded.domain_id, metadata_status="error",
        metadata_error="TLS handshake failed", metadata_error_category="tls",
    )  # fmt: skip
    response = await client.get("/ui/domains/rows", params={"ids": f"{seeded.domain_id},999"})
    rows = response.json()["rows"]
    assert len(rows) == 1
    cells = rows[0]["cells"]
    assert 'data-status="error"' in cells["metadata"]
    assert "TLS handshake failed" in cells["error"]
    assert 'data-requeue="metadata"' in cells["error"]
    assert rows[0]["active"] is False
    assert (await client.get("/ui/domains/rows", params={"ids": "1,x"})).status_code == 422
    assert (await client.get("/ui/nothing/rows", params={"ids": "1"})).status_code == 404


async def test_requeue_from_the_ui(client: httpx.AsyncClient) -> None:
    seeded = await seed_domain_tree("acme.com")
    await set_columns("domains", seeded.domain_id, sitemap_analysis_status="failed")
    token = csrf_of((await client.get(f"/ui/domains/{seeded.domain_id}")).text)
    response = await client.post(
        "/ui/domains/requeue",
        json={"ids": [seeded.domain_id], "stage": "sitemap"},
        headers={"x-csrf-token": token},
    )
    assert response.json()["message"] == "1 item requeued"
    bad = await client.post(
        "/ui/domains/requeue", json={"ids": "all"}, headers={"x-csrf-token": token}
    )
    assert bad.status_code == 422
    assert "ids" in bad.json()["detail"]


async def test_every_tab_renders(client: httpx.AsyncClient) -> None:
    seeded = await seed_domain_tree("acme.com", sitemaps=2, contacts_n=2)
    for path in ("/ui/domains", "/ui/sitemaps", "/ui/pages", "/ui/contacts", "/ui/activity"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert 'aria-current="page"' in response.text
    detail = await client.get(f"/ui/domains/{seeded.domain_id}")
    assert "sitemap_index.xml" in detail.text
    assert "person0@acme.com" in detail.text
    assert (await client.get("/ui/domains/77777")).status_code == 404
    export = await client.get("/ui/exports/contacts", params={"format": "jsonl"})
    assert export.text.count("\n") == 2


async def test_token_locks_api_ui_and_docs(locked: httpx.AsyncClient) -> None:
    assert (await locked.get("/api/domains")).status_code == 401
    assert (await locked.get("/metrics")).status_code == 401
    assert (await locked.get("/docs")).status_code == 401
    assert (await locked.get("/healthz")).status_code == 200  # probes stay open
    wrong = await locked.get("/api/domains", headers={"authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    right = await locked.get("/api/domains", headers={"authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    page = await locked.get("/ui/domains")
    assert page.status_code == 303
    assert page.headers["location"] == "/ui/login?next=/ui/domains"
    poll = await locked.get("/ui/domains/rows?ids=1", headers={"accept": "application/json"})
    assert poll.status_code == 401


async def test_login_logout_and_no_token_in_logs(
    locked: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    form = await locked.get("/ui/login")
    token = csrf_of(form.text)
    bad = await locked.post("/ui/login", data={"token": "guess", "csrf_token": token})
    assert bad.status_code == 200
    assert "That token is not right" in bad.text
    assert "scrapersky_session" not in bad.headers.get("set-cookie", "")
    no_csrf = await locked.post("/ui/login", data={"token": TOKEN})
    assert no_csrf.status_code == 403
    good = await locked.post(
        "/ui/login", data={"token": TOKEN, "csrf_token": token, "next": "//evil.example/"}
    )
    assert good.status_code == 303
    assert good.headers["location"] == "/ui/domains"  # no open redirect
    cookies = good.headers.get_list("set-cookie")
    assert any(c.startswith("scrapersky_session=") and "HttpOnly" in c for c in cookies)
    assert all(TOKEN not in c for c in cookies)
    assert (await locked.get("/ui/domains")).status_code == 200
    assert (await locked.get("/docs")).status_code == 200  # the UI session opens the docs
    csrf = csrf_of((await locked.get("/ui/domains")).text)
    out = await locked.post("/ui/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    assert (await locked.get("/ui/domains")).status_code == 303
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


async def test_secure_cookie_when_configured(db: Database) -> None:
    async with api_client(make_test_settings(api_cookie_secure=True)) as c:
        response = await c.get("/ui/domains")
    assert "Secure" in response.headers["set-cookie"]
