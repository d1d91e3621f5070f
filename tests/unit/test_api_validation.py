"""Request validation of the API without a database: every bad input is a 422 with its field.

The app runs in-process with no database open, so a request that slipped past validation
would reach a handler and fail with 503 (database unavailable) - and these tests would see it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from scrapersky.services.curation import MAX_IDS_PER_CALL
from tests.support.api import api_client
from tests.support.database import make_test_settings


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(make_test_settings()) as c:
        yield c


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"sort": "password"}, "sort"),
        ({"curation_status": "bogus"}, "curation_status"),
        ({"q": "x" * 201}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"cursor": 3, "sort": "domain"}, "sort"),
    ],
)
async def test_bad_list_parameters_are_422_with_the_field(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await client.get("/api/domains", params=params)
    assert response.status_code == 422
    assert any(field in err["loc"] for err in response.json()["detail"])


@pytest.mark.parametrize(
    "body",
    [
        {"status": "selected"},  # neither ids nor filter
        {"ids": [1], "filter": {}, "status": "selected"},  # both
        {"ids": [1], "status": "bogus"},
        {"ids": [0], "status": "new"},
        {"ids": "1,2", "status": "new"},
        {"ids": [1], "status": "new", "extra": True},
        {"filter": {"unknown_field": 1}, "status": "new"},
        {"ids": list(range(1, MAX_IDS_PER_CALL + 2)), "status": "new"},
        [1, 2, 3],
        "not an object",
    ],
)
async def test_bad_batch_bodies_are_422(client: httpx.AsyncClient, body: object) -> None:
    response = await client.post("/api/domains/batch", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_invalid_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/domains/batch", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/api/domains/0", "/api/domains/abc", f"/api/pages/{2**63}"])
async def test_bad_path_ids_are_422(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 422


async def test_text_that_postgres_or_utf8_cannot_hold_is_422(client: httpx.AsyncClient) -> None:
    nul = await client.post("/api/domains", json={"domains": ["a\x00b.com"]})
    assert nul.status_code == 422
    assert "NUL" in nul.text
    surrogate = await client.post(
        "/api/domains",
        content=b'{"domains": ["\\ud800.com"]}',
        headers={"content-type": "application/json"},
    )
    assert surrogate.status_code == 422
    assert "valid Unicode" in surrogate.text
    empty = await client.post("/api/domains", json={"domains": []})
    assert empty.status_code == 422


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/pages", {"top_per_domain": 0}),
        ("/api/pages", {"top_order": "random"}),
        ("/api/pages", {"url_pattern": "x" * 201}),
        ("/api/pages", {"domain_id": str(2**63)}),
        ("/api/sitemaps", {"kind": "zip"}),
        ("/api/contacts", {"kind": "fax"}),
        ("/api/contacts", {"cursor": 1, "offset": 5}),
        ("/api/exports/contacts", {"format": "xlsx"}),
    ],
)
async def test_bad_parameters_of_other_resources(
    client: httpx.AsyncClient, path: str, params: dict[str, Any]
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_oversized_body_is_413_before_parsing(client: httpx.AsyncClient) -> None:
    limit = make_test_settings().api_max_upload_bytes
    response = await client.post(
        "/api/domains/upload",
        content=b"x" * (limit + 128 * 1024),
        headers={"content-type": "multipart/form-data; boundary=zzz"},
    )
    assert response.status_code == 413
