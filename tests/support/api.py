"""Helpers for the API and UI tests: an in-process client and rows seeded straight into the db.

async with api_client(make_test_settings()) as client:
    await client.get("/api/domains")
ids = await seed_domain_tree("acme.com", sitemaps=2, pages=5, contacts=3)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from scrapersky.api.app import create_app
from scrapersky.db.schema import contacts, domains, pages, sitemap_files
from scrapersky.db.transaction import transaction
from scrapersky.settings import Settings


@asynccontextmanager
async def api_client(settings: Settings, **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process on the current event loop; the test owns the open database."""
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client


@dataclass
class SeededDomain:
    domain_id: int
    sitemap_ids: list[int] = field(default_factory=list)
    page_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)


async def seed_domain_tree(
    name: str, *, sitemaps: int = 1, pages_per_sitemap: int = 3, contacts_n: int = 2
) -> SeededDomain:
    """A domain with an index sitemap, ``sitemaps`` child files, pages and contacts."""
    now = datetime.now(UTC)
    async with transaction() as session:
        domain_id = (
            await session.execute(
                insert(domains).values(domain=name, source="test").returning(domains.c.id)
            )
        ).scalar_one()
        seeded = SeededDomain(domain_id)
        index_id = (
            await session.execute(
                insert(sitemap_files)
                .values(
                    domain_id=domain_id,
                    url=f"https://{name}/sitemap_index.xml",
                    kind="index",
                    discovered_via="robots",
                    child_count=sitemaps,
                )
                .returning(sitemap_files.c.id)
            )
        ).scalar_one()
        seeded.sitemap_ids.append(index_id)
        for s in range(sitemaps):
            child = (
                await session.execute(
                    insert(sitemap_files)
                    .values(
                        domain_id=domain_id,
                        url=f"https://{name}/sitemap-{s}.xml",
                        kind="urlset",
                        discovered_via="index_child",
                        parent_id=index_id,
                        depth=1,
                        url_count=pages_per_sitemap,
                    )
                    .returning(sitemap_files.c.id)
                )
            ).scalar_one()
            seeded.sitemap_ids.append(child)
            for p in range(pages_per_sitemap):
                path = ("contact-us" if p == 0 else "about") if p < 2 else f"blog/post-{p}"
                page_id = (
                    await session.execute(
                        insert(pages)
                        .values(
                            domain_id=domain_id,
                            sitemap_file_id=child,
                            url=f"https://{name}/{s}/{path}",
                            lastmod=now - timedelta(days=p),
                            priority=round(1.0 - p * 0.1, 2),
                        )
                        .returning(pages.c.id)
                    )
                ).scalar_one()
                seeded.page_ids.append(page_id)
        for c in range(contacts_n):
            contact_id = (
                await session.execute(
                    insert(contacts)
                    .values(
                        domain_id=domain_id,
                        page_id=seeded.page_ids[0] if seeded.page_ids else None,
                        kind="email" if c % 2 == 0 else "phone",
                        value=f"person{c}@{name}" if c % 2 == 0 else f"+1 555 010{c}",
                        email_type="corporate" if c % 2 == 0 else None,
                        source_url=f"https://{name}/contact-us",
                    )
                    .returning(contacts.c.id)
                )
            ).scalar_one()
            seeded.contact_ids.append(contact_id)
        await session.execute(
            update(domains)
            .where(domains.c.id == domain_id)
            .values(
                sitemap_count=len(seeded.sitemap_ids),
                page_count=len(seeded.page_ids),
                contact_count=len(seeded.contact_ids),
            )
        )
    return seeded


async def set_columns(table_name: str, row_id: int, **values: Any) -> None:
    """Put a row in a given state (e.g. a failed stage with its error text)."""
    table = {"domains": domains, "sitemap_files": sitemap_files, "pages": pages}[table_name]
    async with transaction() as session:
        await session.execute(update(table).where(table.c.id == row_id).values(**values))


async def row_of(table_name: str, row_id: int) -> dict[str, Any]:
    table = {"domains": domains, "sitemap_files": sitemap_files, "pages": pages}[table_name]
    async with transaction() as session:
        row = (await session.execute(select(table).where(table.c.id == row_id))).mappings().one()
    return dict(row)
