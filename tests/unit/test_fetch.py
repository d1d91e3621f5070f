"""The fetcher against a real loopback server: every error category produced for real."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import AsyncIterator

import pytest

from scrapersky.sampleweb import DirectorySource, Fault, MemorySource, Resource, SampleWeb
from scrapersky.web.fetch import Fetcher, FetchResult
from tests.support.sampleweb import (
    corpus_or_skip,
    direct_settings,
    proxy_settings,
    running_sampleweb,
    scraperapi_settings,
)

PAGE = b"<html><head><title>caf\xe9</title></head><body>hello</body></html>"
SITES = {
    "shop.test": {
        "/": Resource(PAGE, "text/html; charset=iso-8859-1"),
        "/robots.txt": Resource(b"User-agent: *\nDisallow:\n", "text/plain"),
        "/gz": Resource(
            gzip.compress(PAGE * 100), "text/html", headers=(("Content-Encoding", "gzip"),)
        ),
        "/bad-gzip": Resource(
            b"this is not gzip", "text/html", headers=(("Content-Encoding", "gzip"),)
        ),
        "/moved": Resource(b"", "text/html", 301, (("Location", "/"),)),
        "/to-ftp": Resource(b"", "text/html", 302, (("Location", "ftp://files.test/x"),)),
    }
}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def web() -> AsyncIterator[SampleWeb]:
    async with running_sampleweb(MemorySource(SITES)) as server:
        yield server


@pytest.fixture
async def fetcher(web: SampleWeb) -> AsyncIterator[Fetcher]:
    async with Fetcher(direct_settings(web, fetch_max_bytes=1024 * 1024)) as f:
        yield f


async def get(fetcher: Fetcher, url: str, **kwargs: object) -> FetchResult:
    return await fetcher.fetch(url, check_robots=False, **kwargs)  # type: ignore[arg-type]


async def test_ok_page_with_headers_and_charset(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await get(fetcher, web.site_url("shop.test", "/"))
    assert result.ok
    assert (result.status, result.error, result.message) == (200, None, None)
    assert result.body == PAGE
    assert result.headers["content-type"] == "text/html; charset=iso-8859-1"
    assert "café" in result.text()
    assert result.elapsed_s > 0
    assert result.redirects == ()
    assert result.final_url == result.url


async def test_gzip_body_is_decoded(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await get(fetcher, web.site_url("shop.test", "/gz"))
    assert result.ok
    assert result.body == PAGE * 100


async def test_redirect_is_followed_and_recorded(web: SampleWeb, fetcher: Fetcher) -> None:
    start = web.site_url("shop.test", "/moved")
    result = await get(fetcher, start)
    assert result.ok
    assert result.redirects == (start,)
    assert result.final_url == web.site_url("shop.test", "/")
    assert result.body == PAGE


async def test_timeout_waiting_for_headers(web: SampleWeb) -> None:
    async with Fetcher(direct_settings(web, fetch_total_timeout_s=0.3)) as fetcher:
        started = time.perf_counter()
        result = await get(fetcher, f"{web.base_url}/_fault/latency?s=3")
    assert result.error == "timeout"
    assert time.perf_counter() - started < 2
    assert result.status is None


async def test_read_timeout_mid_body(web: SampleWeb) -> None:
    async with Fetcher(direct_settings(web, fetch_read_timeout_s=0.2)) as fetcher:
        result = await get(fetcher, f"{web.base_url}/_fault/drip?bytes=100&chunk=10&interval=1")
    assert result.error == "timeout"
    assert result.status == 200
    assert "ReadTimeout" in (result.message or "")


async def test_total_timeout_while_a_body_drips(web: SampleWeb) -> None:
    async with Fetcher(direct_settings(web, fetch_total_timeout_s=0.5)) as fetcher:
        result = await get(fetcher, f"{web.base_url}/_fault/drip?bytes=1000&chunk=10&interval=0.05")
    assert result.error == "timeout"
    assert 0 < len(result.body) < 1000
    assert "total time limit" in (result.message or "")


async def test_dns_failure() -> None:
    settings = direct_settings(ssrf_allow=["127.0.0.1", "no-such-host.invalid"])
    async with Fetcher(settings) as fetcher:
        result = await fetcher.fetch("http://no-such-host.invalid/", check_robots=False)
        via_robots = await fetcher.fetch("http://no-such-host.invalid/page")
    assert result.error == "dns"
    assert "no-such-host.invalid" in (result.message or "")
    assert via_robots.error == "dns"  # robots.txt unreachable for the same reason


async def test_connect_refused() -> None:
    async with Fetcher(direct_settings()) as fetcher:
        result = await get(fetcher, f"http://127.0.0.1:{closed_port()}/")
    assert result.error == "connect"
    assert result.status is None
    assert "refused" in (result.message or "").lower() or "connect" in (result.message or "")


async def test_tls_handshake_against_a_plain_http_port(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await get(fetcher, f"https://127.0.0.1:{web.port}/")
    assert result.error == "tls"
    assert "TLS" in (result.message or "")


async def test_http_4xx_and_5xx(web: SampleWeb, fetcher: Fetcher) -> None:
    missing = await get(fetcher, web.site_url("shop.test", "/missing"))
    assert (missing.status, missing.error) == (404, "http_4xx")
    assert missing.message == "HTTP 404 Not Found"
    assert missing.body  # error pages are kept (capped)
    failing = await get(fetcher, f"{web.base_url}/_fault/status/503")
    assert (failing.status, failing.error) == (503, "http_5xx")
    assert not failing.ok


async def test_site_429_is_rate_limited(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await get(fetcher, f"{web.base_url}/_fault/status/429")
    assert (result.status, result.error) == (429, "rate_limited")
    assert result.headers["retry-after"] == "1"


async def test_too_large_is_capped(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await get(fetcher, f"{web.base_url}/_fault/big?mb=20", max_bytes=100_000)
    assert result.error == "too_large"
    assert result.truncated
    assert len(result.body) == 100_000
    assert result.status == 200


async def test_blocked(fetcher: Fetcher) -> None:
    result = await fetcher.fetch("http://169.254.169.254/latest/meta-data/")
    assert result.error == "blocked"


async def test_robots_disallow(web: SampleWeb) -> None:
    sites = {"private.test": {"/robots.txt": Resource(b"User-agent: *\nDisallow: /", "text/plain")}}
    async with (
        running_sampleweb(MemorySource(sites)) as server,
        Fetcher(proxy_settings(server)) as fetcher,
    ):
        result = await fetcher.fetch("http://private.test/page")
    assert result.error == "robots"
    assert "disallowed by http://private.test/robots.txt" in (result.message or "")
    assert ("private.test", "/page") not in server.stats.paths


async def test_invalid_urls(web: SampleWeb, fetcher: Fetcher) -> None:
    for url in ["ftp://example.com/", "not a url", "http://", "javascript:alert(1)", "http://[::1"]:
        result = await fetcher.fetch(url)
        assert result.error == "invalid_url", url
    hop = await get(fetcher, web.site_url("shop.test", "/to-ftp"))
    assert hop.error == "invalid_url"
    assert hop.final_url == "ftp://files.test/x"


async def test_redirect_loop_and_too_many_redirects(web: SampleWeb) -> None:
    async with Fetcher(direct_settings(web, fetch_max_redirects=3)) as fetcher:
        loop = await get(fetcher, f"{web.base_url}/_fault/redirect-loop")
        long_chain = await get(fetcher, f"{web.base_url}/_fault/redirect-chain?n=5")
        short_chain = await get(fetcher, f"{web.base_url}/_fault/redirect-chain?n=3")
    assert loop.error == "redirect_loop"
    assert "redirect loop" in (loop.message or "")
    assert long_chain.error == "redirect_loop"
    assert "more than 3 redirects" in (long_chain.message or "")
    assert short_chain.ok
    assert len(short_chain.redirects) == 3


async def test_connection_reset_mid_body(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await get(fetcher, f"{web.base_url}/_fault/reset?after=500")
    assert result.error == "connect"
    assert "connection reset" in (result.message or "")
    assert result.status == 200
    assert len(result.body) == 500


async def test_connection_reset_before_any_answer(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await get(fetcher, f"{web.base_url}/_fault/reset")
    assert result.error == "connect"
    assert result.status is None


async def test_body_that_is_not_what_its_encoding_says(web: SampleWeb, fetcher: Fetcher) -> None:
    result = await get(fetcher, web.site_url("shop.test", "/bad-gzip"))
    assert result.error == "decode"
    assert "gzip" in (result.message or "")


async def test_stream_api_reads_chunks_under_the_cap(web: SampleWeb, fetcher: Fetcher) -> None:
    size = 0
    pieces = 0
    async with fetcher.open(f"{web.base_url}/_fault/big?mb=3", max_bytes=5_000_000) as response:
        assert (response.status, response.error) == (200, None)
        async for chunk in response.chunks():
            size += len(chunk)
            pieces += 1
    assert size == 3 * 1024 * 1024
    assert pieces > 10
    assert response.error is None
    assert not response.truncated


async def test_stream_api_reports_the_cap(web: SampleWeb, fetcher: Fetcher) -> None:
    async with fetcher.open(f"{web.base_url}/_fault/big?mb=3", max_bytes=200_000) as response:
        body = await response.read()
    assert len(body) == 200_000
    assert response.error == "too_large"
    assert response.truncated


async def test_stream_api_refusal_is_an_open_response_with_an_error(fetcher: Fetcher) -> None:
    async with fetcher.open("http://10.0.0.1/") as response:
        assert response.error == "blocked"
        assert [c async for c in response.chunks()] == []


async def test_proxy_backend_serves_named_hosts() -> None:
    source = DirectorySource(corpus_or_skip())
    async with running_sampleweb(source) as server, Fetcher(proxy_settings(server)) as fetcher:
        result = await fetcher.fetch("http://thegentlemenbrunch.com/sitemap.xml")
    assert result.ok
    assert result.redirects == ("http://thegentlemenbrunch.com/sitemap.xml",)
    assert result.final_url == "http://thegentlemenbrunch.com/sitemap.xml/"
    assert result.headers["content-type"] == "text/html"
    assert server.stats.by_kind["proxy"] >= 3  # robots.txt, the 301, the page


async def test_scraperapi_backend_ok_404_and_final_url() -> None:
    source = DirectorySource(corpus_or_skip())
    async with running_sampleweb(source, api_key="test-key-0123") as server:
        settings = scraperapi_settings(
            server, scraperapi_render=True, scraperapi_country_code="de", scraperapi_premium=True
        )
        async with Fetcher(settings) as fetcher:
            page = await fetcher.fetch("https://thegentlemenbrunch.com/sitemap.xml")
            missing = await fetcher.fetch("https://blosc.org/no-such-page")
    assert page.ok
    assert page.final_url == "https://thegentlemenbrunch.com/sitemap.xml/"
    assert page.redirects == ()  # the API follows redirects itself
    assert (missing.status, missing.error) == (404, "http_4xx")
    assert "does not exist" in (missing.message or "")
    sent = server.stats.api_params[-1]
    assert sent == {
        "url": "https://blosc.org/no-such-page",
        "render": "true",
        "country_code": "de",
        "premium": "true",
    }


async def test_scraperapi_rate_limited_credits_and_failed_target() -> None:
    sites = {"busy.test": {"/": Resource(b"x", "text/html")}}
    faults = {"busy.test": Fault(api_status=429)}
    async with running_sampleweb(MemorySource(sites), faults=faults, api_key="right-key") as server:
        async with Fetcher(scraperapi_settings(server, key="right-key")) as fetcher:
            limited = await fetcher.fetch("http://busy.test/", check_robots=False)
            limited_robots = await fetcher.fetch("http://busy.test/")
            failed = await fetcher.fetch("http://any.test/_fault/status/503", check_robots=False)
        async with Fetcher(scraperapi_settings(server, key="wrong-key")) as fetcher:
            credits = await fetcher.fetch("http://busy.test/", check_robots=False)
            credits_robots = await fetcher.fetch("http://other.test/")
    assert (limited.status, limited.error) == (429, "rate_limited")
    assert limited_robots.error == "rate_limited"  # robots.txt could not be asked: not cached
    assert (failed.status, failed.error) == (500, "http_5xx")
    assert "after the API's own retries" in (failed.message or "")
    assert (credits.status, credits.error) == (403, "credits")
    assert "credits or plan exhausted" in (credits.message or "")
    assert credits_robots.error == "credits"


async def test_scraperapi_concurrency_limit_gives_rate_limited() -> None:
    sites = {"slow.test": {"/": Resource(b"x", "text/html")}}
    faults = {"slow.test": Fault(latency=0.5)}
    async with (
        running_sampleweb(MemorySource(sites), faults=faults, api_max_concurrency=1) as server,
        Fetcher(scraperapi_settings(server)) as fetcher,
    ):
        import asyncio

        results = await asyncio.gather(
            *(fetcher.fetch("http://slow.test/", check_robots=False) for _ in range(3))
        )
    errors = sorted(str(r.error) for r in results)
    assert errors == ["None", "rate_limited", "rate_limited"]


async def test_keep_alive_reuse_and_no_leaked_pool_slots(web: SampleWeb, fetcher: Fetcher) -> None:
    for _ in range(10):
        assert (await get(fetcher, web.site_url("shop.test", "/"))).ok
    assert web.stats.connections == 1  # sequential fetches reuse one connection
    await asyncio.gather(
        get(fetcher, f"{web.base_url}/_fault/big?mb=3", max_bytes=1000),
        get(fetcher, f"{web.base_url}/_fault/reset?after=10"),
        get(fetcher, f"{web.base_url}/_fault/latency?s=0.1"),
        *(get(fetcher, web.site_url("shop.test", f"/?n={i}")) for i in range(30)),
    )
    transport = fetcher.backend.transport
    assert sum(transport.busy) == 0  # every response released its pool slot
    assert len(transport.shards) > 1
