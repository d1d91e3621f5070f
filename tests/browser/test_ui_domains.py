"""The Domains tab in Chromium: add, select, queue, live badges, errors in words, keyboard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from scrapersky.db.engine import Database
from tests.browser.conftest import ConsoleWatch, LiveApi, OpenPage, shot
from tests.support.api import seed_domain_tree, set_columns

pytestmark = pytest.mark.browser

NAMES = ["alpha-dental.com", "bravo-bakery.com", "charlie-cars.com", "delta-dental.com", "echo.io"]


def row(page: Any, domain: str) -> Any:
    return page.locator("tr[data-id]", has=page.get_by_role("link", name=domain, exact=True))


async def add_domains(page: Any, names: list[str]) -> None:
    await page.get_by_text("Add domains", exact=True).first.click()
    await page.get_by_label("Domains or URLs").fill("\n".join(names))
    await page.get_by_role("button", name="Add domains").click()
    await expect(page.locator(".flash")).to_contain_text(f"{len(names)} added")


async def test_add_select_three_and_queue_for_sitemap_analysis(
    live_api: LiveApi, open_page: OpenPage
) -> None:
    page = await open_page(live_api.url("/ui/domains"))
    await add_domains(page, NAMES)
    await shot(page, "domains-added")
    for name in NAMES[:3]:
        await page.get_by_label(f"Select {name}").check()
    await expect(page.locator("[data-selection-count]")).to_have_text("3 selected")
    button = page.get_by_role("button", name="Queue for sitemap analysis")
    await button.click()
    result = page.locator("[data-batch-result]")
    await expect(result).to_have_text("3 set to Selected, 3 queued for sitemap analysis")
    await expect(button).to_be_enabled()
    await expect(button).to_have_text("Queue for sitemap analysis")  # never stuck "Updating…"
    for name in NAMES[:3]:
        await expect(row(page, name).locator('[data-cell="sitemap"] .badge')).to_have_text(
            "Sitemaps: Queued"
        )
        await expect(row(page, name).locator('[data-cell="curation"] .badge')).to_have_text(
            "Curation: Selected"
        )
    await expect(row(page, NAMES[3]).locator('[data-cell="sitemap"] .badge')).to_have_text(
        "Sitemaps: Pending"
    )
    await expect(page.locator("[data-selection-count]")).to_have_text("0 selected")
    await shot(page, "domains-queued")


async def test_badges_follow_the_database_live(
    live_api: LiveApi, open_page: OpenPage, db: Database
) -> None:
    seeded = await seed_domain_tree("live-update.com", sitemaps=0, contacts_n=0)
    page = await open_page(live_api.url("/ui/domains"))
    metadata = row(page, "live-update.com").locator('[data-cell="metadata"] .badge')
    await expect(metadata).to_have_text("Metadata: Pending")
    # what a worker does: claim (processing), then record (completed); no reload here
    await set_columns("domains", seeded.domain_id, metadata_status="processing")
    await expect(metadata).to_have_text("Metadata: Processing", timeout=10_000)
    await set_columns(
        "domains", seeded.domain_id, metadata_status="completed", sitemap_analysis_status="queued"
    )
    await expect(metadata).to_have_text("Metadata: Completed", timeout=10_000)
    sitemap = row(page, "live-update.com").locator('[data-cell="sitemap"] .badge')
    await expect(sitemap).to_have_text("Sitemaps: Queued", timeout=10_000)


async def test_failed_row_shows_its_error_and_requeues_in_one_click(
    live_api: LiveApi, open_page: OpenPage, db: Database
) -> None:
    seeded = await seed_domain_tree("broken-site.com", sitemaps=1)
    await set_columns(
        "domains", seeded.domain_id, metadata_status="error", metadata_error_category="http_5xx",
        metadata_error="the homepage answered HTTP 503 Service Unavailable (3 attempts)",
    )  # fmt: skip
    page = await open_page(live_api.url("/ui/domains"))
    error_cell = row(page, "broken-site.com").locator('[data-cell="error"]')
    await expect(error_cell).to_contain_text("HTTP 503 Service Unavailable")
    await expect(error_cell).to_contain_text("http_5xx")
    await page.get_by_role("link", name="broken-site.com").click()
    await expect(page.get_by_role("heading", name="broken-site.com")).to_be_visible()
    await expect(page.locator('[data-cell="error"]')).to_contain_text("HTTP 503")
    await expect(page.locator(".tree").first).to_contain_text("sitemap_index.xml")
    await shot(page, "domain-detail-failed")
    await page.get_by_role("button", name="Requeue metadata").click()
    await expect(page.locator("[data-batch-result]")).to_have_text("1 item requeued")
    await expect(page.locator('[data-cell="metadata"] .badge')).to_have_text("Metadata: Pending")
    await expect(page.locator('[data-cell="error"]')).not_to_contain_text("HTTP 503")


async def test_selection_is_kept_across_pages_and_select_all_matching(
    live_api: LiveApi, open_page: OpenPage
) -> None:
    page = await open_page(live_api.url("/ui/domains"))
    await add_domains(page, NAMES)
    await page.goto(live_api.url("/ui/domains?limit=2"))
    await page.locator("input[data-select-row]").first.check()
    await page.get_by_role("link", name="Next →").click()
    await page.locator("input[data-select-row]").first.check()
    await expect(page.locator("[data-selection-count]")).to_have_text(
        "2 selected (1 on other pages)"
    )
    await page.get_by_label("Set status to").select_option("maybe")
    await page.get_by_role("button", name="Apply", exact=True).click()
    await expect(page.locator("[data-batch-result]")).to_have_text("2 set to Maybe")
    # every domain matching a filter, across pages, without listing ids
    await page.goto(live_api.url("/ui/domains?q=dental&limit=1"))
    await page.get_by_role("button", name="Select all 2 matching the filter").click()
    await expect(page.locator("[data-selection-count]")).to_have_text(
        "All 2 domains matching the filter are selected"
    )
    await page.get_by_label("Set status to").select_option("not_a_fit")
    await page.get_by_role("button", name="Apply", exact=True).click()
    await expect(page.locator("[data-batch-result]")).to_have_text("2 set to Not a Fit")
    await page.goto(live_api.url("/ui/domains?curation_status=not_a_fit"))
    await expect(page.locator("tr[data-id]")).to_have_count(2)


async def test_keyboard_only_selection_and_submit(live_api: LiveApi, open_page: OpenPage) -> None:
    page = await open_page(live_api.url("/ui/domains"))
    await add_domains(page, NAMES[:2])
    await page.goto(live_api.url("/ui/domains"))
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    checkbox = page.get_by_label(f"Select {NAMES[0]}")
    await checkbox.focus()
    await page.keyboard.press("Space")
    await expect(checkbox).to_be_checked()
    outline = await checkbox.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "focused controls must show a focus ring"
    queue = page.get_by_role("button", name="Queue for sitemap analysis")
    await queue.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("[data-batch-result]")).to_have_text(
        "1 set to Selected, 1 queued for sitemap analysis"
    )


async def test_failed_request_is_reported_in_words(
    live_api: LiveApi, open_page: OpenPage, console: ConsoleWatch
) -> None:
    console.expect("403")  # the rejected request below is logged by Chromium as a failed load
    page = await open_page(live_api.url("/ui/domains"))
    await add_domains(page, NAMES[:1])
    # a post from anywhere but our own page carries no CSRF token: refused
    status = await page.evaluate(
        """async () => (await fetch('/ui/domains/batch', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({ids: [1], status: 'maybe'})})).status"""
    )
    assert status == 403
    # the UI's own request with a forged token: the failure is shown in words, button usable
    await page.get_by_label(f"Select {NAMES[0]}").check()
    await page.route(
        "**/ui/domains/batch",
        lambda route: route.continue_(headers={**route.request.headers, "x-csrf-token": "forged"}),
    )
    button = page.get_by_role("button", name="Queue for sitemap analysis")
    await button.click()
    result = page.locator("[data-batch-result]")
    await expect(result).to_contain_text(re.compile(r"^Failed: .*CSRF check failed"))
    await expect(button).to_be_enabled()
    await expect(button).to_have_text("Queue for sitemap analysis")
    await shot(page, "domains-error-in-words")
