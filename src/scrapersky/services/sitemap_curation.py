"""Curating sitemap files in batches, and requeueing failed imports.

result = await curate_sitemaps(CurationStatus.SELECTED, SitemapFilter(ids=[4, 5]))
result.updated, result.queued    # selecting queues the import (the handoff)
"""

from __future__ import annotations

from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.sitemaps import (
    SitemapFilter,
    requeue_failed_imports,
    set_sitemap_curation,
)
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import InputError
from scrapersky.services.curation import MAX_IDS_PER_CALL, CurationResult


def _check_ids(sitemap_filter: SitemapFilter) -> None:
    if sitemap_filter.ids is not None and len(sitemap_filter.ids) > MAX_IDS_PER_CALL:
        raise InputError(f"at most {MAX_IDS_PER_CALL} ids per call; use a filter for more")


async def curate_sitemaps(status: CurationStatus, sitemap_filter: SitemapFilter) -> CurationResult:
    """Set ``status`` on every matching sitemap file in one transaction; idempotent."""
    _check_ids(sitemap_filter)
    async with transaction() as session:
        updated, queued = await set_sitemap_curation(session, sitemap_filter, status)
    return CurationResult(updated, queued)


async def requeue_failed_sitemap_imports(sitemap_filter: SitemapFilter) -> int:
    """Put matching files whose import failed back in the import queue."""
    _check_ids(sitemap_filter)
    async with transaction() as session:
        return await requeue_failed_imports(session, sitemap_filter)
