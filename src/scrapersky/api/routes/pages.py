"""/api/pages: list and filter pages (URL globs, top N per domain), curate (scan queue)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from scrapersky.api.auth import require_api_token
from scrapersky.api.deps import PageDep, PageFilterDep
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
    PageBatch,
    PageOut,
    PageRequeue,
    RequeueResult,
)
from scrapersky.db.queries.pages import PageSort, count_pages, get_page, list_pages
from scrapersky.db.transaction import transaction
from scrapersky.services.curation import MAX_IDS_PER_CALL
from scrapersky.services.page_curation import curate_pages, requeue_failed_page_scans

router = APIRouter(
    prefix="/api/pages",
    tags=["pages"],
    dependencies=[Depends(require_api_token)],
    responses=AUTH_ERRORS,
)


@router.get("", response_model=Listing[PageOut])
async def list_pages_route(
    row_filter: PageFilterDep,
    paging: PageDep,
    sort: Annotated[PageSort | None, Query(description="Default -id.")] = None,
) -> dict[str, Any]:
    """Pages matching the filters: status, domain, sitemap file, URL globs, top N per domain."""
    return await list_page(count_pages, list_pages, row_filter, paging, sort)


@router.get("/{page_id}", response_model=PageOut, responses=NOT_FOUND)
async def get_page_route(page_id: Annotated[int, Path(ge=1, le=MAX_BIGINT)]) -> dict[str, Any]:
    """One page."""
    async with transaction() as session:
        row = await get_page(session, page_id)
    if row is None:
        not_found("page", page_id)
    return row


@router.post(
    "/batch",
    response_model=BatchResult,
    description=f"Set the curation status of pages by `ids` (at most {MAX_IDS_PER_CALL} per call)"
    " or by `filter` (URL globs such as `*/contact*`, domains, top N per domain by priority or "
    "lastmod). Selecting queues the contact scan unless it is already queued, running or "
    "complete. Idempotent.",
)
async def curate_pages_route(body: PageBatch) -> BatchResult:
    result = await curate_pages(body.status, body.to_filter())
    return BatchResult(updated=result.updated, queued=result.queued)


@router.post("/requeue", response_model=RequeueResult)
async def requeue_pages_route(body: PageRequeue) -> RequeueResult:
    """Put pages whose contact scan failed back in the scan queue."""
    return RequeueResult(requeued=await requeue_failed_page_scans(body.to_filter()))
