"""`scrapersky db ...`: migrations and the connection self-check."""

from __future__ import annotations

import asyncio
import json

import typer
from rich.console import Console
from rich.table import Table

from scrapersky.cli.common import database_session

console = Console()
db_app = typer.Typer(help="Database: migrations and checks.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations (they also run automatically at start-up)."""
    from scrapersky.db.migrate import current_revision, upgrade

    async def run() -> str | None:
        async with database_session(migrate=False) as db:
            await upgrade(db, revision)
            return await current_revision(db)

    console.print(f"database at revision [bold]{asyncio.run(run())}[/bold]")


@db_app.command("downgrade")
def downgrade_command(
    revision: str = typer.Argument(..., help="Target revision, or 'base'."),
) -> None:
    """Revert migrations down to REVISION."""
    from scrapersky.db.migrate import current_revision, downgrade

    async def run() -> str | None:
        async with database_session(migrate=False) as db:
            await downgrade(db, revision)
            return await current_revision(db)

    console.print(f"database at revision [bold]{asyncio.run(run())}[/bold]")


@db_app.command("check")
def check_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print mode, server version and pool settings; prove the timeouts are in force."""
    from scrapersky.db.check import DatabaseReport, check_database

    async def run() -> DatabaseReport:
        async with database_session() as db:
            return await check_database(db)

    report = asyncio.run(run())
    if as_json:
        print(json.dumps({**vars(report), "ok": report.ok}, default=str))
    else:
        table = Table(show_header=False, box=None)
        table.add_row("mode", report.mode)
        table.add_row("url", report.url)
        table.add_row("server", report.server_version)
        table.add_row("revision", f"{report.revision} (code: {report.head})")
        table.add_row("pool", ", ".join(f"{k}={v}" for k, v in report.pool.items()))
        for name, value in report.timeouts_in_force.items():
            table.add_row(name, f"{value} (SHOW inside a transaction)")
        console.print(table)
        for problem in report.problems:
            console.print(f"[red]problem:[/red] {problem}")
        console.print("[green]ok[/green]" if report.ok else "[red]NOT OK[/red]")
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
