"""`scrapersky status`: pipeline queues at a glance, and recent terminal failures."""

from __future__ import annotations

import asyncio
import json

import typer
from rich.console import Console
from rich.table import Table

from scrapersky.cli.common import database_session, settings_or_exit

console = Console()


def status_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    failures: bool = typer.Option(
        False, "--failures", help="List recent terminal failures from the diagnostic directory."
    ),
    limit: int = typer.Option(20, min=1, max=1000, help="How many failures to list."),
) -> None:
    """Rows per stage and status, oldest due row, expired leases, rows out of attempts."""
    if failures:
        _print_failures(as_json, limit)
        return
    from scrapersky.pipeline.registry import status_specs
    from scrapersky.pipeline.status import StageStatus, collect_status, format_age

    settings = settings_or_exit()

    async def run() -> list[StageStatus]:
        async with database_session() as db:
            return await collect_status(status_specs(settings), db)

    report = asyncio.run(run())
    if as_json:
        print(json.dumps({"stages": [entry.as_dict() for entry in report]}))
        return
    table = Table(title="pipeline")
    for column in ("stage", "rows by status", "oldest due", "expired leases", "out of attempts"):
        table.add_column(column)
    for entry in report:
        counts = "  ".join(f"{label}={count}" for label, count in entry.by_status.items())
        table.add_row(
            entry.stage,
            counts,
            format_age(entry.oldest_due_age_s),
            str(entry.expired_leases),
            f"{entry.at_max_attempts} (max {entry.max_attempts})",
        )
    console.print(table)


def _print_failures(as_json: bool, limit: int) -> None:
    from scrapersky.pipeline.diagnostics import DiagnosticStore

    store = DiagnosticStore.from_settings(settings_or_exit())
    records = store.recent(limit)
    if as_json:
        listed = [vars(record) for record in records]
        print(json.dumps({"directory": str(store.directory), "failures": listed}))
        return
    if not records:
        console.print(f"no diagnostic records in {store.directory}")
        return
    table = Table(title=f"recent failures ({store.directory})")
    for column in ("when (UTC)", "stage", "item", "attempts", "category", "error"):
        table.add_column(column)
    for record in records:
        table.add_row(
            record.written_at[:19],
            record.stage,
            str(record.item_id),
            str(record.attempts),
            record.category,
            record.message[:200],
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)
