"""How a fetch result becomes a runner outcome, shared by the stages that fetch pages.

    failure = failure_for(result, "homepage")   # Failure("http_404", "homepage returned 404 at
                                                #   https://a.com/", retryable=False)

Retry table (a ``Failure`` is retried with the stage's backoff only when it can get better):

    retryable  timeout, connect, http_5xx, rate_limited (429), HTTP 408/425
    terminal   http_4xx (404 will not fix itself in a minute), dns, tls, blocked, robots,
               invalid_url, redirect_loop, decode, not_html, extract
    deferred   credits (ScraperAPI 401/403, for the page or its robots.txt): not the row's
               fault - work() returns ``CreditsBreaker.defer()``, a runner ``Defer``: the row
               goes back to the queue until the pause ends without using an attempt (not a
               failure: no error text, no diagnostic), and no request is sent meanwhile
    success    too_large: the first ``fetch_max_bytes`` are read like a whole page

Categories keep the status: ``http_404``, ``http_503`` (not ``http_4xx``).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from scrapersky.metrics import STAGE_CREDITS_PAUSED, STAGE_DEFERRED
from scrapersky.pipeline.stage import ClaimedItem, Defer, Failure
from scrapersky.web.fetch import FetchResult

log = logging.getLogger("scrapersky.pipeline.stages")

RETRYABLE = frozenset({"timeout", "connect", "http_5xx", "rate_limited"})
RETRYABLE_STATUSES = frozenset({408, 425})
CONNECTION_LEVEL = frozenset({"dns", "connect", "tls", "timeout"})  # worth trying http://
CREDITS = "credits"
_NON_HTML_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_NON_HTML_TYPES = frozenset(
    {
        "application/pdf",
        "application/octet-stream",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/json",
        "application/javascript",
        "application/msword",
        "application/vnd.ms-excel",
    }
)

T = TypeVar("T")


def usable(result: FetchResult) -> bool:
    """A page to read: 2xx, or the first ``max_bytes`` of a bigger 2xx body."""
    if result.ok:
        return True
    return (
        result.error == "too_large"
        and result.status is not None
        and 200 <= result.status < 300
        and bool(result.body)
    )


def connection_level(result: FetchResult, *, via_api: bool) -> bool:
    """The site could not be reached at all (so ``http://`` may still work).

    Through ScraperAPI a 500 is the API's "could not fetch the target after retrying".
    """
    if result.error in CONNECTION_LEVEL:
        return True
    return via_api and result.error == "http_5xx" and result.status == 500


def failure_for(result: FetchResult, what: str) -> Failure:
    """The runner outcome for a failed fetch (see the retry table in the module docstring)."""
    url = result.final_url or result.url
    status = result.status
    if result.error in (None, "http_4xx", "http_5xx") and status is not None:
        category = f"http_{status}"
        message = f"{what} returned {status} at {url}"
        if result.error == "http_5xx" and result.message:
            message += f" ({result.message})"
        retryable = result.error == "http_5xx" or status in RETRYABLE_STATUSES
        return Failure(category, message, retryable=retryable, diagnostic=result.body or None)
    category = result.error or "http"
    detail = result.message or category
    return Failure(
        category,
        f"{what} not fetched: {detail} ({url})",
        retryable=category in RETRYABLE,
        diagnostic=result.body or None,
    )


def not_html(content_type: str | None) -> bool:
    """True for bodies that are clearly not a web page (PDF, image, archive...)."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(_NON_HTML_PREFIXES) or media in _NON_HTML_TYPES


def pg_safe(value: T) -> T:
    """``value`` with NUL characters removed from every string in it (containers and
    dataclasses are copied; Postgres text and jsonb
    refuse ``\\x00``; a hostile page must not make the whole batch's record fail)."""
    return _scrub(value)  # type: ignore[no-any-return]


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_scrub(v) for v in value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _scrub(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


class CreditsBreaker:
    """Stops a stage's requests for ``pause_s`` once the scraping API says credits are gone.

    Every row claimed meanwhile is deferred at once (``defer()``: no request, no attempt used)
    until the pause ends.
    """

    def __init__(
        self, stage: str, pause_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stage = stage
        self.pause_s = pause_s
        self._clock = clock
        self._until = 0.0
        self._gauge = STAGE_CREDITS_PAUSED.labels(stage=stage)

    def remaining_s(self) -> float:
        left = self._until - self._clock()
        if left <= 0:
            self._gauge.set(0)
            return 0.0
        return left

    def trip(self, message: str | None) -> None:
        if self.remaining_s() == 0.0:
            log.error(
                "scraping API credits exhausted: no requests for %.0fs; rows wait without "
                "using attempts (%s)",
                self.pause_s,
                message or "credits",
                extra={"action": "credits_exhausted", "stage": self.stage},
            )
        self._until = self._clock() + self.pause_s
        self._gauge.set(1)

    def defer(self) -> Defer:
        """The runner outcome for a row met while paused: back in the queue when it ends."""
        return Defer(
            max(self.remaining_s(), 1.0),
            CREDITS,
            f"scraping API credits or plan exhausted (401/403); paused {self.pause_s:.0f}s",
        )

    def failure(self) -> Failure:
        """The pre-``Defer`` form (a terminal failure the stage requeued itself); kept for
        callers that still use it."""
        return Failure(
            CREDITS,
            f"scraping API credits or plan exhausted (401/403); paused {self.pause_s:.0f}s, "
            "row requeued without using an attempt",
            retryable=False,
        )


def deferred_ids(
    items: Sequence[tuple[ClaimedItem, Failure]], categories: Iterable[str]
) -> dict[str, list[int]]:
    """Ids of terminal failures whose category means "not this row's fault: try later".

    Superseded by returning a runner ``Defer`` from work(); kept for existing callers."""
    wanted = set(categories)
    out: dict[str, list[int]] = {}
    for item, failure in items:
        if failure.category in wanted:
            out.setdefault(failure.category, []).append(item.id)
    return out


def count_deferred(stage: str, reason: str, ids: Sequence[int]) -> None:
    """The runner counts ``Defer`` outcomes itself; this is for stages that defer by hand."""
    if ids:
        STAGE_DEFERRED.labels(stage=stage, reason=reason).inc(len(ids))
