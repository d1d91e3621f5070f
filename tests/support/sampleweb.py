"""The sample web in a test: a real server on 127.0.0.1, an ephemeral port, settings to reach it.

    async with running_sampleweb(DirectorySource(corpus_dir)) as web:
        async with Fetcher(direct_settings(web)) as fetcher: ...

Or use the fixtures: ``corpus_web`` (the shared corpus) after importing it into a test module
(``from tests.support.sampleweb import corpus_web``), or write a local fixture around
``running_sampleweb``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from scrapersky.sampleweb import DirectorySource, Fault, MemorySource, SampleWeb, SiteSource
from scrapersky.sampleweb.corpus import find_corpus_dir
from scrapersky.settings import Settings, load_settings

LOOPBACK = "127.0.0.1"


@asynccontextmanager
async def running_sampleweb(
    source: SiteSource | None = None,
    *,
    faults: Mapping[str, Fault] | None = None,
    **options: Any,
) -> AsyncIterator[SampleWeb]:
    """Start the sample web on 127.0.0.1:<ephemeral>; ``web.base_url`` is its address."""
    web = SampleWeb(source or MemorySource({}), faults=faults, host=LOOPBACK, port=0, **options)
    async with web:
        yield web


def direct_settings(web: SampleWeb | None = None, **overrides: Any) -> Settings:
    """Direct backend that may reach 127.0.0.1 (the sample web), fast timeouts for tests."""
    values: dict[str, Any] = {
        "fetch_backend": "direct",
        "ssrf_allow": [LOOPBACK],
        "fetch_connect_timeout_s": 2.0,
        "fetch_read_timeout_s": 5.0,
        "fetch_total_timeout_s": 10.0,
        "per_host_concurrency": 50,
    }
    values.update(overrides)
    return load_settings(**values)


def proxy_settings(web: SampleWeb, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"fetch_backend": "proxy", "proxy_url": web.proxy_url}
    values.update(overrides)
    return direct_settings(web, **values)


def scraperapi_settings(web: SampleWeb, key: str = "test-key-0123", **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "fetch_backend": "scraperapi",
        "scraperapi_endpoint": web.api_url,
        "scraperapi_key": key,
        "scraperapi_timeout_s": 10.0,
    }
    values.update(overrides)
    return direct_settings(web, **values)


def corpus_or_skip() -> Path:
    root = find_corpus_dir()
    if root is None:
        pytest.skip("shared corpus not found (set SCRAPERSKY_CORPUS_DIR)")
    return root


@pytest.fixture
async def corpus_web() -> AsyncIterator[SampleWeb]:
    """The shared corpus served by a fresh sample web."""
    async with running_sampleweb(DirectorySource(corpus_or_skip())) as web:
        yield web
