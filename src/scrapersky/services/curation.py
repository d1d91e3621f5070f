"""Curating domains in batches, by ids or by filter, and requeueing failed work.

result = await curate_domains(CurationStatus.SELECTED, DomainFilter(ids=[1, 2, 3]))
result.updated, result.queued    # selecting queues sitemap analysis (the handoff)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.domains import (
    DomainFilter,
    requeue_failed_metadata,
    requeue_failed_sitemaps,
    set_curation_status,
)
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import InputError

MAX_IDS_PER_CALL = 10_000


@dataclass(frozen=True)
class CurationResult:
    updated: int
    queued: int


async def curate_domains(status: CurationStatus, domain_filter: DomainFilter) -> CurationResult:
    """Set ``status`` on every matching domain in one transaction; idempotent."""
    if domain_filter.ids is not None and len(domain_filter.ids) > MAX_IDS_PER_CALL:
        raise InputError(f"at most {MAX_IDS_PER_CALL} ids per call; use a filter for more")
    async with transaction() as session:
        updated, queued = await set_curation_status(session, domain_filter, status)
    return CurationResult(updated, queued)


async def requeue_failed(stage: Literal["metadata", "sitemap"], domain_filter: DomainFilter) -> int:
    """Put failed items of ``stage`` back in its queue with a fresh attempt budget."""
    async with transaction() as session:
        if stage == "metadata":
            return await requeue_failed_metadata(session, domain_filter)
        return await requeue_failed_sitemaps(session, domain_filter)
