"""Contract tests for /api/domains: listing, detail, intake, upload, batch curation, requeue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from scrapersky.db.engine import Database
from tests.support.api import api_client, row_of, seed_domain_tree, set_columns
from tests.support.database import make_test_settings

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(make_test_settings()) as c:
        yield c


async def add(client: httpx.AsyncClient, *names: str) -> dict[str, object]:
    response = await client.post("/api/domains", json={"domains": list(names)})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def ids_of(client: httpx.AsyncClient, **params: Any) -> list[int]:
    response = await client.get("/api/domains", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_add_reports_accepted_duplicates_and_rejections(client: httpx.AsyncClient) -> None:
    body = await add(client, "Acme.com", "https://www.acme.com/x", "localhost", "beta.io")
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 1)
    assert body["rejections"][0]["raw"] == "localhost"  # type: ignore[index]
    assert body["rejections"][0]["reason"]  # type: ignore[index]


async def test_list_filters_sorts_and_paginates(client: httpx.AsyncClient) -> None:
    await add(client, *(f"company-{i:02d}.com" for i in range(12)), "dental-care.com")
    page = (await client.get("/api/domains", params={"limit": 5, "sort": "domain"})).json()
    assert page["total"] == 13
    assert [i["domain"] for i in page["items"]][:2] == ["company-00.com", "company-01.com"]
    assert page["next_cursor"] is None  # offset pagination by name has no keyset cursor
    second = await client.get("/api/domains", params={"limit": 5, "sort": "domain", "offset": 5})
    assert second.json()["items"][0]["domain"] == "company-05.com"
    search = (await client.get("/api/domains", params={"q": "DENTAL"})).json()
    assert [i["domain"] for i in search["items"]] == ["dental-care.com"]


async def test_cursor_pagination_walks_every_row_once(client: httpx.AsyncClient) -> None:
    await add(client, *(f"walk-{i}.com" for i in range(11)))
    seen: list[int] = []
    cursor = 0
    while True:
        page = (await client.get("/api/domains", params={"limit": 4, "cursor": cursor})).json()
        seen.extend(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert len(seen) == 11
    assert seen == sorted(seen)


async def test_filters_by_statuses(client: httpx.AsyncClient) -> None:
    await add(client, "one.com", "two.com", "three.com")
    ids = await ids_of(client)
    await set_columns("domains", ids[0], metadata_status="error", metadata_error="DNS failed")
    errored = await ids_of(client, metadata_status="error")
    assert errored == [ids[0]]
    both = await ids_of(client, metadata_status=["error", "pending"])
    assert sorted(both) == sorted(ids)


async def test_detail_has_sitemaps_page_counts_and_contacts(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed_domain_tree("acme.com", sitemaps=2, pages_per_sitemap=3, contacts_n=3)
    body = (await client.get(f"/api/domains/{seeded.domain_id}")).json()
    assert body["domain"] == "acme.com"
    assert [s["id"] for s in body["sitemaps"]] == seeded.sitemap_ids
    assert body["sitemaps"][1]["parent_id"] == seeded.sitemap_ids[0]
    assert body["page_counts"]["scan_status"] == {"pending": 6}
    assert {c["value"] for c in body["contacts"]} >= {"person0@acme.com", "+1 555 0101"}


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/domains/987654")).status_code == 404


async def test_batch_by_ids_is_idempotent_and_queues_sitemaps(client: httpx.AsyncClient) -> None:
    await add(client, "a.com", "b.com", "c.com", "d.com")
    ids = (await ids_of(client))[:3]
    first = await client.post("/api/domains/batch", json={"ids": ids, "status": "selected"})
    assert first.json() == {"updated": 3, "queued": 3}
    again = await client.post("/api/domains/batch", json={"ids": ids, "status": "selected"})
    assert again.json() == {"updated": 3, "queued": 0}
    row = await row_of("domains", ids[0])
    assert str(row["sitemap_analysis_status"]) == "queued"


async def test_batch_by_filter(client: httpx.AsyncClient) -> None:
    await add(client, "dental-one.com", "dental-two.com", "bakery.com")
    response = await client.post(
        "/api/domains/batch", json={"filter": {"search": "dental"}, "status": "maybe"}
    )
    assert response.json() == {"updated": 2, "queued": 0}
    maybes = await ids_of(client, curation_status="maybe")
    assert len(maybes) == 2


async def test_requeue_failed_metadata(client: httpx.AsyncClient) -> None:
    await add(client, "broken.com", "fine.com")
    broken, fine = sorted(await ids_of(client))
    await set_columns("domains", broken, metadata_status="error", metadata_error="timeout")
    response = await client.post("/api/domains/requeue", json={"filter": {}, "stage": "metadata"})
    assert response.json() == {"requeued": 1}
    row = await row_of("domains", broken)
    assert (str(row["metadata_status"]), row["metadata_error"]) == ("pending", None)
    bad_stage = await client.post("/api/domains/requeue", json={"ids": [fine], "stage": "x"})
    assert bad_stage.status_code == 422


async def test_upload_csv_detects_the_column(client: httpx.AsyncClient) -> None:
    csv_text = "name,website\nAcme,https://acme.com\nBeta,beta.io\nBad,not a domain\n"
    response = await client.post(
        "/api/domains/upload", files={"file": ("leads.csv", csv_text.encode(), "text/csv")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    named = await client.post(
        "/api/domains/upload",
        files={"file": ("leads.csv", csv_text.encode(), "text/csv")},
        data={"column": "nope"},
    )
    assert named.status_code == 422
    assert "no column named" in named.text


async def test_upload_binary_garbage_is_handled(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/domains/upload", files={"file": ("x.bin", bytes(range(256)) * 50, "text/csv")}
    )
    assert response.status_code in (200, 422)
    missing = await client.post("/api/domains/upload")
    assert missing.status_code == 422
