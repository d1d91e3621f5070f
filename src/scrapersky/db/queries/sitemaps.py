"""Sitemap-file statements: filtered listing, batch curation (the import handoff), requeue.

rows = await list_sitemaps(session, SitemapFilter(domain_ids=[7]), limit=50)
updated, queued = await set_sitemap_curation(session, SitemapFilter(ids=[1]), SELECTED)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.enums import CurationStatus, ImportStatus, SitemapKind
from scrapersky.db.queries.text_match import LIKE_ESCAPE, contains_pattern
from scrapersky.db.schema import domains, sitemap_files

SitemapSort = Literal["id", "-id", "url", "-url", "url_count", "-url_count"]
SITEMAP_SORT_KEYS: tuple[str, ...] = SitemapSort.__args__  # type: ignore[attr-defined]

# Statuses from which selecting a sitemap file (re)queues its import.
QUEUEABLE_IMPORT = (ImportStatus.PENDING, ImportStatus.ERROR)


@dataclass(frozen=True)
class SitemapFilter:
    """What a list or batch operation applies to. Empty filter = every sitemap file."""

    ids: Sequence[int] | None = None
    domain_ids: Sequence[int] | None = None
    curation_status: Sequence[CurationStatus] | None = None
    import_status: Sequence[ImportStatus] | None = None
    kind: Sequence[SitemapKind] | None = None
    search: str | None = None

    def where(self) -> ColumnElement[bool]:
        c = sitemap_files.c
        clauses: list[ColumnElement[bool]] = []
        if self.ids is not None:
            clauses.append(c.id.in_(list(self.ids)))
        if self.domain_ids is not None:
            clauses.append(c.domain_id.in_(list(self.domain_ids)))
        if self.curation_status:
            clauses.append(c.curation_status.in_(list(self.curation_status)))
        if self.import_status:
            clauses.append(c.import_status.in_(list(self.import_status)))
        if self.kind:
            clauses.append(c.kind.in_(list(self.kind)))
        if self.search and self.search.strip():
            clauses.append(c.url.ilike(contains_pattern(self.search), escape=LIKE_ESCAPE))
        return and_(true(), *clauses)


def _columns() -> list[Any]:
    return [
        *(col for col in sitemap_files.c if not col.name.endswith("_lease_token")),
        domains.c.domain,
    ]


async def list_sitemaps(
    session: AsyncSession,
    sitemap_filter: SitemapFilter,
    *,
    sort: str = "-id",
    limit: int = 50,
    offset: int = 0,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """A page of sitemap files with their domain name (offset, or keyset on id)."""
    where = sitemap_filter.where()
    if after_id is not None:
        where = and_(where, sitemap_files.c.id > after_id)
        sort = "id"
    column = sitemap_files.c[sort.lstrip("-")]
    descending = sort.startswith("-")
    statement = (
        select(*_columns())
        .join_from(sitemap_files, domains, domains.c.id == sitemap_files.c.domain_id)
        .where(where)
        .order_by(
            column.desc().nulls_last() if descending else column.asc().nulls_last(),
            sitemap_files.c.id.desc() if descending else sitemap_files.c.id.asc(),
        )
        .limit(limit)
        .offset(offset)
    )
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def count_sitemaps(session: AsyncSession, sitemap_filter: SitemapFilter) -> int:
    statement = select(func.count()).select_from(sitemap_files).where(sitemap_filter.where())
    return int((await session.execute(statement)).scalar_one())


async def get_sitemap(session: AsyncSession, sitemap_id: int) -> dict[str, Any] | None:
    rows = await list_sitemaps(session, SitemapFilter(ids=[sitemap_id]), limit=1)
    return rows[0] if rows else None


async def sitemaps_of_domain(
    session: AsyncSession, domain_id: int, *, limit: int = 500
) -> list[dict[str, Any]]:
    """A domain's sitemap files in tree order (parents before children)."""
    statement = (
        select(*_columns())
        .join_from(sitemap_files, domains, domains.c.id == sitemap_files.c.domain_id)
        .where(sitemap_files.c.domain_id == domain_id)
        .order_by(sitemap_files.c.depth, sitemap_files.c.id)
        .limit(limit)
    )
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def set_sitemap_curation(
    session: AsyncSession, sitemap_filter: SitemapFilter, status: CurationStatus
) -> tuple[int, int]:
    """Set the curation status of every matching file; (updated, queued for import).

    Selecting hands a file to the import stage: ``import_status`` becomes ``queued`` (error
    cleared, attempts reset, due now) unless it is already queued, running or complete.
    """
    updated = await session.execute(
        update(sitemap_files)
        .where(sitemap_filter.where())
        .values(curation_status=status, updated_at=func.now())
        .returning(sitemap_files.c.id)
    )
    updated_ids = list(updated.scalars())
    queued = 0
    if status is CurationStatus.SELECTED and updated_ids:
        queued = await _queue_import(
            session,
            and_(
                sitemap_files.c.id.in_(updated_ids),
                sitemap_files.c.import_status.in_(QUEUEABLE_IMPORT),
            ),
        )
    return len(updated_ids), queued


async def _queue_import(session: AsyncSession, where: ColumnElement[bool]) -> int:
    result = await session.execute(
        update(sitemap_files)
        .where(where)
        .values(
            import_status=ImportStatus.QUEUED,
            import_error=None,
            import_error_category=None,
            import_attempts=0,
            import_next_attempt_at=func.now(),
            import_lease_token=None,
            import_lease_expires_at=None,
            updated_at=func.now(),
        )
        .returning(sitemap_files.c.id)
    )
    return len(result.scalars().all())


async def requeue_failed_imports(session: AsyncSession, sitemap_filter: SitemapFilter) -> int:
    """Move matching files whose import ended in error back to queued."""
    return await _queue_import(
        session,
        and_(sitemap_filter.where(), sitemap_files.c.import_status == ImportStatus.ERROR),
    )
