"""The contacts scan stage against real Postgres and the sample web (real ScraperAPI backend):
contacts found, typed and de-duplicated per domain, counts kept, a 404 page in error with its
reason while the others complete, re-scans adding nothing, the per-domain cap and fair claiming,
auto-selection of likely contact pages, and a real worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.pages import PageFilter
from scrapersky.db.schema import contacts, domains, pages
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.recorder import RunTotals
from scrapersky.pipeline.stages.contacts_scan import ContactsScanStage, DomainBudget, build
from scrapersky.pipeline.worker import run_worker
from scrapersky.sampleweb import MemorySource, Resource, SampleWeb
from scrapersky.services.intake import add_domains
from scrapersky.services.page_curation import curate_pages
from scrapersky.services.page_selection import (
    auto_select_contact_pages,
    select_likely_contact_pages,
)
from scrapersky.settings import Settings
from tests.integration.test_metadata_stage import API_KEY, run_worker_process, stage_settings
from tests.support.sampleweb import running_sampleweb

pytestmark = pytest.mark.integration

HTML = "text/html; charset=utf-8"
ACME = "acme-tools.de"
CAFE = "beta-cafe.fr"


def cloudflare(email: str, key: int = 0x5A) -> str:
    """Cloudflare's data-cfemail encoding: a key byte, then every byte XOR the key."""
    return bytes([key, *(byte ^ key for byte in email.encode())]).hex()


def html(body: str, lang: str = "de") -> Resource:
    head = "<head><meta charset='utf-8'><title>t</title></head>"
    logo = "<img src='/logo.png' srcset='/logo@2x.png 2x' alt='logo'>"
    return Resource(f"<html lang='{lang}'>{head}<body>{logo}{body}</body></html>".encode(), HTML)


SITES: dict[str, dict[str, Resource]] = {
    ACME: {
        "/": html("<footer>info@acme-tools.de · +49 30 12345678</footer>"),
        "/kontakt": html(
            "<a href='mailto:vertrieb@acme-tools.de'>Vertrieb</a>"
            "<p>Privat: anna.schmidt@gmail.com</p>"
            "<p>Bitte nicht antworten: noreply@acme-tools.de</p>"
            "<p>Website by hello@agency-web.com</p>"
            "<a href='/cdn-cgi/l/email-protection' "
            f"data-cfemail='{cloudflare('team@acme-tools.de')}'>[email&#160;protected]</a>"
            "<p>Presse: presse [at] acme-tools [dot] de</p>"
            "<a href='tel:+493087654321'>Anrufen</a>"
            "<input placeholder='you@example.com'>"
        ),
        "/impressum": html("<p>E-Mail: info@acme-tools.de, Tel. +49 30 12345678</p>"),
        "/blog/neuigkeiten": html("<p>Nothing to see here, copyright 2019-2024.</p>"),
        "/katalog.pdf": Resource(b"%PDF-1.4", "application/pdf"),
    },
    CAFE: {
        "/": html("<p>Écrivez-nous : bonjour@beta-cafe.fr</p>", lang="fr"),
        "/contact": html("<p>bonjour@beta-cafe.fr - site par hello@agency-web.com</p>", lang="fr"),
        **{f"/menu/{n}": html("<p>Croissant</p>", lang="fr") for n in range(12)},
    },
}

ACME_EXPECTED = {
    ("email", "info@acme-tools.de", "corporate"),
    ("email", "vertrieb@acme-tools.de", "corporate"),
    ("email", "team@acme-tools.de", "corporate"),
    ("email", "presse@acme-tools.de", "corporate"),
    ("email", "anna.schmidt@gmail.com", "free"),
    ("email", "noreply@acme-tools.de", "service"),
    ("email", "hello@agency-web.com", "unknown"),
    ("phone", "+493012345678", None),
    ("phone", "+493087654321", None),
}
CAFE_EXPECTED = {
    ("email", "bonjour@beta-cafe.fr", "corporate"),
    ("email", "hello@agency-web.com", "unknown"),
}


@pytest.fixture
async def web() -> AsyncIterator[SampleWeb]:
    async with running_sampleweb(MemorySource(SITES), api_key=API_KEY) as running:
        yield running


async def seed(site_paths: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Domains and their page rows (https://<domain><path>); returns url -> page id."""
    report = await add_domains(list(site_paths), source="test")
    assert report.accepted == len(site_paths)
    async with transaction() as session:
        ids = dict((await session.execute(select(domains.c.domain, domains.c.id))).all())
        values = [
            {"domain_id": ids[name], "url": f"https://{name}{path}"}
            for name, paths in site_paths.items()
            for path in paths
        ]
        result = await session.execute(insert(pages).returning(pages.c.url, pages.c.id), values)
        return dict(result.all())


async def select_all() -> None:
    result = await curate_pages(CurationStatus.SELECTED, PageFilter())
    assert result.queued == result.updated


async def run_until_idle(stage: ContactsScanStage, settings: Settings) -> RunTotals:
    totals = await run_worker(
        [stage], settings=settings, exit_when_idle=True, install_signals=False
    )
    return totals["contacts_scan"]


async def found_contacts() -> dict[str, set[tuple[str, str, str | None]]]:
    async with transaction() as session:
        result = await session.execute(
            select(domains.c.domain, contacts.c.kind, contacts.c.value, contacts.c.email_type).join(
                domains, domains.c.id == contacts.c.domain_id
            )
        )
        out: dict[str, set[tuple[str, str, str | None]]] = {}
        for name, kind, value, email_type in result:
            out.setdefault(name, set()).add(
                (str(kind), value, str(email_type) if email_type else None)
            )
        return out


async def page_rows() -> dict[str, Mapping[str, Any]]:
    async with transaction() as session:
        return {row["url"]: row for row in (await session.execute(select(pages))).mappings()}


async def table(name: str) -> list[Mapping[str, Any]]:
    source = {"contacts": contacts, "domains": domains}[name]
    async with transaction() as session:
        return list((await session.execute(select(source).order_by(source.c.id))).mappings())


ACME_PAGES = ["/", "/kontakt", "/impressum", "/blog/neuigkeiten", "/katalog.pdf", "/gone"]


async def test_contacts_found_typed_and_counted(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    page_ids = await seed({ACME: ACME_PAGES, CAFE: ["/", "/contact"]})
    await select_all()
    settings = stage_settings(web, tmp_path)
    totals = await run_until_idle(build(settings), settings)

    assert totals.succeeded == 6
    assert totals.failed == 2
    assert totals.requeued == 0
    assert await found_contacts() == {ACME: ACME_EXPECTED, CAFE: CAFE_EXPECTED}
    rows = await page_rows()
    acme = f"https://{ACME}"
    gone = rows[f"{acme}/gone"]
    assert gone["scan_status"] == "error"
    assert gone["scan_error_category"] == "http_404"
    assert gone["scan_error"].startswith(f"page returned 404 at {acme}/gone")
    assert gone["scan_attempts"] == 1
    assert gone["contacts_found"] is None
    assert rows[f"{acme}/katalog.pdf"]["scan_error_category"] == "not_html"
    empty = rows[f"{acme}/blog/neuigkeiten"]
    assert empty["scan_status"] == "complete"
    assert empty["contacts_found"] == 0
    assert empty["scan_error"] is None
    assert rows[f"{acme}/kontakt"]["contacts_found"] == 7  # 6 emails, 1 phone
    assert rows[f"{acme}/"]["contacts_found"] == 2
    assert rows[f"{acme}/impressum"]["contacts_found"] == 2  # seen again, stored once
    counts = {row["domain"]: row["contact_count"] for row in await table("domains")}
    assert counts == {ACME: len(ACME_EXPECTED), CAFE: len(CAFE_EXPECTED)}
    # each contact keeps the page and URL that showed it first (pages recorded in id order)
    by_value = {(row["domain_id"], row["value"]): row for row in await table("contacts")}
    info = next(row for (_, value), row in by_value.items() if value == "info@acme-tools.de")
    assert info["page_id"] == page_ids[f"{acme}/"]
    assert info["source_url"] == f"{acme}/"
    decoys = {"logo@2x.png", "you@example.com"}
    assert not decoys & {value for _, value in by_value}


async def test_rescan_adds_no_duplicates(db: Database, web: SampleWeb, tmp_path: Path) -> None:
    await seed({ACME: ACME_PAGES, CAFE: ["/", "/contact"]})
    await select_all()
    settings = stage_settings(web, tmp_path)
    await run_until_idle(build(settings), settings)
    before_contacts = await table("contacts")
    before_domains = {row["domain"]: row["contact_count"] for row in await table("domains")}

    async with transaction() as session:  # queue every page again, as a re-scan would
        await session.execute(
            update(pages).values(scan_status="queued", scan_next_attempt_at=pages.c.created_at)
        )
    totals = await run_until_idle(build(settings), settings)

    assert totals.claimed == 8
    assert await table("contacts") == before_contacts
    after_domains = {row["domain"]: row["contact_count"] for row in await table("domains")}
    assert after_domains == before_domains


async def test_per_domain_cap_defers_pages_without_using_attempts(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await seed({CAFE: [f"/menu/{n}" for n in range(5)]})
    await select_all()
    settings = stage_settings(web, tmp_path, contacts_domain_page_cap=2)
    totals = await run_until_idle(build(settings), settings)
    rows = list((await page_rows()).values())

    assert (totals.succeeded, totals.deferred, totals.failed, totals.requeued) == (2, 3, 0, 0)
    done = [row for row in rows if row["scan_status"] == "complete"]
    deferred = [row for row in rows if row["scan_status"] == "queued"]
    assert len(done) == 2
    assert len(deferred) == 3
    for row in deferred:
        assert row["scan_attempts"] == 0
        assert row["scan_error"] is None  # a deferral is not an error
        assert row["scan_error_category"] is None
        # back when this worker's window for the domain ends (600 s by default)
        wait = (row["scan_next_attempt_at"] - row["updated_at"]).total_seconds()
        assert 590 < wait <= 600
    assert not list((tmp_path / "diagnostics").glob("*.json"))


def test_domain_budget_windows() -> None:
    now = [0.0]
    budget = DomainBudget(cap=2, window_s=60.0, clock=lambda: now[0])
    assert [budget.take(1), budget.take(1), budget.take(1), budget.take(2)] == [
        True,
        True,
        False,
        True,
    ]
    now[0] = 61.0
    assert budget.take(1)  # a new window
    assert DomainBudget(cap=0, window_s=1.0).take(1)  # 0: no cap
    now[0] = 100.0
    assert budget.wait_s(1) == 21.0  # the window that started at 61 s ends at 121 s
    assert budget.wait_s(3) == 0.0  # a domain with no window yet


async def test_claims_are_fair_across_domains(db: Database, web: SampleWeb, tmp_path: Path) -> None:
    await seed({CAFE: [f"/menu/{n}" for n in range(12)], ACME: ["/", "/impressum"]})
    await select_all()
    settings = stage_settings(web, tmp_path)
    stage = build(settings)
    stage.spec = stage.spec.replace(batch_size=2, concurrency=2)
    await run_until_idle(stage, settings)
    rows = sorted((await page_rows()).values(), key=lambda r: (r["scan_finished_at"], r["id"]))

    assert {row["scan_status"] for row in rows} == {"complete"}
    first_batches = rows[:4]  # claims take one page per domain in turn
    assert sum(1 for row in first_batches if ACME in row["url"]) == 2


async def test_likely_contact_pages_are_selected(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    paths = ["/kontakt", "/about-us", "/team/anna", "/impressum", "/blog/contact-lenses-review"]
    await seed({ACME: [*paths, "/blog/post", "/shop/hammer"], CAFE: ["/menu/1"]})
    async with transaction() as session:
        ids = dict((await session.execute(select(domains.c.domain, domains.c.id))).all())

    assert await auto_select_contact_pages([ids[ACME]], stage_settings(web, tmp_path)) is None
    result = await select_likely_contact_pages([ids[ACME], ids[CAFE]], per_domain=10)
    rows = await page_rows()

    selected = {url for url, row in rows.items() if row["curation_status"] == "selected"}
    assert selected == {
        f"https://{ACME}/",  # the homepage is added as a page when no sitemap listed it
        f"https://{CAFE}/",
        *(f"https://{ACME}{path}" for path in paths),
    }
    assert result.updated == result.queued == len(selected)
    assert {rows[url]["scan_status"] for url in selected} == {"queued"}
    again = await select_likely_contact_pages([ids[ACME], ids[CAFE]], per_domain=10)
    assert again.updated == 0  # only pages nobody curated yet


async def test_a_real_worker_process_scans_pages(
    db: Database, db_url: URL, web: SampleWeb, tmp_path: Path
) -> None:
    await seed({ACME: ACME_PAGES, CAFE: ["/", "/contact"]})
    await select_all()
    code, output = await run_worker_process(db_url, web, tmp_path, "contacts_scan")

    assert code == 0, output
    assert await found_contacts() == {ACME: ACME_EXPECTED, CAFE: CAFE_EXPECTED}
    statuses = {url: row["scan_status"] for url, row in (await page_rows()).items()}
    assert statuses[f"https://{ACME}/gone"] == "error"
    assert list(statuses.values()).count("complete") == 6
