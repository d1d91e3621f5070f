"""The one way ScraperSky fetches a web page: safe, capped, polite, and honest about failures.

    async with Fetcher(settings) as fetcher:
        result = await fetcher.fetch("https://example.com/")  # never raises for web failures

A normal web failure is a :class:`FetchResult` with ``error`` set to one category:

    timeout        connect/read/total time limit reached
    dns            the host name does not resolve
    connect        connection refused or reset, proxy failure
    tls            TLS handshake or certificate failure
    http_4xx       the site (or ScraperAPI for the target) answered 4xx
    http_5xx       5xx; via ScraperAPI 500 = failed after the API's own retries
    too_large      the body passed the byte cap (``truncated``; body holds the first bytes)
    blocked        refused by the SSRF guard (before connecting, or at a redirect hop)
    robots         robots.txt disallows the URL, or answers 5xx (RFC 9309: disallow all)
    rate_limited   429: ScraperAPI concurrency limit or the site; retry later
    credits        ScraperAPI 401/403: credits or plan exhausted; stop the stage

``rate_limited`` and ``credits`` may come from the robots.txt request: then the page is not
requested ("robots.txt not read: ..."), and nothing is cached for the origin.
    invalid_url    not an http(s) URL, or a redirect to one
    redirect_loop  a redirect chain that returns to a URL, or longer than fetch_max_redirects
    decode         the body does not match its Content-Encoding

Redirects are followed here (except via ScraperAPI, which follows them itself), each hop
checked by the SSRF guard. The total time limit starts when the request is sent: waiting
for a per-host slot or for robots.txt does not count. ``open()`` streams a body instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import cast, get_args
from urllib.parse import urljoin, urlsplit

import httpx

from scrapersky.guard.runtime import assert_no_transaction
from scrapersky.metrics import FETCH_REQUESTS, FETCH_SECONDS
from scrapersky.settings import Settings, get_settings
from scrapersky.web.backends import (
    ErrorCategory,
    Outcome,
    classify_exception,
    make_backend,
    redact,
)
from scrapersky.web.decode import ContentDecoder, DecodeError
from scrapersky.web.html_decode import decode_html
from scrapersky.web.politeness import HostThrottle
from scrapersky.web.robots import (
    NOT_ABOUT_THE_SITE,
    ROBOTS_MAX_REDIRECTS,
    SITE_UNREACHABLE,
    RobotsCache,
    RobotsInfo,
    interpret_robots,
    origin_of,
)
from scrapersky.web.ssrf import BlockedAddress, SSRFPolicy

__all__ = ["ErrorCategory", "FetchResponse", "FetchResult", "Fetcher", "RobotsInfo"]

log = logging.getLogger("scrapersky.web.fetch")

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ROBOTS_ACCEPT = "text/plain,*/*;q=0.5"


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int | None
    headers: Mapping[str, str]
    body: bytes
    elapsed_s: float
    redirects: tuple[str, ...]  # every URL that answered with a redirect, in order
    error: ErrorCategory | None
    message: str | None
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    def text(self) -> str:
        """The body as text, by BOM, Content-Type charset, ``<meta charset>``, then UTF-8."""
        return decode_html(self.body, self.headers.get("content-type"))[0]


class FetchResponse:
    """An open response: status and headers now, the decoded body chunk by chunk (capped)."""

    def __init__(
        self,
        url: str,
        *,
        final_url: str | None = None,
        status: int | None = None,
        headers: httpx.Headers | None = None,
        redirects: tuple[str, ...] = (),
        error: ErrorCategory | None = None,
        message: str | None = None,
        response: httpx.Response | None = None,
        max_bytes: int = 0,
        deadline: float = 0.0,
        started: float | None = None,
    ) -> None:
        self.url = url
        self.final_url = final_url or url
        self.status = status
        self.headers = headers if headers is not None else httpx.Headers()
        self.redirects = redirects
        self.error = error
        self.message = message
        self.truncated = False
        self.bytes_read = 0
        self._response = response
        self._max_bytes = max_bytes
        self._raw_cap = max_bytes + max_bytes // 2 + 65_536  # compressed size, with slack
        self._deadline = deadline
        self.started = time.perf_counter() if started is None else started

    def _too_large(self) -> None:
        self.truncated = True
        self._fail("too_large", f"body larger than {self._max_bytes} bytes (stopped there)")

    def _fail(self, category: ErrorCategory, message: str) -> None:
        if self.error is None:
            self.error, self.message = category, redact(message)

    async def chunks(self) -> AsyncIterator[bytes]:
        """Decoded body pieces; stops at the byte cap (``too_large``) or on a failure."""
        response, self._response = self._response, None
        if response is None:
            return
        decoder = ContentDecoder(response.headers.get("content-encoding"))
        raw = response.aiter_raw()
        raw_bytes = 0
        try:
            while True:
                try:
                    async with asyncio.timeout_at(self._deadline):
                        data = await anext(raw)
                except StopAsyncIteration:
                    return
                raw_bytes += len(data)
                if raw_bytes > self._raw_cap:  # compressed data that never decodes to much
                    self._too_large()
                    return
                for piece in decoder.feed(data):
                    room = self._max_bytes - self.bytes_read
                    if len(piece) > room:
                        self._too_large()
                        if room > 0:
                            self.bytes_read += room
                            yield piece[:room]
                        return
                    self.bytes_read += len(piece)
                    yield piece
        except DecodeError as exc:
            self._fail("decode", str(exc))
        except TimeoutError:
            self._fail("timeout", f"total time limit reached after {self.bytes_read} bytes")
        except (httpx.HTTPError, OSError) as exc:
            category, message = classify_exception(exc)
            self._fail(category, f"{message} (after {self.bytes_read} bytes)")
        finally:
            await response.aclose()

    async def read(self) -> bytes:
        body = bytearray()
        async for piece in self.chunks():
            body += piece
        return bytes(body)

    async def aclose(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            await response.aclose()

    def result(self, body: bytes) -> FetchResult:
        return FetchResult(
            url=self.url,
            final_url=self.final_url,
            status=self.status,
            headers=self.headers,
            body=body,
            elapsed_s=time.perf_counter() - self.started,
            redirects=self.redirects,
            error=self.error,
            message=self.message,
            truncated=self.truncated,
        )


class Fetcher:
    """Owns the backend's httpx client, the per-host throttle and the robots cache."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.policy = SSRFPolicy(self.settings.ssrf_allow)
        self.backend = make_backend(self.settings, self.policy)
        self.throttle = HostThrottle(
            self.settings.per_host_concurrency,
            self.settings.per_host_delay_s,
            self.settings.max_crawl_delay_s,
        )
        self.robots = RobotsCache(self.settings.robots_cache_ttl_s)
        self._limit = asyncio.Semaphore(self.settings.fetch_concurrency)
        self._outcomes = {
            outcome: FETCH_REQUESTS.labels(backend=self.backend.name, outcome=outcome)
            for outcome in ("ok", "other", *get_args(ErrorCategory))
        }
        self._seconds = FETCH_SECONDS.labels(backend=self.backend.name)

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        return cls(settings)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self.robots.cancel_pending()
        await self.backend.client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        check_robots: bool = True,
        max_bytes: int | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url`` and read the whole body (at most ``max_bytes``, default fetch_max_bytes)."""
        async with self.open(
            url, check_robots=check_robots, max_bytes=max_bytes, accept=accept
        ) as response:
            body = await response.read()
        result = response.result(body)
        outcome = result.error or ("ok" if result.ok else "other")
        self._outcomes[outcome].inc()
        self._seconds.observe(result.elapsed_s)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "fetch %s -> %s %s in %.3fs",
                redact(url),
                result.status,
                outcome,
                result.elapsed_s,
                extra={"action": "fetch", "outcome": outcome},
            )
        if result.error == "credits":
            log.warning("%s", result.message, extra={"action": "fetch_credits"})
        return result

    @asynccontextmanager
    async def open(
        self,
        url: str,
        *,
        check_robots: bool = True,
        max_bytes: int | None = None,
        accept: str | None = None,
    ) -> AsyncIterator[FetchResponse]:
        """Stream a body: ``async with fetcher.open(url) as r: async for c in r.chunks(): ...``.

        Holds the per-host slot and the backend slot until the block exits. Check
        ``r.error`` before and after reading: a failure mid-body ends the iteration and
        sets it (never raises).
        """
        assert_no_transaction(f"fetch {redact(url)}")
        refusal, host, delay = await self._preflight(url, check_robots)
        if refusal is not None:
            yield refusal
            return
        async with self.throttle.slot(host, delay), self._limit:
            response = await self._exchange(
                url,
                max_bytes=max_bytes or self.settings.fetch_max_bytes,
                accept=accept or DEFAULT_ACCEPT,
                max_redirects=self.settings.fetch_max_redirects,
            )
            try:
                yield response
            finally:
                await response.aclose()

    async def robots_for(self, url: str) -> RobotsInfo:
        """robots.txt for ``url``'s origin (cached per origin for robots_cache_ttl_s)."""
        assert_no_transaction(f"robots.txt for {redact(url)}")
        robots_url = origin_of(url) + "/robots.txt"
        return await self.robots.get(origin_of(url), lambda: self._load_robots(robots_url))

    async def _load_robots(self, robots_url: str) -> RobotsInfo:
        async with self._limit:
            response = await self._exchange(
                robots_url,
                max_bytes=self.settings.robots_max_bytes,
                accept=ROBOTS_ACCEPT,
                max_redirects=ROBOTS_MAX_REDIRECTS,
            )
            try:
                body = await response.read()
            finally:
                await response.aclose()
        return interpret_robots(
            robots_url,
            status=response.status,
            body=body,
            error=response.error,
            message=response.message,
            user_agent=self.settings.user_agent,
        )

    async def _preflight(
        self, url: str, check_robots: bool
    ) -> tuple[FetchResponse | None, str, float | None]:
        """Refuse before sending anything: bad URL, SSRF, robots. Returns (refusal, host, delay)."""
        target, refused = self._check_target(url)
        if target is None:
            category, message = refused or ("invalid_url", url)
            return FetchResponse(url, error=category, message=message), "", None
        host = target.host
        delay: float | None = None
        if check_robots and self.settings.respect_robots:
            info = await self.robots_for(url)
            if info.error in NOT_ABOUT_THE_SITE or info.error in SITE_UNREACHABLE:
                about_api = info.error in NOT_ABOUT_THE_SITE
                message = f"{'robots.txt not read' if about_api else 'not fetched'}: {info.message}"
                error = cast(ErrorCategory, info.error)
                return FetchResponse(url, error=error, message=message), "", None
            if not info.can_fetch(url, self.settings.user_agent):
                return FetchResponse(url, error="robots", message=info.refusal(url)), "", None
            delay = info.crawl_delay_s
        return None, host, delay

    def _check_target(self, url: str) -> tuple[httpx.URL, None] | tuple[None, Outcome]:
        """The parsed URL, or why it is refused by its text alone: not http(s), unparseable,
        or an SSRF target. The host is read with urllib first, so spellings httpx rejects
        (``0177.0.0.1``) are still reported as what they are: a loopback address.
        """
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            return None, ("invalid_url", f"not a valid URL: {redact(url)} ({exc})")
        if parts.scheme.lower() not in ("http", "https") or not host:
            return None, ("invalid_url", f"not an http(s) URL: {redact(url)}")
        reason = self.policy.precheck(host)
        if reason is not None:
            return None, ("blocked", f"refused by the SSRF guard: {reason}")
        try:
            return httpx.URL(url), None
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            return None, ("invalid_url", f"not a valid URL: {redact(url)} ({exc})")

    async def _exchange(
        self, url: str, *, max_bytes: int, accept: str, max_redirects: int
    ) -> FetchResponse:
        """Send the request, following redirects (each hop checked); headers read, body not."""
        started = time.perf_counter()
        deadline = asyncio.get_running_loop().time() + self.backend.total_timeout_s
        headers = {"Accept": accept}
        current, seen = url, {url}
        chain: list[str] = []

        def failed(outcome: Outcome) -> FetchResponse:
            category, message = outcome
            return FetchResponse(
                url,
                final_url=current,
                redirects=tuple(chain),
                error=category,
                message=redact(message or ""),
                started=started,
            )

        while True:
            target, refused = self._check_target(current)
            if target is None:
                return failed(refused or ("invalid_url", current))
            try:
                request = self.backend.build_request(target, headers)
                async with asyncio.timeout_at(deadline):
                    response = await self.backend.client.send(request, stream=True)
            except TimeoutError:
                limit = self.backend.total_timeout_s
                return failed(("timeout", f"no response within the total limit of {limit}s"))
            except (httpx.HTTPError, httpx.InvalidURL, OSError, BlockedAddress) as exc:
                return failed(classify_exception(exc))
            location = response.headers.get("location")
            if (
                response.status_code in REDIRECT_STATUSES
                and location
                and not self.backend.follows_redirects
            ):
                await response.aclose()
                chain.append(current)
                following = urljoin(current, location.strip()).partition("#")[0]
                if following in seen:
                    hops = " -> ".join([*chain, following])
                    return failed(("redirect_loop", f"redirect loop: {hops}"))
                if len(chain) > max_redirects:
                    message = f"more than {max_redirects} redirects (last to {following})"
                    return failed(("redirect_loop", message))
                seen.add(following)
                current = following
                continue
            error, note = self.backend.classify(response)
            return FetchResponse(
                url,
                final_url=self.backend.final_url(response, current),
                status=response.status_code,
                headers=response.headers,
                redirects=tuple(chain),
                error=error,
                message=redact(note) if note else None,
                response=response,
                max_bytes=max_bytes,
                deadline=deadline,
                started=started,
            )
