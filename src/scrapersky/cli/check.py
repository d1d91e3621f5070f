"""`scrapersky check ...`: consistency checks between the code and the database.

    scrapersky check enums --json                   # ScraperSky's own enums
    scrapersky check enums --models myapp.models    # any SQLAlchemy codebase

Exit codes: 0 in sync (info findings allowed), 1 drift, 2 could not check (bad --models,
database unreachable). The check never migrates or writes anything.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from scrapersky.cli.common import exit_with_error, settings_or_exit
from scrapersky.exceptions import ScraperSkyError

if TYPE_CHECKING:
    from scrapersky.guard.enum_sync import EnumSyncReport

console = Console()
check_app = typer.Typer(help="Check the code against the database.", no_args_is_help=True)

_STYLE = {"critical": "red", "warning": "yellow", "info": "cyan"}


@check_app.command("enums")
def enums_command(
    models: str | None = typer.Option(
        None,
        "--models",
        metavar="PACKAGE.MODULE[:ATTR]",
        help="Check another codebase: import this module and compare its SQLAlchemy models.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Compare every Python Enum bound to an Enum column with the database's pg_enum."""
    from scrapersky.db.engine import close_database, open_database
    from scrapersky.guard.enum_sync import check_enums, load_models

    metadatas = None
    if models:
        if os.getcwd() not in sys.path:  # console scripts do not put the cwd on sys.path
            sys.path.insert(0, os.getcwd())
        try:
            metadatas = load_models(models)
        except ScraperSkyError as exc:
            exit_with_error(exc.message, 2)

    settings = settings_or_exit()

    async def run() -> EnumSyncReport:
        # migrate=False: inspect the database as it is, and skip the start-up enum check
        db = await open_database(settings, migrate=False)
        try:
            return await check_enums(db, metadatas, source=models)
        finally:
            await close_database()

    try:
        report = asyncio.run(run())
    except ScraperSkyError as exc:
        exit_with_error(f"cannot check the database: {exc.message}", 2)
    except (SQLAlchemyError, OSError) as exc:
        exit_with_error(f"cannot check the database: {exc}", 2)

    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        _print_report(report)
    if report.drift:
        raise typer.Exit(1)


def _print_report(report: EnumSyncReport) -> None:
    table = Table(title=f"enum types of {report.source}", title_justify="left")
    for heading in ("type", "Python", "Postgres", "status"):
        table.add_column(heading)
    for compared in report.types:
        severities = {finding.severity.value for finding in compared.findings}
        worst = next((s for s in _STYLE if s in severities), "ok")
        table.add_row(
            compared.bound.qualified_name,
            f"{(compared.bound.python_enum or '-').rsplit('.', 1)[-1]} ({compared.bound.stores})",
            ", ".join(compared.database_labels) if compared.database_labels is not None else "-",
            f"[{_STYLE.get(worst, 'green')}]{worst}[/]",
        )
    console.print(table)
    for finding in report.findings:
        console.print(f"[{_STYLE[finding.severity]}]{finding.severity}:[/] {finding.message}")
    for note in report.skipped:
        console.print(f"[dim]skipped: {note}[/dim]")
    verdict = "[red]DRIFT[/red]" if report.drift else "[green]in sync[/green]"
    console.print(f"{len(report.types)} enum types checked: {verdict}")


def register(app: typer.Typer) -> None:
    app.add_typer(check_app, name="check")
