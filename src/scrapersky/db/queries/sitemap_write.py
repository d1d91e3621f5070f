"""Write statements of the sitemap discovery and import stages (listings live in sitemaps.py
and pages.py). Every statement is set-based and idempotent under redelivery.

    added = await insert_pages(session, PageRows(...))         # {sitemap_file_id: rows added}
    await add_domain_counts(session, pages={7: added_total}, sitemaps={7: 3})

Inserts send whole columns as arrays (``INSERT ... SELECT FROM unnest(...)``): one bound
parameter per column whatever the row count, so asyncpg's 32,767-parameter limit never
applies; pages go in chunks of ``PAGE_CHUNK_ROWS``. The per-domain "visited set" is the
``UNIQUE (domain_id, url)`` constraint: ``ON CONFLICT DO NOTHING`` makes a page listed twice,
an index cycle or an index listing itself insert nothing, and RETURNING says what was new,
so ``domains.page_count`` / ``sitemap_count`` grow by exactly the rows really added.

One exception to "first file wins": a page row that exists without a sitemap file (the
homepage that auto-advance adds for the contacts scan, before any sitemap is read) takes the
sitemap's data (file, lastmod, changefreq, priority, extras) once; it then counts as imported.

Lock order of an import record: the runner's own file row, an advisory lock per domain,
pages, child rows, then the domain row last (as the contacts scan: pages, then domain).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

PAGE_CHUNK_ROWS = 10_000  # rows per INSERT statement (one round trip each)


@dataclass(frozen=True)
class DiscoveredSitemap:
    """A sitemap file found by discovery (depth 0)."""

    domain_id: int
    url: str
    discovered_via: str  # robots, well_known, html_link, manual
    kind: str | None
    import_status: str  # pending (waits for curation) or queued (auto-advance)
    notes: str | None = None


@dataclass
class PageRows:
    """Pages as columns; every list has one value per row."""

    domain_ids: list[int] = field(default_factory=list)
    sitemap_file_ids: list[int] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    lastmods: list[datetime | None] = field(default_factory=list)
    changefreqs: list[str | None] = field(default_factory=list)
    priorities: list[float | None] = field(default_factory=list)
    extras: list[str | None] = field(default_factory=list)  # JSON text, cast to jsonb
    scan_status: str = "pending"

    def __len__(self) -> int:
        return len(self.urls)

    def chunk(self, start: int, stop: int) -> dict[str, Any]:
        return {
            "domain_ids": self.domain_ids[start:stop],
            "file_ids": self.sitemap_file_ids[start:stop],
            "urls": self.urls[start:stop],
            "lastmods": self.lastmods[start:stop],
            "changefreqs": self.changefreqs[start:stop],
            "priorities": self.priorities[start:stop],
            "extras": self.extras[start:stop],
            "scan_status": self.scan_status,
        }


@dataclass(frozen=True)
class ChildSitemap:
    domain_id: int
    parent_id: int
    url: str
    depth: int
    curation_status: str = "new"  # the parent's: selecting an index selects its tree


@dataclass(frozen=True)
class ImportedFile:
    """What an import learned about one sitemap file."""

    id: int
    kind: str
    url_count: int
    child_count: int
    has_lastmod: bool
    bytes: int
    compressed: bool
    truncated: bool
    lastmod_invalid: int
    notes: str | None


@dataclass(frozen=True)
class DomainState:
    domain: str
    sitemap_count: int


_INSERT_DISCOVERED = text(
    "INSERT INTO sitemap_files (domain_id, url, kind, discovered_via, depth, import_status, "
    "notes) "
    "SELECT v.domain_id, v.url, CAST(v.kind AS sitemap_kind), "
    "CAST(v.via AS discovered_via), 0, CAST(v.status AS import_status), v.notes "
    "FROM unnest(CAST(:domain_ids AS bigint[]), CAST(:urls AS text[]), CAST(:kinds AS text[]), "
    "CAST(:vias AS text[]), CAST(:statuses AS text[]), CAST(:notes AS text[])) "
    "AS v(domain_id, url, kind, via, status, notes) "
    "ON CONFLICT (domain_id, url) DO NOTHING "
    "RETURNING id"
)
_REFRESH_SITEMAP_COUNTS = text(
    "UPDATE domains AS d SET sitemap_count = "
    "(SELECT count(*) FROM sitemap_files AS s WHERE s.domain_id = d.id), updated_at = now() "
    "WHERE d.id = ANY(CAST(:ids AS bigint[]))"
)
# The conflict check is the unique index's own probe (no join the planner could turn into a
# scan of pages). A known row without a sitemap file (a placeholder) takes this file's data.
_INSERT_PAGES = text(
    "WITH added AS ("
    "INSERT INTO pages (domain_id, sitemap_file_id, url, lastmod, changefreq, priority, extras, "
    "scan_status) "
    "SELECT v.domain_id, v.file_id, v.url, v.lastmod, v.changefreq, v.priority, "
    "CAST(v.extras AS jsonb), CAST(:scan_status AS scan_status) "
    "FROM unnest(CAST(:domain_ids AS bigint[]), CAST(:file_ids AS bigint[]), "
    "CAST(:urls AS text[]), CAST(:lastmods AS timestamptz[]), CAST(:changefreqs AS text[]), "
    "CAST(:priorities AS float8[]), CAST(:extras AS text[])) "
    "AS v(domain_id, file_id, url, lastmod, changefreq, priority, extras) "
    "ON CONFLICT (domain_id, url) DO UPDATE SET sitemap_file_id = excluded.sitemap_file_id, "
    "lastmod = excluded.lastmod, changefreq = excluded.changefreq, "
    "priority = excluded.priority, extras = excluded.extras, updated_at = now() "
    "WHERE pages.sitemap_file_id IS NULL "
    "RETURNING sitemap_file_id) "
    "SELECT sitemap_file_id, count(*) FROM added GROUP BY sitemap_file_id"
)
_KNOWN_SITEMAPS = text(
    "SELECT domain_id, url FROM sitemap_files "
    "WHERE domain_id = ANY(CAST(:domain_ids AS bigint[])) AND url = ANY(CAST(:urls AS text[]))"
)
_INSERT_CHILDREN = text(
    "WITH added AS ("
    "INSERT INTO sitemap_files (domain_id, url, discovered_via, parent_id, depth, "
    "curation_status, import_status) "
    "SELECT v.domain_id, v.url, 'index_child', v.parent_id, v.depth, "
    "CAST(v.curation AS curation_status), 'queued' "
    "FROM unnest(CAST(:domain_ids AS bigint[]), CAST(:parent_ids AS bigint[]), "
    "CAST(:urls AS text[]), CAST(:depths AS integer[]), CAST(:curations AS text[])) "
    "AS v(domain_id, parent_id, url, depth, curation) "
    "ON CONFLICT (domain_id, url) DO NOTHING "
    "RETURNING parent_id) "
    "SELECT parent_id, count(*) FROM added GROUP BY parent_id"
)
_SAVE_IMPORTS = text(
    "UPDATE sitemap_files AS f SET kind = CAST(v.kind AS sitemap_kind), url_count = v.url_count, "
    "child_count = v.child_count, has_lastmod = v.has_lastmod, bytes = v.bytes, "
    "compressed = v.compressed, truncated = v.truncated, lastmod_invalid = v.lastmod_invalid, "
    "notes = v.notes, updated_at = now() "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:kinds AS text[]), CAST(:url_counts AS integer[]), "
    "CAST(:child_counts AS integer[]), CAST(:has_lastmods AS boolean[]), "
    "CAST(:bytes AS bigint[]), CAST(:compressed AS boolean[]), CAST(:truncated AS boolean[]), "
    "CAST(:lastmod_invalid AS integer[]), CAST(:notes AS text[])) "
    "AS v(id, kind, url_count, child_count, has_lastmod, bytes, compressed, truncated, "
    "lastmod_invalid, notes) "
    "WHERE f.id = v.id"
)
_ADD_DOMAIN_COUNTS = text(
    "UPDATE domains AS d SET page_count = d.page_count + v.pages, "
    "sitemap_count = d.sitemap_count + v.sitemaps, updated_at = now() "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:pages AS integer[]), CAST(:sitemaps AS integer[])) "
    "AS v(id, pages, sitemaps) WHERE d.id = v.id"
)
# One import record per domain at a time (transaction-scoped, taken in id order): the
# runner's concurrent records of one domain's files would otherwise lock pages, child rows
# and the domain row in different orders and deadlock now and then.
_LOCK_DOMAINS = text(
    "SELECT pg_advisory_xact_lock(hashtext('scrapersky.sitemap_import'), "
    "CAST(s.id % 2147483647 AS integer)) "
    "FROM (SELECT id FROM unnest(CAST(:ids AS bigint[])) AS id ORDER BY id) AS s"
)
_DOMAIN_STATES = text(
    "SELECT id, domain, sitemap_count FROM domains WHERE id = ANY(CAST(:ids AS bigint[]))"
)


async def insert_discovered_sitemaps(
    session: AsyncSession, rows: Sequence[DiscoveredSitemap]
) -> int:
    """Record discovered files (a file already known keeps its state); returns rows added."""
    if not rows:
        return 0
    ordered = sorted(rows, key=lambda r: (r.domain_id, r.url))  # one lock order
    result = await session.execute(
        _INSERT_DISCOVERED,
        {
            "domain_ids": [r.domain_id for r in ordered],
            "urls": [r.url for r in ordered],
            "kinds": [r.kind for r in ordered],
            "vias": [r.discovered_via for r in ordered],
            "statuses": [r.import_status for r in ordered],
            "notes": [r.notes for r in ordered],
        },
    )
    return len(result.all())


async def refresh_sitemap_counts(session: AsyncSession, domain_ids: Sequence[int]) -> None:
    """``domains.sitemap_count`` = the domain's sitemap_files rows (after discovery)."""
    if domain_ids:
        await session.execute(_REFRESH_SITEMAP_COUNTS, {"ids": sorted(set(domain_ids))})


async def lock_domains_for_import(session: AsyncSession, domain_ids: Sequence[int]) -> None:
    """Wait until no other import record of these domains is in flight (until commit)."""
    if domain_ids:
        await session.execute(_LOCK_DOMAINS, {"ids": sorted(set(domain_ids))})


async def domain_states(session: AsyncSession, domain_ids: Sequence[int]) -> dict[int, DomainState]:
    """id -> (domain name, sitemap_count), one statement."""
    if not domain_ids:
        return {}
    result = await session.execute(_DOMAIN_STATES, {"ids": sorted(set(domain_ids))})
    return {int(r.id): DomainState(str(r.domain), int(r.sitemap_count)) for r in result}


async def insert_pages(session: AsyncSession, rows: PageRows) -> Counter[int]:
    """Upsert pages in chunks; returns sitemap_file_id -> rows added (or first given a file).

    Callers pass each (domain_id, url) once, sorted, so concurrent imports lock in one order
    (and ON CONFLICT DO UPDATE never meets a row twice in one statement).
    """
    added: Counter[int] = Counter()
    for start in range(0, len(rows), PAGE_CHUNK_ROWS):
        result = await session.execute(_INSERT_PAGES, rows.chunk(start, start + PAGE_CHUNK_ROWS))
        for file_id, count in result:
            added[int(file_id)] += int(count)
    return added


async def insert_child_sitemaps(
    session: AsyncSession, children: Sequence[ChildSitemap]
) -> Counter[int]:
    """Queue index children for import; parent_id -> rows added.

    Known URLs are filtered out first (one lookup), so the insert never waits on a known file
    whose own import is being recorded right now: that record waits for this one's domain
    lock, and the two would deadlock. Lookups are ``= ANY(array)`` and the unique index's own
    conflict probe - nothing a planner with stale statistics could turn into a scan per row.
    """
    if not children:
        return Counter()
    found = await session.execute(
        _KNOWN_SITEMAPS,
        {
            "domain_ids": sorted({c.domain_id for c in children}),
            "urls": sorted({c.url for c in children}),
        },
    )
    known = {(int(domain_id), str(url)) for domain_id, url in found}
    fresh = sorted(
        (c for c in children if (c.domain_id, c.url) not in known),
        key=lambda c: (c.domain_id, c.url),
    )
    if not fresh:
        return Counter()
    result = await session.execute(
        _INSERT_CHILDREN,
        {
            "domain_ids": [c.domain_id for c in fresh],
            "parent_ids": [c.parent_id for c in fresh],
            "urls": [c.url for c in fresh],
            "depths": [c.depth for c in fresh],
            "curations": [c.curation_status for c in fresh],
        },
    )
    return Counter({int(parent): int(count) for parent, count in result})


async def save_imported_files(session: AsyncSession, files: Sequence[ImportedFile]) -> None:
    """Store what each import learned on its sitemap_files row."""
    if not files:
        return
    ordered = sorted(files, key=lambda f: f.id)
    await session.execute(
        _SAVE_IMPORTS,
        {
            "ids": [f.id for f in ordered],
            "kinds": [f.kind for f in ordered],
            "url_counts": [f.url_count for f in ordered],
            "child_counts": [f.child_count for f in ordered],
            "has_lastmods": [f.has_lastmod for f in ordered],
            "bytes": [f.bytes for f in ordered],
            "compressed": [f.compressed for f in ordered],
            "truncated": [f.truncated for f in ordered],
            "lastmod_invalid": [f.lastmod_invalid for f in ordered],
            "notes": [f.notes for f in ordered],
        },
    )


async def add_domain_counts(
    session: AsyncSession, *, pages: Mapping[int, int], sitemaps: Mapping[int, int]
) -> None:
    """``page_count += pages[id]``, ``sitemap_count += sitemaps[id]`` (id order)."""
    ids = sorted(i for i in set(pages) | set(sitemaps) if pages.get(i) or sitemaps.get(i))
    if not ids:
        return
    await session.execute(
        _ADD_DOMAIN_COUNTS,
        {
            "ids": ids,
            "pages": [pages.get(i, 0) for i in ids],
            "sitemaps": [sitemaps.get(i, 0) for i in ids],
        },
    )
