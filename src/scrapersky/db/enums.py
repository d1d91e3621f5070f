"""Every status in ScraperSky. The Python enum is the single source of each Postgres enum
type; ``scrapersky check enums`` compares the two.

    Domain curation labels: CURATION_LABELS[CurationStatus.NOT_A_FIT] == "Not a Fit"
"""

from __future__ import annotations

from enum import StrEnum


class CurationStatus(StrEnum):
    NEW = "new"
    SELECTED = "selected"
    MAYBE = "maybe"
    NOT_A_FIT = "not_a_fit"
    ARCHIVED = "archived"


CURATION_LABELS: dict[CurationStatus, str] = {
    CurationStatus.NEW: "New",
    CurationStatus.SELECTED: "Selected",
    CurationStatus.MAYBE: "Maybe",
    CurationStatus.NOT_A_FIT: "Not a Fit",
    CurationStatus.ARCHIVED: "Archived",
}


class MetadataStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    ERROR = "error"


class SitemapAnalysisStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    SUBMITTED = "submitted"
    FAILED = "failed"


class ImportStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETE = "complete"
    ERROR = "error"


class ScanStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETE = "complete"
    ERROR = "error"


class SitemapKind(StrEnum):
    URLSET = "urlset"
    INDEX = "index"
    TEXT = "text"
    RSS = "rss"
    ATOM = "atom"


class DiscoveredVia(StrEnum):
    ROBOTS = "robots"
    WELL_KNOWN = "well_known"
    HTML_LINK = "html_link"
    INDEX_CHILD = "index_child"
    MANUAL = "manual"


class ContactKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


class EmailType(StrEnum):
    SERVICE = "service"
    CORPORATE = "corporate"
    FREE = "free"
    UNKNOWN = "unknown"
