"""The `scrapersky` command. Each command group lives in its own module with a
``register(app)`` function; this module only assembles them."""

from __future__ import annotations

import os

import typer

app = typer.Typer(
    name="scrapersky",
    help="ScraperSky: business domains in, curated and enriched records out.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def main() -> None:
    from scrapersky.cli.common import err_console
    from scrapersky.exceptions import ScraperSkyError
    from scrapersky.logging_setup import configure_logging

    configure_logging(os.environ.get("SCRAPERSKY_LOG_LEVEL", "INFO"))
    try:
        app()
    except ScraperSkyError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise SystemExit(1) from None


@app.command()
def version() -> None:
    """Print the ScraperSky version."""
    from scrapersky import __version__

    typer.echo(f"scrapersky {__version__}")


def _register_groups() -> None:
    from scrapersky.cli import (
        api,
        audit,
        check,
        curate,
        db,
        demo,
        domains,
        export,
        run,
        sampleweb,
        sitemaps,
        status,
        worker,
    )

    for group in (
        demo,
        domains,
        sitemaps,
        export,
        run,
        worker,
        status,
        api,
        sampleweb,
        db,
        check,
        curate,
        audit,
    ):
        group.register(app)


_register_groups()
