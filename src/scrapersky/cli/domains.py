"""`scrapersky domains ...`: add, import, list, curate and requeue domains."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scrapersky.cli.common import database_session, exit_with_error
from scrapersky.db.enums import (
    CURATION_LABELS,
    CurationStatus,
    MetadataStatus,
    SitemapAnalysisStatus,
)
from scrapersky.db.queries.domains import SORT_KEYS, DomainFilter
from scrapersky.exceptions import InputError
from scrapersky.services.intake import IntakeReport

console = Console()
domains_app = typer.Typer(help="Add, import, list and curate domains.", no_args_is_help=True)

WHERE_HELP = (
    "Filter as KEY=VALUE[,VALUE]: curation, metadata, sitemap (statuses) or search (text). "
    "Repeatable."
)


def parse_where(clauses: list[str], ids: list[int] | None = None) -> DomainFilter:
    """``["curation=new,maybe", "search=dental"]`` -> a DomainFilter (InputError if bad)."""
    fields: dict[str, Any] = {"ids": ids or None}
    enums: dict[str, tuple[str, type[Any]]] = {
        "curation": ("curation_status", CurationStatus),
        "metadata": ("metadata_status", MetadataStatus),
        "sitemap": ("sitemap_status", SitemapAnalysisStatus),
    }
    for clause in clauses:
        key, sep, value = clause.partition("=")
        key = key.strip().lower()
        if not sep:
            raise InputError(f"--where {clause!r}: expected KEY=VALUE")
        if key == "search":
            fields["search"] = value
        elif key in enums:
            name, enum = enums[key]
            try:
                fields[name] = [enum(v.strip().lower()) for v in value.split(",") if v.strip()]
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                raise InputError(f"--where {clause!r}: {key} is one of {allowed}") from None
        else:
            raise InputError(
                f"--where {clause!r}: unknown key (curation, metadata, sitemap, search)"
            )
    return DomainFilter(**fields)


def print_report(report: IntakeReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_dict()))
        return
    console.print(
        f"[green]{report.accepted} accepted[/green], {report.duplicates} duplicate, "
        f"[red]{report.rejected} rejected[/red] "
        f"({report.total} rows in {report.elapsed_s:.2f}s, {report.rows_per_s:,.0f} rows/s)"
    )
    for rejection in report.rejections[:10]:
        console.print(f"  row {rejection.row}: {rejection.raw!r} - {rejection.reason}")
    if report.rejected > 10:
        console.print(f"  ... and {report.rejected - 10} more rejections")


@domains_app.command("add")
def add_command(
    names: list[str] = typer.Argument(..., help="Domains or URLs."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add domains (normalised; duplicates reported, not errors)."""
    from scrapersky.services.intake import add_domains

    async def run() -> IntakeReport:
        async with database_session():
            return await add_domains(names, source="cli")

    print_report(asyncio.run(run()), as_json)


@domains_app.command("import")
def import_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    column: str | None = typer.Option(None, help="Column name or 1-based number (default: auto)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import domains from a CSV or TXT file in one bulk operation."""
    from scrapersky.services.domain_file import read_domain_column
    from scrapersky.services.intake import add_domains

    try:
        values = list(read_domain_column(path.read_text(errors="replace"), column))
    except InputError as exc:
        exit_with_error(exc.message, 2)

    async def run() -> IntakeReport:
        async with database_session():
            with Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                disable=as_json,
                transient=True,
            ) as progress:
                task = progress.add_task("import", total=len(values))
                return await add_domains(
                    values,
                    source=f"file:{path.name}",
                    progress=lambda n: progress.advance(task, n),
                )

    print_report(asyncio.run(run()), as_json)


@domains_app.command("list")
def list_command(
    where: list[str] = typer.Option([], "--where", "-w", help=WHERE_HELP),
    sort: str = typer.Option("-id", help=f"One of {', '.join(SORT_KEYS)}."),
    limit: int = typer.Option(50, min=1, max=10_000),
    offset: int = typer.Option(0, min=0),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List domains with their three statuses."""
    from scrapersky.db.queries.domains import count_domains, list_domains
    from scrapersky.db.transaction import transaction

    if sort not in SORT_KEYS:
        exit_with_error(f"--sort must be one of {', '.join(SORT_KEYS)}", 2)
    try:
        domain_filter = parse_where(where)
    except InputError as exc:
        exit_with_error(exc.message, 2)

    async def run() -> tuple[int, list[dict[str, Any]]]:
        async with database_session(), transaction() as session:
            total = await count_domains(session, domain_filter)
            rows = await list_domains(session, domain_filter, sort=sort, limit=limit, offset=offset)
            return total, rows

    total, rows = asyncio.run(run())
    if as_json:
        print(json.dumps({"total": total, "items": rows}, default=str))
        return
    table = Table("id", "domain", "curation", "metadata", "sitemaps", "title / error")
    for row in rows:
        error = row["metadata_error"] or row["sitemap_error"]
        table.add_row(
            str(row["id"]),
            row["domain"],
            CURATION_LABELS[CurationStatus(row["curation_status"])],
            str(row["metadata_status"]),
            str(row["sitemap_analysis_status"]),
            f"[red]{error}[/red]" if error else (row["title"] or ""),
        )
    console.print(table)
    console.print(f"{len(rows)} of {total} shown")


@domains_app.command("curate")
def curate_command(
    status: CurationStatus = typer.Option(..., "--status", help="The new curation status."),
    names: list[str] = typer.Argument(None, help="Domains to curate."),
    where: list[str] = typer.Option([], "--where", "-w", help=WHERE_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set the curation status; 'selected' queues sitemap analysis."""
    from scrapersky.services.curation import curate_domains
    from scrapersky.web.domains import normalize_many

    if not names and not where:
        exit_with_error("name domains or give --where (use --where search= for all)", 2)
    try:
        domain_filter = parse_where(where)
    except InputError as exc:
        exit_with_error(exc.message, 2)
    if names:
        normalised = [row.domain for row in normalize_many(names) if row.domain]
        domain_filter = DomainFilter(**{**vars(domain_filter), "domains": normalised})

    async def run() -> tuple[int, int]:
        async with database_session():
            result = await curate_domains(status, domain_filter)
            return result.updated, result.queued

    updated, queued = asyncio.run(run())
    if as_json:
        print(json.dumps({"updated": updated, "queued": queued}))
    else:
        label = CURATION_LABELS[status]
        console.print(f"{updated} set to {label}; {queued} queued for sitemap analysis")


@domains_app.command("requeue")
def requeue_command(
    stage: str = typer.Option(..., help="metadata or sitemap"),
    where: list[str] = typer.Option([], "--where", "-w", help=WHERE_HELP),
) -> None:
    """Put failed domains of a stage back in its queue."""
    from scrapersky.services.curation import requeue_failed

    if stage not in ("metadata", "sitemap"):
        exit_with_error("--stage must be metadata or sitemap", 2)
    try:
        domain_filter = parse_where(where)
    except InputError as exc:
        exit_with_error(exc.message, 2)

    async def run() -> int:
        async with database_session():
            return await requeue_failed(
                "metadata" if stage == "metadata" else "sitemap", domain_filter
            )

    console.print(f"{asyncio.run(run())} requeued")


def register(app: typer.Typer) -> None:
    app.add_typer(domains_app, name="domains")
