"""`scrapersky worker`: run pipeline stages until stopped (SIGTERM/SIGINT drain gracefully)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import typer

from scrapersky.cli.common import database_session, exit_with_error, settings_or_exit
from scrapersky.exceptions import ScraperSkyError
from scrapersky.logging_setup import configure_logging

log = logging.getLogger("scrapersky.pipeline.worker")


def worker_command(
    stage: list[str] = typer.Option(
        [], "--stage", "-s", help="Stage to run (repeatable). Default: every registered stage."
    ),
    stage_factory: list[str] = typer.Option(
        [], "--stage-factory", help="Also run a stage built by module:callable(settings)."
    ),
    once: bool = typer.Option(False, "--once", help="Claim one batch per stage, finish, exit."),
    exit_when_idle: bool = typer.Option(
        False, "--exit-when-idle", help="Exit once nothing is due and nothing is in flight."
    ),
    batch_size: int | None = typer.Option(None, min=1, help="Override every stage's batch size."),
    concurrency: int | None = typer.Option(None, min=1, help="Override every stage's concurrency."),
    metrics_port: int = typer.Option(
        0, min=0, max=65535, help="Serve Prometheus metrics on 127.0.0.1:PORT (0: off)."
    ),
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    """Run pipeline stages: claim, work with no connection held, record; repeat."""
    from scrapersky.pipeline.registry import build_stage, stage_names
    from scrapersky.pipeline.worker import WorkerFailed, run_worker

    configure_logging(log_level)
    settings = settings_or_exit()
    names = list(stage) + list(stage_factory)
    if not names:
        names = stage_names()
        if not names:
            exit_with_error("no stages are registered yet; pass --stage-factory module:callable", 2)
    overrides: dict[str, Any] = {}
    if batch_size is not None:
        overrides["batch_size"] = batch_size
    if concurrency is not None:
        overrides["concurrency"] = concurrency
    try:
        stages = [build_stage(name, settings) for name in names]
        for built in stages:
            if overrides:
                built.spec = built.spec.replace(**overrides)
    except ScraperSkyError as exc:
        exit_with_error(exc.message, 2)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")

    async def run() -> None:
        async with database_session() as db:
            await run_worker(
                stages, settings=settings, database=db, once=once, exit_when_idle=exit_when_idle
            )

    try:
        asyncio.run(run())
    except WorkerFailed as exc:
        exit_with_error(f"worker stopped: {exc}", 1)
    except ScraperSkyError as exc:  # e.g. a stage's setup() refusing its configuration
        exit_with_error(exc.message, 1)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)
