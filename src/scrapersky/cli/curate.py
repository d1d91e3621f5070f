"""`scrapersky pages curate` and `scrapersky sitemaps curate`: batch curation from the shell.

Selecting a sitemap file queues its import; selecting a page queues its contact scan. The
commands join the `pages` and `sitemaps` groups, which live with their other commands.
"""

from __future__ import annotations

import asyncio
import json
from typing import Literal

import typer
from rich.console import Console

from scrapersky.cli.common import database_session, exit_with_error
from scrapersky.db.enums import CURATION_LABELS, CurationStatus
from scrapersky.db.queries.domains import DomainFilter, list_domains
from scrapersky.db.transaction import transaction
from scrapersky.services.curation import CurationResult
from scrapersky.web.domains import normalize_many

console = Console()


async def domain_ids_for(names: list[str]) -> list[int]:
    """The ids of the named domains (normalised as intake does); unknown names are an error."""
    wanted = sorted({row.domain for row in normalize_many(names) if row.domain})
    async with transaction() as session:
        rows = await list_domains(session, DomainFilter(domains=wanted), limit=len(wanted) or 1)
    found = {row["domain"]: int(row["id"]) for row in rows}
    missing = [name for name in wanted if name not in found]
    if missing:
        exit_with_error(f"unknown domain(s): {', '.join(missing)}", 2)
    return list(found.values())


def report(result: CurationResult, status: CurationStatus, queue: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"updated": result.updated, "queued": result.queued}))
    else:
        label = CURATION_LABELS[status]
        console.print(f"{result.updated} set to {label}; {result.queued} queued for {queue}")


def pages_curate_command(
    status: CurationStatus = typer.Option(..., "--status", help="The new curation status."),
    ids: list[int] = typer.Option([], "--id", help="Page ids (repeatable)."),
    domain: list[str] = typer.Option([], "--domain", "-d", help="Only these domains."),
    url: list[str] = typer.Option([], "--url", help="URL glob such as '*/contact*' (repeatable)."),
    top: int | None = typer.Option(None, min=1, help="Only the first N pages of each domain."),
    order: str = typer.Option("priority", help="Order for --top: priority or lastmod."),
    contact_pages: bool = typer.Option(
        False,
        "--likely-contact-pages",
        help="Select each --domain's homepage and likely contact/about/team/legal pages.",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set the curation status of pages; 'selected' queues them for the contact scan."""
    from scrapersky.db.queries.pages import PageFilter
    from scrapersky.services.page_curation import curate_pages
    from scrapersky.services.page_selection import select_likely_contact_pages

    if order not in ("priority", "lastmod"):
        exit_with_error("--order must be priority or lastmod", 2)
    top_order: Literal["priority", "lastmod"] = "lastmod" if order == "lastmod" else "priority"
    if not (ids or domain or url or top):
        exit_with_error("choose pages with --id, --domain, --url or --top", 2)
    if contact_pages and (not domain or status is not CurationStatus.SELECTED):
        exit_with_error("--likely-contact-pages needs --domain and --status selected", 2)

    async def run() -> CurationResult:
        async with database_session():
            domain_ids = await domain_ids_for(domain) if domain else None
            if contact_pages and domain_ids is not None:
                return await select_likely_contact_pages(domain_ids)
            page_filter = PageFilter(
                ids=ids or None,
                domain_ids=domain_ids,
                url_patterns=url or None,
                top_per_domain=top,
                top_order=top_order,
            )
            return await curate_pages(status, page_filter)

    report(asyncio.run(run()), status, "a contact scan", as_json)


def sitemaps_curate_command(
    status: CurationStatus = typer.Option(..., "--status", help="The new curation status."),
    ids: list[int] = typer.Option([], "--id", help="Sitemap file ids (repeatable)."),
    domain: list[str] = typer.Option([], "--domain", "-d", help="Every sitemap of these domains."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set the curation status of sitemap files; 'selected' queues them for import."""
    from scrapersky.db.queries.sitemaps import SitemapFilter
    from scrapersky.services.sitemap_curation import curate_sitemaps

    if not (ids or domain):
        exit_with_error("choose sitemap files with --id or --domain", 2)

    async def run() -> CurationResult:
        async with database_session():
            domain_ids = await domain_ids_for(domain) if domain else None
            return await curate_sitemaps(
                status, SitemapFilter(ids=ids or None, domain_ids=domain_ids)
            )

    report(asyncio.run(run()), status, "import", as_json)


def register(app: typer.Typer) -> None:
    from scrapersky.cli.export import pages_app
    from scrapersky.cli.sitemaps import sitemaps_app

    pages_app.command("curate")(pages_curate_command)
    sitemaps_app.command("curate")(sitemaps_curate_command)
