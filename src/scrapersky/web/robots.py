"""robots.txt with RFC 9309 semantics, parsed by Protego and cached per origin.

    info = interpret_robots("https://example.com/robots.txt", status=200, body=b"...")
    info.can_fetch("https://example.com/private/x", "ScraperSkyBot")  # False

What a robots.txt fetch outcome means (RFC 9309 section 2.3.1):
- 2xx: parse the body (a body cut at the size cap is parsed as far as it goes);
- 4xx, 404 included: "unavailable", everything is allowed; likewise more than five redirects;
- 5xx and a site we cannot reach (timeout, dns, connect, tls): "unreachable", everything is
  disallowed until the cache entry expires (at most 5 min). The fetcher reports a 5xx
  robots.txt as error ``robots``; when the site itself cannot be reached it reports that
  network category (``dns``, ``connect``...), which says more.
- ``credits`` (the scraping API's 401/403: credits, plan or key) and ``rate_limited`` (429:
  the API's concurrency limit, or the site asking us to slow down): robots.txt was not read,
  which says nothing about the site's policy. Checked before the status, so an API 403 is
  never taken for the site's "403: allow all". Nothing is cached; the fetcher refuses the
  page with that category (no request sent) and the caller pauses or retries as it would
  for the page itself. (Through the API, the target's own 404/410 arrive as 404/410 and
  still mean "allow all"; its other failures arrive as the API's 500.)
Redirects are followed by the fetcher (at most five hops). Fetching robots.txt itself never
checks robots.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin, urlsplit

from protego import Protego

RobotsPolicy = Literal["parsed", "allow_all", "disallow_all"]
ROBOTS_MAX_REDIRECTS = 5
ERROR_TTL_S = 300.0  # an unreachable robots.txt is asked again after at most this long
# robots.txt was not read, for a reason that says nothing about the site's policy: never cached
NOT_ABOUT_THE_SITE = frozenset({"rate_limited", "credits"})
# robots.txt could not be fetched because the site cannot be reached at all: the page would
# fail the same way, so the fetch reports this category rather than "robots".
SITE_UNREACHABLE = frozenset({"timeout", "dns", "connect", "tls", "blocked"})


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower().rsplit('@', 1)[-1]}"


def robots_url_for(url: str) -> str:
    return origin_of(url) + "/robots.txt"


@dataclass(frozen=True)
class RobotsInfo:
    url: str
    policy: RobotsPolicy
    status: int | None = None
    sitemaps: tuple[str, ...] = ()
    crawl_delay_s: float | None = None
    error: str | None = None  # the fetch error category when robots.txt was unreachable
    message: str | None = None
    parser: Protego | None = field(default=None, repr=False, compare=False)
    fetched_at: float = field(default_factory=time.monotonic, compare=False)

    def can_fetch(self, url: str, user_agent: str) -> bool:
        if self.policy == "allow_all":
            return True
        if self.policy == "disallow_all" or self.parser is None:
            return False
        return bool(self.parser.can_fetch(url, user_agent))

    def refusal(self, url: str) -> str:
        """Why ``url`` may not be fetched, for FetchResult.message."""
        if self.policy == "disallow_all":
            return f"{self.message}; RFC 9309: everything is disallowed until it can be read"
        return f"disallowed by {self.url} for this user agent"


def interpret_robots(
    robots_url: str,
    *,
    status: int | None,
    body: bytes = b"",
    error: str | None = None,
    message: str | None = None,
    user_agent: str = "*",
) -> RobotsInfo:
    """Turn one robots.txt fetch outcome into a policy (pure: no I/O)."""
    if status == 429 and error is None:
        error = "rate_limited"
    if error in NOT_ABOUT_THE_SITE:
        # before the status: the scraping API's 403 (credits) is not the site's 403
        why = message or (f"HTTP {status}" if status is not None else error)
        return RobotsInfo(
            robots_url, "disallow_all", status, error=error, message=f"{why} ({robots_url})"
        )
    if status is not None and 200 <= status < 300 and error in (None, "too_large"):
        text = body.decode("utf-8", errors="replace")
        if error == "too_large":
            text = text.rsplit("\n", 1)[0]  # drop the line the cap cut in half
        parser = Protego.parse(text)
        delay = parser.crawl_delay(user_agent)
        sitemaps = tuple(dict.fromkeys(urljoin(robots_url, s.strip()) for s in parser.sitemaps))
        return RobotsInfo(
            robots_url,
            "parsed",
            status,
            sitemaps,
            float(delay) if delay is not None else None,
            parser=parser,
        )
    unavailable = status is not None and 400 <= status < 500
    if unavailable or error in ("redirect_loop", "decode") or (error is None and status):
        # 4xx, more than five redirects, an undecodable body, or a 3xx we could not follow.
        why = f"HTTP {status}" if error is None else f"{error}: {message}"
        return RobotsInfo(robots_url, "allow_all", status, message=f"robots.txt: {why}")
    reason = f"HTTP {status}" if status is not None else f"{error}: {message}"
    return RobotsInfo(
        robots_url,
        "disallow_all",
        status,
        error=error or "http_5xx",
        message=f"{robots_url} unreachable ({reason})",
    )


class RobotsCache:
    """Per-origin cache with a TTL; concurrent callers for one origin share one fetch."""

    def __init__(self, ttl_s: float, max_entries: int = 50_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, RobotsInfo] = {}
        self._inflight: dict[str, asyncio.Future[RobotsInfo]] = {}

    def _fresh(self, info: RobotsInfo) -> bool:
        ttl = self.ttl_s if info.policy != "disallow_all" else min(self.ttl_s, ERROR_TTL_S)
        return time.monotonic() - info.fetched_at < ttl

    async def get(self, origin: str, load: Callable[[], Awaitable[RobotsInfo]]) -> RobotsInfo:
        cached = self._entries.get(origin)
        if cached is not None and self._fresh(cached):
            return cached
        task = self._inflight.get(origin)
        if task is None:
            # Its own task: a caller that is cancelled does not cancel the others' fetch.
            task = asyncio.ensure_future(load())
            self._inflight[origin] = task
            task.add_done_callback(functools.partial(self._loaded, origin))
        return await asyncio.shield(task)

    def _loaded(self, origin: str, task: asyncio.Future[RobotsInfo]) -> None:
        self._inflight.pop(origin, None)
        if task.cancelled() or task.exception() is not None:
            return
        info = task.result()
        if info.error in NOT_ABOUT_THE_SITE:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[origin] = info

    def cancel_pending(self) -> None:
        for task in list(self._inflight.values()):
            task.cancel()

    def clear(self) -> None:
        self._entries.clear()
