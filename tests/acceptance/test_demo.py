"""`scrapersky demo --exit-when-done`: the whole pipeline, checked against the generated
sites' ground truth (every planted page URL and contact found, no decoys, no duplicates,
nothing left in processing, and each broken site failing where its truth says)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from fnmatch import fnmatch

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.queries.contacts_write import LIKELY_CONTACT_GLOBS
from scrapersky.db.schema import contacts, domains, pages, sitemap_files
from scrapersky.db.transaction import transaction
from scrapersky.sampleweb.gen_truth import SiteTruth
from scrapersky.sampleweb.generated import GeneratedSites

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

SITES = 30
SEED = 11


def run_demo(db_url: URL) -> dict[str, object]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url.render_as_string(hide_password=False).replace("+asyncpg", ""),
        "SCRAPERSKY_STRICT_GUARD": "1",
    }
    proc = subprocess.run(
        [
            sys.executable, "-m", "scrapersky", "demo",
            "--sites", str(SITES), "--seed", str(SEED),
            "--exit-when-done", "--json", "--timeout", "240",
        ],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert isinstance(summary, dict)
    return summary


def scanned_pages(truth: SiteTruth) -> set[str]:
    """Pages the pipeline selects for a contact scan: the homepage, and sitemap pages whose
    URL looks like a contact/about/team/legal page. A page no sitemap lists is not crawled."""
    listed = {p.url for p in truth.pages}
    likely = {u for u in listed if any(fnmatch(u, glob) for glob in LIKELY_CONTACT_GLOBS)}
    return {truth.homepage.url, *likely}


def expected_contacts(truth: SiteTruth) -> set[tuple[str, str]]:
    scanned = scanned_pages(truth)
    return {
        (c.kind, c.value)
        for c in truth.contacts
        if any(p.page_url in scanned for p in c.placements)
    }


def reachable(truth: SiteTruth) -> bool:
    """A site the pipeline can enrich end to end (its homepage and robots allow it)."""
    return truth.homepage.ok and truth.robots.status != 500 and truth.fault is None


@pytest.fixture(scope="module")
def truths() -> list[SiteTruth]:
    return list(GeneratedSites(seed=SEED, count=SITES).iter_truth())


async def test_demo_finds_everything_the_sites_publish(
    db_url: URL, db: Database, truths: list[SiteTruth]
) -> None:
    summary = run_demo(db_url)
    assert summary["processing"] == 0
    assert summary["domains"] == SITES

    async with transaction() as session:
        domain_rows = {r.domain: r for r in (await session.execute(select(domains))).all()}
        page_rows = (await session.execute(select(pages.c.domain_id, pages.c.url))).all()
        file_errors = (
            await session.execute(
                select(
                    sitemap_files.c.domain_id, sitemap_files.c.import_error, sitemap_files.c.notes
                )
            )
        ).all()
        contact_rows = (
            await session.execute(
                select(
                    contacts.c.domain_id, contacts.c.kind, contacts.c.value, contacts.c.email_type
                )
            )
        ).all()

    by_id = {row.id: name for name, row in domain_rows.items()}
    pages_by_domain: dict[str, set[str]] = {}
    for domain_id, url in page_rows:
        pages_by_domain.setdefault(by_id[domain_id], set()).add(url)
    contacts_by_domain: dict[str, dict[tuple[str, str], str | None]] = {}
    for domain_id, kind, value, email_type in contact_rows:
        contacts_by_domain.setdefault(by_id[domain_id], {})[(kind, value)] = email_type

    reasons: dict[str, list[str]] = {}
    for domain_id, error, notes in file_errors:
        reasons.setdefault(by_id[domain_id], []).extend(x for x in (error, notes) if x)

    # no duplicates anywhere (the unique constraints hold them out; nothing slipped past)
    assert max(Counter((d, u) for d, u in page_rows).values()) == 1

    checked_contacts = 0
    healthy = [t for t in truths if reachable(t)]
    assert len(healthy) >= SITES // 2, "the seed should give mostly healthy sites"
    for truth in truths:
        row = domain_rows[truth.domain]
        found_pages = pages_by_domain.get(truth.domain, set())
        found_contacts = contacts_by_domain.get(truth.domain, {})
        if truth.fault is not None:  # a deliberately broken site: the reason is recorded
            recorded = [row.metadata_error, row.sitemap_error, *reasons.get(truth.domain, [])]
            assert any(recorded), (truth.domain, truth.fault)
        if not truth.homepage.ok:
            assert row.metadata_status == "error", truth.domain
            assert row.metadata_error, truth.domain
            continue
        if truth in healthy:
            assert row.metadata_status == "completed", (truth.domain, row.metadata_error)
            assert row.title == truth.homepage.title
            expected_pages = {p.url for p in truth.pages}
            missing = expected_pages - found_pages
            assert not missing, (truth.domain, sorted(missing)[:5])
            extra = found_pages - expected_pages - set(truth.partial_page_urls)
            extra -= {truth.homepage.url, truth.base_url + "/"}
            assert not extra, (truth.domain, sorted(extra)[:5])
            expected = expected_contacts(truth)
            assert set(found_contacts) == expected, truth.domain
            for contact in truth.contacts:
                key = (contact.kind, contact.value)
                if key in expected:
                    assert found_contacts[key] == contact.email_type, (truth.domain, key)
            checked_contacts += len(expected)
        if truth.discovery_error:
            assert row.sitemap_analysis_status in ("failed", "submitted"), truth.domain
    planted = sum(len(t.contacts) for t in healthy)
    assert checked_contacts >= planted * 0.7, (checked_contacts, planted)
