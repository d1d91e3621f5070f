"""`scrapersky api`: serve the HTTP API and the web UI with uvicorn."""

from __future__ import annotations

import typer

from scrapersky.cli.common import exit_with_error, settings_or_exit
from scrapersky.exceptions import ConfigurationError


def api_command(
    host: str | None = typer.Option(
        None, help="Address to listen on (default SCRAPERSKY_API_HOST)."
    ),
    port: int | None = typer.Option(
        None, min=0, max=65535, help="Port (default SCRAPERSKY_API_PORT; 0 picks a free one)."
    ),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Serve the API (/api, docs at /docs) and the UI (/ui). A non-loopback address needs
    SCRAPERSKY_API_TOKEN."""
    from scrapersky.api.serve import check_bind, serve
    from scrapersky.logging_setup import configure_logging

    settings = settings_or_exit()
    bind_host = host or settings.api_host
    bind_port = settings.api_port if port is None else port
    try:
        check_bind(settings, bind_host)
    except ConfigurationError as exc:
        exit_with_error(exc.message, 2)
    configure_logging(log_level.upper() if log_level.upper() != "TRACE" else "DEBUG")
    serve(settings, bind_host, bind_port, log_level=log_level)


def register(app: typer.Typer) -> None:
    app.command("api")(api_command)
