"""Curating pages in batches (by ids, URL glob, domain, top N per domain) and requeueing scans.

f = PageFilter(domain_ids=[7], url_patterns=["*/contact*"], top_per_domain=5)
result = await curate_pages(CurationStatus.SELECTED, f)   # queues the contact scan
"""

from __future__ import annotations

from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.pages import PageFilter, requeue_failed_scans, set_page_curation
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import InputError
from scrapersky.services.curation import MAX_IDS_PER_CALL, CurationResult


def _check_ids(page_filter: PageFilter) -> None:
    if page_filter.ids is not None and len(page_filter.ids) > MAX_IDS_PER_CALL:
        raise InputError(f"at most {MAX_IDS_PER_CALL} ids per call; use a filter for more")


async def curate_pages(status: CurationStatus, page_filter: PageFilter) -> CurationResult:
    """Set ``status`` on every matching page in one transaction; idempotent."""
    _check_ids(page_filter)
    async with transaction() as session:
        updated, queued = await set_page_curation(session, page_filter, status)
    return CurationResult(updated, queued)


async def requeue_failed_page_scans(page_filter: PageFilter) -> int:
    """Put matching pages whose contact scan failed back in the scan queue."""
    _check_ids(page_filter)
    async with transaction() as session:
        return await requeue_failed_scans(session, page_filter)
