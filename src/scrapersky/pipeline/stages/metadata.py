"""The metadata stage: fetch each domain's homepage and record what it says about the business.

    stage = build(settings)            # registered as "metadata" (domains.metadata_status)
    await run_worker([stage], settings=settings, exit_when_idle=True)

``pending -> processing -> completed | error``. ``work()`` fetches ``/`` of the domain through
the web layer (robots, SSRF guard, caps, the configured backend) and runs the pure extractor
``web.html_meta.extract_metadata`` in a thread; ``record_success()`` stores the fields on the
domain row. Which URL is tried, in order (only the host root - a GitHub Pages project site
whose homepage lives below a path prefix has no homepage here and ends ``error``):

    https://<domain>/  -> http://<domain>/        when https cannot connect (dns/connect/tls/
                                                   timeout; via ScraperAPI also its 500)
    https://www.<domain>/ -> http://www.<domain>/  when the domain is a registrable name (we
                                                   store it without ``www.``) and the bare
                                                   host could not connect or answered 404/410

A 404 is never retried over http. Failures: see ``fetch_outcomes`` (retry table); exhausted
scraping-API credits pause the stage and defer its rows (a runner ``Defer``, no attempt used).
With ``auto_advance`` on, a completed domain still ``new`` is curated to ``selected`` (which
queues sitemap analysis) and its homepage is queued for the contacts scan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.contacts_write import queue_likely_contact_pages
from scrapersky.db.queries.domains import DomainFilter, set_curation_status
from scrapersky.db.queries.metadata import HomepageRow, save_homepages
from scrapersky.pipeline.registry import QUEUES
from scrapersky.pipeline.stage import BaseStage, ClaimedItem, Defer, Failure, StageSpec, Success
from scrapersky.pipeline.stages.fetch_outcomes import (
    CREDITS,
    CreditsBreaker,
    connection_level,
    failure_for,
    not_html,
    pg_safe,
    usable,
)
from scrapersky.settings import Settings
from scrapersky.web.domains import registrable_domain
from scrapersky.web.fetch import Fetcher, FetchResult
from scrapersky.web.html_meta import HomepageMetadata, extract_metadata

NAME = "metadata"
MISSING_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class Homepage:
    """What work() hands to record_success for one domain."""

    final_url: str
    status: int | None
    metadata: HomepageMetadata
    truncated: bool = False


def metadata_spec(settings: Settings) -> StageSpec:
    """Tunables from settings; the time limit covers a fallback chain of slow fetches."""
    per_fetch = (
        settings.scraperapi_timeout_s
        if settings.fetch_backend == "scraperapi"
        else settings.fetch_total_timeout_s
    )
    item_timeout_s = 3 * per_fetch + 30
    return StageSpec.on(
        QUEUES[NAME],
        name=NAME,
        batch_size=settings.metadata_batch_size,
        concurrency=settings.metadata_concurrency,
        item_timeout_s=item_timeout_s,
        lease_s=item_timeout_s + 60,
        max_attempts=3,
        backoff_base_s=60.0,
    )


def homepage_hosts(domain: str) -> list[str]:
    """The host itself, then ``www.<host>`` when the stored name is a registrable domain."""
    hosts = [domain]
    if registrable_domain(domain) == domain:
        hosts.append(f"www.{domain}")
    return hosts


async def fetch_homepage(
    fetcher: Fetcher, domain: str, *, via_api: bool
) -> tuple[FetchResult, list[FetchResult]]:
    """The homepage (or the most telling failure) and every fetch tried, in order."""
    tried: list[FetchResult] = []
    for host in homepage_hosts(domain):
        for scheme in ("https", "http"):
            result = await fetcher.fetch(f"{scheme}://{host}/")
            tried.append(result)
            if usable(result) or result.error == CREDITS:
                return result, tried
            if scheme == "https" and connection_level(result, via_api=via_api):
                continue
            break
        last = tried[-1]
        if not (connection_level(last, via_api=via_api) or last.status in MISSING_STATUSES):
            return last, tried  # the site answered, and not "nothing here": that is the answer
    return _most_telling(tried), tried


def _most_telling(tried: list[FetchResult]) -> FetchResult:
    """An HTTP answer says more than "could not connect"; otherwise the first failure."""
    answered = [r for r in tried if r.status is not None]
    return answered[0] if answered else tried[0]


def _also_tried(chosen: FetchResult, tried: list[FetchResult]) -> str:
    others = []
    for result in tried:
        if result is chosen:
            continue
        outcome = str(result.status) if result.status is not None else (result.error or "?")
        others.append(f"{result.url}: {outcome}")
    return f" (also tried {'; '.join(others)})" if others else ""


class MetadataStage(BaseStage[Homepage]):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spec = metadata_spec(settings)
        self.via_api = settings.fetch_backend == "scraperapi"
        self.credits = CreditsBreaker(NAME, settings.stage_credits_pause_s)
        self.fetcher: Fetcher | None = None

    async def setup(self) -> None:
        self.fetcher = Fetcher(self.settings)

    async def aclose(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.aclose()
            self.fetcher = None

    async def work(self, item: ClaimedItem) -> Success[Homepage] | Failure | Defer:
        if self.credits.remaining_s() > 0:
            return self.credits.defer()
        if self.fetcher is None:
            raise RuntimeError("MetadataStage.setup() was not called")
        result, tried = await fetch_homepage(self.fetcher, item["domain"], via_api=self.via_api)
        if result.error == CREDITS:
            self.credits.trip(result.message)
            return self.credits.defer()
        if not usable(result):
            failure = failure_for(result, "homepage")
            message = failure.message + _also_tried(result, tried)
            return Failure(failure.category, message, failure.retryable, failure.diagnostic)
        content_type = result.headers.get("content-type")
        if not_html(content_type):
            message = f"homepage is not an HTML page ({content_type}) at {result.final_url}"
            return Failure("not_html", message, retryable=False)
        try:
            metadata = await asyncio.to_thread(
                extract_metadata,
                result.body,
                result.final_url,
                result.headers,
                _cookie_lines(result),
                default_region=self.settings.default_phone_region,
            )
        except Exception as exc:  # the extractor promises not to raise; a bug must not crash
            message = f"could not read the homepage at {result.final_url}: {type(exc).__name__}"
            return Failure("extract", f"{message}: {exc}"[:1000], retryable=False)
        return Success(Homepage(result.final_url, result.status, metadata, result.truncated))

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, Homepage]]
    ) -> None:
        rows = [_row(item.id, homepage) for item, homepage in items]
        await save_homepages(session, rows)
        if self.settings.auto_advance:
            ids = [item.id for item, _ in items]
            new_only = DomainFilter(ids=ids, curation_status=[CurationStatus.NEW])
            await set_curation_status(session, new_only, CurationStatus.SELECTED)
            await queue_likely_contact_pages(
                session, ids, per_domain=self.settings.contacts_auto_select_per_domain
            )


def _cookie_lines(result: FetchResult) -> list[str]:
    get_list = getattr(result.headers, "get_list", None)
    return list(get_list("set-cookie")) if callable(get_list) else []


def _row(domain_id: int, homepage: Homepage) -> HomepageRow:
    meta = homepage.metadata
    row = HomepageRow(
        domain_id=domain_id,
        final_url=homepage.final_url,
        http_status=homepage.status,
        title=meta.title,
        description=meta.description,
        language=meta.language,
        canonical_url=meta.canonical_url,
        favicon_url=meta.favicon_url,
        logo_url=meta.logo_url,
        generator=meta.generator,
        tech=[dict(t) for t in meta.tech],
        social=dict(meta.social),
        emails=list(meta.emails),
        phones=list(meta.phones),
        jsonld=meta.jsonld,
    )
    return pg_safe(row)


def build(settings: Settings) -> MetadataStage:
    """The registry's factory for ``metadata``."""
    return MetadataStage(settings)
