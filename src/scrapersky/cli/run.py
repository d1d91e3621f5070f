"""`scrapersky run`: the production entry point - API, UI and workers in one process.

To scale out instead, run `scrapersky api` and any number of `scrapersky worker` processes,
on any number of machines, against the same database.
"""

from __future__ import annotations

import asyncio
import signal

import typer
from rich.console import Console

from scrapersky.cli.common import settings_or_exit

console = Console()


def run_command(
    host: str | None = typer.Option(None, help="Listen address (default SCRAPERSKY_API_HOST)."),
    port: int | None = typer.Option(None, help="Listen port (default SCRAPERSKY_API_PORT)."),
    stage: list[str] = typer.Option([], "--stage", "-s", help="Stages to run (default: all)."),
) -> None:
    """Serve the API and UI and run the pipeline workers, in one process."""
    from scrapersky.api.serve import check_bind, make_server
    from scrapersky.db.engine import close_database, open_database
    from scrapersky.pipeline.registry import STAGES, build_stage
    from scrapersky.pipeline.worker import StopControl, run_worker

    settings = settings_or_exit()
    listen_host = host or settings.api_host
    listen_port = settings.api_port if port is None else port
    check_bind(settings, listen_host)
    names = stage or sorted(STAGES)

    async def run() -> None:
        await open_database(settings)
        server = make_server(settings, listen_host, listen_port, own_signals=False)
        control = StopControl()

        def stop() -> None:  # first signal: drain workers gracefully and stop serving
            if not control.stop.is_set():
                control.request_stop("signal")
            server.should_exit = True

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        stages = [build_stage(name, settings) for name in names]
        worker = asyncio.create_task(
            run_worker(stages, settings=settings, control=control, install_signals=False)
        )
        console.print(
            f"API and UI on http://{listen_host}:{listen_port}/  stages: {', '.join(names)}"
        )
        try:
            await server.serve()
        finally:
            stop()
            await worker
            await close_database()

    asyncio.run(run())


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
