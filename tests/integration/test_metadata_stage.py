"""The metadata stage against real Postgres and the sample web (through the real ScraperAPI
backend): fields stored, failures isolated with their reason, retryable vs terminal, credits
deferred without using attempts (no page asked for when robots.txt already hit them), www and
redirects, auto-advance, and a real worker process."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.domains import DomainFilter, set_curation_status
from scrapersky.db.schema import domains, pages
from scrapersky.db.transaction import transaction
from scrapersky.metrics import STAGE_DEFERRED, STAGE_ITEMS
from scrapersky.pipeline.recorder import RunTotals
from scrapersky.pipeline.stages.fetch_outcomes import pg_safe
from scrapersky.pipeline.stages.metadata import MetadataStage, build
from scrapersky.pipeline.worker import run_worker
from scrapersky.sampleweb import Fault, MemorySource, Resource, SampleWeb
from scrapersky.services.intake import add_domains
from scrapersky.settings import Settings
from tests.support.database import PROJECT_ROOT, make_test_settings
from tests.support.sampleweb import running_sampleweb

pytestmark = pytest.mark.integration

API_KEY = "metadata-test-key"
HTML = "text/html; charset=utf-8"
BAKERY_HTML = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Alpha Bakery | Fresh bread in Leeds</title>
<meta name="description" content="Sourdough and pastries baked every morning.">
<meta name="generator" content="WordPress 6.5.2">
<link rel="canonical" href="https://alpha-bakery.co.uk/">
<link rel="icon" href="/favicon.ico">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Bakery",
 "name": "Alpha Bakery", "logo": "https://alpha-bakery.co.uk/logo.png"}</script>
</head><body>
<a href="https://www.facebook.com/alphabakery">Facebook</a>
<p>Call <a href="tel:+441134960000">0113 496 0000</a> or write to
<a href="mailto:hello@alpha-bakery.co.uk">hello@alpha-bakery.co.uk</a></p>
</body></html>"""


def page(html: str, content_type: str = HTML) -> Resource:
    return Resource(html.encode(), content_type)


def titled(title: str) -> Resource:
    return page(f"<html lang='en'><head><title>{title}</title></head><body></body></html>")


SITES: dict[str, dict[str, Resource]] = {
    "alpha-bakery.co.uk": {"/": page(BAKERY_HTML)},
    "no-home.com": {"/robots.txt": Resource(b"User-agent: *\nAllow: /\n", "text/plain")},
    "www.only-www.com": {"/": titled("Only on www")},
    "moved.com": {"/": Resource(b"", HTML, 301, (("Location", "https://www.moved.com/"),))},
    "www.moved.com": {"/": titled("Moved here")},
    "private.com": {
        "/robots.txt": Resource(b"User-agent: *\nDisallow: /\n", "text/plain"),
        "/": titled("Private"),
    },
    "brochure.com": {"/": Resource(b"%PDF-1.4 not a web page", "application/pdf")},
    "flaky.com": {"/": Resource(b"busy", "text/plain", 503)},
    "www.flaky.com": {"/": Resource(b"busy", "text/plain", 503)},
    "nul-title.com": {"/": titled("Null\x00Byte")},
}


def stage_settings(web: SampleWeb, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "fetch_backend": "scraperapi",
        "scraperapi_endpoint": web.api_url,
        "scraperapi_key": API_KEY,
        "scraperapi_timeout_s": 10.0,
        "ssrf_allow": ["127.0.0.1"],
        "fetch_connect_timeout_s": 2.0,
        "fetch_total_timeout_s": 10.0,
        "worker_poll_interval_s": 0.05,
        "diagnostic_dir": tmp_path / "diagnostics",
    }
    values.update(overrides)
    return make_test_settings(**values)


@pytest.fixture
async def web() -> AsyncIterator[SampleWeb]:
    faults = {
        "broke.com": Fault(api_status=403),
        "www.broke.com": Fault(api_status=403),
        "also-broke.com": Fault(api_status=403),
        "bomb.com": Fault(gzip_bomb_mb=64),
    }
    async with running_sampleweb(MemorySource(SITES), faults=faults, api_key=API_KEY) as running:
        yield running


async def add(*names: str) -> dict[str, int]:
    report = await add_domains(names, source="test")
    assert report.accepted == len(names), report.to_dict()
    async with transaction() as session:
        rows = await session.execute(
            select(domains.c.id, domains.c.domain).where(domains.c.domain.in_(names))
        )
        return {row.domain: int(row.id) for row in rows}


async def rows_by_domain() -> dict[str, Mapping[str, Any]]:
    async with transaction() as session:
        result = await session.execute(select(domains))
        return {row["domain"]: row for row in result.mappings()}


async def run_until_idle(stage: MetadataStage, settings: Settings) -> RunTotals:
    totals = await run_worker(
        [stage], settings=settings, exit_when_idle=True, install_signals=False
    )
    return totals["metadata"]


def fast_retries(stage: MetadataStage, max_attempts: int = 2) -> MetadataStage:
    stage.spec = stage.spec.replace(max_attempts=max_attempts, backoff_base_s=0.0)
    return stage


async def test_homepage_fields_are_stored(db: Database, web: SampleWeb, tmp_path: Path) -> None:
    ids = await add("alpha-bakery.co.uk")
    totals = await run_until_idle(
        build(stage_settings(web, tmp_path)), stage_settings(web, tmp_path)
    )
    row = (await rows_by_domain())["alpha-bakery.co.uk"]

    assert totals.succeeded == 1
    assert row["id"] == ids["alpha-bakery.co.uk"]
    assert row["metadata_status"] == "completed"
    assert row["metadata_error"] is None
    assert row["metadata_attempts"] == 1
    assert row["metadata_finished_at"] is not None
    assert row["final_url"] == "https://alpha-bakery.co.uk/"
    assert row["http_status"] == 200
    assert row["title"] == "Alpha Bakery | Fresh bread in Leeds"
    assert row["description"] == "Sourdough and pastries baked every morning."
    assert row["language"] == "en-GB"
    assert row["generator"] == "WordPress 6.5.2"
    assert row["canonical_url"] == "https://alpha-bakery.co.uk/"
    assert row["favicon_url"] == "https://alpha-bakery.co.uk/favicon.ico"
    assert row["logo_url"] == "https://alpha-bakery.co.uk/logo.png"
    assert {t["name"]: t["version"] for t in row["tech"]}["WordPress"] == "6.5.2"
    assert row["social"] == {"facebook": "https://www.facebook.com/alphabakery"}
    assert row["emails"] == ["hello@alpha-bakery.co.uk"]
    assert row["phones"] == ["+441134960000"]
    assert row["jsonld"]["type"] == "Bakery"
    assert row["jsonld"]["name"] == "Alpha Bakery"
    assert row["curation_status"] == "new"  # auto-advance is off by default
    # https first, through the API, robots.txt asked once
    targets = [params["url"] for params in web.stats.api_params]
    assert targets == ["https://alpha-bakery.co.uk/robots.txt", "https://alpha-bakery.co.uk/"]


async def test_failures_are_isolated_with_readable_reasons(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await add(
        "alpha-bakery.co.uk", "no-home.com", "private.com", "brochure.com", "unknown-host.com"
    )
    settings = stage_settings(web, tmp_path)
    totals = await run_until_idle(build(settings), settings)
    rows = await rows_by_domain()

    assert totals.succeeded == 1
    assert totals.failed == 4
    assert totals.requeued == 0
    assert rows["alpha-bakery.co.uk"]["metadata_status"] == "completed"
    no_home = rows["no-home.com"]
    assert no_home["metadata_status"] == "error"
    assert no_home["metadata_error_category"] == "http_404"
    assert no_home["metadata_error"].startswith("homepage returned 404 at https://no-home.com/")
    assert "also tried https://www.no-home.com/: 404" in no_home["metadata_error"]
    assert "not retryable" in no_home["metadata_error"]
    assert no_home["metadata_attempts"] == 1  # a 404 is terminal on the first attempt
    assert no_home["title"] is None
    private = rows["private.com"]
    assert private["metadata_status"] == "error"
    assert private["metadata_error_category"] == "robots"
    assert "robots.txt" in private["metadata_error"]
    assert rows["brochure.com"]["metadata_error_category"] == "not_html"
    assert "application/pdf" in rows["brochure.com"]["metadata_error"]
    assert rows["unknown-host.com"]["metadata_error_category"] == "http_404"
    # a 404 is not retried over http://
    targets = {params["url"] for params in web.stats.api_params}
    assert "http://no-home.com/" not in targets


async def test_www_host_and_redirects_give_the_final_url(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await add("only-www.com", "moved.com")
    settings = stage_settings(web, tmp_path)
    await run_until_idle(build(settings), settings)
    rows = await rows_by_domain()

    assert rows["only-www.com"]["metadata_status"] == "completed"
    assert rows["only-www.com"]["final_url"] == "https://www.only-www.com/"
    assert rows["only-www.com"]["title"] == "Only on www"
    assert rows["moved.com"]["final_url"] == "https://www.moved.com/"
    assert rows["moved.com"]["title"] == "Moved here"


async def test_server_errors_are_retried_then_given_up(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await add("flaky.com")
    settings = stage_settings(web, tmp_path)
    totals = await run_until_idle(fast_retries(build(settings)), settings)
    row = (await rows_by_domain())["flaky.com"]

    assert totals.requeued == 1
    assert totals.failed == 1
    assert row["metadata_status"] == "error"
    assert row["metadata_attempts"] == 2
    assert row["metadata_error_category"] == "http_500"  # ScraperAPI's "failed after retries"
    assert "gave up after 2 attempts" in row["metadata_error"]
    # via the API a 500 is "could not fetch": http:// and the www host were tried as well
    targets = [params["url"] for params in web.stats.api_params if "robots" not in params["url"]]
    assert targets[:4] == [
        "https://flaky.com/",
        "http://flaky.com/",
        "https://www.flaky.com/",
        "http://www.flaky.com/",
    ]


async def test_exhausted_credits_requeue_without_using_attempts(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await add("broke.com", "also-broke.com")
    settings = stage_settings(web, tmp_path, stage_credits_pause_s=120.0)
    stage = build(settings)
    stage.spec = stage.spec.replace(batch_size=1, concurrency=1)
    deferred = STAGE_DEFERRED.labels(stage="metadata", reason="credits")
    deferred_items = STAGE_ITEMS.labels(stage="metadata", outcome="deferred")
    failed_items = STAGE_ITEMS.labels(stage="metadata", outcome="failed")
    before = (deferred._value.get(), deferred_items._value.get(), failed_items._value.get())
    started = datetime.now(UTC)
    totals = await run_until_idle(stage, settings)
    rows = await rows_by_domain()

    # a runner Defer: not a failure, no attempt used, no error text, no diagnostic file
    assert (totals.deferred, totals.failed, totals.requeued) == (2, 0, 0)
    for name in ("broke.com", "also-broke.com"):
        row = rows[name]
        assert row["metadata_status"] == "pending"
        assert row["metadata_attempts"] == 0
        assert row["metadata_error_category"] is None
        assert row["metadata_error"] is None
        assert 100 < (row["metadata_next_attempt_at"] - started).total_seconds() <= 121
        assert row["metadata_finished_at"] is None
    assert not list((tmp_path / "diagnostics").glob("*.json"))
    # the API's 403 on robots.txt paused the stage before any page was asked for, and the
    # second domain sent no request at all
    asked = [params["url"] for params in web.stats.api_params]
    assert asked == ["https://broke.com/robots.txt"]
    after = (deferred._value.get(), deferred_items._value.get(), failed_items._value.get())
    assert [b - a for a, b in zip(before, after, strict=True)] == [2, 2, 0]


async def test_auto_advance_selects_new_domains_and_queues_the_homepage_scan(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    ids = await add("alpha-bakery.co.uk", "only-www.com")
    async with transaction() as session:
        rejected = DomainFilter(ids=[ids["only-www.com"]])
        await set_curation_status(session, rejected, CurationStatus.NOT_A_FIT)
    settings = stage_settings(web, tmp_path, auto_advance=True)
    await run_until_idle(build(settings), settings)
    rows = await rows_by_domain()
    async with transaction() as session:
        page_rows = (await session.execute(select(pages))).mappings().all()

    bakery = rows["alpha-bakery.co.uk"]
    assert bakery["curation_status"] == "selected"
    assert bakery["sitemap_analysis_status"] == "queued"
    assert rows["only-www.com"]["curation_status"] == "not_a_fit"  # a person's choice stays
    assert rows["only-www.com"]["sitemap_analysis_status"] == "pending"
    homepage = {(p["domain_id"], p["url"]): p for p in page_rows}
    assert set(homepage) == {
        (ids["alpha-bakery.co.uk"], "https://alpha-bakery.co.uk/"),
        (ids["only-www.com"], "https://www.only-www.com/"),
    }
    bakery_page = homepage[(ids["alpha-bakery.co.uk"], "https://alpha-bakery.co.uk/")]
    assert bakery_page["curation_status"] == "selected"
    assert bakery_page["scan_status"] == "queued"


async def test_text_with_nul_bytes_is_stored_without_them(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await add("nul-title.com")
    settings = stage_settings(web, tmp_path)
    await run_until_idle(build(settings), settings)
    row = (await rows_by_domain())["nul-title.com"]

    assert row["metadata_status"] == "completed"
    assert row["title"] is not None
    assert "\x00" not in row["title"]
    assert row["title"].startswith("Null")
    assert pg_safe({"a": ["x\x00y", ("\x00",)]}) == {"a": ["xy", ("",)]}


async def test_a_compression_bomb_is_read_up_to_the_cap(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await add("bomb.com")
    settings = stage_settings(web, tmp_path, fetch_max_bytes=1024 * 1024)
    totals = await run_until_idle(build(settings), settings)
    row = (await rows_by_domain())["bomb.com"]

    assert totals.succeeded == 1  # the first MiB is read like a page: nothing in it, no crash
    assert row["metadata_status"] == "completed"
    assert row["title"] is None
    assert row["emails"] == []


async def test_a_real_worker_process_runs_the_stage(
    db: Database, db_url: URL, web: SampleWeb, tmp_path: Path
) -> None:
    await add("alpha-bakery.co.uk", "no-home.com", "only-www.com")
    code, output = await run_worker_process(db_url, web, tmp_path, "metadata")
    rows = await rows_by_domain()

    assert code == 0, output
    assert rows["alpha-bakery.co.uk"]["title"] == "Alpha Bakery | Fresh bread in Leeds"
    assert rows["only-www.com"]["final_url"] == "https://www.only-www.com/"
    assert rows["no-home.com"]["metadata_status"] == "error"
    assert rows["no-home.com"]["metadata_error_category"] == "http_404"
    assert "action=batch" in output


async def run_worker_process(
    db_url: URL, web: SampleWeb, tmp_path: Path, stage: str, *extra: str
) -> tuple[int, str]:
    """``python -m scrapersky worker --stage <stage> --exit-when-idle`` on the test database,
    fetching from this test's sample web (which keeps serving while we await the process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPERSKY_")}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DATABASE_URL": db_url.render_as_string(hide_password=False),
            "SCRAPERSKY_STRICT_GUARD": "1",
            "SCRAPERSKY_AUTO_MIGRATE": "0",
            "SCRAPERSKY_DATA_DIR": str(tmp_path / "data"),
            "SCRAPERSKY_WORKER_POLL_INTERVAL_S": "0.1",
            "SCRAPERSKY_FETCH_BACKEND": "scraperapi",
            "SCRAPERSKY_SCRAPERAPI_ENDPOINT": web.api_url,
            "SCRAPERSKY_SCRAPERAPI_KEY": API_KEY,
            "SCRAPERSKY_SCRAPERAPI_TIMEOUT_S": "10",
            "SCRAPERSKY_SSRF_ALLOW": '["127.0.0.1"]',
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scrapersky",
        "worker",
        "--stage",
        stage,
        "--exit-when-idle",
        *extra,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return int(process.returncode or 0), out.decode(errors="replace")
