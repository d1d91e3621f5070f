"""`scrapersky sampleweb serve`: the local sample web (corpus and/or generated sites)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scrapersky.cli.common import exit_with_error

if TYPE_CHECKING:
    from scrapersky.sampleweb.sources import SiteSource

sampleweb_app = typer.Typer(
    help="The local sample web for demos, tests and benchmarks.", no_args_is_help=True
)


def _sources(corpus: Path | None, sites: int, seed: int) -> list[SiteSource]:
    from scrapersky.sampleweb import DirectorySource, find_corpus_dir

    sources: list[SiteSource] = []
    if sites:
        try:
            generated = importlib.import_module("scrapersky.sampleweb.generated")
        except ImportError as exc:
            exit_with_error(f"--sites needs scrapersky.sampleweb.generated, not available: {exc}")
        sources.append(generated.GeneratedSites(seed=seed, count=sites))
    if corpus is None and not sites:
        corpus = find_corpus_dir()
        if corpus is None:
            exit_with_error("no corpus found: give --corpus DIR or --sites N")
    if corpus is not None:
        try:
            sources.append(DirectorySource(corpus))
        except FileNotFoundError as exc:
            exit_with_error(str(exc))
    return sources


@sampleweb_app.command("serve")
def serve(
    corpus: Annotated[
        Path | None, typer.Option(help="Directory laid out as sites/<host>/<path>.")
    ] = None,
    sites: Annotated[int, typer.Option(help="Number of generated sites.", min=0)] = 0,
    seed: Annotated[int, typer.Option(help="Seed for the generated sites.")] = 1,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port).", min=0, max=65535)] = 8900,
    latency: Annotated[
        str | None, typer.Option(help="Latency for every request: '2.5' or 'uniform:2,3'.")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(help="API key the scraping-API shape requires (else 403).")
    ] = None,
    api_max_concurrency: Annotated[
        int | None, typer.Option(help="Concurrent API calls before 429.", min=1)
    ] = None,
) -> None:
    """Serve until Ctrl-C; prints the base URL first (a line starting "sample web on")."""
    from scrapersky.sampleweb import CompositeSource, Latency, SampleWeb

    try:
        spec = None if latency is None else Latency.parse(latency)
    except ValueError as exc:
        exit_with_error(str(exc))
    sources = _sources(corpus, sites, seed)
    source = CompositeSource(sources)
    web = SampleWeb(
        source,
        latency=spec,
        api_key=api_key,
        api_max_concurrency=api_max_concurrency,
        host=host,
        port=port,
    )

    async def run() -> None:
        await web.start()
        typer.echo(f"sample web on {web.base_url} ({len(source.hosts())} hosts)")
        typer.echo(f"  origin: {web.site_url('<host>', '/<path>')}")
        typer.echo(f"  proxy:  SCRAPERSKY_PROXY_URL={web.proxy_url}")
        typer.echo(f"  API:    SCRAPERSKY_SCRAPERAPI_ENDPOINT={web.api_url}")
        typer.echo("  faults: /_fault/status/503, /_fault/gzip-bomb?mb=100, ... (docs/web.md)")
        try:
            await web.serve_forever()
        finally:
            await web.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


def register(app: typer.Typer) -> None:
    app.add_typer(sampleweb_app, name="sampleweb")
