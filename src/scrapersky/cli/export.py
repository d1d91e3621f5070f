"""`scrapersky pages export` and `scrapersky contacts list|export`: streamed CSV / JSON Lines.

scrapersky pages export --format csv --where url='*/contact*' --output pages.csv
scrapersky contacts export --format jsonl --where kind=email > contacts.jsonl
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import IO, Any

import typer
from rich.console import Console
from rich.table import Table

from scrapersky.cli.common import database_session, exit_with_error
from scrapersky.db.enums import ContactKind, CurationStatus, EmailType, ScanStatus
from scrapersky.db.queries.contacts import ContactFilter
from scrapersky.db.queries.pages import PageFilter
from scrapersky.exceptions import InputError

console = Console()
pages_app = typer.Typer(help="Pages found in imported sitemaps.", no_args_is_help=True)
contacts_app = typer.Typer(help="Contacts found on scanned pages.", no_args_is_help=True)

PAGE_WHERE = (
    "KEY=VALUE[,VALUE]: curation, scan (statuses), domain (names), url (glob, e.g. '*/contact*'),"
    " search (text), top (N per domain), order (priority|lastmod). Repeatable."
)
CONTACT_WHERE = "KEY=VALUE[,VALUE]: kind, email_type, domain (names), search. Repeatable."


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _enum_list(key: str, value: str, enum: type[Any]) -> list[Any]:
    try:
        return [enum(v.lower()) for v in _split(value)]
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InputError(f"--where {key}=...: one of {allowed}") from None


def _clauses(clauses: list[str], known: tuple[str, ...]) -> list[tuple[str, str]]:
    parsed = []
    for clause in clauses:
        key, sep, value = clause.partition("=")
        key = key.strip().lower()
        if not sep or key not in known:
            raise InputError(
                f"--where {clause!r}: expected KEY=VALUE with KEY in {', '.join(known)}"
            )
        parsed.append((key, value))
    return parsed


def parse_page_where(clauses: list[str]) -> tuple[dict[str, Any], list[str]]:
    """(PageFilter fields, domain names to resolve)."""
    fields: dict[str, Any] = {}
    names: list[str] = []
    known = ("curation", "scan", "domain", "url", "search", "top", "order")
    for key, value in _clauses(clauses, known):
        if key == "curation":
            fields["curation_status"] = _enum_list(key, value, CurationStatus)
        elif key == "scan":
            fields["scan_status"] = _enum_list(key, value, ScanStatus)
        elif key == "domain":
            names.extend(_split(value))
        elif key == "url":
            fields.setdefault("url_patterns", []).append(value)
        elif key == "search":
            fields["search"] = value
        elif key == "top":
            if not value.strip().isdigit() or not 1 <= int(value) <= 10_000:
                raise InputError("--where top=N: N is a whole number from 1 to 10000")
            fields["top_per_domain"] = int(value)
        elif value not in ("priority", "lastmod"):
            raise InputError("--where order=...: priority or lastmod")
        else:
            fields["top_order"] = value
    return fields, names


def parse_contact_where(clauses: list[str]) -> tuple[dict[str, Any], list[str]]:
    fields: dict[str, Any] = {}
    names: list[str] = []
    for key, value in _clauses(clauses, ("kind", "email_type", "domain", "search")):
        if key == "kind":
            fields["kind"] = _enum_list(key, value, ContactKind)
        elif key == "email_type":
            fields["email_type"] = _enum_list(key, value, EmailType)
        elif key == "domain":
            names.extend(_split(value))
        else:
            fields["search"] = value
    return fields, names


async def _domain_ids(names: list[str]) -> list[int] | None:
    if not names:
        return None
    from scrapersky.db.queries.domains import DomainFilter, list_domains
    from scrapersky.db.transaction import transaction
    from scrapersky.web.domains import normalize_many

    normalised = [row.domain for row in normalize_many(names) if row.domain]
    async with transaction() as session:
        rows = await list_domains(session, DomainFilter(domains=normalised), limit=len(names))
    return [int(row["id"]) for row in rows]


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "jsonl"):
        exit_with_error("--format must be csv or jsonl", 2)


async def _export(resource: str, row_filter: Any, fmt: str, sink: IO[bytes]) -> int:
    from scrapersky.services.exports import export_chunks

    written = 0
    async for chunk in export_chunks(resource, row_filter, fmt):
        sink.write(chunk)
        sink.flush()
        written += len(chunk)
    return written


def _run_export(resource: str, build: Any, fmt: str, output: Path | None) -> None:
    async def run(sink: IO[bytes]) -> int:
        async with database_session():
            row_filter = await build()
            return await _export(resource, row_filter, fmt, sink)

    if output is None:
        asyncio.run(run(sys.stdout.buffer))
        return
    with output.open("wb") as sink:  # opened before the event loop starts
        written = asyncio.run(run(sink))
    Console(stderr=True).print(f"wrote {written:,} bytes to {output}")


@pages_app.command("export")
def pages_export(
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or jsonl"),
    where: list[str] = typer.Option([], "--where", "-w", help=PAGE_WHERE),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default stdout)."),
) -> None:
    """Stream every matching page as CSV or JSON Lines (bounded memory, short transactions)."""
    _check_format(fmt)
    try:
        fields, names = parse_page_where(where)
    except InputError as exc:
        exit_with_error(exc.message, 2)

    async def build() -> PageFilter:
        ids = await _domain_ids(names)
        return PageFilter(**fields, domain_ids=ids)

    _run_export("pages", build, fmt, output)


@contacts_app.command("export")
def contacts_export(
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or jsonl"),
    where: list[str] = typer.Option([], "--where", "-w", help=CONTACT_WHERE),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default stdout)."),
) -> None:
    """Stream every matching contact as CSV or JSON Lines (1M rows in bounded memory)."""
    _check_format(fmt)
    try:
        fields, names = parse_contact_where(where)
    except InputError as exc:
        exit_with_error(exc.message, 2)

    async def build() -> ContactFilter:
        return ContactFilter(**fields, domain_ids=await _domain_ids(names))

    _run_export("contacts", build, fmt, output)


@contacts_app.command("list")
def contacts_list(
    where: list[str] = typer.Option([], "--where", "-w", help=CONTACT_WHERE),
    limit: int = typer.Option(50, min=1, max=10_000),
    offset: int = typer.Option(0, min=0),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List contacts with their domain."""
    import json

    from scrapersky.db.queries.contacts import count_contacts, list_contacts
    from scrapersky.db.transaction import transaction

    try:
        fields, names = parse_contact_where(where)
    except InputError as exc:
        exit_with_error(exc.message, 2)

    async def run() -> tuple[int, list[dict[str, Any]]]:
        async with database_session():
            row_filter = ContactFilter(**fields, domain_ids=await _domain_ids(names))
            async with transaction() as session:
                total = await count_contacts(session, row_filter)
                rows = await list_contacts(session, row_filter, limit=limit, offset=offset)
            return total, rows

    total, rows = asyncio.run(run())
    if as_json:
        print(json.dumps({"total": total, "items": rows}, default=str))
        return
    table = Table("id", "domain", "kind", "value", "email type", "found on")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["domain"],
            str(row["kind"]),
            row["value"],
            str(row["email_type"] or ""),
            row["source_url"] or "",
        )
    console.print(table)
    console.print(f"{len(rows)} of {total} shown")


def register(app: typer.Typer) -> None:
    app.add_typer(pages_app, name="pages")
    app.add_typer(contacts_app, name="contacts")
