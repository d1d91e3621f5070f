"""The tabs with tables: Domains (+ detail), Sitemaps, Pages, Contacts, and their live rows.

Each table row's status cells are rendered by one macro (``_cells.html``), both in the page
and in ``GET /ui/<tab>/rows?ids=...``, which the browser polls to keep badges live.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse

from scrapersky.api.deps import (
    ContactFilterDep,
    DomainFilterDep,
    PageFilterDep,
    SitemapFilterDep,
    filter_body,
)
from scrapersky.api.schemas import MAX_BIGINT
from scrapersky.api.ui.common import UiSessionDep, page_links, query_without, render, templates
from scrapersky.db.enums import (
    ContactKind,
    CurationStatus,
    EmailType,
    ImportStatus,
    MetadataStatus,
    ScanStatus,
    SitemapAnalysisStatus,
    SitemapKind,
)
from scrapersky.db.queries.contacts import contacts_of_domain, count_contacts, list_contacts
from scrapersky.db.queries.domains import DomainFilter, count_domains, get_domain, list_domains
from scrapersky.db.queries.pages import PageFilter, count_pages, list_pages, page_counts_of_domain
from scrapersky.db.queries.sitemaps import (
    SitemapFilter,
    count_sitemaps,
    list_sitemaps,
    sitemaps_of_domain,
)
from scrapersky.db.transaction import transaction

router = APIRouter()
PAGE_SIZES = (25, 50, 100, 200)
MAX_POLL_IDS = 500

UiLimit = Annotated[int, Query(ge=1, le=200)]
UiOffset = Annotated[int, Query(ge=0, le=10_000_000)]


@dataclass(frozen=True)
class Grid:
    resource: str
    noun: str
    queue_label: str
    cells: tuple[str, ...]
    fetch: Callable[[Any, list[int]], Awaitable[list[dict[str, Any]]]]
    active: Callable[[dict[str, Any]], bool]


async def _domains_by_id(session: Any, ids: list[int]) -> list[dict[str, Any]]:
    return await list_domains(session, DomainFilter(ids=ids), limit=len(ids))


async def _sitemaps_by_id(session: Any, ids: list[int]) -> list[dict[str, Any]]:
    return await list_sitemaps(session, SitemapFilter(ids=ids), limit=len(ids))


async def _pages_by_id(session: Any, ids: list[int]) -> list[dict[str, Any]]:
    return await list_pages(session, PageFilter(ids=ids), limit=len(ids))


GRIDS = {
    "domains": Grid(
        "domains",
        "domains",
        "Queue for sitemap analysis",
        ("curation", "metadata", "sitemap", "counts", "error"),
        _domains_by_id,
        lambda r: (
            str(r["metadata_status"]) in ("pending", "processing")
            or str(r["sitemap_analysis_status"]) in ("queued", "processing")
        ),
    ),
    "sitemaps": Grid(
        "sitemaps",
        "sitemap files",
        "Queue for import",
        ("curation", "import", "urls", "error"),
        _sitemaps_by_id,
        lambda r: str(r["import_status"]) in ("queued", "processing"),
    ),
    "pages": Grid(
        "pages",
        "pages",
        "Queue for contact scan",
        ("curation", "scan", "contacts", "error"),
        _pages_by_id,
        lambda r: str(r["scan_status"]) in ("queued", "processing"),
    ),
}


def _grid_context(request: Request, grid: Grid, row_filter: Any, total: int) -> dict[str, Any]:
    return {
        "grid": grid,
        "filter_json": filter_body(row_filter),
        "total": total,
        "keep_query": query_without(request, "offset"),
        "curation_options": list(CurationStatus),
        "page_sizes": PAGE_SIZES,
    }


def _parse_ids(raw: str) -> list[int]:
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_BIGINT:
            raise HTTPException(422, f"not a row id: {part[:30]!r}")
        ids.append(int(part))
    if len(ids) > MAX_POLL_IDS:
        raise HTTPException(422, f"at most {MAX_POLL_IDS} ids per poll")
    return ids


@router.get("/{resource}/rows")
async def live_rows(
    resource: str, session: UiSessionDep, ids: Annotated[str, Query(max_length=10_000)] = ""
) -> dict[str, Any]:
    """The status cells of the given rows, rendered, for the polling script."""
    grid = GRIDS.get(resource)
    if grid is None:
        raise HTTPException(404, f"no live rows for {resource!r}")
    wanted = _parse_ids(ids)
    rows: list[dict[str, Any]] = []
    if wanted:
        async with transaction() as db:
            rows = await grid.fetch(db, wanted)
    macros = templates.env.get_template("_cells.html").module
    return {
        "rows": [
            {
                "id": row["id"],
                "active": grid.active(row),
                "cells": {name: str(macros.cell(resource, name, row)) for name in grid.cells},  # type: ignore[attr-defined]
            }
            for row in rows
        ]
    }


@router.get("/domains", response_class=HTMLResponse)
async def domains_tab(
    request: Request,
    session: UiSessionDep,
    row_filter: DomainFilterDep,
    limit: UiLimit = 50,
    offset: UiOffset = 0,
) -> HTMLResponse:
    async with transaction() as db:
        total = await count_domains(db, row_filter)
        rows = await list_domains(db, row_filter, limit=limit, offset=offset)
    return render(
        request,
        session,
        "domains.html",
        tab="domains",
        rows=rows,
        row_filter=row_filter,
        pager=page_links(total, limit, offset),
        metadata_options=list(MetadataStatus),
        sitemap_options=list(SitemapAnalysisStatus),
        **_grid_context(request, GRIDS["domains"], row_filter, total),
    )


@router.get("/domains/{domain_id}", response_class=HTMLResponse)
async def domain_detail(
    request: Request,
    session: UiSessionDep,
    domain_id: Annotated[int, Path(ge=1, le=MAX_BIGINT)],
) -> HTMLResponse:
    async with transaction() as db:
        row = await get_domain(db, domain_id)
        if row is not None:
            sitemaps = await sitemaps_of_domain(db, domain_id)
            counts = await page_counts_of_domain(db, domain_id)
            contacts = await contacts_of_domain(db, domain_id)
    if row is None:
        return render(
            request,
            session,
            "not_found.html",
            status_code=404,
            tab="domains",
            message=f"There is no domain with id {domain_id}.",
        )
    children: dict[int | None, list[dict[str, Any]]] = {}
    known = {s["id"] for s in sitemaps}
    for sitemap in sitemaps:
        parent = sitemap["parent_id"] if sitemap["parent_id"] in known else None
        children.setdefault(parent, []).append(sitemap)
    return render(
        request,
        session,
        "domain_detail.html",
        tab="domains",
        row=row,
        grid=GRIDS["domains"],
        sitemap_tree=children,
        page_counts=counts,
        contacts=contacts,
    )


@router.get("/sitemaps", response_class=HTMLResponse)
async def sitemaps_tab(
    request: Request,
    session: UiSessionDep,
    row_filter: SitemapFilterDep,
    limit: UiLimit = 50,
    offset: UiOffset = 0,
) -> HTMLResponse:
    async with transaction() as db:
        total = await count_sitemaps(db, row_filter)
        rows = await list_sitemaps(db, row_filter, limit=limit, offset=offset)
    return render(
        request,
        session,
        "sitemaps.html",
        tab="sitemaps",
        rows=rows,
        row_filter=row_filter,
        pager=page_links(total, limit, offset),
        import_options=list(ImportStatus),
        kind_options=list(SitemapKind),
        **_grid_context(request, GRIDS["sitemaps"], row_filter, total),
    )


@router.get("/pages", response_class=HTMLResponse)
async def pages_tab(
    request: Request,
    session: UiSessionDep,
    row_filter: PageFilterDep,
    limit: UiLimit = 50,
    offset: UiOffset = 0,
) -> HTMLResponse:
    async with transaction() as db:
        total = await count_pages(db, row_filter)
        rows = await list_pages(db, row_filter, limit=limit, offset=offset)
    return render(
        request,
        session,
        "pages.html",
        tab="pages",
        rows=rows,
        row_filter=row_filter,
        pager=page_links(total, limit, offset),
        scan_options=list(ScanStatus),
        **_grid_context(request, GRIDS["pages"], row_filter, total),
    )


@router.get("/contacts", response_class=HTMLResponse)
async def contacts_tab(
    request: Request,
    session: UiSessionDep,
    row_filter: ContactFilterDep,
    limit: UiLimit = 50,
    offset: UiOffset = 0,
) -> HTMLResponse:
    async with transaction() as db:
        total = await count_contacts(db, row_filter)
        rows = await list_contacts(db, row_filter, limit=limit, offset=offset)
    return render(
        request,
        session,
        "contacts.html",
        tab="contacts",
        rows=rows,
        row_filter=row_filter,
        pager=page_links(total, limit, offset),
        total=total,
        keep_query=query_without(request, "offset"),
        export_query=query_without(request, "offset", "limit", "format"),
        kind_options=list(ContactKind),
        email_type_options=list(EmailType),
        page_sizes=PAGE_SIZES,
    )
