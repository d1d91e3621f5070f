"""/api/sitemaps: list and filter sitemap files, get one, curate (import queue), requeue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from scrapersky.api.auth import require_api_token
from scrapersky.api.deps import PageDep, SitemapFilterDep
from scrapersky.api.routes.common import (
    AUTH_ERRORS,
    NOT_FOUND,
    list_page,
    not_found,
)
from scrapersky.api.schemas import (
    MAX_BIGINT,
    BatchResult,
    Listing,
    RequeueResult,
    SitemapBatch,
    SitemapOut,
    SitemapRequeue,
)
from scrapersky.db.queries.sitemaps import SitemapSort, count_sitemaps, get_sitemap, list_sitemaps
from scrapersky.db.transaction import transaction
from scrapersky.services.curation import MAX_IDS_PER_CALL
from scrapersky.services.sitemap_curation import curate_sitemaps, requeue_failed_sitemap_imports

router = APIRouter(
    prefix="/api/sitemaps",
    tags=["sitemaps"],
    dependencies=[Depends(require_api_token)],
    responses=AUTH_ERRORS,
)


@router.get("", response_model=Listing[SitemapOut])
async def list_sitemaps_route(
    row_filter: SitemapFilterDep,
    paging: PageDep,
    sort: Annotated[SitemapSort | None, Query(description="Default -id.")] = None,
) -> dict[str, Any]:
    """Sitemap files matching the filters (``q`` searches the URL)."""
    return await list_page(count_sitemaps, list_sitemaps, row_filter, paging, sort)


@router.get("/{sitemap_id}", response_model=SitemapOut, responses=NOT_FOUND)
async def get_sitemap_route(
    sitemap_id: Annotated[int, Path(ge=1, le=MAX_BIGINT)],
) -> dict[str, Any]:
    """One sitemap file."""
    async with transaction() as session:
        row = await get_sitemap(session, sitemap_id)
    if row is None:
        not_found("sitemap file", sitemap_id)
    return row


@router.post(
    "/batch",
    response_model=BatchResult,
    description=f"Set the curation status of sitemap files by `ids` (at most {MAX_IDS_PER_CALL} "
    "per call) or by `filter`. Selecting queues the import unless it is already queued, running "
    "or complete. Idempotent.",
)
async def curate_sitemaps_route(body: SitemapBatch) -> BatchResult:
    result = await curate_sitemaps(body.status, body.to_filter())
    return BatchResult(updated=result.updated, queued=result.queued)


@router.post("/requeue", response_model=RequeueResult)
async def requeue_sitemaps_route(body: SitemapRequeue) -> RequeueResult:
    """Put sitemap files whose import failed back in the import queue."""
    return RequeueResult(requeued=await requeue_failed_sitemap_imports(body.to_filter()))
