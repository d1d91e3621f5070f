"""Sitemap discovery and import against real Postgres and a sample web reached through the real
ScraperAPI backend: robots.txt lines (relative, any case, off-site), well-known probing that
refuses an HTML page, homepage links, the www. host, "no sitemap found"; index trees with gzip,
text and 404 children, cycles and self-listing, depth limits, malformed files, off-site URLs,
dates as datetimes, exact counts, idempotent re-runs, and a 50,000-URL file in one record."""

from __future__ import annotations

import asyncio
import gzip
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.domains import DomainFilter
from scrapersky.db.schema import domains, pages, sitemap_files
from scrapersky.db.transaction import transaction
from scrapersky.metrics import STAGE_PHASE_SECONDS
from scrapersky.pipeline.recorder import RunTotals
from scrapersky.pipeline.registry import build_stage
from scrapersky.pipeline.stage import Stage
from scrapersky.pipeline.worker import run_worker
from scrapersky.sampleweb import Fault, MemorySource, Resource, SampleWeb
from scrapersky.sampleweb.generated import GeneratedSites
from scrapersky.services.curation import curate_domains
from scrapersky.services.intake import add_domains
from scrapersky.settings import Settings
from tests.support.database import PROJECT_ROOT, make_test_settings
from tests.support.sampleweb import running_sampleweb

pytestmark = pytest.mark.integration

API_KEY = "sitemap-test-key"
STAGES = ("sitemap_discovery", "sitemap_import")
XML = "application/xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

# --- helpers shared with the acceptance tests -------------------------------------------------


def stage_settings(web: SampleWeb, tmp_path: Path, **overrides: Any) -> Settings:
    """The real ScraperAPI backend pointed at the sample web; fast polling for tests."""
    values: dict[str, Any] = {
        "fetch_backend": "scraperapi",
        "scraperapi_endpoint": web.api_url,
        "scraperapi_key": API_KEY,
        "scraperapi_timeout_s": 10.0,
        "ssrf_allow": ["127.0.0.1"],
        "fetch_connect_timeout_s": 2.0,
        "fetch_total_timeout_s": 10.0,
        "per_host_concurrency": 8,
        "worker_poll_interval_s": 0.05,
        "diagnostic_dir": tmp_path / "diagnostics",
    }
    values.update(overrides)
    return make_test_settings(**values)


async def select_domains(names: Iterable[str]) -> dict[str, int]:
    """Add the domains and curate them to ``selected`` (which queues sitemap discovery)."""
    names = list(names)
    report = await add_domains(names, source="test")
    assert report.rejected == 0, report.to_dict()
    async with transaction() as session:
        rows = await session.execute(select(domains.c.domain, domains.c.id))
        ids = {str(name): int(i) for name, i in rows}
    result = await curate_domains(CurationStatus.SELECTED, DomainFilter(ids=list(ids.values())))
    assert result.queued == len(ids)
    return ids


async def pending_work() -> int:
    """Rows either stage still has to do (due, in backoff or in flight)."""
    async with transaction() as session:
        discovery = await session.scalar(
            select(func.count()).where(
                domains.c.sitemap_analysis_status.in_(["queued", "processing"])
            )
        )
        imports = await session.scalar(
            select(func.count()).where(sitemap_files.c.import_status.in_(["queued", "processing"]))
        )
    return int(discovery or 0) + int(imports or 0)


async def run_sitemap_stages(
    settings: Settings,
    *,
    timeout_s: float = 120.0,
    tweak: Callable[[Stage[Any]], None] | None = None,
) -> dict[str, RunTotals]:
    """Discovery and import in this process (the real runner) until neither has work left.

    Each round runs both stages until idle; import can go idle before discovery has queued
    anything, and each import level queues the next, hence the rounds.
    """
    deadline = time.monotonic() + timeout_s
    totals: dict[str, RunTotals] = {name: RunTotals() for name in STAGES}
    while True:
        stages = [build_stage(name, settings) for name in STAGES]
        for stage in stages:
            if tweak is not None:
                tweak(stage)
        result = await run_worker(
            stages, settings=settings, exit_when_idle=True, install_signals=False
        )
        for name, run in result.items():
            for key, value in vars(run).items():
                setattr(totals[name], key, getattr(totals[name], key) + value)
        if not await pending_work():
            return totals
        if time.monotonic() > deadline:
            raise TimeoutError(f"sitemap stages still busy after {timeout_s}s")
        await asyncio.sleep(0.05)


async def requeue_everything() -> None:
    """Put every domain and sitemap file back in its queue (a full re-run)."""
    async with transaction() as session:
        await session.execute(
            update(domains).values(
                sitemap_analysis_status="queued",
                sitemap_attempts=0,
                sitemap_next_attempt_at=func.now(),
            )
        )
        await session.execute(
            update(sitemap_files).values(
                import_status="queued", import_attempts=0, import_next_attempt_at=func.now()
            )
        )


async def sitemap_rows() -> dict[str, Mapping[str, Any]]:
    async with transaction() as session:
        result = await session.execute(select(sitemap_files))
        return {row["url"]: row for row in result.mappings()}


async def domain_rows() -> dict[str, Mapping[str, Any]]:
    async with transaction() as session:
        result = await session.execute(select(domains))
        return {row["domain"]: row for row in result.mappings()}


async def page_rows(domain_id: int | None = None) -> dict[str, Mapping[str, Any]]:
    """Pages that came from sitemaps (auto-advance also adds each homepage for the contacts
    scan, without a sitemap file)."""
    statement = select(pages).where(pages.c.sitemap_file_id.is_not(None))
    if domain_id is not None:
        statement = statement.where(pages.c.domain_id == domain_id)
    async with transaction() as session:
        result = await session.execute(statement)
        return {row["url"]: row for row in result.mappings()}


async def run_worker_process(
    db_url: URL, web: SampleWeb, tmp_path: Path, *extra: str
) -> tuple[int, str]:
    """``python -m scrapersky worker --stage sitemap_discovery --stage sitemap_import
    --exit-when-idle`` on the test database, fetching from this test's sample web."""
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
    stages = [arg for name in STAGES for arg in ("--stage", name)]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scrapersky",
        "worker",
        *stages,
        "--exit-when-idle",
        *extra,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return process.returncode or 0, out.decode(errors="replace")


# --- sites -----------------------------------------------------------------------------------


def xml(body: str) -> Resource:
    return Resource(f'<?xml version="1.0" encoding="UTF-8"?>\n{body}'.encode(), XML)


def urlset(*locs: str, lastmod: str | None = None) -> Resource:
    date = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    entries = "".join(f"<url><loc>{loc}</loc>{date}</url>" for loc in locs)
    return xml(f"<urlset {NS}>{entries}</urlset>")


def index(*locs: str) -> Resource:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return xml(f"<sitemapindex {NS}>{entries}</sitemapindex>")


def text(body: str, content_type: str = "text/plain") -> Resource:
    return Resource(body.encode(), content_type)


def html(body: str) -> Resource:
    return text(f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>",
                "text/html")  # fmt: skip


CHAIN_DEPTH = 8

SITES: dict[str, dict[str, Resource]] = {
    # robots.txt: a relative line before any group, odd case, a www. URL, an off-site one
    "robots-site.com": {
        "/robots.txt": text(
            "SITEMAP: /sitemap_a.xml\nUser-agent: *\nDisallow: /private/\n"
            "  sitemap:   https://www.robots-site.com/b.xml   # news\n"
            "Sitemap: https://staging.other-host.net/sitemap.xml\n"
        ),
        "/sitemap_a.xml": urlset("https://robots-site.com/a1", "https://robots-site.com/a2"),
        "/sitemap.xml": urlset("https://robots-site.com/never-probed"),
    },
    "www.robots-site.com": {"/b.xml": urlset("https://www.robots-site.com/b1")},
    # no robots.txt; an HTML page at /sitemap.xml; the index at the second well-known path
    "wk-site.com": {
        "/sitemap.xml": html("<h1>Site map</h1><a href='/about'>About</a>"),
        "/sitemap_index.xml": index("https://wk-site.com/pages.xml"),
        "/pages.xml": urlset("https://wk-site.com/", "https://wk-site.com/about"),
        "/sitemap-index.xml": index("https://wk-site.com/never-probed.xml"),
    },
    # only the homepage knows: <link rel="sitemap">
    "link-site.com": {
        "/robots.txt": text("User-agent: *\nDisallow:\n"),
        "/": html(
            "<link rel='sitemap' type='application/xml' href='/maps/main.xml'>"
            "<a href='/site-map/'>Site map (HTML)</a>"
        ),
        "/maps/main.xml": urlset("https://link-site.com/x", "https://link-site.com/y"),
    },
    # the site only answers on www.
    "www.wwwonly.com": {
        "/": html("<p>home</p>"),
        "/sitemap.xml": urlset("https://www.wwwonly.com/", "https://www.wwwonly.com/menu"),
    },
    "nothing-here.com": {"/": html("<p>no sitemap anywhere</p>")},
    # an index tree: gzip, text, a 404, an off-site child, itself, a duplicate page
    "tree-site.com": {
        "/robots.txt": text("User-agent: *\nSitemap: https://tree-site.com/sitemap_index.xml\n"),
        "/sitemap_index.xml": index(
            "https://tree-site.com/a.xml",
            "./b.xml.gz",
            "/c.txt",
            "https://tree-site.com/missing.xml",
            "https://cdn.elsewhere.org/d.xml",
            "https://tree-site.com/sitemap_index.xml",
            "https://tree-site.com/a.xml",
        ),
        "/a.xml": xml(
            f"<urlset {NS}>"
            "<url><loc>https://tree-site.com/</loc><lastmod>2024-05-17T10:20:30+05:30</lastmod>"
            "<changefreq>weekly</changefreq><priority>0.8</priority></url>"
            "<url><loc>https://tree-site.com/about</loc><lastmod>2023-01-02</lastmod></url>"
            "<url><loc>https://shop.tree-site.com/cart</loc></url>"
            "<url><loc>https://partner-site.net/offer</loc></url>"
            "</urlset>"
        ),
        "/b.xml.gz": Resource(
            gzip.compress(urlset("https://tree-site.com/about", "https://tree-site.com/b").body),
            "application/gzip",
        ),
        "/c.txt": text("https://tree-site.com/c1\nhttps://tree-site.com/c2\n"),
    },
    # index levels 0..CHAIN_DEPTH, and a two-file cycle
    "deep-site.com": {
        "/robots.txt": text(
            "Sitemap: https://deep-site.com/chain-0.xml\nSitemap: https://deep-site.com/loop-a.xml\n"
        ),
        **{
            f"/chain-{n}.xml": index(f"https://deep-site.com/chain-{n + 1}.xml")
            for n in range(CHAIN_DEPTH)
        },
        f"/chain-{CHAIN_DEPTH}.xml": urlset("https://deep-site.com/bottom"),
        "/loop-a.xml": index("https://deep-site.com/loop-b.xml"),
        "/loop-b.xml": index("https://deep-site.com/loop-a.xml", "https://deep-site.com/leaf.xml"),
        "/leaf.xml": urlset("https://deep-site.com/leaf"),
    },
    # malformed and not-a-sitemap files side by side
    "broken-site.com": {
        "/robots.txt": text(
            "Sitemap: https://broken-site.com/cut.xml\n"
            "Sitemap: https://broken-site.com/page.xml\n"
            "Sitemap: https://broken-site.com/junk.xml\n"
            "Sitemap: https://broken-site.com/ok.xml\n"
        ),
        "/cut.xml": Resource(
            (
                f'<?xml version="1.0"?><urlset {NS}><url><loc>https://broken-site.com/1</loc></url>'
                "<url><loc>https://broken-site.com/2</loc></url><url><loc>https://broken-si"
            ).encode(),
            XML,
        ),
        "/page.xml": html("<p>We moved our sitemap</p>"),
        "/junk.xml": Resource(b"<urlset><url><loc>\x00\x01</urlset", XML),
        "/ok.xml": urlset("https://broken-site.com/ok"),
    },
}


@pytest.fixture
async def web() -> AsyncIterator[SampleWeb]:
    async with running_sampleweb(MemorySource(SITES), api_key=API_KEY) as running:
        yield running


# --- discovery -------------------------------------------------------------------------------


async def test_robots_lines_are_recorded_without_probing(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await select_domains(["robots-site.com"])
    totals = await run_sitemap_stages(stage_settings(web, tmp_path))
    rows = await sitemap_rows()
    domain = (await domain_rows())["robots-site.com"]

    assert domain["sitemap_analysis_status"] == "submitted"
    assert {url: (row["discovered_via"], row["import_status"]) for url, row in rows.items()} == {
        "https://robots-site.com/sitemap_a.xml": ("robots", "pending"),
        "https://www.robots-site.com/b.xml": ("robots", "pending"),
        "https://staging.other-host.net/sitemap.xml": ("robots", "pending"),
    }
    off_site = rows["https://staging.other-host.net/sitemap.xml"]
    assert "off-site: staging.other-host.net is not part of robots-site.com" in off_site["notes"]
    assert domain["sitemap_count"] == 3
    assert totals["sitemap_import"].claimed == 0  # auto_advance off: they wait for a user
    assert ("robots-site.com", "/sitemap.xml") not in web.stats.paths  # robots was enough


async def test_well_known_probe_skips_an_html_page_and_stops_at_the_first_hit(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await select_domains(["wk-site.com"])
    await run_sitemap_stages(stage_settings(web, tmp_path, auto_advance=True))
    rows = await sitemap_rows()

    root = rows["https://wk-site.com/sitemap_index.xml"]
    assert (root["discovered_via"], root["kind"], root["import_status"]) == (
        "well_known",
        "index",
        "complete",
    )
    assert "https://wk-site.com/sitemap.xml" not in rows  # HTML is not a sitemap
    assert ("wk-site.com", "/sitemap-index.xml") not in web.stats.paths  # stopped at the hit
    assert set(await page_rows()) == {"https://wk-site.com/", "https://wk-site.com/about"}


async def test_homepage_link_and_www_host(db: Database, web: SampleWeb, tmp_path: Path) -> None:
    await select_domains(["link-site.com", "wwwonly.com"])
    await run_sitemap_stages(stage_settings(web, tmp_path, auto_advance=True))
    rows = await sitemap_rows()

    link = rows["https://link-site.com/maps/main.xml"]
    assert (link["discovered_via"], link["kind"]) == ("html_link", "urlset")
    www = rows["https://www.wwwonly.com/sitemap.xml"]
    assert (www["discovered_via"], www["import_status"]) == ("well_known", "complete")
    assert set(await page_rows()) == {
        "https://link-site.com/x",
        "https://link-site.com/y",
        "https://www.wwwonly.com/",
        "https://www.wwwonly.com/menu",
    }


async def test_no_sitemap_found_is_a_clear_terminal_outcome(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await select_domains(["nothing-here.com"])
    totals = await run_sitemap_stages(stage_settings(web, tmp_path))
    row = (await domain_rows())["nothing-here.com"]

    assert row["sitemap_analysis_status"] == "failed"
    assert row["sitemap_error_category"] == "no_sitemap"
    assert row["sitemap_error"].startswith("no sitemap found: ")
    assert "/sitemap.xml (HTTP 404)" in row["sitemap_error"]
    assert "links to no sitemap" in row["sitemap_error"]
    assert "not retryable" in row["sitemap_error"]
    assert row["sitemap_attempts"] == 1
    assert totals["sitemap_discovery"].failed == 1


async def test_api_refusals_and_server_errors_are_retried_not_called_no_sitemap(
    db: Database, tmp_path: Path
) -> None:
    site = {
        "busy-site.com": {
            "/robots.txt": text("User-agent: *\nDisallow:\n"),
            "/": html("<p>home</p>"),
            "/sitemap.xml": Resource(b"down for maintenance", "text/plain", 503),
        },
        "no-credits.com": {"/robots.txt": text("Sitemap: https://no-credits.com/s.xml\n")},
    }
    faults = {"no-credits.com": Fault(api_status=403), "www.no-credits.com": Fault(api_status=403)}
    async with running_sampleweb(MemorySource(site), faults=faults, api_key=API_KEY) as busy:
        await select_domains(["busy-site.com", "no-credits.com"])
        totals = await run_sitemap_stages(stage_settings(busy, tmp_path), tweak=fast_retries)
    rows = await domain_rows()

    busy_row = rows["busy-site.com"]
    assert (busy_row["sitemap_error_category"], busy_row["sitemap_attempts"]) == ("no_sitemap", 2)
    assert "/sitemap.xml (HTTP 500)" in busy_row["sitemap_error"]  # the API's 500 for a 503
    assert "gave up after 2 attempts" in busy_row["sitemap_error"]
    broke = rows["no-credits.com"]
    assert (broke["sitemap_error_category"], broke["sitemap_attempts"]) == ("credits", 2)
    assert totals["sitemap_discovery"].requeued == 2


def fast_retries(stage: Stage[Any]) -> None:
    stage.spec = stage.spec.replace(max_attempts=2, backoff_base_s=0.0, backoff_jitter=0.0)


# --- import ----------------------------------------------------------------------------------


async def test_index_tree_is_imported_with_dates_counts_and_reasons(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    ids = await select_domains(["tree-site.com"])
    await run_sitemap_stages(stage_settings(web, tmp_path, auto_advance=True))
    rows = await sitemap_rows()
    domain = (await domain_rows())["tree-site.com"]
    found = await page_rows(ids["tree-site.com"])

    root = rows["https://tree-site.com/sitemap_index.xml"]
    assert (root["kind"], root["import_status"], root["child_count"]) == ("index", "complete", 6)
    assert "1 children on other sites not followed" in root["notes"]
    assert "1 children already known" in root["notes"]  # the index lists itself
    children = {url: row for url, row in rows.items() if row["parent_id"] == root["id"]}
    assert set(children) == {
        "https://tree-site.com/a.xml",
        "https://tree-site.com/b.xml.gz",
        "https://tree-site.com/c.txt",
        "https://tree-site.com/missing.xml",
    }
    assert all(
        row["depth"] == 1 and row["discovered_via"] == "index_child" for row in children.values()
    )
    missing = rows["https://tree-site.com/missing.xml"]
    assert (missing["import_status"], missing["import_error_category"]) == ("error", "http_404")
    assert missing["import_error"].startswith("HTTP 404")
    assert missing["import_attempts"] == 1  # a 404 is not retried
    gz = rows["https://tree-site.com/b.xml.gz"]
    assert (gz["kind"], gz["compressed"], gz["url_count"]) == ("urlset", True, 2)
    assert rows["https://tree-site.com/c.txt"]["kind"] == "text"
    a = rows["https://tree-site.com/a.xml"]
    assert (a["url_count"], a["has_lastmod"]) == (4, True)
    assert "1 URLs on other sites skipped (e.g. partner-site.net)" in a["notes"]

    assert set(found) == {
        "https://tree-site.com/",
        "https://tree-site.com/about",
        "https://shop.tree-site.com/cart",  # a subdomain is the same site
        "https://tree-site.com/b",
        "https://tree-site.com/c1",
        "https://tree-site.com/c2",
    }
    home = found["https://tree-site.com/"]
    india = timezone(timedelta(hours=5, minutes=30))
    assert home["lastmod"] == datetime(2024, 5, 17, 10, 20, 30, tzinfo=india)
    assert (home["changefreq"], home["priority"]) == ("weekly", 0.8)
    # listed by a.xml (with a date) and b.xml.gz (without): the first file imported keeps it
    about = found["https://tree-site.com/about"]
    gz_id = rows["https://tree-site.com/b.xml.gz"]["id"]
    assert about["sitemap_file_id"] in (a["id"], gz_id)
    first_date = datetime(2023, 1, 2, tzinfo=UTC) if about["sitemap_file_id"] == a["id"] else None
    assert about["lastmod"] == first_date
    assert domain["page_count"] == len(found) == 6
    assert domain["sitemap_count"] == len(rows) == 5

    # a full re-run (every domain and file requeued) adds nothing
    await requeue_everything()
    await run_sitemap_stages(stage_settings(web, tmp_path, auto_advance=True))
    assert set(await page_rows(ids["tree-site.com"])) == set(found)
    again = (await domain_rows())["tree-site.com"]
    assert (again["page_count"], again["sitemap_count"]) == (6, 5)
    assert len(await sitemap_rows()) == 5


async def test_depth_limit_and_cycles_end_with_notes(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await select_domains(["deep-site.com"])
    await run_sitemap_stages(stage_settings(web, tmp_path, auto_advance=True, sitemap_max_depth=3))
    rows = await sitemap_rows()

    chain = {url: row for url, row in rows.items() if "/chain-" in url}
    assert sorted(row["depth"] for row in chain.values()) == [0, 1, 2, 3]
    assert all(row["import_status"] == "complete" for row in rows.values())
    assert (
        "depth limit 3 reached: 1 children not followed"
        in rows["https://deep-site.com/chain-3.xml"]["notes"]
    )
    loop_b = rows["https://deep-site.com/loop-b.xml"]
    assert "1 children already known" in loop_b["notes"]
    assert set(await page_rows()) == {"https://deep-site.com/leaf"}


async def test_malformed_files_keep_what_they_can_and_say_why(
    db: Database, web: SampleWeb, tmp_path: Path
) -> None:
    await select_domains(["broken-site.com"])
    await run_sitemap_stages(stage_settings(web, tmp_path, auto_advance=True))
    rows = await sitemap_rows()

    cut = rows["https://broken-site.com/cut.xml"]
    assert (cut["import_status"], cut["truncated"], cut["url_count"]) == ("complete", True, 2)
    assert "truncated" in cut["notes"]
    page = rows["https://broken-site.com/page.xml"]
    assert page["import_status"] == "error"
    assert page["import_error"].startswith("not a sitemap: got an HTML page")
    junk = rows["https://broken-site.com/junk.xml"]
    assert (junk["import_status"], junk["import_error_category"]) == ("error", "parse")
    assert rows["https://broken-site.com/ok.xml"]["import_status"] == "complete"
    assert set(await page_rows()) == {
        "https://broken-site.com/1",
        "https://broken-site.com/2",
        "https://broken-site.com/ok",
    }


async def test_a_full_size_sitemap_is_recorded_in_one_short_transaction(
    db: Database, tmp_path: Path
) -> None:
    count = 50_000
    body = "".join(f"<url><loc>https://big-site.com/p/{n}</loc></url>" for n in range(count))
    site = {
        "big-site.com": {
            "/robots.txt": text("Sitemap: https://big-site.com/sitemap.xml\n"),
            "/sitemap.xml": xml(f"<urlset {NS}>{body}</urlset>"),
        }
    }
    record = STAGE_PHASE_SECONDS.labels(phase="record", stage="sitemap_import")
    before = _histogram_sum(record)
    async with running_sampleweb(MemorySource(site), api_key=API_KEY) as big:
        ids = await select_domains(["big-site.com"])
        await run_sitemap_stages(stage_settings(big, tmp_path, auto_advance=True))
    recorded_s = _histogram_sum(record) - before
    domain = (await domain_rows())["big-site.com"]

    assert domain["page_count"] == count
    assert len(await page_rows(ids["big-site.com"])) == count
    # the strict guard would have raised past 5 s; the whole record is well under that
    assert recorded_s < 4.0, recorded_s


def _histogram_sum(histogram: Any) -> float:
    for metric in histogram.collect():
        for sample in metric.samples:
            if sample.name.endswith("_sum"):
                return float(sample.value)
    return 0.0


async def test_a_real_worker_process_discovers_and_imports(
    db: Database, db_url: URL, web: SampleWeb, tmp_path: Path
) -> None:
    ids = await select_domains(["tree-site.com", "nothing-here.com"])
    code, output = await run_worker_process(db_url, web, tmp_path, "--concurrency", "4")
    assert code == 0, output
    await curate_files_and_wait(db_url, web, tmp_path)
    found = await page_rows(ids["tree-site.com"])
    rows = await domain_rows()

    assert rows["tree-site.com"]["sitemap_analysis_status"] == "submitted"
    assert rows["nothing-here.com"]["sitemap_analysis_status"] == "failed"
    assert len(found) == 6
    assert rows["tree-site.com"]["page_count"] == 6
    children = [f for f in (await sitemap_rows()).values() if f["parent_id"] is not None]
    assert children
    assert all(f["curation_status"] == "selected" for f in children)  # the index was selected
    assert "action=batch" in output


async def curate_files_and_wait(db_url: URL, web: SampleWeb, tmp_path: Path) -> None:
    """Select every discovered file (a user's click queues its import), then run a worker."""
    from scrapersky.db.queries.sitemaps import SitemapFilter
    from scrapersky.services.sitemap_curation import curate_sitemaps

    result = await curate_sitemaps(CurationStatus.SELECTED, SitemapFilter())
    assert result.queued >= 1
    code, output = await run_worker_process(db_url, web, tmp_path)
    assert code == 0, output


async def test_generated_sites_match_their_ground_truth(db: Database, tmp_path: Path) -> None:
    """Generated sites (every platform style, faults and quirks) against their own truth:
    discovery fails exactly where the truth says so, every file the truth calls broken ends
    in error and every good one completes, and the page URLs are the truth's (plus, at most,
    the entries a broken file held before it broke)."""
    sites = GeneratedSites(seed=11, count=48, faults_fraction=0.3)
    async with running_sampleweb(sites, api_key=API_KEY) as generated:
        await select_domains(sites.hosts())
        await run_sitemap_stages(stage_settings(generated, tmp_path, auto_advance=True))
    doms = await domain_rows()
    files = await sitemap_rows()
    problems = []
    for host in sites.hosts():
        truth = sites.truth(host)
        row = doms[host]
        if truth.discovery_error is not None:
            if row["sitemap_analysis_status"] != "failed":
                problems.append(f"{host}: {truth.discovery_error} expected, got submitted")
            continue
        if row["sitemap_analysis_status"] != "submitted":
            problems.append(f"{host}: {row['sitemap_error']}")
            continue
        mine = {
            urlsplit(url).path + _query(url): f
            for url, f in files.items()
            if f["domain_id"] == row["id"]
        }
        for sitemap in truth.sitemaps:
            key = urlsplit(sitemap.url).path + _query(sitemap.url)
            mine_file = mine.get(key)
            status = mine_file["import_status"] if mine_file else "missing"
            if sitemap.error == "malformed_xml" and mine_file:
                # our documented choice: keep what was read, say why in the notes
                kept = status == "complete" and mine_file["truncated"]
                if not kept or "truncated" not in (mine_file["notes"] or ""):
                    problems.append(f"{host}{key}: cut file not reported: {status}")
            elif status != ("complete" if sitemap.ok else "error"):
                problems.append(f"{host}{key}: {status}, truth: {sitemap.error or 'ok'}")
        found = set(await page_rows(row["id"]))
        wanted = set(truth.page_urls)
        allowed = wanted | set(truth.partial_page_urls)
        if not wanted <= found <= allowed:
            missing, extra = sorted(wanted - found)[:2], sorted(found - allowed)[:2]
            problems.append(f"{host}: pages missing {missing}, unexpected {extra}")
    assert not problems, "\n".join(problems)
    assert sum(1 for d in doms.values() if d["sitemap_analysis_status"] == "submitted") > 30


def _query(url: str) -> str:
    query = urlsplit(url).query
    return f"?{query}" if query else ""
