"""`scrapersky db ...`: migrations, the connection self-check and the health probe."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from scrapersky.cli.common import database_session, exit_with_error

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


@db_app.command("health")
def health_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    idle_threshold: float = typer.Option(
        120.0, "--idle-threshold", min=0, help="Seconds idle in a transaction that count as stuck."
    ),
    long_query_threshold: float = typer.Option(
        300.0, "--long-query-threshold", min=0, help="Seconds a statement may run."
    ),
    blocked_threshold: float = typer.Option(
        60.0, "--blocked-threshold", min=0, help="Seconds a backend may wait on a lock."
    ),
    terminate_stuck: bool = typer.Option(
        False,
        "--terminate-stuck",
        help="End this application's own backends idle in a transaction past the threshold.",
    ),
) -> None:
    """Connections, stuck transactions, long statements, lock waits; exit 1 when unhealthy."""
    from sqlalchemy.exc import SQLAlchemyError

    from scrapersky.exceptions import ScraperSkyError
    from scrapersky.guard.db_health import HealthReport, HealthThresholds, check_health

    thresholds = HealthThresholds(idle_threshold, long_query_threshold, blocked_threshold)

    async def run() -> HealthReport:
        # migrate=False: a probe must not migrate (and skips the start-up enum check)
        async with database_session(migrate=False) as db:
            return await check_health(db, thresholds, terminate=terminate_stuck)

    try:
        report = asyncio.run(run())
    except (ScraperSkyError, SQLAlchemyError, OSError) as exc:
        message = exc.message if isinstance(exc, ScraperSkyError) else str(exc)
        if as_json:
            print(json.dumps({"healthy": False, "error": message}))
            raise typer.Exit(1)
        exit_with_error(f"cannot check the database: {message}")
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        _print_health(report.as_dict())
    if not report.healthy:
        raise typer.Exit(1)


def _print_health(data: dict[str, Any]) -> None:
    connections = Table(title=f"connections to {data['database']}", title_justify="left")
    for heading in ("application", "state", "count"):
        connections.add_column(heading)
    for row in data["connections"]:
        connections.add_row(row["application_name"] or "-", row["state"], str(row["count"]))
    console.print(connections)

    def stuck_detail(row: dict[str, Any]) -> str:
        return "terminated" if row["terminated"] else ("ours" if row["ours"] else "other app")

    sections: list[tuple[str, str, str, Callable[[dict[str, Any]], str]]] = [
        ("idle in transaction", "idle_in_transaction", "state_age_s", stuck_detail),
        ("long-running statements", "long_running", "query_age_s", lambda r: r["state"]),
        ("lock waits", "lock_waits", "waiting_s", lambda r: f"blocked by {r['blocking_pids']}"),
        ("terminated", "terminated", "idle_s", lambda r: "ok" if r["terminated"] else "FAILED"),
    ]
    for title, key, age_key, detail in sections:
        if not data[key]:
            continue
        table = Table(title=title, title_justify="left")
        for heading in ("pid", "application", "seconds", "detail", "query"):
            table.add_column(heading)
        for row in data[key]:
            table.add_row(
                str(row["pid"]),
                row["application_name"] or "-",
                f"{row[age_key] or 0.0:.1f}",
                detail(row),
                " ".join(row["query"].split())[:120],
            )
        console.print(table)
    pool = data["pool"]
    console.print(
        f"pool of this process: size={pool['size']} checked_out={pool['checked_out']} "
        f"overflow={pool['overflow']} peak_in_use={pool['peak_in_use']} "
        f"hold p50={pool['hold_p50_s']}s p99={pool['hold_p99_s']}s"
    )
    for problem in data["problems"]:
        console.print(f"[red]problem:[/red] {problem}")
    console.print("[green]healthy[/green]" if data["healthy"] else "[red]UNHEALTHY[/red]")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
