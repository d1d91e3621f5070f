"""Page statements: filtered listing (URL globs, top N per domain), curation, requeue.

f = PageFilter(url_pattern="*/contact*", top_per_domain=3, top_order="priority")
updated, queued = await set_page_curation(session, f, CurationStatus.SELECTED)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.enums import CurationStatus, ScanStatus
from scrapersky.db.queries.text_match import LIKE_ESCAPE, contains_pattern, glob_to_like
from scrapersky.db.schema import domains, pages

PageSort = Literal["id", "-id", "url", "-url", "lastmod", "-lastmod", "priority", "-priority"]
PAGE_SORT_KEYS: tuple[str, ...] = PageSort.__args__  # type: ignore[attr-defined]
TopOrder = Literal["priority", "lastmod"]

QUEUEABLE_SCAN = (ScanStatus.PENDING, ScanStatus.ERROR)


@dataclass(frozen=True)
class PageFilter:
    """What a list or batch operation applies to. Empty filter = every page.

    ``url_pattern`` is a glob over the whole URL (``*/contact*``), case-insensitive.
    ``top_per_domain`` keeps, after the other conditions, the first N pages of each domain
    ordered by ``top_order`` (priority or lastmod, newest/highest first).
    """

    ids: Sequence[int] | None = None
    domain_ids: Sequence[int] | None = None
    sitemap_file_ids: Sequence[int] | None = None
    curation_status: Sequence[CurationStatus] | None = None
    scan_status: Sequence[ScanStatus] | None = None
    url_patterns: Sequence[str] | None = None
    search: str | None = None
    top_per_domain: int | None = None
    top_order: TopOrder = "priority"

    def _base(self) -> list[ColumnElement[bool]]:
        c = pages.c
        clauses: list[ColumnElement[bool]] = []
        if self.ids is not None:
            clauses.append(c.id.in_(list(self.ids)))
        if self.domain_ids is not None:
            clauses.append(c.domain_id.in_(list(self.domain_ids)))
        if self.sitemap_file_ids is not None:
            clauses.append(c.sitemap_file_id.in_(list(self.sitemap_file_ids)))
        if self.curation_status:
            clauses.append(c.curation_status.in_(list(self.curation_status)))
        if self.scan_status:
            clauses.append(c.scan_status.in_(list(self.scan_status)))
        patterns = [p for p in self.url_patterns or () if p.strip()]
        if patterns:
            clauses.append(
                or_(*(c.url.ilike(glob_to_like(p), escape=LIKE_ESCAPE) for p in patterns))
            )
        if self.search and self.search.strip():
            clauses.append(c.url.ilike(contains_pattern(self.search), escape=LIKE_ESCAPE))
        return clauses

    def where(self) -> ColumnElement[bool]:
        base = and_(true(), *self._base())
        if not self.top_per_domain:
            return base
        c = pages.c
        if self.top_order == "lastmod":
            order = [c.lastmod.desc().nulls_last(), c.priority.desc().nulls_last(), c.id]
        else:
            order = [c.priority.desc().nulls_last(), c.lastmod.desc().nulls_last(), c.id]
        ranked = (
            select(
                c.id,
                func.row_number().over(partition_by=c.domain_id, order_by=order).label("rank"),
            )
            .where(base)
            .subquery("ranked")
        )
        top = select(ranked.c.id).where(ranked.c.rank <= self.top_per_domain)
        return c.id.in_(top)


def _columns() -> list[Any]:
    return [*(col for col in pages.c if not col.name.endswith("_lease_token")), domains.c.domain]


async def list_pages(
    session: AsyncSession,
    page_filter: PageFilter,
    *,
    sort: str = "-id",
    limit: int = 50,
    offset: int = 0,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """A page of pages with their domain name (offset, or keyset on id)."""
    where = page_filter.where()
    if after_id is not None:
        where = and_(where, pages.c.id > after_id)
        sort = "id"
    column = pages.c[sort.lstrip("-")]
    descending = sort.startswith("-")
    statement = (
        select(*_columns())
        .join_from(pages, domains, domains.c.id == pages.c.domain_id)
        .where(where)
        .order_by(
            column.desc().nulls_last() if descending else column.asc().nulls_last(),
            pages.c.id.desc() if descending else pages.c.id.asc(),
        )
        .limit(limit)
        .offset(offset)
    )
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def count_pages(session: AsyncSession, page_filter: PageFilter) -> int:
    statement = select(func.count()).select_from(pages).where(page_filter.where())
    return int((await session.execute(statement)).scalar_one())


async def get_page(session: AsyncSession, page_id: int) -> dict[str, Any] | None:
    rows = await list_pages(session, PageFilter(ids=[page_id]), limit=1)
    return rows[0] if rows else None


async def page_counts_of_domain(session: AsyncSession, domain_id: int) -> dict[str, dict[str, int]]:
    """A domain's pages counted by curation status and by scan status."""
    c = pages.c
    counts: dict[str, dict[str, int]] = {"curation_status": {}, "scan_status": {}}
    for name in counts:
        column = c[name]
        statement = select(column, func.count()).where(c.domain_id == domain_id).group_by(column)
        for value, n in await session.execute(statement):
            counts[name][str(value)] = int(n)
    return counts


async def set_page_curation(
    session: AsyncSession, page_filter: PageFilter, status: CurationStatus
) -> tuple[int, int]:
    """Set the curation status of every matching page; (updated, queued for a contact scan).

    Selecting queues the scan (error cleared, attempts reset, due now) unless it is already
    queued, running or complete.
    """
    updated = await session.execute(
        update(pages)
        .where(page_filter.where())
        .values(curation_status=status, updated_at=func.now())
        .returning(pages.c.id)
    )
    updated_ids = list(updated.scalars())
    queued = 0
    if status is CurationStatus.SELECTED and updated_ids:
        queued = await _queue_scan(
            session, and_(pages.c.id.in_(updated_ids), pages.c.scan_status.in_(QUEUEABLE_SCAN))
        )
    return len(updated_ids), queued


async def _queue_scan(session: AsyncSession, where: ColumnElement[bool]) -> int:
    result = await session.execute(
        update(pages)
        .where(where)
        .values(
            scan_status=ScanStatus.QUEUED,
            scan_error=None,
            scan_error_category=None,
            scan_attempts=0,
            scan_next_attempt_at=func.now(),
            scan_lease_token=None,
            scan_lease_expires_at=None,
            updated_at=func.now(),
        )
        .returning(pages.c.id)
    )
    return len(result.scalars().all())


async def requeue_failed_scans(session: AsyncSession, page_filter: PageFilter) -> int:
    """Move matching pages whose contact scan ended in error back to queued."""
    return await _queue_scan(
        session, and_(page_filter.where(), pages.c.scan_status == ScanStatus.ERROR)
    )
