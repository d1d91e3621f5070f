"""Request and response models of the HTTP API (pydantic), shared by the routes and the UI.

    body = DomainBatch.model_validate({"ids": [1, 2], "status": "selected"})
    body.to_filter()   # DomainFilter(ids=[1, 2])

Every string a client sends passes :data:`CleanText`: PostgreSQL text cannot hold NUL, and a
lone surrogate cannot be encoded, so both are a 422 with a field message, never a 500.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from scrapersky.db.enums import (
    ContactKind,
    CurationStatus,
    DiscoveredVia,
    EmailType,
    ImportStatus,
    MetadataStatus,
    ScanStatus,
    SitemapAnalysisStatus,
    SitemapKind,
)
from scrapersky.db.queries.domains import DomainFilter
from scrapersky.db.queries.pages import PageFilter
from scrapersky.db.queries.sitemaps import SitemapFilter
from scrapersky.services.curation import MAX_IDS_PER_CALL

MAX_BIGINT = 2**63 - 1
MAX_DOMAINS_PER_ADD = 10_000
MAX_SEARCH_CHARS = 200
MAX_URL_PATTERNS = 20


def clean_text(value: str) -> str:
    """Refuse text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


CleanText = Annotated[str, AfterValidator(clean_text)]
SearchText = Annotated[CleanText, Field(max_length=MAX_SEARCH_CHARS)]
RowId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
IdList = Annotated[list[RowId], Field(max_length=MAX_IDS_PER_CALL)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- filters (bodies of the batch endpoints) ------------------------------------------------


class DomainFilterIn(Strict):
    curation_status: list[CurationStatus] | None = None
    metadata_status: list[MetadataStatus] | None = None
    sitemap_status: list[SitemapAnalysisStatus] | None = None
    search: SearchText | None = None

    def to_filter(self, ids: list[int] | None = None) -> DomainFilter:
        return DomainFilter(
            ids=ids,
            curation_status=self.curation_status,
            metadata_status=self.metadata_status,
            sitemap_status=self.sitemap_status,
            search=self.search,
        )


class SitemapFilterIn(Strict):
    domain_ids: IdList | None = None
    curation_status: list[CurationStatus] | None = None
    import_status: list[ImportStatus] | None = None
    kind: list[SitemapKind] | None = None
    search: SearchText | None = None

    def to_filter(self, ids: list[int] | None = None) -> SitemapFilter:
        return SitemapFilter(
            ids=ids,
            domain_ids=self.domain_ids,
            curation_status=self.curation_status,
            import_status=self.import_status,
            kind=self.kind,
            search=self.search,
        )


class PageFilterIn(Strict):
    domain_ids: IdList | None = None
    sitemap_file_ids: IdList | None = None
    curation_status: list[CurationStatus] | None = None
    scan_status: list[ScanStatus] | None = None
    url_patterns: Annotated[list[SearchText], Field(max_length=MAX_URL_PATTERNS)] | None = Field(
        default=None, description="Globs over the whole URL, e.g. `*/contact*` (any matches)."
    )
    search: SearchText | None = None
    top_per_domain: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        default=None, description="Keep only the first N matching pages of each domain."
    )
    top_order: Literal["priority", "lastmod"] = "priority"

    def to_filter(self, ids: list[int] | None = None) -> PageFilter:
        return PageFilter(
            ids=ids,
            domain_ids=self.domain_ids,
            sitemap_file_ids=self.sitemap_file_ids,
            curation_status=self.curation_status,
            scan_status=self.scan_status,
            url_patterns=self.url_patterns,
            search=self.search,
            top_per_domain=self.top_per_domain,
            top_order=self.top_order,
        )


class _Selection(Strict):
    """Exactly one of ``ids`` (at most MAX_IDS_PER_CALL) or ``filter``."""

    ids: IdList | None = Field(
        default=None, description=f"Row ids; at most {MAX_IDS_PER_CALL} per call."
    )

    @model_validator(mode="after")
    def _one_selector(self) -> _Selection:
        has_filter = getattr(self, "filter", None) is not None
        if (self.ids is None) == (not has_filter):
            raise ValueError("give exactly one of 'ids' or 'filter'")
        return self


class DomainBatch(_Selection):
    filter: DomainFilterIn | None = None
    status: CurationStatus

    def to_filter(self) -> DomainFilter:
        return (self.filter or DomainFilterIn()).to_filter(self.ids)


class SitemapBatch(_Selection):
    filter: SitemapFilterIn | None = None
    status: CurationStatus

    def to_filter(self) -> SitemapFilter:
        return (self.filter or SitemapFilterIn()).to_filter(self.ids)


class PageBatch(_Selection):
    filter: PageFilterIn | None = None
    status: CurationStatus

    def to_filter(self) -> PageFilter:
        return (self.filter or PageFilterIn()).to_filter(self.ids)


class DomainRequeue(_Selection):
    filter: DomainFilterIn | None = None
    stage: Literal["metadata", "sitemap"]

    def to_filter(self) -> DomainFilter:
        return (self.filter or DomainFilterIn()).to_filter(self.ids)


class SitemapRequeue(_Selection):
    filter: SitemapFilterIn | None = None

    def to_filter(self) -> SitemapFilter:
        return (self.filter or SitemapFilterIn()).to_filter(self.ids)


class PageRequeue(_Selection):
    filter: PageFilterIn | None = None

    def to_filter(self) -> PageFilter:
        return (self.filter or PageFilterIn()).to_filter(self.ids)


class BatchResult(BaseModel):
    updated: int
    queued: int


class RequeueResult(BaseModel):
    requeued: int


# --- intake --------------------------------------------------------------------------------


class AddDomains(Strict):
    domains: Annotated[
        list[Annotated[CleanText, Field(max_length=2048)]],
        Field(min_length=1, max_length=MAX_DOMAINS_PER_ADD),
    ]
    source: Annotated[CleanText, Field(max_length=200)] | None = None


class RejectionOut(BaseModel):
    row: int
    raw: str
    reason: str


class IntakeOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    rejections: list[RejectionOut]
    duplicate_examples: list[str]
    elapsed_s: float
    rows_per_s: float


# --- rows ----------------------------------------------------------------------------------


class DomainOut(BaseModel):
    id: int
    domain: str
    source: str | None
    curation_status: CurationStatus
    metadata_status: MetadataStatus
    metadata_error: str | None
    metadata_error_category: str | None
    metadata_attempts: int
    sitemap_analysis_status: SitemapAnalysisStatus
    sitemap_error: str | None
    sitemap_error_category: str | None
    sitemap_attempts: int
    final_url: str | None
    http_status: int | None
    title: str | None
    description: str | None
    language: str | None
    canonical_url: str | None
    favicon_url: str | None
    logo_url: str | None
    generator: str | None
    tech: Any = None
    social: Any = None
    emails: list[str] | None
    phones: list[str] | None
    sitemap_count: int
    page_count: int
    contact_count: int
    created_at: datetime
    updated_at: datetime


class SitemapOut(BaseModel):
    id: int
    domain_id: int
    domain: str
    url: str
    kind: SitemapKind | None
    discovered_via: DiscoveredVia
    parent_id: int | None
    depth: int
    curation_status: CurationStatus
    import_status: ImportStatus
    import_error: str | None
    import_error_category: str | None
    import_attempts: int
    url_count: int | None
    child_count: int | None
    has_lastmod: bool | None
    bytes: int | None
    compressed: bool | None
    truncated: bool | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


class PageOut(BaseModel):
    id: int
    domain_id: int
    domain: str
    sitemap_file_id: int | None
    url: str
    lastmod: datetime | None
    changefreq: str | None
    priority: float | None
    extras: Any = None
    curation_status: CurationStatus
    scan_status: ScanStatus
    scan_error: str | None
    scan_error_category: str | None
    scan_attempts: int
    contacts_found: int | None
    created_at: datetime
    updated_at: datetime


class ContactOut(BaseModel):
    id: int
    domain_id: int
    domain: str
    page_id: int | None
    kind: ContactKind
    value: str
    email_type: EmailType | None
    source_url: str | None
    created_at: datetime


T = TypeVar("T")


class Listing(BaseModel, Generic[T]):
    total: int = Field(description="Rows matching the filter.")
    limit: int
    offset: int
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page (keyset on id); null on the last page."
    )
    items: list[T]


class PageCounts(BaseModel):
    curation_status: dict[str, int]
    scan_status: dict[str, int]


class DomainDetail(DomainOut):
    sitemaps: list[SitemapOut]
    page_counts: PageCounts
    contacts: list[ContactOut]


# --- ops -----------------------------------------------------------------------------------


class FailureGroupOut(BaseModel):
    category: str
    count: int
    last_at: datetime | None
    example: str | None


class RecentFailureOut(BaseModel):
    id: int
    item: str
    category: str | None
    error: str | None
    finished_at: datetime | None


class StageOut(BaseModel):
    name: str
    label: str
    total: int
    by_status: dict[str, int]
    retrying: int
    done_per_window: dict[str, int] = Field(description="Completed in the last N minutes.")
    failed_per_window: dict[str, int]
    failures_by_category: list[FailureGroupOut]
    recent_failures: list[RecentFailureOut]


class StagesOut(BaseModel):
    stages: list[StageOut]


class Health(BaseModel):
    status: str
    database: str | None = None
    detail: str | None = None
