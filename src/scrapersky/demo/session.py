"""Everything the demo sets up around the pipeline: its own database, the sample web
standing in for the internet, the scraping-API backend pointed at it, and the domains.

    async with DemoSession(DemoOptions(sites=300)) as demo:
        summary = await demo.run(on_progress=...)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from scrapersky.db.engine import Database, close_database, open_database
from scrapersky.db.queries.ops import reset_pipeline_data
from scrapersky.db.queries.summary import PipelineSummary
from scrapersky.db.transaction import transaction
from scrapersky.demo.pipeline import StageProgress, run_until_done
from scrapersky.sampleweb.server import SampleWeb
from scrapersky.sampleweb.sources import SiteSource
from scrapersky.services.intake import IntakeReport, add_domains
from scrapersky.settings import Settings, get_settings, load_settings


@dataclass(frozen=True)
class DemoOptions:
    sites: int = 300
    seed: int = 7
    latency: str | None = None  # e.g. "2.5" or "uniform:2,3": what a scraping API costs
    corpus: Path | None = None  # serve sites/<host>/<path> instead of generated sites
    reset: bool | None = None  # None: reset the demo's own cluster, never a DATABASE_URL
    concurrency: int | None = None
    timeout_s: float | None = None


def site_source(options: DemoOptions) -> SiteSource:
    if options.corpus is not None:
        from scrapersky.sampleweb.sources import DirectorySource

        return DirectorySource(options.corpus)
    from scrapersky.sampleweb.generated import GeneratedSites

    return GeneratedSites(seed=options.seed, count=options.sites)


def demo_settings(base: Settings, web: SampleWeb, api_key: str) -> Settings:
    """The user's settings, pointed at the sample web, with auto-advance on.

    Without DATABASE_URL the demo gets its own embedded cluster under <data_dir>/demo, so it
    never touches the user's own data.
    """
    overrides: dict[str, object] = {
        **base.model_dump(),
        "fetch_backend": "scraperapi",
        "scraperapi_endpoint": web.api_url,
        "scraperapi_key": api_key,
        "ssrf_allow": [*base.ssrf_allow, "127.0.0.1"],
        "auto_advance": True,
    }
    if base.database_url is None:
        overrides["data_dir"] = base.data_dir / "demo"
        overrides["diagnostic_dir"] = base.diagnostic_dir or base.data_dir / "demo" / "diagnostics"
    return load_settings(**overrides)


class DemoSession:
    def __init__(self, options: DemoOptions, base: Settings | None = None) -> None:
        self.options = options
        self.base = base or get_settings()
        self.source = site_source(options)
        self.api_key = secrets.token_hex(8)
        self.web = SampleWeb(self.source, latency=options.latency, api_key=self.api_key)
        self.settings: Settings | None = None
        self.database: Database | None = None
        self.intake: IntakeReport | None = None

    async def __aenter__(self) -> DemoSession:
        await self.web.start()
        self.settings = demo_settings(self.base, self.web, self.api_key)
        self.database = await open_database(self.settings)
        reset = self.options.reset
        if reset if reset is not None else self.base.database_url is None:
            async with transaction() as session:
                await reset_pipeline_data(session)
        self.intake = await add_domains(self.source.hosts(), source="demo")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await close_database()
        await self.web.stop()

    async def run(
        self, on_progress: Callable[[list[StageProgress], float], None] | None = None
    ) -> PipelineSummary:
        assert self.settings is not None
        return await run_until_done(
            self.settings, on_progress=on_progress, timeout_s=self.options.timeout_s
        )
