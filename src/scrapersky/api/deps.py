"""Shared FastAPI dependencies: pagination and the filter query parameters of each resource.

    @router.get("/domains")
    async def list_(f: Annotated[DomainFilter, Depends(domain_filter)], p: PageDep): ...

The same parameters drive the JSON listings, the exports and the UI tabs, so a filter in the
UI's address bar is the filter an export or a batch "all matching" applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, Field

from scrapersky.api.schemas import MAX_BIGINT, MAX_SEARCH_CHARS, MAX_URL_PATTERNS, clean_text
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
from scrapersky.db.queries.contacts import ContactFilter
from scrapersky.db.queries.domains import DomainFilter
from scrapersky.db.queries.pages import PageFilter
from scrapersky.db.queries.sitemaps import SitemapFilter

MAX_PAGE_SIZE = 500
MAX_OFFSET = 10_000_000
MAX_ID_PARAMS = 100

Search = Annotated[
    str | None,
    Query(max_length=MAX_SEARCH_CHARS, description="Case-insensitive text search."),
    AfterValidator(lambda v: None if v is None else clean_text(v)),
]
IdParams = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_BIGINT)]] | None, Query(max_length=MAX_ID_PARAMS)
]


def field_error(loc: Sequence[str | int], message: str) -> RequestValidationError:
    """A 422 in FastAPI's own shape: ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``."""
    return RequestValidationError([{"loc": tuple(loc), "msg": message, "type": "value_error"}])


def _ids(values: list[int] | None, name: str) -> list[int] | None:
    return values or None


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    cursor: int | None


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Page pagination.")] = 0,
    cursor: Annotated[
        int | None,
        Query(ge=0, le=MAX_BIGINT, description="Keyset pagination: rows with id > cursor."),
    ] = None,
) -> Paging:
    if cursor is not None and offset:
        raise field_error(("query", "cursor"), "use either 'cursor' or 'offset', not both")
    return Paging(limit, offset, cursor)


PageDep = Annotated[Paging, Depends(paging)]


def domain_filter(
    curation_status: Annotated[list[CurationStatus] | None, Query()] = None,
    metadata_status: Annotated[list[MetadataStatus] | None, Query()] = None,
    sitemap_status: Annotated[list[SitemapAnalysisStatus] | None, Query()] = None,
    q: Search = None,
) -> DomainFilter:
    return DomainFilter(
        curation_status=curation_status or None,
        metadata_status=metadata_status or None,
        sitemap_status=sitemap_status or None,
        search=q or None,
    )


def sitemap_filter(
    domain_id: IdParams = None,
    curation_status: Annotated[list[CurationStatus] | None, Query()] = None,
    import_status: Annotated[list[ImportStatus] | None, Query()] = None,
    kind: Annotated[list[SitemapKind] | None, Query()] = None,
    q: Search = None,
) -> SitemapFilter:
    return SitemapFilter(
        domain_ids=_ids(domain_id, "domain_id"),
        curation_status=curation_status or None,
        import_status=import_status or None,
        kind=kind or None,
        search=q or None,
    )


def page_filter(
    domain_id: IdParams = None,
    sitemap_file_id: IdParams = None,
    curation_status: Annotated[list[CurationStatus] | None, Query()] = None,
    scan_status: Annotated[list[ScanStatus] | None, Query()] = None,
    url_pattern: Annotated[
        list[str] | None,
        Query(
            max_length=MAX_URL_PATTERNS,
            description="Glob over the whole URL, e.g. `*/contact*`; repeat for any-of.",
        ),
    ] = None,
    q: Search = None,
    top_per_domain: Annotated[
        int | None, Query(ge=1, le=10_000, description="First N matching pages per domain.")
    ] = None,
    top_order: Annotated[str, Query(pattern="^(priority|lastmod)$")] = "priority",
) -> PageFilter:
    patterns = None
    if url_pattern:
        for pattern in url_pattern:
            if len(pattern) > MAX_SEARCH_CHARS:
                raise field_error(
                    ("query", "url_pattern"), f"at most {MAX_SEARCH_CHARS} characters"
                )
            try:
                clean_text(pattern)
            except ValueError as exc:
                raise field_error(("query", "url_pattern"), str(exc)) from None
        patterns = [p for p in url_pattern if p.strip()] or None
    return PageFilter(
        domain_ids=_ids(domain_id, "domain_id"),
        sitemap_file_ids=_ids(sitemap_file_id, "sitemap_file_id"),
        curation_status=curation_status or None,
        scan_status=scan_status or None,
        url_patterns=patterns,
        search=q or None,
        top_per_domain=top_per_domain,
        top_order="lastmod" if top_order == "lastmod" else "priority",
    )


def contact_filter(
    domain_id: IdParams = None,
    kind: Annotated[list[ContactKind] | None, Query()] = None,
    email_type: Annotated[list[EmailType] | None, Query()] = None,
    q: Search = None,
) -> ContactFilter:
    return ContactFilter(
        domain_ids=_ids(domain_id, "domain_id"),
        kind=kind or None,
        email_type=email_type or None,
        search=q or None,
    )


DomainFilterDep = Annotated[DomainFilter, Depends(domain_filter)]
SitemapFilterDep = Annotated[SitemapFilter, Depends(sitemap_filter)]
PageFilterDep = Annotated[PageFilter, Depends(page_filter)]
ContactFilterDep = Annotated[ContactFilter, Depends(contact_filter)]


def filter_body(row_filter: Any) -> dict[str, Any]:
    """A filter as the ``filter`` object of a batch request (for "select all matching")."""
    names = {
        "domain_ids": "domain_ids",
        "sitemap_file_ids": "sitemap_file_ids",
        "curation_status": "curation_status",
        "metadata_status": "metadata_status",
        "sitemap_status": "sitemap_status",
        "import_status": "import_status",
        "scan_status": "scan_status",
        "kind": "kind",
        "url_patterns": "url_patterns",
        "search": "search",
        "top_per_domain": "top_per_domain",
    }
    body: dict[str, Any] = {}
    for attr, key in names.items():
        value = getattr(row_filter, attr, None)
        if value:
            if isinstance(value, list | tuple):
                value = [v.value if isinstance(v, Enum) else v for v in value]
            body[key] = value
    if getattr(row_filter, "top_per_domain", None):
        body["top_order"] = row_filter.top_order
    return body
