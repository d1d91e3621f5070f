"""Streaming exports: API and CLI, CSV and JSON Lines, one short transaction per batch."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.queries.contacts import ContactFilter
from scrapersky.db.schema import contacts
from scrapersky.db.transaction import transaction
from scrapersky.guard.runtime import STATS, in_transaction
from scrapersky.services.exports import export_chunks
from tests.support.api import api_client, seed_domain_tree
from tests.support.database import PROJECT_ROOT, make_test_settings

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(make_test_settings()) as c:
        yield c


async def add_contacts(domain_id: int, n: int) -> None:
    rows = [
        {"domain_id": domain_id, "kind": "email", "value": f"user{i:05d}@acme.com"}
        for i in range(n)
    ]
    async with transaction() as session:
        await session.execute(insert(contacts), rows)


async def test_csv_export_streams_every_matching_row(client: httpx.AsyncClient) -> None:
    seeded = await seed_domain_tree("acme.com", contacts_n=4)
    response = await client.get("/api/exports/contacts", params={"kind": "email"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="contacts-' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["value"] for r in rows] == ["person0@acme.com", "person2@acme.com"]
    assert {int(r["id"]) for r in rows} <= set(seeded.contact_ids)
    assert rows[0]["domain"] == "acme.com"


async def test_jsonl_export_of_pages_with_a_glob(client: httpx.AsyncClient) -> None:
    await seed_domain_tree("acme.com", sitemaps=2, pages_per_sitemap=3)
    response = await client.get(
        "/api/exports/pages", params={"format": "jsonl", "url_pattern": "*/about"}
    )
    assert response.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in response.text.splitlines()]
    assert [r["url"] for r in records] == ["https://acme.com/0/about", "https://acme.com/1/about"]
    assert records[0]["lastmod"].endswith("+00:00")


async def test_no_transaction_or_connection_is_held_between_batches(db: Database) -> None:
    seeded = await seed_domain_tree("acme.com", contacts_n=0)
    await add_contacts(seeded.domain_id, 10)
    chunks = []
    async for chunk in export_chunks("contacts", ContactFilter(), "csv", batch_size=3):
        # the consumer runs here: nothing of the export may be holding the database
        assert not in_transaction()
        assert STATS.in_use == 0
        chunks.append(chunk)
    assert len(chunks) == 1 + 4  # header + ceil(10 / 3) batches
    lines = b"".join(chunks).decode().splitlines()
    assert len(lines) == 11
    assert len(set(lines[1:])) == 10


async def test_cli_exports_contacts_and_pages(db: Database, db_url: URL) -> None:
    seeded = await seed_domain_tree("acme.com", sitemaps=1, pages_per_sitemap=3, contacts_n=2)
    env = {
        **os.environ,
        "DATABASE_URL": db_url.render_as_string(hide_password=False),
        "SCRAPERSKY_AUTO_MIGRATE": "false",
    }
    command = [sys.executable, "-m", "scrapersky"]

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*command, *args], capture_output=True, env=env, cwd=PROJECT_ROOT, timeout=120,
            check=check,
        )  # fmt: skip

    contacts_csv = await asyncio.to_thread(
        run, "contacts", "export", "--format", "csv", "--where", "kind=email"
    )
    rows = list(csv.DictReader(io.StringIO(contacts_csv.stdout.decode())))
    assert [r["value"] for r in rows] == ["person0@acme.com"]
    pages_jsonl = await asyncio.to_thread(
        run, "pages", "export", "-f", "jsonl", "-w", "domain=acme.com", "-w", "url=*/contact*"
    )
    records = [json.loads(line) for line in pages_jsonl.stdout.decode().splitlines()]
    assert [r["id"] for r in records] == [seeded.page_ids[0]]
    listing = await asyncio.to_thread(run, "contacts", "list", "--json")
    assert json.loads(listing.stdout)["total"] == 2
    bad = await asyncio.to_thread(run, "contacts", "export", "--where", "colour=blue", check=False)
    assert bad.returncode == 2
    assert b"expected KEY=VALUE" in bad.stderr
