"""/api/exports/<resource>: stream CSV or JSON Lines, one short transaction per batch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from scrapersky.api.auth import require_api_token
from scrapersky.api.deps import (
    ContactFilterDep,
    DomainFilterDep,
    PageFilterDep,
    SitemapFilterDep,
)
from scrapersky.api.routes.common import AUTH_ERRORS
from scrapersky.services.exports import MEDIA_TYPES, export_chunks

router = APIRouter(
    prefix="/api/exports",
    tags=["exports"],
    dependencies=[Depends(require_api_token)],
    responses=AUTH_ERRORS,
)
Format = Annotated[Literal["csv", "jsonl"], Query(description="csv (with a header) or jsonl.")]
STREAMED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rows, streamed.",
        "content": {"text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {}},
    }
}


def stream_export(resource: str, row_filter: Any, fmt: str) -> StreamingResponse:
    """A streaming response for the export (used by the API and the UI)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        export_chunks(resource, row_filter, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "content-disposition": f'attachment; filename="{resource}-{stamp}.{fmt}"',
            "cache-control": "no-store",
        },
    )


@router.get("/domains", response_class=StreamingResponse, responses=STREAMED)
async def export_domains(row_filter: DomainFilterDep, format: Format = "csv") -> StreamingResponse:
    """Every matching domain with its metadata."""
    return stream_export("domains", row_filter, format)


@router.get("/sitemaps", response_class=StreamingResponse, responses=STREAMED)
async def export_sitemaps(
    row_filter: SitemapFilterDep, format: Format = "csv"
) -> StreamingResponse:
    """Every matching sitemap file."""
    return stream_export("sitemaps", row_filter, format)


@router.get("/pages", response_class=StreamingResponse, responses=STREAMED)
async def export_pages(row_filter: PageFilterDep, format: Format = "csv") -> StreamingResponse:
    """Every matching page."""
    return stream_export("pages", row_filter, format)


@router.get("/contacts", response_class=StreamingResponse, responses=STREAMED)
async def export_contacts(
    row_filter: ContactFilterDep, format: Format = "csv"
) -> StreamingResponse:
    """Every matching contact (1M rows stream in bounded memory)."""
    return stream_export("contacts", row_filter, format)
