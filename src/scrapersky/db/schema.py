"""Tables and Postgres enum types (SQLAlchemy Core). Migrations must equal this module.

Each claimable stage owns a column prefix on its table - ``metadata_`` and ``sitemap_`` on
domains, ``import_`` on sitemap_files, ``scan_`` on pages - with the same five lease
columns: ``<p>_lease_token``, ``<p>_lease_expires_at``, ``<p>_attempts``,
``<p>_next_attempt_at`` and ``<p>_error`` (+ ``<p>_error_category``). Two stages run on
``domains`` at once, so one shared set of lease columns would let them fence each other out.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.dialects.postgresql import ENUM as PGEnum

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

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def pg_enum(enum_cls: type[Enum], name: str) -> PGEnum:
    """A Postgres enum type whose labels are the Python enum's values."""
    return PGEnum(
        enum_cls,
        name=name,
        values_callable=lambda members: [member.value for member in members],
        metadata=metadata,
        validate_strings=True,
    )


curation_status = pg_enum(CurationStatus, "curation_status")
metadata_status = pg_enum(MetadataStatus, "metadata_status")
sitemap_analysis_status = pg_enum(SitemapAnalysisStatus, "sitemap_analysis_status")
import_status = pg_enum(ImportStatus, "import_status")
scan_status = pg_enum(ScanStatus, "scan_status")
sitemap_kind = pg_enum(SitemapKind, "sitemap_kind")
discovered_via = pg_enum(DiscoveredVia, "discovered_via")
contact_kind = pg_enum(ContactKind, "contact_kind")
email_type = pg_enum(EmailType, "email_type")

ENUM_TYPES: dict[str, PGEnum] = {
    t.name: t
    for t in (
        curation_status,
        metadata_status,
        sitemap_analysis_status,
        import_status,
        scan_status,
        sitemap_kind,
        discovered_via,
        contact_kind,
        email_type,
    )
    if t.name
}


def stage_columns(prefix: str) -> list[Column[object]]:
    """The lease and retry columns every claimable stage needs."""
    return [
        Column(f"{prefix}_lease_token", UUID(as_uuid=True)),
        Column(f"{prefix}_lease_expires_at", DateTime(timezone=True)),
        Column(f"{prefix}_attempts", Integer, nullable=False, server_default=text("0")),
        Column(
            f"{prefix}_next_attempt_at",
            DateTime(timezone=True),
            nullable=False,
            server_default=func.now(),
        ),
        Column(f"{prefix}_error", Text),
        Column(f"{prefix}_error_category", Text),
        Column(f"{prefix}_finished_at", DateTime(timezone=True)),
    ]


def timestamps() -> list[Column[object]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


def claim_indexes(table: str, status: str, prefix: str) -> list[Index]:
    """Partial indexes that keep the claim query an index scan on a large table."""
    return [
        Index(
            f"ix_{table}_{prefix}_claim_queued",
            f"{prefix}_next_attempt_at",
            postgresql_where=text(f"{status} = 'queued'")
            if prefix != "metadata"
            else text(f"{status} = 'pending'"),
        ),
        Index(
            f"ix_{table}_{prefix}_claim_expired",
            f"{prefix}_lease_expires_at",
            postgresql_where=text(f"{status} = 'processing'"),
        ),
    ]


domains = Table(
    "domains",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("domain", Text, nullable=False, unique=True),
    Column("source", Text),
    Column("curation_status", curation_status, nullable=False, server_default="new"),
    # metadata stage
    Column("metadata_status", metadata_status, nullable=False, server_default="pending"),
    *stage_columns("metadata"),
    Column("final_url", Text),
    Column("http_status", Integer),
    Column("title", Text),
    Column("description", Text),
    Column("language", Text),
    Column("canonical_url", Text),
    Column("favicon_url", Text),
    Column("logo_url", Text),
    Column("generator", Text),
    Column("tech", JSONB),
    Column("social", JSONB),
    Column("emails", ARRAY(Text)),
    Column("phones", ARRAY(Text)),
    Column("jsonld", JSONB),
    # sitemap discovery stage
    Column(
        "sitemap_analysis_status", sitemap_analysis_status, nullable=False, server_default="pending"
    ),
    *stage_columns("sitemap"),
    Column("sitemap_count", Integer, nullable=False, server_default=text("0")),
    Column("page_count", Integer, nullable=False, server_default=text("0")),
    Column("contact_count", Integer, nullable=False, server_default=text("0")),
    *timestamps(),
    *claim_indexes("domains", "metadata_status", "metadata"),
    *claim_indexes("domains", "sitemap_analysis_status", "sitemap"),
    Index("ix_domains_curation_status_id", "curation_status", "id"),
    Index("ix_domains_metadata_status", "metadata_status"),
    Index("ix_domains_sitemap_analysis_status", "sitemap_analysis_status"),
)

sitemap_files = Table(
    "sitemap_files",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("domain_id", BigInteger, ForeignKey("domains.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("kind", sitemap_kind),
    Column("discovered_via", discovered_via, nullable=False),
    Column("parent_id", BigInteger, ForeignKey("sitemap_files.id", ondelete="SET NULL")),
    Column("depth", Integer, nullable=False, server_default=text("0")),
    Column("curation_status", curation_status, nullable=False, server_default="new"),
    Column("import_status", import_status, nullable=False, server_default="pending"),
    *stage_columns("import"),
    Column("url_count", Integer),
    Column("child_count", Integer),
    Column("has_lastmod", Boolean),
    Column("bytes", BigInteger),
    Column("compressed", Boolean),
    Column("truncated", Boolean),
    Column("lastmod_invalid", Integer),
    Column("notes", Text),
    *timestamps(),
    UniqueConstraint("domain_id", "url"),
    *claim_indexes("sitemap_files", "import_status", "import"),
    Index("ix_sitemap_files_parent_id", "parent_id"),
    Index("ix_sitemap_files_import_status", "import_status"),
)

pages = Table(
    "pages",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("domain_id", BigInteger, ForeignKey("domains.id", ondelete="CASCADE"), nullable=False),
    Column("sitemap_file_id", BigInteger, ForeignKey("sitemap_files.id", ondelete="SET NULL")),
    Column("url", Text, nullable=False),
    Column("lastmod", DateTime(timezone=True)),
    Column("changefreq", Text),
    Column("priority", Float),
    Column("extras", JSONB),
    Column("curation_status", curation_status, nullable=False, server_default="new"),
    Column("scan_status", scan_status, nullable=False, server_default="pending"),
    *stage_columns("scan"),
    Column("contacts_found", Integer),
    *timestamps(),
    UniqueConstraint("domain_id", "url"),
    *claim_indexes("pages", "scan_status", "scan"),
    Index("ix_pages_sitemap_file_id", "sitemap_file_id"),
    Index("ix_pages_scan_status", "scan_status"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("domain_id", BigInteger, ForeignKey("domains.id", ondelete="CASCADE"), nullable=False),
    Column("page_id", BigInteger, ForeignKey("pages.id", ondelete="SET NULL")),
    Column("kind", contact_kind, nullable=False),
    Column("value", Text, nullable=False),
    Column("email_type", email_type),
    Column("source_url", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("domain_id", "kind", "value"),
    Index("ix_contacts_kind_email_type", "kind", "email_type"),
)
