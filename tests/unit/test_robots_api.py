"""robots.txt through the scraping API against the sample web's ScraperAPI shape: the API's
credits (401/403) and rate-limit (429) answers are statements about the API, not the site's
robots policy - the page is not requested, nothing is cached, and once the account is fine
again robots.txt is asked again. The target's own 404 (relayed by the API), and a real site's
401/403 (the proxy backend: the site itself answers), still mean RFC 9309 "allow all"."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from scrapersky.sampleweb import Fault, MemorySource, Resource, SampleWeb
from scrapersky.web.fetch import Fetcher
from tests.support.sampleweb import proxy_settings, running_sampleweb, scraperapi_settings

KEY = "robots-test-key"
PAGE = Resource(b"<html>page</html>", "text/html")
SITES = {
    "shop.test": {"/robots.txt": Resource(b"User-agent: *\nDisallow: /private\n", "text/plain")},
    "busy.test": {"/robots.txt": Resource(b"User-agent: *\nAllow: /\n", "text/plain")},
    "no-robots.test": {},
    "locked.test": {
        "/robots.txt": Resource(b"members only", "text/plain", 401),
    },
    "forbidden.test": {
        "/robots.txt": Resource(b"no", "text/plain", 403),
    },
}
for site in SITES.values():
    site["/"] = PAGE
    site["/page"] = PAGE


@pytest.fixture
async def web() -> AsyncIterator[SampleWeb]:
    async with running_sampleweb(MemorySource(SITES), api_key=KEY) as server:
        yield server


def asked(web: SampleWeb) -> list[str]:
    """Every target URL the ScraperAPI shape was asked for, in order."""
    return [params["url"] for params in web.stats.api_params]


async def test_credits_on_robots_send_no_page_request_and_are_not_cached(
    web: SampleWeb,
) -> None:
    web.api_key = "someone-elses-key"  # to the API, our key is spent: 403 for every call
    async with Fetcher(scraperapi_settings(web, key=KEY)) as fetcher:
        spent = await fetcher.fetch("http://shop.test/page")
        assert (spent.error, spent.status) == ("credits", None)
        assert (spent.message or "").startswith("robots.txt not read: ScraperAPI 403")
        assert asked(web) == ["http://shop.test/robots.txt"]  # the page was not requested
        info = await fetcher.robots_for("http://shop.test/")
        assert info.error == "credits"
        assert asked(web) == ["http://shop.test/robots.txt"] * 2  # not cached: asked again

        web.api_key = KEY  # credits topped up: the same fetcher reads robots.txt now
        allowed = await fetcher.fetch("http://shop.test/page")
        refused = await fetcher.fetch("http://shop.test/private")
    assert allowed.ok
    assert refused.error == "robots"  # the site's real policy, read once credits were back
    assert asked(web) == ["http://shop.test/robots.txt"] * 3 + ["http://shop.test/page"]


async def test_rate_limit_on_robots_sends_no_page_request_and_is_not_cached(
    web: SampleWeb,
) -> None:
    web.faults["busy.test"] = Fault(api_status=429)
    async with Fetcher(scraperapi_settings(web, key=KEY)) as fetcher:
        limited = await fetcher.fetch("http://busy.test/page")
        assert limited.error == "rate_limited"  # retryable: the stage backs off and retries
        assert "robots.txt not read" in (limited.message or "")
        assert asked(web) == ["http://busy.test/robots.txt"]

        del web.faults["busy.test"]
        after = await fetcher.fetch("http://busy.test/page")
    assert after.ok
    assert asked(web) == ["http://busy.test/robots.txt"] * 2 + ["http://busy.test/page"]


async def test_the_targets_own_404_through_the_api_allows_everything(web: SampleWeb) -> None:
    async with Fetcher(scraperapi_settings(web, key=KEY)) as fetcher:
        first = await fetcher.fetch("http://no-robots.test/page")
        second = await fetcher.fetch("http://no-robots.test/")
        info = await fetcher.robots_for("http://no-robots.test/")
    assert first.ok
    assert second.ok
    assert (info.policy, info.status, info.error) == ("allow_all", 404, None)
    assert asked(web).count("http://no-robots.test/robots.txt") == 1  # cached


@pytest.mark.parametrize(("host", "status"), [("locked.test", 401), ("forbidden.test", 403)])
async def test_a_real_sites_401_or_403_robots_allows_everything(
    web: SampleWeb, host: str, status: int
) -> None:
    async with Fetcher(proxy_settings(web)) as fetcher:  # the site itself answers, not an API
        page = await fetcher.fetch(f"http://{host}/page")
        again = await fetcher.fetch(f"http://{host}/")
        info = await fetcher.robots_for(f"http://{host}/")
    assert page.ok
    assert again.ok
    assert (info.policy, info.status, info.error) == ("allow_all", status, None)
    assert sum(1 for h, p in web.stats.paths if (h, p) == (host, "/robots.txt")) == 1  # cached
