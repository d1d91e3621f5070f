"""Domain statements: bulk intake, filtered listing, batch curation and requeue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY, TEXT
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.enums import (
    CurationStatus,
    MetadataStatus,
    SitemapAnalysisStatus,
)
from scrapersky.db.schema import domains

SortKey = Literal[
    "id", "-id", "domain", "-domain", "created_at", "-created_at", "updated_at", "-updated_at"
]
SORT_KEYS: tuple[str, ...] = SortKey.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DomainFilter:
    """What a list or batch operation applies to. Empty filter = every domain."""

    ids: Sequence[int] | None = None
    domains: Sequence[str] | None = None
    curation_status: Sequence[CurationStatus] | None = None
    metadata_status: Sequence[MetadataStatus] | None = None
    sitemap_status: Sequence[SitemapAnalysisStatus] | None = None
    search: str | None = None

    def where(self) -> ColumnElement[bool]:
        clauses: list[ColumnElement[bool]] = []
        if self.ids is not None:
            clauses.append(domains.c.id.in_(list(self.ids)))
        if self.domains is not None:
            clauses.append(domains.c.domain.in_(list(self.domains)))
        if self.curation_status:
            clauses.append(domains.c.curation_status.in_(list(self.curation_status)))
        if self.metadata_status:
            clauses.append(domains.c.metadata_status.in_(list(self.metadata_status)))
        if self.sitemap_status:
            clauses.append(domains.c.sitemap_analysis_status.in_(list(self.sitemap_status)))
        if self.search:
            pattern = "%" + _escape_like(self.search.strip()) + "%"
            clauses.append(
                or_(
                    domains.c.domain.ilike(pattern, escape="\\"),
                    domains.c.title.ilike(pattern, escape="\\"),
                )
            )
        return and_(true(), *clauses)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def insert_new_domains(
    session: AsyncSession, names: Sequence[str], source: str | None
) -> list[str]:
    """Insert the names not already present (one statement); return the ones inserted."""
    if not names:
        return []
    unnested = select(func.unnest(bindparam("names", type_=ARRAY(TEXT))).label("domain")).subquery()
    statement = (
        pg_insert(domains)
        .from_select(
            ["domain", "source"],
            select(unnested.c.domain, bindparam("source", type_=TEXT)),
        )
        .on_conflict_do_nothing(index_elements=["domain"])
        .returning(domains.c.domain)
    )
    result = await session.execute(statement, {"names": list(names), "source": source})
    return list(result.scalars())


def _select_domains(where: ColumnElement[bool]) -> Select[Any]:
    return select(domains).where(where)


async def list_domains(
    session: AsyncSession,
    domain_filter: DomainFilter,
    *,
    sort: str = "-id",
    limit: int = 50,
    offset: int = 0,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """A page of domains (offset or keyset ``after_id`` pagination; keyset sorts by id)."""
    where = domain_filter.where()
    if after_id is not None:
        where = and_(where, domains.c.id > after_id)
        sort = "id"
    column = domains.c[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    tiebreak = domains.c.id.desc() if sort.startswith("-") else domains.c.id.asc()
    statement = _select_domains(where).order_by(order, tiebreak).limit(limit).offset(offset)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def count_domains(session: AsyncSession, domain_filter: DomainFilter) -> int:
    statement = select(func.count()).select_from(domains).where(domain_filter.where())
    return int((await session.execute(statement)).scalar_one())


async def get_domain(session: AsyncSession, domain_id: int) -> dict[str, Any] | None:
    row = (
        (await session.execute(select(domains).where(domains.c.id == domain_id))).mappings().first()
    )
    return dict(row) if row else None


async def set_curation_status(
    session: AsyncSession, domain_filter: DomainFilter, status: CurationStatus
) -> tuple[int, int]:
    """Set the curation status of every matching domain; (updated, queued for sitemaps).

    Selecting hands a domain to the sitemap workflow: ``sitemap_analysis_status`` becomes
    ``queued`` (its previous error cleared) unless it is already queued, running or done.
    """
    where = domain_filter.where()
    queue = status is CurationStatus.SELECTED
    queueable = domains.c.sitemap_analysis_status.in_(
        [SitemapAnalysisStatus.PENDING, SitemapAnalysisStatus.FAILED]
    )
    updated = await session.execute(
        update(domains)
        .where(where)
        .values(curation_status=status, updated_at=func.now())
        .returning(domains.c.id)
    )
    updated_ids = list(updated.scalars())
    queued = 0
    if queue and updated_ids:
        queued = await _queue_sitemap_analysis(
            session, and_(domains.c.id.in_(updated_ids), queueable)
        )
    return len(updated_ids), queued


async def _queue_sitemap_analysis(session: AsyncSession, where: ColumnElement[bool]) -> int:
    result = await session.execute(
        update(domains)
        .where(where)
        .values(
            sitemap_analysis_status=SitemapAnalysisStatus.QUEUED,
            sitemap_error=None,
            sitemap_error_category=None,
            sitemap_attempts=0,
            sitemap_next_attempt_at=func.now(),
            sitemap_lease_token=None,
            sitemap_lease_expires_at=None,
            updated_at=func.now(),
        )
        .returning(domains.c.id)
    )
    return len(result.scalars().all())


async def requeue_failed_metadata(session: AsyncSession, domain_filter: DomainFilter) -> int:
    """Move domains whose metadata stage ended in error back to pending."""
    result = await session.execute(
        update(domains)
        .where(domain_filter.where(), domains.c.metadata_status == MetadataStatus.ERROR)
        .values(
            metadata_status=MetadataStatus.PENDING,
            metadata_error=None,
            metadata_error_category=None,
            metadata_attempts=0,
            metadata_next_attempt_at=func.now(),
            updated_at=func.now(),
        )
        .returning(domains.c.id)
    )
    return len(result.scalars().all())


async def requeue_failed_sitemaps(session: AsyncSession, domain_filter: DomainFilter) -> int:
    """Move domains whose sitemap analysis failed back to queued."""
    return await _queue_sitemap_analysis(
        session,
        and_(
            domain_filter.where(),
            domains.c.sitemap_analysis_status == SitemapAnalysisStatus.FAILED,
        ),
    )
