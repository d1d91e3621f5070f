"""Caps that hold under attack (bombs, huge bodies), secrets never shown, the transaction guard."""

from __future__ import annotations

import gc
import logging
import socket
import tracemalloc
from collections.abc import AsyncIterator

import pytest

from scrapersky.exceptions import NetworkInTransaction
from scrapersky.guard.runtime import configure_guard, transaction_open_flag
from scrapersky.sampleweb import SampleWeb
from scrapersky.sampleweb.faults import MB, bomb
from scrapersky.web.backends import redact
from scrapersky.web.decode import gunzip_capped
from scrapersky.web.fetch import Fetcher
from tests.support.sampleweb import (
    direct_settings,
    proxy_settings,
    running_sampleweb,
    scraperapi_settings,
)

CAP = 1024 * 1024
BOMB_MB = 256


@pytest.fixture
async def web() -> AsyncIterator[SampleWeb]:
    async with running_sampleweb() as server:
        yield server


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
async def test_bomb_stops_at_the_cap_with_bounded_memory(web: SampleWeb, encoding: str) -> None:
    wire = bomb(encoding, BOMB_MB * MB)  # built before measuring: the server's copy is cached
    assert len(wire) < 300_000  # tiny on the wire ...
    async with Fetcher(direct_settings(web)) as fetcher:
        await fetcher.fetch(f"{web.base_url}/_fault/status/200", check_robots=False)  # warm up
        gc.collect()
        tracemalloc.start()
        try:
            result = await fetcher.fetch(
                f"{web.base_url}/_fault/{encoding}-bomb?mb={BOMB_MB}",
                check_robots=False,
                max_bytes=CAP,
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.headers["content-encoding"] == encoding
    assert result.error == "too_large"  # ... 256 MB decoded, stopped at 1 MB
    assert result.truncated
    assert len(result.body) == CAP
    assert result.body == bytes(CAP)
    assert peak < 6 * CAP, f"peak {peak / MB:.1f} MB while decoding a {BOMB_MB} MB bomb"


async def test_oversized_body_stops_at_the_cap_with_bounded_memory(web: SampleWeb) -> None:
    async with Fetcher(direct_settings(web)) as fetcher:
        await fetcher.fetch(f"{web.base_url}/_fault/status/200", check_robots=False)
        gc.collect()
        tracemalloc.start()
        try:
            result = await fetcher.fetch(
                f"{web.base_url}/_fault/big?mb=200", check_robots=False, max_bytes=CAP
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.error == "too_large"
    assert len(result.body) == CAP
    assert peak < 6 * CAP
    # the server stopped well short of 200 MB: the client hung up at the cap
    assert web.stats.by_status[200] >= 2


def test_gunzip_capped_for_sitemap_files() -> None:
    data, truncated = gunzip_capped(bomb("gzip", 50 * MB), CAP)
    assert (len(data), truncated) == (CAP, True)
    small, truncated = gunzip_capped(bomb("gzip", 1000), CAP)
    assert (small, truncated) == (bytes(1000), False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET https://api.test/?api_key=abc123&url=x", "GET https://api.test/?api_key=***&url=x"),
        ("http://user:hunter2@proxy.test:8080", "http://user:***@proxy.test:8080"),
        ("?token=t0k3n&access_token=zz", "?token=***&access_token=***"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected


async def test_api_key_never_appears_in_messages_or_logs(
    web: SampleWeb, caplog: pytest.LogCaptureFixture
) -> None:
    key = "KEY-do-not-leak-7f3a9c"
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    dead = scraperapi_settings(web, key=key, scraperapi_endpoint=f"http://127.0.0.1:{dead_port}/")
    slow = scraperapi_settings(web, key=key, scraperapi_timeout_s=0.3)
    for settings in (scraperapi_settings(web, key=key), dead, slow):
        async with Fetcher(settings) as fetcher:
            for url in [
                "http://site.test/",
                "http://site.test/_fault/status/503",
                "http://site.test/_fault/latency?s=0.5",
                f"http://site.test/?api_key={key}",
            ]:
                result = await fetcher.fetch(url)
                messages.append(str(result.message))
    logged = [record.getMessage() for record in caplog.records]
    assert any("api_key=***" in line for line in logged)  # httpx's request log, redacted
    assert len(logged) > 5
    for line in messages + logged:
        assert key not in line, line


async def test_proxy_password_is_redacted(web: SampleWeb, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    proxy = f"http://scraper:pw-secret-4242@127.0.0.1:{web.port}"
    async with Fetcher(proxy_settings(web, proxy_url=proxy)) as fetcher:
        result = await fetcher.fetch("https://secure.test/")  # CONNECT: refused by the sample web
    assert result.error == "connect"
    for line in [str(result.message), *(r.getMessage() for r in caplog.records)]:
        assert "pw-secret-4242" not in line


async def test_fetch_inside_a_transaction_raises_in_strict_mode(web: SampleWeb) -> None:
    configure_guard(strict=True)
    async with Fetcher(direct_settings(web)) as fetcher:
        with transaction_open_flag():
            with pytest.raises(NetworkInTransaction, match="fetch"):
                await fetcher.fetch(f"{web.base_url}/_fault/status/200")
            with pytest.raises(NetworkInTransaction):
                async with fetcher.open(f"{web.base_url}/_fault/status/200"):
                    pass
            with pytest.raises(NetworkInTransaction):
                await fetcher.robots_for(f"{web.base_url}/")
        assert web.stats.requests == 0
        outside = await fetcher.fetch(f"{web.base_url}/_fault/status/200", check_robots=False)
    assert outside.ok


async def test_fetch_inside_a_transaction_warns_when_not_strict(
    web: SampleWeb, caplog: pytest.LogCaptureFixture
) -> None:
    configure_guard(strict=False)
    async with Fetcher(direct_settings(web)) as fetcher:
        with transaction_open_flag():
            result = await fetcher.fetch(f"{web.base_url}/_fault/status/200", check_robots=False)
    assert result.ok
    assert any("transaction is open" in r.getMessage() for r in caplog.records)
