"""/api/domains: list, get one (with sitemaps, page counts, contacts), add, upload, curate."""

from __future__ import annotations

import csv
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile

from scrapersky.api.auth import require_api_token
from scrapersky.api.deps import DomainFilterDep, PageDep
from scrapersky.api.routes.common import (
    AUTH_ERRORS,
    NOT_FOUND,
    ErrorOut,
    field_error,
    list_page,
    not_found,
)
from scrapersky.api.schemas import (
    MAX_BIGINT,
    AddDomains,
    BatchResult,
    DomainBatch,
    DomainDetail,
    DomainOut,
    DomainRequeue,
    IntakeOut,
    Listing,
    RequeueResult,
    clean_text,
)
from scrapersky.db.queries.contacts import contacts_of_domain
from scrapersky.db.queries.domains import SortKey, count_domains, get_domain, list_domains
from scrapersky.db.queries.pages import page_counts_of_domain
from scrapersky.db.queries.sitemaps import sitemaps_of_domain
from scrapersky.db.transaction import transaction
from scrapersky.services.curation import MAX_IDS_PER_CALL, curate_domains, requeue_failed
from scrapersky.services.domain_file import read_domain_column
from scrapersky.services.intake import IntakeReport, add_domains

router = APIRouter(
    prefix="/api/domains",
    tags=["domains"],
    dependencies=[Depends(require_api_token)],
    responses=AUTH_ERRORS,
)
DomainId = Annotated[int, Path(ge=1, le=MAX_BIGINT)]


@router.get("", response_model=Listing[DomainOut])
async def list_domains_route(
    row_filter: DomainFilterDep,
    paging: PageDep,
    sort: Annotated[SortKey | None, Query(description="Default -id (newest first).")] = None,
) -> dict[str, Any]:
    """Domains matching the filters, newest first; page or cursor pagination."""
    return await list_page(count_domains, list_domains, row_filter, paging, sort)


@router.get("/{domain_id}", response_model=DomainDetail, responses=NOT_FOUND)
async def get_domain_route(domain_id: DomainId) -> dict[str, Any]:
    """One domain with its sitemap files (tree order), page counts and contacts."""
    async with transaction() as session:
        row = await get_domain(session, domain_id)
        if row is None:
            not_found("domain", domain_id)
        row["sitemaps"] = await sitemaps_of_domain(session, domain_id)
        row["page_counts"] = await page_counts_of_domain(session, domain_id)
        row["contacts"] = await contacts_of_domain(session, domain_id)
    return row


def _intake(report: IntakeReport) -> dict[str, object]:
    return report.to_dict()


@router.post("", response_model=IntakeOut)
async def add_domains_route(body: AddDomains) -> dict[str, object]:
    """Add domains or URLs: normalised, de-duplicated; rejections come back with reasons."""
    return _intake(await add_domains(body.domains, source=body.source or "api"))


@router.post(
    "/upload",
    response_model=IntakeOut,
    responses={413: {"model": ErrorOut, "description": "The file is too large."}},
)
async def upload_domains_route(
    request: Request,
    file: Annotated[UploadFile, File(description="CSV or TXT; the domain column is detected.")],
    column: Annotated[
        str | None, Form(max_length=100, description="Column name or 1-based number.")
    ] = None,
) -> dict[str, object]:
    """Import domains from an uploaded CSV/TXT file (the domain column is auto-detected)."""
    limit = request.app.state.settings.api_max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"the file is larger than {limit} bytes")
    if column is not None:
        try:
            clean_text(column)
        except ValueError as exc:
            raise field_error(("body", "column"), str(exc)) from None
    text = data.decode("utf-8", errors="replace").replace("\x00", "")
    try:
        values = list(read_domain_column(text, column or None))
    except csv.Error as exc:
        raise field_error(("body", "file"), f"not a readable CSV file: {exc}") from None
    name = "".join(ch for ch in (file.filename or "upload") if ch.isprintable())[:100]
    return _intake(await add_domains(values, source=f"upload:{name}"))


@router.post(
    "/batch",
    response_model=BatchResult,
    description=f"Set the curation status of domains by `ids` (at most {MAX_IDS_PER_CALL} per "
    "call) or by `filter` (every match). Selecting queues sitemap analysis. Idempotent: "
    "`queued` counts only rows that were not already queued, running or done.",
)
async def curate_domains_route(body: DomainBatch) -> BatchResult:
    result = await curate_domains(body.status, body.to_filter())
    return BatchResult(updated=result.updated, queued=result.queued)


@router.post("/requeue", response_model=RequeueResult)
async def requeue_domains_route(body: DomainRequeue) -> RequeueResult:
    """Put failed domains of a stage (metadata or sitemap) back in its queue."""
    return RequeueResult(requeued=await requeue_failed(body.stage, body.to_filter()))
