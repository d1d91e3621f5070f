"""robots.txt: RFC 9309 semantics, the per-origin cache, crawl-delay, and the corpus files."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from scrapersky.sampleweb import DirectorySource, Fault, MemorySource, Resource, SampleWeb
from scrapersky.web.fetch import Fetcher
from scrapersky.web.robots import interpret_robots, origin_of, robots_url_for
from tests.support.sampleweb import corpus_or_skip, direct_settings, proxy_settings
from tests.support.sampleweb import running_sampleweb as serve

UA = "ScraperSkyBot/0.1 (+https://github.com/scrapersky/scrapersky)"
ROBOTS = b"""User-agent: *
Disallow: /private
Crawl-delay: 0.25
Sitemap: /sitemap.xml
Sitemap: https://cdn.test/other.xml

User-agent: ScraperSkyBot
Disallow: /no-bots
"""


def text(body: bytes) -> Resource:
    return Resource(body, "text/plain")


PAGE = Resource(b"<html>page</html>", "text/html")
SITES = {
    "polite.test": {"/robots.txt": text(b"User-agent: *\nDisallow: /private\nCrawl-delay: 0.25\n")},
    "bots.test": {"/robots.txt": text(ROBOTS), "/no-bots": PAGE, "/private": PAGE},
    "missing.test": {"/": PAGE},
    "forbidden.test": {"/robots.txt": Resource(b"no", "text/plain", 403), "/": PAGE},
    "error.test": {"/robots.txt": Resource(b"oops", "text/plain", 503), "/": PAGE},
    "moved.test": {
        "/robots.txt": Resource(b"", "text/plain", 301, (("Location", "/real-robots.txt"),)),
        "/real-robots.txt": text(b"User-agent: *\nDisallow: /secret\n"),
        "/secret": PAGE,
        "/": PAGE,
    },
    "loop.test": {
        "/robots.txt": Resource(b"", "text/plain", 302, (("Location", "/robots.txt?again"),)),
        "/": PAGE,
    },
}
for pages in SITES.values():
    pages.setdefault("/", PAGE)
    pages.setdefault("/page", PAGE)


@pytest.fixture
async def web() -> AsyncIterator[SampleWeb]:
    async with serve(MemorySource(SITES), faults={"down.test": Fault(reset=True)}) as server:
        yield server


@pytest.fixture
async def fetcher(web: SampleWeb) -> AsyncIterator[Fetcher]:
    async with Fetcher(proxy_settings(web)) as f:
        yield f


def robots_requests(web: SampleWeb, host: str) -> int:
    return sum(1 for h, p in web.stats.paths if h == host and p == "/robots.txt")


def test_interpret_2xx_parses_rules_sitemaps_and_crawl_delay() -> None:
    info = interpret_robots("http://bots.test/robots.txt", status=200, body=ROBOTS, user_agent=UA)
    assert info.policy == "parsed"
    assert info.sitemaps == ("http://bots.test/sitemap.xml", "https://cdn.test/other.xml")
    assert info.can_fetch("http://bots.test/page", UA)
    assert not info.can_fetch("http://bots.test/no-bots", UA)  # our own group
    assert info.can_fetch("http://bots.test/private", UA)  # the * group does not apply to us
    assert not info.can_fetch("http://bots.test/private", "OtherBot/1.0")
    generic = interpret_robots("http://x.test/robots.txt", status=200, body=ROBOTS, user_agent="x")
    assert generic.crawl_delay_s == 0.25


@pytest.mark.parametrize(
    ("status", "error", "policy"),
    [
        (404, "http_4xx", "allow_all"),
        (401, "http_4xx", "allow_all"),
        (403, "http_4xx", "allow_all"),
        (410, "http_4xx", "allow_all"),
        (500, "http_5xx", "disallow_all"),
        (503, "http_5xx", "disallow_all"),
        (429, "rate_limited", "disallow_all"),
        (None, "timeout", "disallow_all"),
        (None, "dns", "disallow_all"),
        (None, "connect", "disallow_all"),
        (None, "redirect_loop", "allow_all"),  # RFC 9309: > 5 redirects may count as 4xx
    ],
)
def test_interpret_rfc9309_status_semantics(status: int | None, error: str, policy: str) -> None:
    info = interpret_robots("http://s.test/robots.txt", status=status, error=error, message="m")
    assert info.policy == policy
    assert info.can_fetch("http://s.test/anything", UA) is (policy == "allow_all")


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (403, "credits", "credits"),  # the scraping API's 403 is not the site's 403
        (401, "credits", "credits"),
        (429, "rate_limited", "rate_limited"),
        (429, None, "rate_limited"),
    ],
)
def test_interpret_failures_of_the_scraping_api_are_not_a_policy(
    status: int, error: str | None, expected: str
) -> None:
    message = "ScraperAPI 403: API credits or plan exhausted" if error == "credits" else None
    info = interpret_robots("http://s.test/robots.txt", status=status, error=error, message=message)
    assert info.error == expected  # reported to the caller (and never cached)
    assert info.policy != "allow_all"
    assert not info.can_fetch("http://s.test/anything", UA)
    assert (info.message or "").endswith("(http://s.test/robots.txt)")


def test_interpret_a_body_cut_at_the_cap_keeps_whole_lines() -> None:
    body = b"User-agent: *\nDisallow: /a\nDisallow: /b-cut-here"
    info = interpret_robots("http://s.test/robots.txt", status=200, body=body, error="too_large")
    assert not info.can_fetch("http://s.test/a", UA)
    assert info.can_fetch("http://s.test/b-cut-here", UA)


def test_origin_helpers() -> None:
    assert origin_of("HTTPS://Example.COM:8443/a/b?c") == "https://example.com:8443"
    assert robots_url_for("http://user:pw@example.com/x") == "http://example.com/robots.txt"


async def test_disallowed_url_is_not_fetched(web: SampleWeb, fetcher: Fetcher) -> None:
    allowed = await fetcher.fetch("http://bots.test/page")
    refused = await fetcher.fetch("http://bots.test/no-bots")
    assert allowed.ok
    assert refused.error == "robots"
    assert ("bots.test", "/no-bots") not in web.stats.paths
    assert robots_requests(web, "bots.test") == 1  # cached per origin


async def test_404_robots_allows_everything(web: SampleWeb, fetcher: Fetcher) -> None:
    assert (await fetcher.fetch("http://missing.test/page")).ok
    assert (await fetcher.fetch("http://forbidden.test/page")).ok


async def test_5xx_robots_disallows_everything(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await fetcher.fetch("http://error.test/page")
    assert result.error == "robots"
    assert "HTTP 503" in (result.message or "")
    assert "disallowed" in (result.message or "")
    assert ("error.test", "/page") not in web.stats.paths


async def test_unreachable_robots_disallows_everything(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await fetcher.fetch("http://down.test/page")
    assert result.error == "connect"  # the network category, which says more than "robots"
    assert "robots.txt unreachable" in (result.message or "")
    info = await fetcher.robots_for("http://down.test/page")
    assert info.policy == "disallow_all"
    assert not info.can_fetch("http://down.test/page", UA)
    assert robots_requests(web, "down.test") == 1  # not asked again for every page
    assert ("down.test", "/page") not in web.stats.paths


async def test_robots_redirect_is_followed(web: SampleWeb, fetcher: Fetcher) -> None:
    assert (await fetcher.fetch("http://moved.test/page")).ok
    assert (await fetcher.fetch("http://moved.test/secret")).error == "robots"
    looping = await fetcher.robots_for("http://loop.test/")
    assert looping.policy == "allow_all"


async def test_robots_can_be_skipped(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await fetcher.fetch("http://bots.test/no-bots", check_robots=False)
    assert result.ok
    async with Fetcher(proxy_settings(web, respect_robots=False)) as ignoring:
        assert (await ignoring.fetch("http://error.test/page")).ok


async def test_concurrent_fetches_share_one_robots_request(web: SampleWeb) -> None:
    async with Fetcher(proxy_settings(web)) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(f"http://missing.test/page?n={i}") for i in range(20))
        )
    assert all(r.ok for r in results)
    assert robots_requests(web, "missing.test") == 1


async def test_crawl_delay_spaces_requests_to_a_host(web: SampleWeb, fetcher: Fetcher) -> None:
    await fetcher.robots_for("http://polite.test/")
    started = time.perf_counter()
    results = await asyncio.gather(*(fetcher.fetch(f"http://polite.test/?n={i}") for i in range(4)))
    elapsed = time.perf_counter() - started
    assert all(r.ok for r in results)
    assert elapsed >= 0.7  # three gaps of 0.25 s between four starts
    other = time.perf_counter()
    await asyncio.gather(*(fetcher.fetch(f"http://missing.test/?n={i}") for i in range(4)))
    assert time.perf_counter() - other < 0.5  # no crawl-delay there


async def test_crawl_delay_is_capped(web: SampleWeb) -> None:
    async with Fetcher(proxy_settings(web, max_crawl_delay_s=0.05)) as fetcher:
        started = time.perf_counter()
        await asyncio.gather(*(fetcher.fetch(f"http://polite.test/?n={i}") for i in range(4)))
    assert time.perf_counter() - started < 0.6


async def test_corpus_robots_files() -> None:
    async with (
        serve(DirectorySource(corpus_or_skip())) as web,
        Fetcher(proxy_settings(web)) as fetcher,
    ):
        relative = await fetcher.robots_for("http://www.xn--saint-gilles-vieux-march-yfc.net/")
        osm = await fetcher.robots_for("http://www.openstreetmap.org/")
        none = await fetcher.robots_for("http://backbonejs.org/")
        under_prefix = await fetcher.robots_for("http://voooova.github.io/svoy-teatr/")
    host = "http://www.xn--saint-gilles-vieux-march-yfc.net"
    assert relative.sitemaps == (f"{host}/sitemap.xml", f"{host}/sitemap.html")
    assert osm.policy == "parsed"
    assert osm.sitemaps
    assert none.policy == "allow_all"  # no robots.txt in the corpus: 404
    assert under_prefix.policy == "allow_all"  # robots.txt below a prefix is not consulted


async def test_direct_backend_reads_robots_of_the_origin() -> None:
    sites = {"127.0.0.1": {"/robots.txt": text(b"User-agent: *\nDisallow: /_fault/")}}
    async with serve(MemorySource(sites)) as web, Fetcher(direct_settings(web)) as fetcher:
        result = await fetcher.fetch(f"{web.base_url}/_fault/status/200")
    assert result.error == "robots"
