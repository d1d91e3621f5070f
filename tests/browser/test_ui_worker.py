"""End to end in Chromium: a real `scrapersky worker` runs the stages against the sample web
while the user watches the badges of the domains they queued move to completed/submitted.

Needs the metadata and sitemap-discovery stages registered in
``scrapersky.pipeline.registry.STAGES``; until they are, this test skips and names them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.pipeline.registry import STAGES
from tests.browser.conftest import LiveApi, OpenPage, server_env, shot
from tests.support.database import PROJECT_ROOT
from tests.support.sampleweb import running_sampleweb

NEEDED_STAGES = ("metadata", "sitemap_discovery")
MISSING = [name for name in NEEDED_STAGES if name not in STAGES]
BADGE_TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(MISSING),
        reason="pipeline stage(s) not registered yet: "
        + ", ".join(MISSING)
        + " (scrapersky.pipeline.registry.STAGES; modules scrapersky.pipeline.<stage>)",
    ),
]


def pick_sites(sites: Any) -> tuple[list[str], str | None]:
    """Three healthy generated sites and one whose homepage fails."""
    healthy: list[str] = []
    failing: str | None = None
    for index in range(sites.count):
        fault = sites.fault_at(index)
        if fault is None and len(healthy) < 3:
            healthy.append(sites.domain_at(index))
        elif fault is not None and "homepage" in fault and failing is None:
            failing = sites.domain_at(index)
    return healthy, failing


@contextmanager
def running_worker(db_url: URL, api_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = server_env(
        db_url,
        SCRAPERSKY_FETCH_BACKEND="scraperapi",
        SCRAPERSKY_SCRAPERAPI_ENDPOINT=api_url,
        SCRAPERSKY_SCRAPERAPI_KEY="test-key-0123",
        SCRAPERSKY_SSRF_ALLOW=json.dumps(["127.0.0.1"]),
        SCRAPERSKY_WORKER_POLL_INTERVAL_S="0.5",
    )
    command = [sys.executable, "-m", "scrapersky", "worker"]
    for name in NEEDED_STAGES:
        command += ["--stage", name]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_badges_move_while_a_worker_runs(
    live_api: LiveApi, open_page: OpenPage, db: Database, db_url: URL, tmp_path: Path
) -> None:
    from scrapersky.sampleweb.generated import GeneratedSites

    sites = GeneratedSites(seed=11, count=40, faults_fraction=0.3)
    healthy, failing = pick_sites(sites)
    assert len(healthy) == 3
    async with running_sampleweb(sites, api_key="test-key-0123") as web:
        page = await open_page(live_api.url("/ui/domains"))
        await page.get_by_text("Add domains", exact=True).first.click()
        await page.get_by_label("Domains or URLs").fill("\n".join([*healthy, failing or ""]))
        await page.get_by_role("button", name="Add domains").click()
        for name in healthy:
            await page.get_by_label(f"Select {name}").check()
        await page.get_by_role("button", name="Queue for sitemap analysis").click()
        await expect(page.locator("[data-batch-result]")).to_have_text(
            "3 set to Selected, 3 queued for sitemap analysis"
        )
        with running_worker(db_url, web.api_url, tmp_path / "worker.log"):
            for name in healthy:
                row = page.locator("tr[data-id]", has=page.get_by_role("link", name=name))
                await expect(row.locator('[data-cell="metadata"] .badge')).to_have_text(
                    "Metadata: Completed", timeout=BADGE_TIMEOUT_MS
                )
                await expect(row.locator('[data-cell="sitemap"] .badge')).to_have_text(
                    "Sitemaps: Submitted", timeout=BADGE_TIMEOUT_MS
                )
            await shot(page, "domains-worker-done")
            if failing is not None:
                row = page.locator("tr[data-id]", has=page.get_by_role("link", name=failing))
                await expect(row.locator('[data-cell="metadata"] .badge')).to_have_text(
                    "Metadata: Error", timeout=BADGE_TIMEOUT_MS
                )
                await row.get_by_role("link", name=failing).click()
                error = page.locator('[data-cell="error"] .err-text')
                await expect(error).not_to_be_empty()
                await shot(page, "domain-worker-failed")
