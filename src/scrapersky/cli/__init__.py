"""The `scrapersky` command. Each command group lives in its own module with a
``register(app)`` function; this module only assembles them."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="scrapersky",
    help="ScraperSky: business domains in, curated and enriched records out.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def main() -> None:
    app()


@app.command()
def version() -> None:
    """Print the ScraperSky version."""
    from scrapersky import __version__

    typer.echo(f"scrapersky {__version__}")


def _register_groups() -> None:
    from scrapersky.cli import db

    db.register(app)


_register_groups()
