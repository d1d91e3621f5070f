"""A local web for demos, tests and benchmarks: generated sites and the shared corpus, served
as an origin, an HTTP proxy and a ScraperAPI-shaped API, with faults on request.

    async with SampleWeb(DirectorySource(require_corpus_dir())) as web:
        print(web.site_url("blosc.org", "/robots.txt"))
"""

from scrapersky.sampleweb.corpus import find_corpus_dir, require_corpus_dir
from scrapersky.sampleweb.faults import Fault, Latency
from scrapersky.sampleweb.server import SampleWeb, Stats
from scrapersky.sampleweb.sources import (
    CompositeSource,
    DirectorySource,
    MemorySource,
    Resource,
    SiteSource,
)

__all__ = [
    "CompositeSource",
    "DirectorySource",
    "Fault",
    "Latency",
    "MemorySource",
    "Resource",
    "SampleWeb",
    "SiteSource",
    "Stats",
    "find_corpus_dir",
    "require_corpus_dir",
]
