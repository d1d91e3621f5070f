"""The sitemap discovery stage: find the sitemaps a selected domain publishes.

    stage = build(settings)    # "sitemap_discovery": domains.sitemap_analysis_status
    found = await SitemapDiscoverer(fetcher).discover("example.com")   # also `sitemaps show`

``queued -> processing -> submitted | failed``. ``work()`` picks the site's origin, then looks
in three places, each only when the one before found nothing (docs/sitemaps.md):

1. robots.txt ``Sitemap:`` lines (any case, any position, relative values resolved). They
   are the site's own declaration and are recorded without being fetched (the import tells
   what each one is). A sitemap on another site is recorded as ``pending`` with a note and
   never queued (importing another host's pages into this domain would be wrong).
2. ``WELL_KNOWN_PATHS`` in order, stopping at the first that answers 2xx and sniffs as a
   sitemap (an HTML page at ``/sitemap.xml`` does not).
3. ``<link rel="sitemap">`` and sitemap-named links on the homepage, sniffed the same way.

Nothing found is the terminal, not-retried failure "no sitemap found: ..." listing what was
tried. ``record_success`` inserts one ``sitemap_files`` row per sitemap (``ON CONFLICT
(domain_id, url) DO NOTHING``), ``queued`` for import with ``auto_advance``, else ``pending``
(a user selects them), and sets ``domains.sitemap_count``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.queries.sitemap_write import (
    DiscoveredSitemap,
    insert_discovered_sitemaps,
    refresh_sitemap_counts,
)
from scrapersky.metrics import SITEMAPS_DISCOVERED
from scrapersky.pipeline.registry import QUEUES
from scrapersky.pipeline.stage import BaseStage, ClaimedItem, Failure, StageSpec, Success
from scrapersky.pipeline.stages.fetch_outcomes import RETRYABLE, usable
from scrapersky.settings import Settings
from scrapersky.web.discovery import (
    WELL_KNOWN_PATHS,
    candidate_origins,
    homepage_sitemap_links,
    host_of,
    http_twin,
    on_site,
    robots_sitemap_urls,
    sniff_verdict,
)
from scrapersky.web.fetch import Fetcher, FetchResponse, FetchResult, RobotsInfo
from scrapersky.web.robots import NOT_ABOUT_THE_SITE, SITE_UNREACHABLE, origin_of
from scrapersky.web.sitemaps import SitemapLimits, SitemapStreamParser

NAME = "sitemap_discovery"
SNIFF_BYTES = 128 * 1024  # read at most this much of a candidate to decide what it is
SITEMAP_ACCEPT = "application/xml,text/xml;q=0.9,application/gzip;q=0.8,text/plain;q=0.7,*/*;q=0.5"


@dataclass(frozen=True)
class FoundSitemap:
    url: str
    via: str  # robots, well_known, html_link
    kind: str | None = None  # known when the file was sniffed
    note: str | None = None
    off_site: bool = False


@dataclass(frozen=True)
class Discovery:
    domain: str
    origin: str
    sitemaps: tuple[FoundSitemap, ...]
    tried: tuple[str, ...]  # what was looked at, for humans


@dataclass(frozen=True)
class Sniff:
    url: str
    final_url: str
    kind: str | None
    reason: str | None  # None: it is a sitemap
    error: str | None = None  # the fetch's error category, when it failed


class _ApiTrouble(Exception):
    """The scraping API refused (credits, concurrency): says nothing about the site."""

    def __init__(self, category: str, message: str | None) -> None:
        super().__init__(message or category)
        self.category = category


@dataclass
class _Trail:
    """What one discovery tried, for the message; ``transient``: a failure that may pass."""

    tried: list[str]
    transient: bool = False

    def note(self, text: str, error: str | None = None) -> None:
        self.tried.append(text)
        self.transient = self.transient or error in RETRYABLE


@dataclass(frozen=True)
class _Site:
    origin: str
    robots: RobotsInfo
    homepage: FetchResult | None


def describe_answer(status: int | None, error: str | None, message: str | None) -> str:
    """``HTTP 404`` or ``timeout: no response within 30s`` - one short line."""
    if error in (None, "http_4xx", "http_5xx") and status is not None:
        return f"HTTP {status}"
    return f"{error}: {message}" if message else str(error)


class SitemapDiscoverer:
    """Discovery without the database: what ``work()`` and ``scrapersky sitemaps show`` run."""

    def __init__(
        self,
        fetcher: Fetcher,
        limits: SitemapLimits = SitemapLimits(),
        *,
        respect_robots: bool = True,
    ) -> None:
        self.fetcher = fetcher
        self.limits = limits
        self.respect_robots = respect_robots

    async def discover(self, domain: str, hint_url: str | None = None) -> Discovery | Failure:
        trail = _Trail([])
        try:
            return await self._discover(domain, hint_url, trail)
        except _ApiTrouble as trouble:
            return Failure(trouble.category, f"scraping API: {trouble}", retryable=True)

    async def _discover(self, domain: str, hint: str | None, trail: _Trail) -> Discovery | Failure:
        tried = trail.tried
        site = await self._pick_site(domain, hint, tried)
        if isinstance(site, Failure):
            return site
        found: dict[str, FoundSitemap] = {}
        off_site: dict[str, FoundSitemap] = {}
        parser = site.robots.parser
        declared = robots_sitemap_urls(parser.sitemaps if parser else (), site.robots.url)
        for url in declared:
            if on_site(url, domain):
                found.setdefault(url, FoundSitemap(url, "robots"))
            else:
                note = f"off-site: {host_of(url)} is not part of {domain}; not imported"
                off_site.setdefault(url, FoundSitemap(url, "robots", note=note, off_site=True))
        if declared:
            tried.append(f"{site.robots.url} names {len(declared)} sitemap(s)")
        elif site.robots.status is not None and 200 <= site.robots.status < 300:
            tried.append(f"{site.robots.url} names no sitemap")
        if not found:
            await self._probe_well_known(site.origin, found, trail)
        if not found:
            await self._follow_homepage(site, domain, found, trail)
        if not found:
            if off_site:
                tried.append(f"robots.txt names only sitemaps on other sites ({len(off_site)})")
            message = "no sitemap found: " + "; ".join(tried)
            return Failure("no_sitemap", message, retryable=trail.transient)
        return Discovery(domain, site.origin, (*found.values(), *off_site.values()), tuple(tried))

    async def _pick_site(self, domain: str, hint: str | None, tried: list[str]) -> _Site | Failure:
        """The first origin that answers robots.txt or a homepage with 2xx; else the first that
        answers at all (a site may publish only a sitemap); else why none could be reached."""
        queue = candidate_origins(domain, hint)
        unreachable: list[RobotsInfo] = []
        refused: list[RobotsInfo] = []
        fallback: _Site | None = None
        position = 0
        while position < len(queue):
            origin = queue[position]
            position += 1
            robots = await self.fetcher.robots_for(origin + "/")
            if robots.error in NOT_ABOUT_THE_SITE:
                message = f"robots.txt not read: {robots.message}"
                return Failure(robots.error or "rate_limited", message, retryable=True)
            if robots.error in SITE_UNREACHABLE:
                tried.append(robots.message or f"{origin} unreachable")
                unreachable.append(robots)
                twin = http_twin(origin)
                if robots.error != "blocked" and twin is not None and twin not in queue:
                    queue.insert(position, twin)
                continue
            if self.respect_robots and robots.policy == "disallow_all":
                tried.append(f"{robots.message}; RFC 9309: nothing may be fetched")
                refused.append(robots)
                continue
            if robots.status is not None and 200 <= robots.status < 300:
                return _Site(origin, robots, None)
            tried.append(f"{robots.url}: {describe_answer(robots.status, None, robots.message)}")
            homepage = _checked(await self.fetcher.fetch(origin + "/"))
            if usable(homepage):
                final = origin_of(homepage.final_url)
                if final != origin and on_site(homepage.final_url, domain):
                    return _Site(final, await self.fetcher.robots_for(final + "/"), homepage)
                return _Site(origin, robots, homepage)
            answer = describe_answer(homepage.status, homepage.error, homepage.message)
            tried.append(f"{origin}/: {answer}")
            if fallback is None and homepage.error not in SITE_UNREACHABLE:
                fallback = _Site(origin, robots, homepage)
        if fallback is not None:
            return fallback
        if refused:
            return Failure("robots", "; ".join(tried), retryable=False)
        category = unreachable[0].error if unreachable else "connect"
        message = "site unreachable: " + "; ".join(tried)
        return Failure(category or "connect", message, retryable=category in RETRYABLE)

    async def _probe_well_known(
        self, origin: str, found: dict[str, FoundSitemap], trail: _Trail
    ) -> None:
        misses = []
        for path in WELL_KNOWN_PATHS:
            sniff = await self.sniff(origin + path)
            if sniff.reason is None:
                found[sniff.url] = FoundSitemap(sniff.url, "well_known", sniff.kind)
                break
            misses.append(f"{path} ({sniff.reason})")
            trail.transient = trail.transient or sniff.error in RETRYABLE
        if misses:
            trail.note(f"well-known paths at {origin}: " + ", ".join(misses))

    async def _follow_homepage(
        self, site: _Site, domain: str, found: dict[str, FoundSitemap], trail: _Trail
    ) -> None:
        homepage = site.homepage or _checked(await self.fetcher.fetch(site.origin + "/"))
        if not usable(homepage):
            answer = describe_answer(homepage.status, homepage.error, homepage.message)
            trail.note(f"homepage {homepage.url}: {answer}", homepage.error)
            return
        links = homepage_sitemap_links(homepage.text(), homepage.final_url)
        if not links:
            trail.note(f"homepage {homepage.final_url} links to no sitemap")
            return
        reached: set[str] = set()
        for url in links:
            if not on_site(url, domain):
                trail.note(f"homepage link {url} is on another site")
                continue
            sniff = await self.sniff(url)
            if sniff.reason is not None:
                trail.note(f"homepage link {url}: {sniff.reason}", sniff.error)
            elif sniff.final_url not in reached:  # two links that redirect to one file
                reached.add(sniff.final_url)
                found.setdefault(url, FoundSitemap(url, "html_link", sniff.kind))

    async def sniff(self, url: str) -> Sniff:
        """Fetch the start of ``url`` and decide whether it is a sitemap (and which kind)."""
        async with self.fetcher.open(url, max_bytes=SNIFF_BYTES, accept=SITEMAP_ACCEPT) as response:
            if response.error in NOT_ABOUT_THE_SITE:
                raise _ApiTrouble(str(response.error), response.message)
            if response.error is not None or not is_2xx(response):
                answer = describe_answer(response.status, response.error, response.message)
                return Sniff(url, response.final_url, None, answer, response.error)
            parser = SitemapStreamParser(response.final_url, self.limits, keep_items=False)
            saw_entry = False
            async with aclosing(body_chunks(response)) as chunks:
                async for chunk in chunks:
                    if parser.feed(chunk):
                        saw_entry = True
                        break
                    if parser.done:
                        break
        head = parser.close()
        reason = sniff_verdict(head, saw_entry)
        return Sniff(url, response.final_url, head.kind if reason is None else None, reason)


def _checked(result: FetchResult) -> FetchResult:
    """``result``, unless the scraping API itself refused (then discovery stops, retryable)."""
    if result.error in NOT_ABOUT_THE_SITE:
        raise _ApiTrouble(str(result.error), result.message)
    return result


def body_chunks(response: FetchResponse) -> AsyncGenerator[bytes, None]:
    """``response.chunks()`` typed as the generator it is, for ``contextlib.aclosing``."""
    return cast("AsyncGenerator[bytes, None]", response.chunks())


def is_2xx(response: FetchResponse) -> bool:
    return response.status is not None and 200 <= response.status < 300


def discovery_spec(settings: Settings) -> StageSpec:
    """Tunables: several fetches in a row per domain, so a generous time limit."""
    per_fetch = (
        settings.scraperapi_timeout_s
        if settings.fetch_backend == "scraperapi"
        else settings.fetch_total_timeout_s
    )
    item_timeout_s = 6 * per_fetch + 60
    return StageSpec.on(
        QUEUES[NAME],
        name=NAME,
        columns=("domain", "final_url"),
        batch_size=10,
        concurrency=settings.sitemap_discovery_concurrency,
        item_timeout_s=item_timeout_s,
        lease_s=item_timeout_s + 60,
        max_attempts=3,
        backoff_base_s=60.0,
    )


def sitemap_limits(settings: Settings) -> SitemapLimits:
    return SitemapLimits(
        max_urls=settings.sitemap_max_urls,
        max_children=settings.sitemap_max_children,
        max_uncompressed_bytes=settings.sitemap_max_bytes,
    )


class SitemapDiscoveryStage(BaseStage[Discovery]):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spec = discovery_spec(settings)
        self.fetcher: Fetcher | None = None
        self.discoverer: SitemapDiscoverer | None = None

    async def setup(self) -> None:
        self.fetcher = Fetcher(self.settings)
        self.discoverer = SitemapDiscoverer(
            self.fetcher, sitemap_limits(self.settings), respect_robots=self.settings.respect_robots
        )

    async def aclose(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.aclose()
            self.fetcher = self.discoverer = None

    async def work(self, item: ClaimedItem) -> Success[Discovery] | Failure:
        if self.discoverer is None:
            raise RuntimeError("SitemapDiscoveryStage.setup() was not called")
        outcome = await self.discoverer.discover(item["domain"], item.values.get("final_url"))
        if isinstance(outcome, Failure):
            return outcome
        for found in outcome.sitemaps:
            SITEMAPS_DISCOVERED.labels(via="off_site" if found.off_site else found.via).inc()
        return Success(outcome)

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, Discovery]]
    ) -> None:
        queued = "queued" if self.settings.auto_advance else "pending"
        rows = [
            DiscoveredSitemap(
                domain_id=item.id,
                url=found.url,
                discovered_via=found.via,
                kind=found.kind,
                import_status="pending" if found.off_site else queued,
                notes=found.note,
            )
            for item, discovery in items
            for found in discovery.sitemaps
        ]
        await insert_discovered_sitemaps(session, rows)
        await refresh_sitemap_counts(session, [item.id for item, _ in items])


def build(settings: Settings) -> SitemapDiscoveryStage:
    """The registry's factory for ``sitemap_discovery``."""
    return SitemapDiscoveryStage(settings)
