"""Pipeline-wide figures: what the demo prints at the end and the benchmarks report."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.schema import contacts, domains, pages, sitemap_files


@dataclass
class PipelineSummary:
    domains: int = 0
    domains_by_metadata: dict[str, int] = field(default_factory=dict)
    domains_by_sitemap: dict[str, int] = field(default_factory=dict)
    sitemap_files: int = 0
    sitemap_files_by_status: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    pages_by_scan: dict[str, int] = field(default_factory=dict)
    contacts_by_kind: dict[str, int] = field(default_factory=dict)
    emails_by_type: dict[str, int] = field(default_factory=dict)
    failures_by_category: dict[str, int] = field(default_factory=dict)
    processing: int = 0

    def as_dict(self) -> dict[str, object]:
        return dict(vars(self))


async def _grouped(session: AsyncSession, column: object, table: object) -> dict[str, int]:
    statement = select(column, func.count()).select_from(table).group_by(column)  # type: ignore[call-overload]
    return {str(key): int(count) for key, count in await session.execute(statement)}


async def pipeline_summary(session: AsyncSession) -> PipelineSummary:
    """Counts by stage status, contacts by kind and type, and failures by category."""
    summary = PipelineSummary()
    summary.domains_by_metadata = await _grouped(session, domains.c.metadata_status, domains)
    summary.domains_by_sitemap = await _grouped(session, domains.c.sitemap_analysis_status, domains)
    summary.sitemap_files_by_status = await _grouped(
        session, sitemap_files.c.import_status, sitemap_files
    )
    summary.pages_by_scan = await _grouped(session, pages.c.scan_status, pages)
    summary.contacts_by_kind = await _grouped(session, contacts.c.kind, contacts)
    summary.emails_by_type = {
        key: count
        for key, count in (await _grouped(session, contacts.c.email_type, contacts)).items()
        if key != "None"
    }
    summary.domains = sum(summary.domains_by_metadata.values())
    summary.sitemap_files = sum(summary.sitemap_files_by_status.values())
    summary.pages = sum(summary.pages_by_scan.values())
    summary.processing = (
        summary.domains_by_metadata.get("processing", 0)
        + summary.domains_by_sitemap.get("processing", 0)
        + summary.sitemap_files_by_status.get("processing", 0)
        + summary.pages_by_scan.get("processing", 0)
    )
    failures = union_all(
        select(
            literal("metadata").label("stage"), domains.c.metadata_error_category.label("c")
        ).where(domains.c.metadata_status == "error"),
        select(literal("sitemap_discovery"), domains.c.sitemap_error_category).where(
            domains.c.sitemap_analysis_status == "failed"
        ),
        select(literal("sitemap_import"), sitemap_files.c.import_error_category).where(
            sitemap_files.c.import_status == "error"
        ),
        select(literal("contacts_scan"), pages.c.scan_error_category).where(
            pages.c.scan_status == "error"
        ),
    ).subquery()
    rows = await session.execute(
        select(failures.c.stage, failures.c.c, func.count()).group_by(
            failures.c.stage, failures.c.c
        )
    )
    summary.failures_by_category = {
        f"{stage}:{category or 'unknown'}": int(count) for stage, category, count in rows
    }
    return summary
