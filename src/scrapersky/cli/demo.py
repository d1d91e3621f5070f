"""`scrapersky demo` (the whole pipeline offline, then the UI) and `scrapersky run`
(API + UI + workers in one process, for production)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from scrapersky.cli.common import exit_with_error, settings_or_exit
from scrapersky.db.queries.summary import PipelineSummary
from scrapersky.demo.pipeline import StageProgress
from scrapersky.settings import Settings

console = Console()

STAGE_LABELS = {
    "metadata": "1 metadata",
    "sitemap_discovery": "2 sitemap discovery",
    "sitemap_import": "3 sitemap import",
    "contacts_scan": "4 contact scan",
}


class StageBars:
    """One Rich progress bar per stage: finished (failed) of handed-to-it-so-far."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {
            name: self.progress.add_task(label, total=0, failed=0)
            for name, label in STAGE_LABELS.items()
        }

    def update(self, stages: list[StageProgress], elapsed: float) -> None:
        for stage in stages:
            if stage.stage in self.tasks:
                self.progress.update(
                    self.tasks[stage.stage],
                    completed=stage.done + stage.failed,
                    total=max(stage.total, 1),
                    failed=stage.failed,
                )


def summary_table(summary: PipelineSummary, elapsed: float) -> Table:
    table = Table(title=f"ScraperSky demo - done in {elapsed:.1f}s", show_header=False)
    metadata = summary.domains_by_metadata
    table.add_row(
        "domains",
        f"{summary.domains} ({metadata.get('completed', 0)} enriched, "
        f"{metadata.get('error', 0)} failed)",
    )
    discovery = summary.domains_by_sitemap
    table.add_row(
        "sitemap discovery",
        f"{discovery.get('submitted', 0)} submitted, {discovery.get('failed', 0)} failed",
    )
    imports = summary.sitemap_files_by_status
    table.add_row(
        "sitemap files",
        f"{summary.sitemap_files} ({imports.get('complete', 0)} "
        f"imported, {imports.get('error', 0)} failed)",
    )
    scans = summary.pages_by_scan
    table.add_row(
        "pages",
        f"{summary.pages} ({scans.get('complete', 0)} scanned, {scans.get('error', 0)} failed)",
    )
    kinds = summary.contacts_by_kind
    types = ", ".join(f"{v} {k}" for k, v in sorted(summary.emails_by_type.items()))
    table.add_row(
        "contacts", f"{kinds.get('email', 0)} emails ({types}), {kinds.get('phone', 0)} phones"
    )
    failures = ", ".join(f"{k} {v}" for k, v in sorted(summary.failures_by_category.items()))
    table.add_row("failures by category", failures or "none")
    table.add_row("left in processing", str(summary.processing))
    return table


def demo_command(
    sites: int = typer.Option(300, min=1, max=100_000, help="How many sites to generate."),
    seed: int = typer.Option(7, help="Same seed, same sites."),
    latency: str | None = typer.Option(
        None, help="Per-request latency of the fake scraping API: '2.5' or 'uniform:2,3' s."
    ),
    corpus: Path | None = typer.Option(
        None, exists=True, file_okay=False, help="Serve DIR/sites/<host>/<path> instead."
    ),
    exit_when_done: bool = typer.Option(False, help="Print the summary and exit (no UI)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    port: int = typer.Option(8000, help="UI port (127.0.0.1)."),
    timeout: float | None = typer.Option(None, help="Give up after this many seconds."),
) -> None:
    """Run the whole pipeline offline on generated sites, then serve the UI until Ctrl-C."""
    from scrapersky.demo.session import DemoOptions, DemoSession

    if "SCRAPERSKY_LOG_LEVEL" not in os.environ:
        logging.getLogger("scrapersky").setLevel(logging.WARNING)  # keep the progress readable
    base = settings_or_exit()
    options = DemoOptions(sites=sites, seed=seed, latency=latency, corpus=corpus, timeout_s=timeout)

    def report(summary: PipelineSummary, elapsed: float) -> None:
        if as_json:
            print(json.dumps({**summary.as_dict(), "elapsed_s": round(elapsed, 2)}))
        else:
            console.print()
            console.print(summary_table(summary, elapsed))

    async def run() -> PipelineSummary:
        loop = asyncio.get_running_loop()
        async with DemoSession(options, base) as demo:
            if not as_json:
                added = demo.intake.accepted if demo.intake else 0
                console.print(
                    f"sample web at {demo.web.base_url} stands in for the internet; "
                    f"{added} domains added"
                )
            bars = StageBars()
            started = loop.time()
            live = contextlib.nullcontext() if as_json else Live(bars.progress, console=console)
            with live:
                summary = await demo.run(on_progress=bars.update)
            report(summary, loop.time() - started)
            if not exit_when_done and demo.settings is not None:
                await serve_ui(demo.settings, port)
            return summary

    try:
        summary = asyncio.run(run())
    except KeyboardInterrupt:
        return
    if summary.processing:
        exit_with_error(f"{summary.processing} rows left in processing")


async def serve_ui(settings: Settings, port: int) -> None:
    """Serve the API and UI on 127.0.0.1 in this event loop until Ctrl-C."""
    from scrapersky.api.serve import make_server

    server = make_server(settings, "127.0.0.1", port, log_level="warning")
    console.print(f"[bold]UI: http://127.0.0.1:{port}/ui/domains[/bold]  (Ctrl-C to stop)")
    await server.serve()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
