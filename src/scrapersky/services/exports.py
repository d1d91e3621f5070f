"""Streaming exports (CSV or JSON Lines) that never hold a transaction while the reader waits.

    async for chunk in export_chunks("contacts", ContactFilter(), "csv"):
        sink.write(chunk)          # bytes; one chunk per batch of rows

The table is read with keyset pagination (``id > last id``), one short transaction per batch
of ``batch_size`` rows. Each chunk is yielded only after its transaction has closed, so a slow
client (or a slow disk) never keeps a connection checked out, and memory stays at one batch.

CSV cells that a spreadsheet would run as a formula (``=``, ``@``, ``+``/``-`` followed by
more than a number) are prefixed with ``'``; phone numbers such as ``+1 555 0100`` are left
as they are.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.queries.contacts import ContactFilter, list_contacts
from scrapersky.db.queries.domains import DomainFilter, list_domains
from scrapersky.db.queries.pages import PageFilter, list_pages
from scrapersky.db.queries.sitemaps import SitemapFilter, list_sitemaps
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import InputError

ExportFormat = Literal["csv", "jsonl"]
ExportResource = Literal["domains", "sitemaps", "pages", "contacts"]
EXPORT_FORMATS: tuple[str, ...] = ExportFormat.__args__  # type: ignore[attr-defined]
EXPORT_RESOURCES: tuple[str, ...] = ExportResource.__args__  # type: ignore[attr-defined]
DEFAULT_BATCH_ROWS = 5_000
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}

Fetch = Callable[[AsyncSession, Any, int | None, int], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class ExportSpec:
    columns: tuple[str, ...]
    fetch: Fetch
    filter_type: type


async def _domains(s: AsyncSession, f: Any, after: int | None, n: int) -> list[dict[str, Any]]:
    return await list_domains(s, f, limit=n, after_id=after if after is not None else 0)


async def _sitemaps(s: AsyncSession, f: Any, after: int | None, n: int) -> list[dict[str, Any]]:
    return await list_sitemaps(s, f, limit=n, after_id=after if after is not None else 0)


async def _pages(s: AsyncSession, f: Any, after: int | None, n: int) -> list[dict[str, Any]]:
    return await list_pages(s, f, limit=n, after_id=after if after is not None else 0)


async def _contacts(s: AsyncSession, f: Any, after: int | None, n: int) -> list[dict[str, Any]]:
    return await list_contacts(s, f, limit=n, after_id=after if after is not None else 0)


EXPORTS: dict[str, ExportSpec] = {
    "domains": ExportSpec(
        (
            "id",
            "domain",
            "curation_status",
            "metadata_status",
            "sitemap_analysis_status",
            "title",
            "description",
            "language",
            "canonical_url",
            "emails",
            "phones",
            "social",
            "sitemap_count",
            "page_count",
            "contact_count",
            "metadata_error",
            "sitemap_error",
            "created_at",
            "updated_at",
        ),
        _domains,
        DomainFilter,
    ),
    "sitemaps": ExportSpec(
        (
            "id",
            "domain",
            "url",
            "kind",
            "discovered_via",
            "parent_id",
            "curation_status",
            "import_status",
            "url_count",
            "has_lastmod",
            "import_error",
            "created_at",
        ),
        _sitemaps,
        SitemapFilter,
    ),
    "pages": ExportSpec(
        (
            "id",
            "domain",
            "url",
            "lastmod",
            "changefreq",
            "priority",
            "curation_status",
            "scan_status",
            "contacts_found",
            "scan_error",
            "created_at",
        ),
        _pages,
        PageFilter,
    ),
    "contacts": ExportSpec(
        ("id", "domain", "kind", "value", "email_type", "source_url", "created_at"),
        _contacts,
        ContactFilter,
    ),
}

_PLAIN_NUMBER = re.compile(r"^[+-][\d\s().\-/]*$")


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _csv_cell(value: Any) -> str:
    value = _json_value(value)
    if value is None:
        return ""
    if isinstance(value, list):
        text = "; ".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return _defuse_formula(text)


def _defuse_formula(text: str) -> str:
    if not text:
        return text
    first = text[0]
    if first in "=@\t\r" or (first in "+-" and not _PLAIN_NUMBER.match(text)):
        return "'" + text
    return text


def csv_header(columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(columns)
    return buffer.getvalue().encode()


def encode_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> bytes:
    """One batch of rows as CSV lines (no header) or JSON lines."""
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in rows:
            writer.writerow([_csv_cell(row.get(name)) for name in columns])
    else:
        for row in rows:
            record = {name: _json_value(row.get(name)) for name in columns}
            buffer.write(json.dumps(record, ensure_ascii=False, default=str))
            buffer.write("\n")
    return buffer.getvalue().encode()


def export_spec(resource: str, fmt: str) -> ExportSpec:
    if resource not in EXPORTS:
        raise InputError(f"cannot export {resource!r}; choose one of {', '.join(EXPORTS)}")
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose csv or jsonl")
    return EXPORTS[resource]


async def export_batches(
    resource: str, row_filter: Any, *, batch_size: int = DEFAULT_BATCH_ROWS
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every matching row in id order, one list per short transaction."""
    spec = export_spec(resource, "csv")
    if not isinstance(row_filter, spec.filter_type):
        raise InputError(f"{resource} exports take a {spec.filter_type.__name__}")
    after_id: int | None = None
    while True:
        async with transaction() as session:
            rows = await spec.fetch(session, row_filter, after_id, batch_size)
        # the transaction is closed here: the consumer may take as long as it likes
        if not rows:
            return
        yield rows
        if len(rows) < batch_size:
            return
        after_id = int(rows[-1]["id"])


async def export_chunks(
    resource: str,
    row_filter: Any,
    fmt: str,
    *,
    batch_size: int = DEFAULT_BATCH_ROWS,
) -> AsyncIterator[bytes]:
    """The export as byte chunks: a CSV header first, then one chunk per batch."""
    spec = export_spec(resource, fmt)
    if fmt == "csv":
        yield csv_header(spec.columns)
    async for rows in export_batches(resource, row_filter, batch_size=batch_size):
        yield encode_rows(rows, spec.columns, fmt)
