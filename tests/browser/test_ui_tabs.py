"""Sitemaps, Pages, Contacts and Activity tabs in Chromium, and logging in with a token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from tests.browser.conftest import LiveApi, OpenPage, running_api, shot
from tests.support.api import seed_domain_tree, set_columns

pytestmark = pytest.mark.browser

TOKEN = "browser-test-token-7f3a"


def result(page: Any) -> Any:
    return page.locator("[data-batch-result]")


async def test_sitemaps_tab_selects_files_for_import(
    live_api: LiveApi, open_page: OpenPage, db: Database
) -> None:
    seeded = await seed_domain_tree("acme.com", sitemaps=2)
    await set_columns(
        "sitemap_files", seeded.sitemap_ids[2], import_status="error",
        import_error="XML parse error at line 3: mismatched tag", import_error_category="parse",
    )  # fmt: skip
    page = await open_page(live_api.url("/ui/sitemaps"))
    await expect(page.locator("tbody tr")).to_have_count(3)
    await expect(page.locator("tbody")).to_contain_text("mismatched tag")
    await page.get_by_label("Select https://acme.com/sitemap-0.xml").check()
    await page.get_by_label("Select https://acme.com/sitemap-1.xml").check()
    await page.get_by_role("button", name="Queue for import").click()
    await expect(result(page)).to_have_text("2 set to Selected, 2 queued for import")
    await shot(page, "sitemaps")


async def test_pages_tab_glob_filter_and_select_all_matching(
    live_api: LiveApi, open_page: OpenPage, db: Database
) -> None:
    await seed_domain_tree("acme.com", sitemaps=2, pages_per_sitemap=4)
    await seed_domain_tree("beta.io", sitemaps=1, pages_per_sitemap=4)
    page = await open_page(live_api.url("/ui/pages"))
    await page.get_by_label("URL pattern").fill("*/contact*")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page.locator("tbody tr")).to_have_count(3)
    await page.get_by_role("button", name="Select all 3 matching the filter").click()
    await page.get_by_role("button", name="Queue for contact scan").click()
    await expect(result(page)).to_have_text("3 set to Selected, 3 queued for contact scan")
    await expect(page.locator('tbody [data-cell="scan"] .badge').first).to_have_text("Scan: Queued")
    await shot(page, "pages")


async def test_contacts_tab_exports_csv(
    live_api: LiveApi, open_page: OpenPage, db: Database, tmp_path: Path
) -> None:
    await seed_domain_tree("acme.com", contacts_n=4)
    page = await open_page(live_api.url("/ui/contacts?kind=email"))
    await expect(page.locator("tbody tr")).to_have_count(2)
    await shot(page, "contacts")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="CSV").click()
    download = await info.value
    target = tmp_path / download.suggested_filename
    await download.save_as(target)
    lines = target.read_text().splitlines()
    assert lines[0].startswith("id,domain,kind,value")
    assert len(lines) == 3
    assert all(",email," in line for line in lines[1:])


async def test_activity_tab_groups_failures_by_category(
    live_api: LiveApi, open_page: OpenPage, db: Database
) -> None:
    for name in ("one.com", "two.com"):
        seeded = await seed_domain_tree(name, sitemaps=1)
        await set_columns(
            "domains", seeded.domain_id, metadata_status="error", metadata_error_category="dns",
            metadata_error=f"DNS: {name} has no address",
        )  # fmt: skip
    page = await open_page(live_api.url("/ui/activity"))
    await expect(page.get_by_role("row", name="Metadata")).to_contain_text("Error 2")
    failures = page.locator("table", has_text="Category").first
    await expect(failures).to_contain_text("dns")
    await expect(failures).to_contain_text("has no address")
    await shot(page, "activity")


async def test_login_with_a_token(
    db: Database, db_url: URL, tmp_path: Path, open_page: OpenPage
) -> None:
    async with running_api(db_url, tmp_path, SCRAPERSKY_API_TOKEN=TOKEN) as api:
        page = await open_page(api.url("/ui/domains"))
        await expect(page).to_have_url(api.url("/ui/login?next=/ui/domains"))
        await shot(page, "login")
        await page.get_by_label("API token").fill("not-the-token")
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("alert")).to_contain_text("That token is not right")
        await page.get_by_label("API token").fill(TOKEN)
        await page.get_by_role("button", name="Log in").click()
        await expect(page).to_have_url(api.url("/ui/domains"))
        await expect(page.get_by_role("heading", name="Domains")).to_be_visible()
        cookies = await page.context.cookies()
        session = next(c for c in cookies if c["name"] == "scrapersky_session")
        assert session["httpOnly"]
        assert session["sameSite"] == "Strict"
        assert TOKEN not in session["value"]
        await page.get_by_role("button", name="Log out").click()
        await expect(page).to_have_url(api.url("/ui/login"))
    assert TOKEN not in api.log.read_text()  # never logged


async def test_api_docs_render_offline(live_api: LiveApi, open_page: OpenPage) -> None:
    page = await open_page(live_api.url("/docs"))
    await expect(page.get_by_role("heading", name="ScraperSky")).to_be_visible()
    await expect(page.locator(".opblock-summary-path").first).to_be_visible()
    await expect(page.get_by_text("/api/domains/batch", exact=True)).to_be_visible()
    await shot(page, "api-docs")
