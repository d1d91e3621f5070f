"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ENUM_TYPES: dict[str, tuple[str, ...]] = {
    "curation_status": (
        "new",
        "selected",
        "maybe",
        "not_a_fit",
        "archived",
    ),
    "metadata_status": (
        "pending",
        "processing",
        "completed",
        "error",
    ),
    "sitemap_analysis_status": (
        "pending",
        "queued",
        "processing",
        "submitted",
        "failed",
    ),
    "sitemap_kind": (
        "urlset",
        "index",
        "text",
        "rss",
        "atom",
    ),
    "discovered_via": (
        "robots",
        "well_known",
        "html_link",
        "index_child",
        "manual",
    ),
    "import_status": (
        "pending",
        "queued",
        "processing",
        "complete",
        "error",
    ),
    "scan_status": (
        "pending",
        "queued",
        "processing",
        "complete",
        "error",
    ),
    "contact_kind": (
        "email",
        "phone",
    ),
    "email_type": (
        "service",
        "corporate",
        "free",
        "unknown",
    ),
}


def _enum(name: str) -> postgresql.ENUM:
    return postgresql.ENUM(*ENUM_TYPES[name], name=name, create_type=False)


def upgrade() -> None:
    bind = op.get_bind()
    for name, values in ENUM_TYPES.items():
        postgresql.ENUM(*values, name=name).create(bind)
    op.create_table(
        "domains",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "curation_status", _enum("curation_status"), server_default="new", nullable=False
        ),
        sa.Column(
            "metadata_status", _enum("metadata_status"), server_default="pending", nullable=False
        ),
        sa.Column("metadata_lease_token", sa.UUID(), nullable=True),
        sa.Column("metadata_lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("metadata_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "metadata_next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("metadata_error", sa.Text(), nullable=True),
        sa.Column("metadata_error_category", sa.Text(), nullable=True),
        sa.Column("metadata_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        sa.Column("favicon_url", sa.Text(), nullable=True),
        sa.Column("logo_url", sa.Text(), nullable=True),
        sa.Column("generator", sa.Text(), nullable=True),
        sa.Column("tech", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("social", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("emails", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("phones", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("jsonld", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "sitemap_analysis_status",
            _enum("sitemap_analysis_status"),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("sitemap_lease_token", sa.UUID(), nullable=True),
        sa.Column("sitemap_lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sitemap_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "sitemap_next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sitemap_error", sa.Text(), nullable=True),
        sa.Column("sitemap_error_category", sa.Text(), nullable=True),
        sa.Column("sitemap_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sitemap_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("page_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("contact_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_domains_domain")),
    )
    op.create_index(
        "ix_domains_curation_status_id", "domains", ["curation_status", "id"], unique=False
    )
    op.create_index(
        "ix_domains_metadata_claim_expired",
        "domains",
        ["metadata_lease_expires_at"],
        unique=False,
        postgresql_where=sa.text("metadata_status = 'processing'"),
    )
    op.create_index(
        "ix_domains_metadata_claim_queued",
        "domains",
        ["metadata_next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("metadata_status = 'pending'"),
    )
    op.create_index("ix_domains_metadata_status", "domains", ["metadata_status"], unique=False)
    op.create_index(
        "ix_domains_sitemap_analysis_status", "domains", ["sitemap_analysis_status"], unique=False
    )
    op.create_index(
        "ix_domains_sitemap_claim_expired",
        "domains",
        ["sitemap_lease_expires_at"],
        unique=False,
        postgresql_where=sa.text("sitemap_analysis_status = 'processing'"),
    )
    op.create_index(
        "ix_domains_sitemap_claim_queued",
        "domains",
        ["sitemap_next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("sitemap_analysis_status = 'queued'"),
    )
    op.create_table(
        "sitemap_files",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("domain_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", _enum("sitemap_kind"), nullable=True),
        sa.Column("discovered_via", _enum("discovered_via"), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("depth", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "curation_status", _enum("curation_status"), server_default="new", nullable=False
        ),
        sa.Column(
            "import_status", _enum("import_status"), server_default="pending", nullable=False
        ),
        sa.Column("import_lease_token", sa.UUID(), nullable=True),
        sa.Column("import_lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("import_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "import_next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("import_error", sa.Text(), nullable=True),
        sa.Column("import_error_category", sa.Text(), nullable=True),
        sa.Column("import_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("url_count", sa.Integer(), nullable=True),
        sa.Column("child_count", sa.Integer(), nullable=True),
        sa.Column("has_lastmod", sa.Boolean(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("compressed", sa.Boolean(), nullable=True),
        sa.Column("truncated", sa.Boolean(), nullable=True),
        sa.Column("lastmod_invalid", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["domains.id"],
            name=op.f("fk_sitemap_files_domain_id_domains"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["sitemap_files.id"],
            name=op.f("fk_sitemap_files_parent_id_sitemap_files"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sitemap_files")),
        sa.UniqueConstraint("domain_id", "url", name=op.f("uq_sitemap_files_domain_id_url")),
    )
    op.create_index(
        "ix_sitemap_files_import_claim_expired",
        "sitemap_files",
        ["import_lease_expires_at"],
        unique=False,
        postgresql_where=sa.text("import_status = 'processing'"),
    )
    op.create_index(
        "ix_sitemap_files_import_claim_queued",
        "sitemap_files",
        ["import_next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("import_status = 'queued'"),
    )
    op.create_index(
        "ix_sitemap_files_import_status", "sitemap_files", ["import_status"], unique=False
    )
    op.create_index("ix_sitemap_files_parent_id", "sitemap_files", ["parent_id"], unique=False)
    op.create_table(
        "pages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("domain_id", sa.BigInteger(), nullable=False),
        sa.Column("sitemap_file_id", sa.BigInteger(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("lastmod", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changefreq", sa.Text(), nullable=True),
        sa.Column("priority", sa.Float(), nullable=True),
        sa.Column("extras", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "curation_status", _enum("curation_status"), server_default="new", nullable=False
        ),
        sa.Column("scan_status", _enum("scan_status"), server_default="pending", nullable=False),
        sa.Column("scan_lease_token", sa.UUID(), nullable=True),
        sa.Column("scan_lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scan_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "scan_next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("scan_error", sa.Text(), nullable=True),
        sa.Column("scan_error_category", sa.Text(), nullable=True),
        sa.Column("scan_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contacts_found", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["domains.id"],
            name=op.f("fk_pages_domain_id_domains"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sitemap_file_id"],
            ["sitemap_files.id"],
            name=op.f("fk_pages_sitemap_file_id_sitemap_files"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("domain_id", "url", name=op.f("uq_pages_domain_id_url")),
    )
    op.create_index(
        "ix_pages_scan_claim_expired",
        "pages",
        ["scan_lease_expires_at"],
        unique=False,
        postgresql_where=sa.text("scan_status = 'processing'"),
    )
    op.create_index(
        "ix_pages_scan_claim_queued",
        "pages",
        ["scan_next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("scan_status = 'queued'"),
    )
    op.create_index("ix_pages_scan_status", "pages", ["scan_status"], unique=False)
    op.create_index("ix_pages_sitemap_file_id", "pages", ["sitemap_file_id"], unique=False)
    op.create_table(
        "contacts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("domain_id", sa.BigInteger(), nullable=False),
        sa.Column("page_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", _enum("contact_kind"), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("email_type", _enum("email_type"), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["domains.id"],
            name=op.f("fk_contacts_domain_id_domains"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_contacts_page_id_pages"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint(
            "domain_id", "kind", "value", name=op.f("uq_contacts_domain_id_kind_value")
        ),
    )
    op.create_index("ix_contacts_kind_email_type", "contacts", ["kind", "email_type"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_contacts_kind_email_type", table_name="contacts")
    op.drop_table("contacts")
    op.drop_index("ix_pages_sitemap_file_id", table_name="pages")
    op.drop_index("ix_pages_scan_status", table_name="pages")
    op.drop_index(
        "ix_pages_scan_claim_queued",
        table_name="pages",
        postgresql_where=sa.text("scan_status = 'queued'"),
    )
    op.drop_index(
        "ix_pages_scan_claim_expired",
        table_name="pages",
        postgresql_where=sa.text("scan_status = 'processing'"),
    )
    op.drop_table("pages")
    op.drop_index("ix_sitemap_files_parent_id", table_name="sitemap_files")
    op.drop_index("ix_sitemap_files_import_status", table_name="sitemap_files")
    op.drop_index(
        "ix_sitemap_files_import_claim_queued",
        table_name="sitemap_files",
        postgresql_where=sa.text("import_status = 'queued'"),
    )
    op.drop_index(
        "ix_sitemap_files_import_claim_expired",
        table_name="sitemap_files",
        postgresql_where=sa.text("import_status = 'processing'"),
    )
    op.drop_table("sitemap_files")
    op.drop_index(
        "ix_domains_sitemap_claim_queued",
        table_name="domains",
        postgresql_where=sa.text("sitemap_analysis_status = 'queued'"),
    )
    op.drop_index(
        "ix_domains_sitemap_claim_expired",
        table_name="domains",
        postgresql_where=sa.text("sitemap_analysis_status = 'processing'"),
    )
    op.drop_index("ix_domains_sitemap_analysis_status", table_name="domains")
    op.drop_index("ix_domains_metadata_status", table_name="domains")
    op.drop_index(
        "ix_domains_metadata_claim_queued",
        table_name="domains",
        postgresql_where=sa.text("metadata_status = 'pending'"),
    )
    op.drop_index(
        "ix_domains_metadata_claim_expired",
        table_name="domains",
        postgresql_where=sa.text("metadata_status = 'processing'"),
    )
    op.drop_index("ix_domains_curation_status_id", table_name="domains")
    op.drop_table("domains")
    bind = op.get_bind()
    for name in reversed(ENUM_TYPES):
        postgresql.ENUM(name=name).drop(bind)
