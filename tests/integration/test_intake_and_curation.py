"""Adding domains in bulk, curating them, and the handoff to the sitemap workflow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scrapersky.db.engine import Database
from scrapersky.db.enums import CurationStatus, MetadataStatus, SitemapAnalysisStatus
from scrapersky.db.queries.domains import DomainFilter, count_domains, list_domains
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.services.curation import curate_domains, requeue_failed
from scrapersky.services.intake import add_domains

pytestmark = pytest.mark.integration


async def statuses(name: str) -> dict[str, object]:
    async with transaction() as session:
        row = (
            (await session.execute(select(domains).where(domains.c.domain == name)))
            .mappings()
            .one()
        )
    return dict(row)


async def test_add_normalises_dedupes_and_rejects_with_reasons(db: Database) -> None:
    report = await add_domains(
        [
            "HTTPS://www.Example.com/about",
            "example.com",  # duplicate of the first after normalisation
            "straße.de",
            "localhost",
            "192.168.1.10",
            "",
            "co.uk",
        ],
        source="test",
    )
    assert report.accepted == 2
    assert report.duplicates == 1
    assert report.rejected == 4
    assert {r.raw for r in report.rejections} == {"localhost", "192.168.1.10", "", "co.uk"}
    assert all(r.reason for r in report.rejections)
    row = await statuses("xn--strae-oqa.de")
    assert row["metadata_status"] == MetadataStatus.PENDING
    assert row["curation_status"] == CurationStatus.NEW
    assert row["source"] == "test"


async def test_second_import_reports_existing_rows_as_duplicates(db: Database) -> None:
    await add_domains(["acme.com", "beta.io"])
    again = await add_domains(["acme.com", "gamma.de"])
    assert (again.accepted, again.duplicates, again.rejected) == (1, 1, 0)
    assert again.duplicate_examples == ["acme.com"]


async def test_bulk_import_of_many_rows(db: Database) -> None:
    names = [f"bulk-company-{i}.com" for i in range(30_000)]  # crosses an insert chunk
    report = await add_domains(names)
    assert report.accepted == 30_000
    async with transaction() as session:
        assert await count_domains(session, DomainFilter()) == 30_000


async def test_selecting_queues_sitemap_analysis_and_is_idempotent(db: Database) -> None:
    await add_domains(["one.com", "two.com", "three.com"])
    async with transaction() as session:
        rows = await list_domains(session, DomainFilter(domains=["one.com", "two.com"]))
    ids = [row["id"] for row in rows]
    first = await curate_domains(CurationStatus.SELECTED, DomainFilter(ids=ids))
    assert (first.updated, first.queued) == (2, 2)
    again = await curate_domains(CurationStatus.SELECTED, DomainFilter(ids=ids))
    assert (again.updated, again.queued) == (2, 0)  # already queued: not queued twice
    maybe = await curate_domains(CurationStatus.MAYBE, DomainFilter(domains=["three.com"]))
    assert (maybe.updated, maybe.queued) == (1, 0)
    assert (await statuses("one.com"))["sitemap_analysis_status"] == SitemapAnalysisStatus.QUEUED
    assert (await statuses("three.com"))["sitemap_analysis_status"] == SitemapAnalysisStatus.PENDING


async def test_curate_by_filter_and_requeue_failed(db: Database) -> None:
    await add_domains(["dental-a.com", "dental-b.com", "bakery.com"])
    result = await curate_domains(CurationStatus.NOT_A_FIT, DomainFilter(search="dental"))
    assert result.updated == 2
    async with transaction() as session:
        await session.execute(
            domains.update()
            .where(domains.c.domain == "bakery.com")
            .values(
                metadata_status=MetadataStatus.ERROR,
                metadata_error="homepage returned 500",
                sitemap_analysis_status=SitemapAnalysisStatus.FAILED,
                sitemap_error="no sitemap found",
            )
        )
    assert await requeue_failed("metadata", DomainFilter()) == 1
    assert await requeue_failed("sitemap", DomainFilter()) == 1
    row = await statuses("bakery.com")
    assert row["metadata_status"] == MetadataStatus.PENDING
    assert row["metadata_error"] is None
    assert row["sitemap_analysis_status"] == SitemapAnalysisStatus.QUEUED
    assert row["sitemap_error"] is None
