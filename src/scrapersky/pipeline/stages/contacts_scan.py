"""The contacts scan stage: fetch each selected page and record the emails and phones on it.

    stage = build(settings)            # registered as "contacts_scan" (pages.scan_status)
    await run_worker([stage], settings=settings, exit_when_idle=True)

``queued -> processing -> complete | error``. ``work()`` fetches the page URL through the web
layer and runs the pure extractor ``web.contacts.extract_contacts`` in a thread (the same one
the metadata stage uses for the homepage). ``record_success()`` writes one ``contacts`` row
per new (domain, kind, value) - emails lower-cased and typed ``service / free / corporate /
unknown`` against the domain's name, phones in E.164 - keeps the page and URL that first
showed it, sets ``pages.contacts_found`` and adds what was new to ``domains.contact_count``.
A page without contacts ends ``complete`` with ``contacts_found = 0``.

Fairness: rows are claimed round-robin across domains (``fair_by="domain_id"``, rotating from
one claim to the next), and one worker scans at most ``contacts_domain_page_cap`` pages of a
domain per ``contacts_domain_cap_window_s``; pages past the cap are deferred (a runner
``Defer``) to the end of that domain's window without using an attempt, so one huge site cannot
fill every slot. Exhausted scraping-API credits pause the stage and defer its rows the same way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.queries.contacts_write import (
    ContactRow,
    add_contact_counts,
    domain_names,
    insert_contacts,
    set_contacts_found,
)
from scrapersky.pipeline.registry import QUEUES
from scrapersky.pipeline.stage import BaseStage, ClaimedItem, Defer, Failure, StageSpec, Success
from scrapersky.pipeline.stages.fetch_outcomes import (
    CREDITS,
    CreditsBreaker,
    failure_for,
    not_html,
    pg_safe,
    usable,
)
from scrapersky.settings import Settings
from scrapersky.web.contacts import extract_contacts
from scrapersky.web.email_types import classify_email
from scrapersky.web.fetch import Fetcher

NAME = "contacts_scan"
DOMAIN_CAP = "domain_cap"
MAX_TRACKED_DOMAINS = 50_000  # DomainBudget forgets finished windows past this many domains


@dataclass(frozen=True)
class PageScan:
    """What work() hands to record_success for one page."""

    domain_id: int
    source_url: str
    emails: list[str]
    phones: list[str]


def contacts_spec(settings: Settings) -> StageSpec:
    per_fetch = (
        settings.scraperapi_timeout_s
        if settings.fetch_backend == "scraperapi"
        else settings.fetch_total_timeout_s
    )
    item_timeout_s = 2 * per_fetch + 15  # robots.txt (first page of a host), then the page
    return StageSpec.on(
        QUEUES[NAME],
        name=NAME,
        batch_size=settings.contacts_batch_size,
        concurrency=settings.contacts_concurrency,
        item_timeout_s=item_timeout_s,
        lease_s=item_timeout_s + 60,
        max_attempts=3,
        backoff_base_s=60.0,
        fair_by="domain_id",
    )


class DomainBudget:
    """At most ``cap`` pages per domain per ``window_s`` (cap 0: unlimited), in this worker."""

    def __init__(
        self, cap: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.cap = cap
        self.window_s = window_s
        self._clock = clock
        self._windows: dict[int, tuple[float, int]] = {}  # domain id -> (window start, used)

    def take(self, domain_id: int) -> bool:
        if self.cap <= 0:
            return True
        now = self._clock()
        start, used = self._windows.get(domain_id, (now, 0))
        if now - start >= self.window_s:
            start, used = now, 0
        if used >= self.cap:
            return False
        if len(self._windows) >= MAX_TRACKED_DOMAINS and domain_id not in self._windows:
            self._forget_finished(now)
        self._windows[domain_id] = (start, used + 1)
        return True

    def wait_s(self, domain_id: int) -> float:
        """Seconds until ``domain_id``'s current window ends (0 when it has none)."""
        window = self._windows.get(domain_id)
        if window is None:
            return 0.0
        return max(0.0, window[0] + self.window_s - self._clock())

    def _forget_finished(self, now: float) -> None:
        self._windows = {
            d: (s, u) for d, (s, u) in self._windows.items() if now - s < self.window_s
        }


class ContactsScanStage(BaseStage[PageScan]):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spec = contacts_spec(settings)
        self.credits = CreditsBreaker(NAME, settings.stage_credits_pause_s)
        self.budget = DomainBudget(
            settings.contacts_domain_page_cap, settings.contacts_domain_cap_window_s
        )
        self.fetcher: Fetcher | None = None

    async def setup(self) -> None:
        self.fetcher = Fetcher(self.settings)

    async def aclose(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.aclose()
            self.fetcher = None

    async def work(self, item: ClaimedItem) -> Success[PageScan] | Failure | Defer:
        if self.credits.remaining_s() > 0:
            return self.credits.defer()
        domain_id = int(item["domain_id"])
        if not self.budget.take(domain_id):
            return Defer(
                max(self.budget.wait_s(domain_id), 1.0),
                DOMAIN_CAP,
                f"per-domain cap of {self.budget.cap} pages per {self.budget.window_s:.0f}s "
                "reached; back when the window ends",
            )
        if self.fetcher is None:
            raise RuntimeError("ContactsScanStage.setup() was not called")
        result = await self.fetcher.fetch(item["url"])
        if result.error == CREDITS:
            self.credits.trip(result.message)
            return self.credits.defer()
        if not usable(result):
            return failure_for(result, "page")
        content_type = result.headers.get("content-type")
        if not_html(content_type):
            message = f"page is not an HTML page ({content_type}) at {result.final_url}"
            return Failure("not_html", message, retryable=False)
        try:
            found = await asyncio.to_thread(
                extract_contacts,
                result.body,
                result.final_url,
                default_region=self.settings.default_phone_region,
                content_type=content_type,
            )
        except Exception as exc:  # the extractor promises not to raise; a bug must not crash
            message = f"could not read the page at {result.final_url}: {type(exc).__name__}"
            return Failure("extract", f"{message}: {exc}"[:1000], retryable=False)
        return Success(PageScan(domain_id, result.final_url, found.emails, found.phones))

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, PageScan]]
    ) -> None:
        names = await domain_names(session, (scan.domain_id for _, scan in items))
        rows: list[ContactRow] = []
        found: dict[int, int] = {}
        for item, scan in sorted(items, key=lambda pair: pair[0].id):
            site = names.get(scan.domain_id, "")
            source_url = pg_safe(scan.source_url)
            for email in scan.emails:
                kind = classify_email(email, site)
                rows.append(ContactRow(scan.domain_id, item.id, "email", email, kind, source_url))
            for phone in scan.phones:
                rows.append(ContactRow(scan.domain_id, item.id, "phone", phone, None, source_url))
            found[item.id] = len(scan.emails) + len(scan.phones)
        added = await insert_contacts(session, pg_safe(rows))
        await add_contact_counts(session, added)
        await set_contacts_found(session, found)


def build(settings: Settings) -> ContactsScanStage:
    """The registry's factory for ``contacts_scan``."""
    return ContactsScanStage(settings)
