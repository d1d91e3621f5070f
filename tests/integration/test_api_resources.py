"""Contract tests for sitemaps, pages (globs, top N per domain), contacts and ops routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

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


async def test_sitemap_selection_queues_import_once(client: httpx.AsyncClient) -> None:
    seeded = await seed_domain_tree("acme.com", sitemaps=2)
    listing = (await client.get("/api/sitemaps", params={"kind": "urlset"})).json()
    assert listing["total"] == 2
    children = [item["id"] for item in listing["items"]]
    await set_columns("sitemap_files", children[0], import_status="complete")
    first = await client.post("/api/sitemaps/batch", json={"ids": children, "status": "selected"})
    assert first.json() == {"updated": 2, "queued": 1}  # the complete one is not re-imported
    again = await client.post("/api/sitemaps/batch", json={"ids": children, "status": "selected"})
    assert again.json() == {"updated": 2, "queued": 0}
    row = await row_of("sitemap_files", children[1])
    assert (str(row["import_status"]), row["import_attempts"]) == ("queued", 0)
    one = (await client.get(f"/api/sitemaps/{seeded.sitemap_ids[0]}")).json()
    assert (one["kind"], one["domain"]) == ("index", "acme.com")
    assert (await client.get("/api/sitemaps/999999")).status_code == 404


async def test_sitemap_requeue_clears_the_error(client: httpx.AsyncClient) -> None:
    seeded = await seed_domain_tree("acme.com", sitemaps=1)
    failed = seeded.sitemap_ids[1]
    await set_columns(
        "sitemap_files", failed, import_status="error", import_error="HTTP 500",
        import_error_category="http_5xx", import_attempts=5,
    )  # fmt: skip
    errors = (await client.get("/api/sitemaps", params={"import_status": "error"})).json()
    assert errors["items"][0]["import_error"] == "HTTP 500"
    response = await client.post("/api/sitemaps/requeue", json={"ids": [failed]})
    assert response.json() == {"requeued": 1}
    row = await row_of("sitemap_files", failed)
    assert (str(row["import_status"]), row["import_error"], row["import_attempts"]) == (
        "queued", None, 0,
    )  # fmt: skip


async def test_page_url_glob_matches_whole_url_and_escapes_like(
    client: httpx.AsyncClient,
) -> None:
    await seed_domain_tree("acme.com", sitemaps=1, pages_per_sitemap=4)
    contact = (await client.get("/api/pages", params={"url_pattern": "*/contact*"})).json()
    assert [i["url"] for i in contact["items"]] == ["https://acme.com/0/contact-us"]
    # '_' and '%' in a glob are literal characters, not LIKE wildcards
    literal = (await client.get("/api/pages", params={"url_pattern": "*contact_us"})).json()
    assert literal["total"] == 0
    either = await client.get(
        "/api/pages", params=[("url_pattern", "*/about"), ("url_pattern", "*/contact-us")]
    )
    assert either.json()["total"] == 2


async def test_top_n_pages_per_domain(client: httpx.AsyncClient) -> None:
    a = await seed_domain_tree("a.com", sitemaps=1, pages_per_sitemap=5)
    b = await seed_domain_tree("b.com", sitemaps=1, pages_per_sitemap=5)
    top = (
        await client.get("/api/pages", params={"top_per_domain": 2, "sort": "id", "limit": 50})
    ).json()
    assert top["total"] == 4
    # priority falls with position, so the first two pages of each domain win
    assert [i["id"] for i in top["items"]] == [*a.page_ids[:2], *b.page_ids[:2]]
    body = {"filter": {"top_per_domain": 1, "top_order": "lastmod"}, "status": "selected"}
    response = await client.post("/api/pages/batch", json=body)
    assert response.json() == {"updated": 2, "queued": 2}
    queued = (await client.get("/api/pages", params={"scan_status": "queued"})).json()
    assert {i["id"] for i in queued["items"]} == {a.page_ids[0], b.page_ids[0]}


async def test_page_batch_by_domain_and_glob_then_requeue(client: httpx.AsyncClient) -> None:
    a = await seed_domain_tree("a.com", sitemaps=2, pages_per_sitemap=3)
    await seed_domain_tree("b.com", sitemaps=1, pages_per_sitemap=3)
    body = {
        "filter": {"domain_ids": [a.domain_id], "url_patterns": ["*/contact*"]},
        "status": "selected",
    }
    response = await client.post("/api/pages/batch", json=body)
    assert response.json() == {"updated": 2, "queued": 2}
    target = a.page_ids[0]
    await set_columns("pages", target, scan_status="error", scan_error="connection reset")
    requeue = await client.post("/api/pages/requeue", json={"filter": {"scan_status": ["error"]}})
    assert requeue.json() == {"requeued": 1}
    page = (await client.get(f"/api/pages/{target}")).json()
    assert (page["scan_status"], page["scan_error"]) == ("queued", None)
    assert (await client.get("/api/pages/424242")).status_code == 404


async def test_contacts_list_filter_and_get(client: httpx.AsyncClient) -> None:
    seeded = await seed_domain_tree("acme.com", contacts_n=4)
    emails = (await client.get("/api/contacts", params={"kind": "email"})).json()
    assert emails["total"] == 2
    assert all(i["kind"] == "email" and i["domain"] == "acme.com" for i in emails["items"])
    search = (await client.get("/api/contacts", params={"q": "person2"})).json()
    assert [i["value"] for i in search["items"]] == ["person2@acme.com"]
    one = (await client.get(f"/api/contacts/{seeded.contact_ids[1]}")).json()
    assert one["value"] == "+1 555 0101"
    assert (await client.get("/api/contacts/31337")).status_code == 404


async def test_probes_metrics_and_stage_activity(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.json() == {"status": "ready", "database": "ok", "detail": None}
    metrics = await client.get("/metrics")
    assert "scrapersky_db_connection_hold_seconds" in metrics.text
    seeded = await seed_domain_tree("acme.com", sitemaps=1)
    await set_columns(
        "domains", seeded.domain_id, metadata_status="error", metadata_error="DNS lookup failed",
        metadata_error_category="dns", metadata_finished_at=None,
    )  # fmt: skip
    stages = {s["name"]: s for s in (await client.get("/api/ops/stages")).json()["stages"]}
    assert set(stages) == {"metadata", "sitemap_discovery", "sitemap_import", "contacts_scan"}
    metadata = stages["metadata"]
    assert metadata["by_status"] == {"error": 1}
    assert metadata["failures_by_category"][0]["category"] == "dns"
    assert metadata["failures_by_category"][0]["example"] == "DNS lookup failed"
    assert metadata["recent_failures"][0]["item"] == "acme.com"
    assert stages["sitemap_import"]["by_status"] == {"pending": 2}
