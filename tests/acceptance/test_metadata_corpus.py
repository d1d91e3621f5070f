"""Every host of the shared corpus through the metadata stage, end to end: the corpus served by
the sample web in the ScraperAPI shape, every host added, a real ``scrapersky worker`` process
run until idle, then each domain checked against what its files say.

Expected values come from the extractor engineer's table of the corpus homepages
(``tests/unit/test_html_meta_corpus.py``: values read from the HTML by a person), not from
running the extractor. Hosts without ``sites/<host>/index.html`` - GitHub Pages project sites
whose homepage lives below a path prefix, sitemap-only and robots-only repositories - have no
homepage at the host root and must end ``error`` with "homepage returned 404".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.sampleweb import DirectorySource, SampleWeb
from scrapersky.services.intake import add_domains
from scrapersky.web.domains import try_normalize
from tests.integration.test_metadata_stage import API_KEY, run_worker_process
from tests.support.sampleweb import running_sampleweb
from tests.unit.test_html_meta_corpus import CORPUS_HOMEPAGES

pytestmark = [pytest.mark.acceptance, pytest.mark.integration]

HOMEPAGE_TABLE: dict[str, dict[str, Any]] = dict(CORPUS_HOMEPAGES)
# robots.txt at the host root says "User-agent: * / Disallow: /": the homepage is not fetched.
ROBOTS_DISALLOW_ALL = {"phillyvotebymail.org"}


@pytest.fixture
async def corpus_web(corpus_dir: Path) -> AsyncIterator[SampleWeb]:
    async with running_sampleweb(DirectorySource(corpus_dir), api_key=API_KEY) as web:
        yield web


def corpus_hosts(corpus_dir: Path) -> list[str]:
    return sorted(path.name for path in (corpus_dir / "sites").iterdir() if path.is_dir())


async def domain_rows() -> dict[str, Mapping[str, Any]]:
    async with transaction() as session:
        result = await session.execute(select(domains))
        return {row["domain"]: row for row in result.mappings()}


def stored_name(host: str) -> str:
    name, reason = try_normalize(host)
    assert name is not None, reason
    return name


async def test_every_corpus_host_through_a_worker(
    db: Database, db_url: URL, corpus_web: SampleWeb, corpus_dir: Path, tmp_path: Path
) -> None:
    hosts = corpus_hosts(corpus_dir)
    for host in ROBOTS_DISALLOW_ALL:  # the table above agrees with the file
        lines = (corpus_dir / "sites" / host / "robots.txt").read_text().splitlines()
        assert "Disallow: /" in [line.strip() for line in lines]
    report = await add_domains(hosts, source="corpus")
    assert report.accepted == len(hosts), report.to_dict()

    code, output = await run_worker_process(
        db_url, corpus_web, tmp_path, "metadata", "--concurrency", "20"
    )
    assert code == 0, output
    rows = await domain_rows()

    completed = 0
    for host in hosts:
        row = rows[stored_name(host)]
        has_homepage = (corpus_dir / "sites" / host / "index.html").is_file()
        context = f"{host}: {row['metadata_status']} {row['metadata_error']}"
        if host in ROBOTS_DISALLOW_ALL:
            assert row["metadata_status"] == "error", context
            assert row["metadata_error_category"] == "robots", context
            assert "robots.txt" in row["metadata_error"], context
        elif has_homepage:
            completed += 1
            check_homepage(host, row, HOMEPAGE_TABLE[f"{host}/index.html"])
        else:
            assert row["metadata_status"] == "error", context
            assert row["metadata_error_category"] == "http_404", context
            assert row["metadata_error"].startswith("homepage returned 404 at https://"), context
            assert row["metadata_attempts"] == 1, context
            assert row["title"] is None, context
        assert row["metadata_lease_token"] is None, context
        assert row["metadata_finished_at"] is not None, context
    assert completed >= 25  # sanity: the corpus has ~30 root homepages
    statuses = {row["metadata_status"] for row in rows.values()}
    assert statuses <= {"completed", "error"}  # nothing left pending or processing


def check_homepage(host: str, row: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    context = f"{host}: {row['metadata_status']} {row['metadata_error']}"
    assert row["metadata_status"] == "completed", context
    assert row["final_url"] == f"https://{host}/", context  # www hosts via the www fallback
    assert row["http_status"] == 200, context
    assert row["title"] == expected["title"], context
    assert row["language"] == expected["language"], context
    assert row["canonical_url"] == expected["canonical"], context
    assert row["favicon_url"] == expected["favicon"], context
    generator = expected.get("generator_startswith")
    if generator is None:
        assert row["generator"] is None, context
    else:
        assert row["generator"] is not None, context
        assert row["generator"].startswith(generator), context
    description = expected["description_startswith"]
    if description is None:
        assert row["description"] is None, context
    else:
        assert row["description"].startswith(description), context
    detected = {tech["name"]: tech["version"] for tech in row["tech"]}
    for name, version in expected.get("tech", {}).items():
        assert detected.get(name, "missing") == version, f"{context}: {name}"
    assert row["social"] == expected.get("social", {}), context
    assert row["emails"] == expected.get("emails", []), context
    assert row["phones"] == expected.get("phones", []), context
    if expected.get("jsonld_type") is None:
        assert row["jsonld"] is None, context
    else:
        assert row["jsonld"]["type"] == expected["jsonld_type"], context
