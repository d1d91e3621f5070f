"""Per-host concurrency and delay, the backend-wide limit, the User-Agent."""

from __future__ import annotations

import asyncio
import itertools
import time

from scrapersky.sampleweb import MemorySource, Resource
from scrapersky.web.fetch import Fetcher
from scrapersky.web.politeness import HostThrottle
from tests.support.sampleweb import direct_settings, proxy_settings, running_sampleweb

HOSTS = {f"h{i}.test": {"/": Resource(b"ok", "text/plain")} for i in range(6)}


async def test_throttle_limits_concurrency_per_host() -> None:
    throttle = HostThrottle(concurrency=2)
    active: dict[str, int] = {"a": 0, "b": 0}
    peak: dict[str, int] = {"a": 0, "b": 0}

    async def work(host: str) -> None:
        async with throttle.slot(host):
            active[host] += 1
            peak[host] = max(peak[host], active[host])
            await asyncio.sleep(0.01)
            active[host] -= 1

    await asyncio.gather(*(work(h) for h in "ab" * 10))
    assert peak == {"a": 2, "b": 2}
    assert throttle._hosts == {}  # idle hosts are forgotten


async def test_throttle_spaces_starts_by_the_delay() -> None:
    throttle = HostThrottle(concurrency=10, min_delay_s=0.05, max_delay_s=1.0)
    starts: list[float] = []

    async def work() -> None:
        async with throttle.slot("a"):
            starts.append(time.monotonic())

    await asyncio.gather(*(work() for _ in range(5)))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(gap >= 0.045 for gap in gaps), gaps
    assert throttle.delay_for(5.0) == 1.0  # crawl-delay capped
    assert throttle.delay_for(None) == 0.05


async def test_per_host_concurrency_applies_to_fetches() -> None:
    async with (
        running_sampleweb(MemorySource(HOSTS)) as web,
        Fetcher(proxy_settings(web, per_host_concurrency=2)) as fetcher,
    ):
        started = time.perf_counter()
        same_host = await asyncio.gather(
            *(
                fetcher.fetch(f"http://h0.test/_fault/latency?s=0.2&n={i}", check_robots=False)
                for i in range(6)
            )
        )
        one_host_s = time.perf_counter() - started
        started = time.perf_counter()
        many_hosts = await asyncio.gather(
            *(
                fetcher.fetch(f"http://h{i}.test/_fault/latency?s=0.2", check_robots=False)
                for i in range(6)
            )
        )
        many_hosts_s = time.perf_counter() - started
    assert all(r.ok for r in same_host + many_hosts)
    assert one_host_s >= 0.55  # three waves of two
    assert many_hosts_s < one_host_s - 0.2  # one wave: other hosts do not wait for each other


async def test_per_host_delay_setting() -> None:
    async with (
        running_sampleweb() as web,
        Fetcher(direct_settings(web, per_host_delay_s=0.15)) as fetcher,
    ):
        started = time.perf_counter()
        await asyncio.gather(
            *(
                fetcher.fetch(f"{web.base_url}/_fault/status/200?n={i}", check_robots=False)
                for i in range(3)
            )
        )
    assert time.perf_counter() - started >= 0.29


async def test_backend_concurrency_limit() -> None:
    async with running_sampleweb(MemorySource(HOSTS)) as web:
        settings = proxy_settings(web, fetch_concurrency=2)
        async with Fetcher(settings) as fetcher:
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    fetcher.fetch(f"http://h{i}.test/_fault/latency?s=0.2", check_robots=False)
                    for i in range(4)
                )
            )
    assert time.perf_counter() - started >= 0.38


async def test_user_agent_is_sent() -> None:
    async with running_sampleweb() as web:
        settings = direct_settings(web, user_agent="ScraperSkyTest/9 (+https://example.test/bot)")
        async with Fetcher(settings) as fetcher:
            result = await fetcher.fetch(f"{web.base_url}/_fault/status/200", check_robots=False)
    assert result.ok, result.message
    sent = web.stats.headers[-1]
    assert sent["user-agent"] == "ScraperSkyTest/9 (+https://example.test/bot)"
    assert sent["accept-encoding"] == "gzip, deflate, br"
