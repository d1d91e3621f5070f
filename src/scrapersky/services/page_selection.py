"""Selecting a domain's likely contact pages automatically, for a one-shot run.

    result = await select_likely_contact_pages([7, 8])          # always
    result = await auto_select_contact_pages([7, 8], settings)  # only when auto_advance is on

The homepage (added as a page when no sitemap listed it) plus up to
``contacts_auto_select_per_domain - 1`` pages whose URL looks like a contact, about, team,
imprint or legal page, in several languages (``db.queries.contacts_write.LIKELY_CONTACT_GLOBS``),
highest sitemap priority first. Only pages nobody has curated yet are touched; selecting
queues their contacts scan. Selection by id, URL glob, domain or top N per domain is
``services.page_curation.curate_pages``.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapersky.db.queries.contacts_write import queue_likely_contact_pages
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import InputError
from scrapersky.services.curation import MAX_IDS_PER_CALL, CurationResult
from scrapersky.settings import Settings, get_settings


async def select_likely_contact_pages(
    domain_ids: Sequence[int], *, per_domain: int | None = None, settings: Settings | None = None
) -> CurationResult:
    """Select (and queue for scanning) each domain's likely contact pages; idempotent."""
    if len(domain_ids) > MAX_IDS_PER_CALL:
        raise InputError(f"at most {MAX_IDS_PER_CALL} domain ids per call")
    limit = per_domain or (settings or get_settings()).contacts_auto_select_per_domain
    if limit < 1:
        raise InputError("per_domain must be at least 1")
    async with transaction() as session:
        updated, queued = await queue_likely_contact_pages(
            session, list(domain_ids), per_domain=limit
        )
    return CurationResult(updated, queued)


async def auto_select_contact_pages(
    domain_ids: Sequence[int], settings: Settings | None = None
) -> CurationResult | None:
    """``select_likely_contact_pages`` when ``auto_advance`` is on; None (nothing done) if off."""
    settings = settings or get_settings()
    if not settings.auto_advance:
        return None
    return await select_likely_contact_pages(domain_ids, settings=settings)
