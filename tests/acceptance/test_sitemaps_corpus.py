"""Every host of the shared corpus, served by the sample web and reached through the real
ScraperAPI backend, discovered and imported end to end; then everything is requeued and run
again by a real ``scrapersky worker`` process, which must add nothing.

The expectations are derived here from the corpus files alone (regular expressions over the
files, the documented discovery order, Protego for robots.txt rules), never by calling the
code under test: which files are sitemaps, which sitemap each domain should record, how each
file's import ends, and the exact set of page URLs per domain.
"""

from __future__ import annotations

import gzip
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from protego import Protego
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.schema import domains, pages, sitemap_files
from scrapersky.db.transaction import transaction
from scrapersky.sampleweb import DirectorySource
from scrapersky.settings import get_settings
from scrapersky.web.domains import normalize_domain
from tests.integration.test_sitemap_stages import (
    API_KEY,
    requeue_everything,
    run_sitemap_stages,
    run_worker_process,
    select_domains,
    stage_settings,
)
from tests.support.sampleweb import running_sampleweb

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

# The documented probe order (docs/sitemaps.md, "Discovery and import"), written out here.
WELL_KNOWN = (
    "/sitemap.xml", "/sitemap_index.xml", "/sitemap-index.xml", "/sitemapindex.xml",
    "/sitemap.xml.gz", "/wp-sitemap.xml", "/sitemap.txt", "/sitemap/sitemap-index.xml",
    "/post-sitemap.xml", "/page-sitemap.xml", "/sitemap_news.xml", "/news-sitemap.xml",
    "/rss.xml", "/atom.xml",
)  # fmt: skip
MAX_DEPTH = 5
XML_ROOT = re.compile(rb"<(?:[\w-]+:)?(urlset|sitemapindex|rss|feed)[\s>]")
ROBOTS_SITEMAP = re.compile(r"(?im)^\s*sitemap\s*:\s*(\S+)")
BLOCK = {
    "urlset": re.compile(r"<url[\s>].*?</url>", re.S),
    "sitemapindex": re.compile(r"<sitemap[\s>].*?</sitemap>", re.S),
}
LOC = re.compile(r"<loc>(.*?)</loc>", re.S)
ITEM_LINK = re.compile(r"<item[\s>].*?<link>(.*?)</link>", re.S)
TEXT_URL = re.compile(r"https?://\S+?(?=https?://|\s|$)")


@dataclass
class Expected:
    domain: str
    host: str  # the corpus folder serving it
    files: dict[str, str] = field(default_factory=dict)  # sitemap URL -> complete | error
    pages: set[str] = field(default_factory=set)

    @property
    def discovered(self) -> bool:
        return bool(self.files)


class Corpus:
    def __init__(self, root: Path) -> None:
        self.sites = root / "sites"
        self.hosts = sorted(p.name for p in self.sites.iterdir() if p.is_dir())

    def file(self, url: str) -> bytes | None:
        """What the sample web serves for ``url`` (GitHub Pages rules), None for a 404."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in self.hosts:
            return None
        path = self.sites / host / unquote(parts.path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        return path.read_bytes() if path.is_file() else None

    def kind(self, body: bytes | None) -> str | None:
        if body is None:
            return None
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        match = XML_ROOT.search(body[:4096])
        if match is not None:
            return match[1].decode()
        text = body.decode("utf-8", "replace").lstrip("\ufeff").lstrip()
        if not text.startswith("<") and TEXT_URL.search(text):
            return "text"
        return None

    def expected(self, host: str) -> Expected:
        domain = normalize_domain(host)
        origin = f"https://{host}"
        found = Expected(domain, host)
        robots_body = self.file(origin + "/robots.txt")
        robots = Protego.parse(robots_body.decode("utf-8", "replace") if robots_body else "")
        agent = get_settings().user_agent
        roots: list[str] = []
        off_site: list[str] = []
        for value in ROBOTS_SITEMAP.findall(robots_body.decode() if robots_body else ""):
            url = urljoin(origin + "/robots.txt", value)
            (roots if on_site(url, domain) else off_site).append(url)
        if not roots:
            for path in WELL_KNOWN:
                url = origin + path
                if robots.can_fetch(url, agent) and self.kind(self.file(url)):
                    roots.append(url)
                    break
        if not roots:  # homepage <link rel="sitemap">: no corpus host root has one
            homepage = self.file(origin + "/") or b""
            assert b'rel="sitemap"' not in homepage
        if not roots:
            return found
        found.files.update(dict.fromkeys(off_site, "pending"))
        self._walk(found, roots)
        return found

    def _walk(self, found: Expected, roots: list[str]) -> None:
        level = [(url, 0) for url in dict.fromkeys(roots)]
        found.files.update(dict.fromkeys(roots, "?"))
        while level:
            following = []
            for url, depth in level:
                body = self.file(url)
                kind = self.kind(body)
                found.files[url] = "complete" if kind else "error"
                if body is None or kind is None:
                    continue
                locs = self.locs(url, body, kind)
                if kind == "sitemapindex":
                    for child in locs:
                        new = on_site(child, found.domain) and child not in found.files
                        if new and depth + 1 <= MAX_DEPTH:
                            found.files[child] = "?"
                            following.append((child, depth + 1))
                else:
                    found.pages.update(loc for loc in locs if on_site(loc, found.domain))
            level = following

    @staticmethod
    def locs(url: str, body: bytes, kind: str) -> list[str]:
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        text = body.decode("utf-8", "replace")
        if kind == "text":
            raw = TEXT_URL.findall(text)
        elif kind == "rss":
            raw = ITEM_LINK.findall(text)
        else:
            raw = [loc for block in BLOCK[kind].findall(text) for loc in LOC.findall(block)[:1]]
        out = []
        for value in raw:
            value = html.unescape(value.replace("<![CDATA[", "").replace("]]>", "")).strip()
            absolute = urljoin(url, value)
            if absolute.startswith(("http://", "https://")) and urlsplit(absolute).hostname:
                out.append(absolute)
        return out


def on_site(url: str, domain: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == domain or host.endswith("." + domain)


@dataclass
class Stored:
    row: Mapping[str, Any]
    files: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    pages: set[str] = field(default_factory=set)


async def stored_by_domain() -> dict[str, Stored]:
    """Each domain's row, its sitemap_files rows by URL and its sitemap-sourced page URLs."""
    async with transaction() as session:
        doms = (await session.execute(select(domains))).mappings().all()
        files = (await session.execute(select(sitemap_files))).mappings().all()
        from_sitemaps = pages.c.sitemap_file_id.is_not(None)
        rows = (
            await session.execute(select(pages.c.domain_id, pages.c.url).where(from_sitemaps))
        ).all()
    by_id = {d["id"]: d["domain"] for d in doms}
    stored = {d["domain"]: Stored(d) for d in doms}
    for f in files:
        stored[by_id[f["domain_id"]]].files[f["url"]] = f
    for domain_id, url in rows:
        stored[by_id[domain_id]].pages.add(url)
    return stored


async def total_pages() -> int:
    async with transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(pages)) or 0)


async def test_every_corpus_host_is_discovered_and_imported(
    db: Database, db_url: URL, corpus_dir: Path, tmp_path: Path
) -> None:
    corpus = Corpus(corpus_dir)
    expected = {e.domain: e for e in map(corpus.expected, corpus.hosts)}
    assert len(expected) == len(corpus.hosts) == 40
    async with running_sampleweb(DirectorySource(corpus_dir), api_key=API_KEY) as web:
        await select_domains(corpus.hosts)
        settings = stage_settings(web, tmp_path, auto_advance=True)
        await run_sitemap_stages(settings, timeout_s=240)
        first = await stored_by_domain()

        problems = []
        for domain, want in sorted(expected.items()):
            got = first[domain]
            status = got.row["sitemap_analysis_status"]
            if not want.discovered:
                if status != "failed" or got.files:
                    problems.append(
                        f"{domain}: expected no sitemap, got {status} {list(got.files)}"
                    )
                continue
            statuses = {url: f["import_status"] for url, f in got.files.items()}
            if status != "submitted" or statuses != want.files:
                problems.append(f"{domain}: {status}; files {statuses} != {want.files}")
            if got.pages != want.pages:
                missing = sorted(want.pages - got.pages)[:3]
                extra = sorted(got.pages - want.pages)[:3]
                problems.append(f"{domain}: pages missing {missing}, unexpected {extra}")
            counts = (got.row["page_count"], got.row["sitemap_count"])
            if counts != (len(want.pages), len(got.files)):
                problems.append(f"{domain}: page_count/sitemap_count {counts}")
        assert not problems, "\n".join(problems)

        # spot checks a reader can verify by hand against the corpus README
        assert len(expected["search.iisg.amsterdam"].pages) == 30_000
        iisg = first["search.iisg.amsterdam"].files.values()
        errors = [f["import_error"] for f in iisg if f["import_status"] == "error"]
        assert len(errors) == 118
        assert all(error.startswith("HTTP 404") for error in errors)
        gentlemen = first["thegentlemenbrunch.com"].row
        assert gentlemen["sitemap_error_category"] == "no_sitemap"
        assert "/sitemap.xml (not a sitemap: got an HTML page)" in gentlemen["sitemap_error"]

        # a full re-run by a real worker process adds nothing
        before = await total_pages()
        await requeue_everything()
        code, output = await run_worker_process(db_url, web, tmp_path, "--concurrency", "8")
        assert code == 0, output[-3000:]
        again = await stored_by_domain()
        assert await total_pages() == before
        for domain in expected:
            assert again[domain].pages == first[domain].pages, domain
            assert again[domain].row["page_count"] == first[domain].row["page_count"], domain
            assert set(again[domain].files) == set(first[domain].files), domain
