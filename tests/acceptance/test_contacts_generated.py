"""The contacts scan stage end to end on generated sites with ground truth: the sites served by
the sample web in the ScraperAPI shape, each site's homepage, contact pages and decoy-carrying
pages inserted as pages and selected, the stage run until idle through the real runner.

Every planted contact (mailto, text, entities, [at]/(at) obfuscation, Cloudflare, JSON-LD, tel
links, national and international numbers) must be found with its expected type on the pages
that completed, no decoy (logo@2x.png, placeholders, Sentry DSNs, years, versions, company
numbers) may be reported, a re-scan adds nothing, and pages that 404 end ``error`` with the
reason while the others complete. Deliberately broken sites (``faults_fraction``) end the way
their truth says: a homepage 404/500 fails that page only, robots.txt 500 fails every page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from scrapersky.db.engine import Database
from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.pages import PageFilter
from scrapersky.db.schema import contacts, domains, pages
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.stages.contacts_scan import build
from scrapersky.pipeline.worker import run_worker
from scrapersky.sampleweb import SampleWeb
from scrapersky.sampleweb.gen_truth import (
    FAULT_HOMEPAGE_404,
    FAULT_HOMEPAGE_500,
    FAULT_ROBOTS_500,
    SiteTruth,
)
from scrapersky.sampleweb.generated import GeneratedSites
from scrapersky.services.intake import add_domains
from scrapersky.services.page_curation import curate_pages
from scrapersky.settings import Settings
from tests.integration.test_metadata_stage import API_KEY, stage_settings
from tests.support.sampleweb import running_sampleweb

pytestmark = [pytest.mark.acceptance, pytest.mark.integration]

SEED = 20250
COUNT = 21  # with faults_fraction 0.3: several broken sites of different kinds
REMOVED = "/this-page-was-removed"  # not on any site: 404
Contact = tuple[str, str, str | None]  # kind, value, email_type


@pytest.fixture(scope="module")
def sites() -> GeneratedSites:
    return GeneratedSites(seed=SEED, count=COUNT, faults_fraction=0.3, cache_size=COUNT)


@pytest.fixture
async def web(sites: GeneratedSites) -> AsyncIterator[SampleWeb]:
    async with running_sampleweb(sites, api_key=API_KEY) as running:
        yield running


def scanned_urls(truth: SiteTruth) -> list[str]:
    """The homepage, the contact pages, every page carrying a decoy, and one missing page."""
    urls = [truth.base_url + "/", *truth.contact_page_urls]
    urls += [decoy.page_url for decoy in truth.decoys]
    urls.append(truth.base_url + REMOVED)
    return list(dict.fromkeys(urls))


def failing_urls(truth: SiteTruth) -> dict[str, str]:
    """url -> the error category the truth implies for it."""
    failing = {truth.base_url + REMOVED: "http_404"}
    if truth.fault == FAULT_ROBOTS_500:
        return dict.fromkeys(scanned_urls(truth), "robots")
    if truth.fault == FAULT_HOMEPAGE_404:
        failing[truth.base_url + "/"] = "http_404"
    if truth.fault == FAULT_HOMEPAGE_500:
        failing[truth.base_url + "/"] = "http_500"  # ScraperAPI: failed after its retries
    return failing


def expected_contacts(truth: SiteTruth) -> set[Contact]:
    """Planted contacts with a placement on a page that should complete."""
    failing = failing_urls(truth)
    return {
        (c.kind, c.value, c.email_type)
        for c in truth.contacts
        if any(p.page_url not in failing for p in c.placements)
    }


async def seed_pages(sites: GeneratedSites) -> None:
    report = await add_domains(sites.hosts(), source="generated")
    assert report.accepted == COUNT, report.to_dict()
    async with transaction() as session:
        ids = dict((await session.execute(select(domains.c.domain, domains.c.id))).all())
        rows = [
            {"domain_id": ids[truth.domain], "url": url}
            for truth in sites.iter_truth()
            for url in scanned_urls(truth)
        ]
        await session.execute(insert(pages), rows)
    selected = await curate_pages(CurationStatus.SELECTED, PageFilter())
    assert selected.queued == len(rows)


def scan_settings(web: SampleWeb, tmp_path: Path) -> Settings:
    return stage_settings(web, tmp_path, contacts_concurrency=40)


async def run_scan(settings: Settings) -> None:
    stage = build(settings)
    stage.spec = stage.spec.replace(max_attempts=2, backoff_base_s=0.0)
    await run_worker([stage], settings=settings, exit_when_idle=True, install_signals=False)


async def found_by_domain() -> dict[str, set[Contact]]:
    async with transaction() as session:
        result = await session.execute(
            select(domains.c.domain, contacts.c.kind, contacts.c.value, contacts.c.email_type).join(
                domains, domains.c.id == contacts.c.domain_id
            )
        )
        found: dict[str, set[Contact]] = {}
        for name, kind, value, email_type in result:
            typed = str(email_type) if email_type is not None else None
            found.setdefault(name, set()).add((str(kind), value, typed))
        return found


async def page_rows() -> dict[str, Mapping[str, Any]]:
    async with transaction() as session:
        return {row["url"]: row for row in (await session.execute(select(pages))).mappings()}


async def contact_rows() -> list[Mapping[str, Any]]:
    async with transaction() as session:
        result = await session.execute(select(contacts).order_by(contacts.c.id))
        return list(result.mappings())


async def test_generated_contacts_end_to_end(
    db: Database, web: SampleWeb, sites: GeneratedSites, tmp_path: Path
) -> None:
    truths = list(sites.iter_truth())
    faults = {truth.fault for truth in truths if truth.fault}
    assert {FAULT_HOMEPAGE_404, FAULT_ROBOTS_500} & faults  # the seed exercises broken sites
    await seed_pages(sites)
    settings = scan_settings(web, tmp_path)
    await run_scan(settings)

    found = await found_by_domain()
    rows = await page_rows()
    for truth in truths:
        context = f"{truth.domain} (fault {truth.fault})"
        assert found.get(truth.domain, set()) == expected_contacts(truth), context
        reported = {value for _, value, _ in found.get(truth.domain, set())}
        for decoy in truth.decoys:
            assert not any(value in decoy.text.lower() for value in reported), decoy
            assert decoy.text.lower() not in reported, decoy
        failing = failing_urls(truth)
        for url in scanned_urls(truth):
            row = rows[url]
            if url in failing:
                assert row["scan_status"] == "error", f"{context} {url}"
                assert row["scan_error_category"] == failing[url], f"{context} {url}"
                if failing[url] == "http_404":
                    assert row["scan_error"].startswith(f"page returned 404 at {url}"), url
                    assert row["scan_attempts"] == 1, url  # terminal on the first attempt
            else:
                assert row["scan_status"] == "complete", f"{context} {url} {row['scan_error']}"
                assert row["contacts_found"] is not None
    every_planted = sum(len(t.contacts) for t in truths if not t.fault)
    assert every_planted > 60  # sanity: the non-broken sites alone plant this many

    # a re-scan of every page finds the same and adds nothing
    before = await contact_rows()
    async with transaction() as session:
        await session.execute(
            update(pages).values(scan_status="queued", scan_next_attempt_at=pages.c.created_at)
        )
    await run_scan(settings)
    assert await contact_rows() == before
    async with transaction() as session:
        counts = dict(
            (await session.execute(select(domains.c.domain, domains.c.contact_count))).all()
        )
    assert counts == {t.domain: len(expected_contacts(t)) for t in truths}
