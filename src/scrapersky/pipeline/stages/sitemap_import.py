"""The sitemap import stage: stream one sitemap file into page rows and child sitemap rows.

    stage = build(settings)     # registered as "sitemap_import" (sitemap_files.import_status)
    fetched = await fetch_sitemap(fetcher, "https://example.com/sitemap.xml")   # also the CLI

``queued -> processing -> complete | error``. ``work()`` streams the body into the pure parser
(``web.sitemaps``) chunk by chunk and stops reading at the first cap (URLs, children and
uncompressed bytes per file: ``sitemap_max_*`` settings); a cap is recorded in ``notes``,
never fatal. Outcomes:

- HTTP 4xx, robots refusal, SSRF refusal: ``error`` at once (a 404 child will not appear in
  a minute); 5xx, 429, timeouts, resets: retried with backoff.
- not a sitemap (an HTML page, prose, an empty body): ``error`` "not a sitemap: ...".
- malformed or cut short: the entries read are kept, the parser's message goes to ``notes``,
  ``complete``; with nothing readable at all, ``error``. A download that keeps failing
  mid-body keeps what it read on its last attempt.

``record_success`` runs in the runner's phase-3 transaction (lock order and statements:
``db.queries.sitemap_write``): pages are upserted in chunks (the first file to list a URL
keeps it), index children become ``queued`` child rows (depth + 1; not past
``sitemap_max_depth`` nor ``sitemap_max_files_per_domain``), the file row gets kind, counts
and notes, the domain its counts, last. ``batch_size`` is 1, so one record transaction holds
at most one file's rows (<= 50,000: about 0.9 s measured). URLs on other sites
(``web.discovery.on_site``) are skipped and counted in the notes.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.queries.contacts_write import queue_likely_contact_pages
from scrapersky.db.queries.sitemap_write import (
    ChildSitemap,
    ImportedFile,
    PageRows,
    add_domain_counts,
    domain_states,
    insert_child_sitemaps,
    insert_pages,
    lock_domains_for_import,
    save_imported_files,
)
from scrapersky.metrics import SITEMAP_PAGES_ADDED
from scrapersky.pipeline.registry import QUEUES
from scrapersky.pipeline.stage import (
    DIAGNOSTIC_BYTES,
    BaseStage,
    ClaimedItem,
    Failure,
    StageSpec,
    Success,
)
from scrapersky.pipeline.stages.fetch_outcomes import RETRYABLE, failure_for, pg_safe
from scrapersky.pipeline.stages.sitemap_discovery import (
    SITEMAP_ACCEPT,
    body_chunks,
    is_2xx,
    sitemap_limits,
)
from scrapersky.settings import Settings
from scrapersky.web.discovery import host_of
from scrapersky.web.fetch import Fetcher, FetchResponse
from scrapersky.web.sitemaps import (
    SitemapEntry,
    SitemapLimits,
    SitemapParseResult,
    SitemapStreamParser,
)

NAME = "sitemap_import"
FETCH_SLACK_BYTES = 64 * 1024  # the parser's byte cap must trip before the fetcher's
NOTES_MAX_CHARS = 2000


@dataclass(frozen=True)
class FetchedSitemap:
    """One sitemap fetched and parsed; ``failure`` when no body could be read at all."""

    url: str
    final_url: str
    parsed: SitemapParseResult | None
    failure: Failure | None = None
    download_error: str | None = None  # a failure after the body started (category)
    download_message: str | None = None
    head: bytes = b""  # the first KB, for diagnostics


@dataclass(frozen=True)
class PageColumns:
    """A file's distinct page URLs, sorted, as columns (``hosts`` decides what is on-site)."""

    urls: list[str]
    hosts: list[str]
    lastmods: list[datetime | None]
    changefreqs: list[str | None]
    priorities: list[float | None]
    extras: list[str | None]


@dataclass(frozen=True)
class ImportResult:
    final_url: str
    kind: str
    pages: PageColumns
    children: tuple[str, ...]  # distinct child sitemap URLs
    has_lastmod: bool
    bytes: int
    compressed: bool
    truncated: bool
    lastmod_invalid: int
    notes: tuple[str, ...]


async def fetch_sitemap(
    fetcher: Fetcher, url: str, limits: SitemapLimits = SitemapLimits()
) -> FetchedSitemap:
    """Stream ``url`` into the parser; stop at the first cap. Never raises for web failures."""
    max_bytes = limits.max_uncompressed_bytes + FETCH_SLACK_BYTES
    async with fetcher.open(url, max_bytes=max_bytes, accept=SITEMAP_ACCEPT) as response:
        if response.error is not None or not is_2xx(response):
            return FetchedSitemap(url, response.final_url, None, _fetch_failure(response))
        parser = SitemapStreamParser(response.final_url, limits)
        head = bytearray()
        async with aclosing(body_chunks(response)) as chunks:
            async for chunk in chunks:
                if len(head) < DIAGNOSTIC_BYTES:
                    head += chunk[: DIAGNOSTIC_BYTES - len(head)]
                parser.feed(chunk)
                if parser.done:
                    break
                await asyncio.sleep(0)  # parsing is CPU: let other items run between chunks
        error = None if response.error == "too_large" else response.error
        message = response.message
    return FetchedSitemap(
        url, response.final_url, parser.close(), None, error, message, bytes(head)
    )


def _fetch_failure(response: FetchResponse) -> Failure:
    failure = failure_for(response.result(b""), "sitemap")
    if response.status is not None and failure.category.startswith("http_"):
        message = f"HTTP {response.status} at {response.final_url}"
        return Failure(failure.category, message, failure.retryable)
    # Credits are the account's problem, not this file's: retry later rather than give up.
    return Failure(
        failure.category, failure.message, failure.retryable or failure.category == "credits"
    )


def parse_outcome(
    fetched: FetchedSitemap, *, final_attempt: bool, limits: SitemapLimits
) -> Failure | tuple[SitemapParseResult, list[str]]:
    """Decide what a fetched file is worth: a Failure, or the parse and its notes."""
    if fetched.failure is not None or fetched.parsed is None:
        return fetched.failure or Failure("crash", "no parse result", retryable=False)
    parsed = fetched.parsed
    readable = len(parsed.entries) + len(parsed.children)
    notes = [parsed.error] if parsed.error and parsed.kind is not None else []
    if fetched.download_error is not None:  # before "not a sitemap": the body was cut short
        problem = f"{fetched.download_message or fetched.download_error}"
        retry = fetched.download_error in RETRYABLE
        if (retry and not final_attempt) or not readable:
            message = f"download failed: {problem}"
            return Failure(fetched.download_error, message, retryable=retry and not final_attempt)
        notes.insert(0, f"download failed ({problem}); kept the {readable:,} entries read")
    if parsed.kind is None:
        message = parsed.error or "not a sitemap"
        return Failure("not_a_sitemap", message, retryable=False, diagnostic=fetched.head or None)
    if not readable and parsed.error and not parsed.dropped_urls and not parsed.dropped_children:
        return Failure("parse", f"nothing readable: {parsed.error}", retryable=False)
    counters = (
        (parsed.dropped_urls, f"URLs beyond the limit of {limits.max_urls:,} not imported"),
        (parsed.dropped_children, f"children beyond the limit of {limits.max_children:,} "
         "not followed"),
        (parsed.invalid_locs, "invalid <loc> values skipped"),
        (parsed.lastmod_missing_tz, "lastmod values without a timezone left empty"),
        (parsed.dropped_extras, "images/videos/alternates beyond the caps dropped"),
    )  # fmt: skip
    notes += [f"{count:,} {text}" for count, text in counters if count]
    return parsed, notes


def build_result(final_url: str, parsed: SitemapParseResult, notes: list[str]) -> ImportResult:
    """Distinct URLs as sorted columns (CPU only: runs in a thread for big files)."""
    distinct: dict[str, SitemapEntry] = {}
    for entry in parsed.entries:
        distinct.setdefault(entry.loc, entry)
    repeated = len(parsed.entries) - len(distinct)
    if repeated:
        notes.append(f"{repeated:,} URLs listed more than once")
    entries = [distinct[url] for url in sorted(distinct)]
    pages = PageColumns(
        urls=[e.loc for e in entries],
        hosts=[host_of(e.loc) for e in entries],
        lastmods=[e.lastmod for e in entries],
        changefreqs=[e.changefreq for e in entries],
        priorities=[e.priority for e in entries],
        extras=[json.dumps(pg_safe(e.extras)) if e.extras else None for e in entries],
    )
    assert parsed.kind is not None
    return ImportResult(
        final_url=final_url,
        kind=parsed.kind,
        pages=pages,
        children=tuple(dict.fromkeys(child.loc for child in parsed.children)),
        has_lastmod=any(e.lastmod is not None for e in entries)
        or any(c.lastmod is not None for c in parsed.children),
        bytes=parsed.bytes_read,
        compressed=parsed.compressed,
        truncated=parsed.truncated,
        lastmod_invalid=parsed.lastmod_invalid,
        notes=tuple(notes),
    )


def import_spec(settings: Settings) -> StageSpec:
    per_fetch = (
        settings.scraperapi_timeout_s
        if settings.fetch_backend == "scraperapi"
        else settings.fetch_total_timeout_s
    )
    item_timeout_s = per_fetch + 60  # one fetch plus parsing up to 50 MB
    return StageSpec.on(
        QUEUES[NAME],
        name=NAME,
        columns=("domain_id", "url", "depth", "curation_status"),
        batch_size=1,  # one file per record transaction: bounded by the URL cap
        concurrency=settings.sitemap_import_concurrency,
        item_timeout_s=item_timeout_s,
        lease_s=item_timeout_s + 60,
        max_attempts=3,
        backoff_base_s=60.0,
        fair_by="domain_id",  # one domain's 100 children do not starve the other domains
    )


class SitemapImportStage(BaseStage[ImportResult]):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spec = import_spec(settings)
        self.limits = sitemap_limits(settings)
        self.fetcher: Fetcher | None = None

    async def setup(self) -> None:
        self.fetcher = Fetcher(self.settings)

    async def aclose(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.aclose()
            self.fetcher = None

    async def work(self, item: ClaimedItem) -> Success[ImportResult] | Failure:
        if self.fetcher is None:
            raise RuntimeError("SitemapImportStage.setup() was not called")
        fetched = await fetch_sitemap(self.fetcher, item["url"], self.limits)
        final_attempt = item.attempt >= self.spec.max_attempts
        outcome = parse_outcome(fetched, final_attempt=final_attempt, limits=self.limits)
        if isinstance(outcome, Failure):
            return outcome
        parsed, notes = outcome
        result = await asyncio.to_thread(build_result, fetched.final_url, parsed, notes)
        return Success(result)

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, ImportResult]]
    ) -> None:
        domain_ids = [item["domain_id"] for item, _ in items]
        await lock_domains_for_import(session, domain_ids)
        states = await domain_states(session, domain_ids)
        names = {i: s.domain for i, s in states.items()}
        plan = RecordPlan(self.settings, names, several=len(items) > 1)
        room = {i: self.settings.sitemap_max_files_per_domain - s.sitemap_count
                for i, s in states.items()}  # fmt: skip
        for item, result in sorted(items, key=lambda pair: (pair[0]["domain_id"], pair[0].id)):
            plan.add(item, result, room)
        added_pages = await insert_pages(session, plan.sorted_pages())
        added_children = await insert_child_sitemaps(session, plan.children)
        await save_imported_files(session, plan.files(added_pages, added_children))
        pages_by_domain: Counter[int] = Counter()
        children_by_domain: Counter[int] = Counter()
        for item, _ in items:
            pages_by_domain[item["domain_id"]] += added_pages.get(item.id, 0)
            children_by_domain[item["domain_id"]] += added_children.get(item.id, 0)
        grown = sorted(domain for domain, count in pages_by_domain.items() if count)
        if self.settings.auto_advance and grown:
            per_domain = self.settings.contacts_auto_select_per_domain
            await queue_likely_contact_pages(session, grown, per_domain=per_domain)
        # the domain row last: the lock order every writer of pages and domains follows
        await add_domain_counts(session, pages=pages_by_domain, sitemaps=children_by_domain)
        SITEMAP_PAGES_ADDED.inc(sum(pages_by_domain.values()))


class RecordPlan:
    """The rows one record transaction writes, built in memory first (no query per item)."""

    def __init__(self, settings: Settings, domains: dict[int, str], *, several: bool) -> None:
        self.max_depth = settings.sitemap_max_depth
        self.several = several  # more than one file in the batch (a --batch-size override)
        self.domains = domains
        self.pages = PageRows()
        self.children: list[ChildSitemap] = []
        self._results: list[tuple[int, ImportResult, list[str], int]] = []
        self._seen: dict[int, set[str]] = {}

    def add(self, item: ClaimedItem, result: ImportResult, room: dict[int, int]) -> None:
        domain_id: int = item["domain_id"]
        domain = self.domains.get(domain_id, "")
        notes = list(result.notes)
        pages = result.pages
        allowed = {host for host in set(pages.hosts) if _within(host, domain)}
        kept = [i for i, host in enumerate(pages.hosts) if host in allowed]
        if len(kept) < len(pages.urls):
            example = next(h for h in pages.hosts if h not in allowed)
            skipped = len(pages.urls) - len(kept)
            notes.append(f"{skipped:,} URLs on other sites skipped (e.g. {example or '?'})")
        if self.several:  # one statement must not list a (domain, URL) twice
            seen = self._seen.setdefault(domain_id, set())
            kept = [i for i in kept if pages.urls[i] not in seen]
            seen.update(pages.urls[i] for i in kept)
        rows = self.pages
        rows.domain_ids += [domain_id] * len(kept)
        rows.sitemap_file_ids += [item.id] * len(kept)
        rows.urls += [pages.urls[i] for i in kept]
        rows.lastmods += [pages.lastmods[i] for i in kept]
        rows.changefreqs += [pages.changefreqs[i] for i in kept]
        rows.priorities += [pages.priorities[i] for i in kept]
        rows.extras += [pages.extras[i] for i in kept]
        offered = self._plan_children(item, domain, result.children, room, notes)
        self._results.append((item.id, result, notes, offered))

    def _plan_children(
        self,
        item: ClaimedItem,
        domain: str,
        children: Sequence[str],
        room: dict[int, int],
        notes: list[str],
    ) -> int:
        if not children:
            return 0
        depth = int(item.values.get("depth") or 0) + 1
        if depth > self.max_depth:
            notes.append(
                f"depth limit {self.max_depth} reached: {len(children):,} children not followed"
            )
            return 0
        local = [url for url in children if _within(host_of(url), domain)]
        if len(local) < len(children):
            notes.append(f"{len(children) - len(local):,} children on other sites not followed")
        domain_id: int = item["domain_id"]
        space = max(room.get(domain_id, 0), 0)
        if len(local) > space:
            notes.append(
                f"per-domain limit of sitemap files reached: {len(local) - space:,} children "
                "not followed"
            )
            local = local[:space]
        room[domain_id] = space - len(local)
        curation = str(item.values.get("curation_status") or "new")
        self.children += [ChildSitemap(domain_id, item.id, url, depth, curation) for url in local]
        return len(local)

    def sorted_pages(self) -> PageRows:
        """The page rows in (domain_id, url) order: one file's are sorted already."""
        rows = self.pages
        if not self.several:
            return rows
        order = sorted(range(len(rows)), key=lambda i: (rows.domain_ids[i], rows.urls[i]))
        return PageRows(
            domain_ids=[rows.domain_ids[i] for i in order],
            sitemap_file_ids=[rows.sitemap_file_ids[i] for i in order],
            urls=[rows.urls[i] for i in order],
            lastmods=[rows.lastmods[i] for i in order],
            changefreqs=[rows.changefreqs[i] for i in order],
            priorities=[rows.priorities[i] for i in order],
            extras=[rows.extras[i] for i in order],
        )

    def files(self, added_pages: Counter[int], added_children: Counter[int]) -> list[ImportedFile]:
        files = []
        for file_id, result, notes, offered in self._results:
            known = offered - added_children.get(file_id, 0)
            if known:
                notes.append(
                    f"{known:,} children already known (listed twice, a cycle, or the index "
                    "itself): not fetched again"
                )
            if result.pages.urls:
                notes.append(f"{added_pages.get(file_id, 0):,} new pages")
            text = "; ".join(notes)
            files.append(
                ImportedFile(
                    id=file_id,
                    kind=result.kind,
                    url_count=len(result.pages.urls),
                    child_count=len(result.children),
                    has_lastmod=result.has_lastmod,
                    bytes=result.bytes,
                    compressed=result.compressed,
                    truncated=result.truncated,
                    lastmod_invalid=result.lastmod_invalid,
                    notes=(text[: NOTES_MAX_CHARS - 1] + "…")
                    if len(text) > NOTES_MAX_CHARS
                    else (text or None),
                )
            )
        return files


def _within(host: str, domain: str) -> bool:
    """``web.discovery.on_site`` for a host already extracted."""
    return bool(host) and (host == domain or host.endswith("." + domain))


def build(settings: Settings) -> SitemapImportStage:
    """The registry's factory for ``sitemap_import``."""
    return SitemapImportStage(settings)
