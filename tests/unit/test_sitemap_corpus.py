"""Every sitemap of the shared corpus, parsed and checked against what the files say.

The expected values never come from the parser under test: counts come from MANIFEST.tsv
("urlset N urls", "sitemapindex N children", ...) and from counting tags in the raw bytes, and
each entry's loc/lastmod/changefreq/priority is read from the raw file with regular expressions,
resolved with ``urllib.parse.urljoin`` and converted with ``datetime.fromisoformat`` (W3C) or
``email.utils.parsedate_to_datetime`` (RSS).
"""

from __future__ import annotations

import email.utils
import gzip
import html
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest

from scrapersky.web.sitemaps import (
    SitemapChild,
    SitemapEntry,
    SitemapParseResult,
    SitemapStreamParser,
    parse_robots_sitemaps,
    parse_sitemap,
)

_CORPUS = Path(
    os.environ.get("SCRAPERSKY_CORPUS_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
)


@dataclass(frozen=True)
class Row:
    host: str
    path: str
    notes: str

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path}"

    def file(self, corpus: Path) -> Path:
        target = corpus / "sites" / self.host / self.path.lstrip("/")
        return target / "index.html" if target.is_dir() else target

    def __str__(self) -> str:
        return f"{self.host}{self.path}"


def _manifest() -> list[Row]:
    manifest = _CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    rows = []
    for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
        host, path, *_, notes = line.split("\t")
        rows.append(Row(host, path, notes))
    return rows


ROWS = _manifest()
_SITEMAP_NOTE = re.compile(r"(?:gzip of )?urlset|sitemapindex|RSS feed|text sitemap")
SITEMAP_ROWS = [row for row in ROWS if _SITEMAP_NOTE.match(row.notes)]
# Files a crawler meets at a sitemap URL that turn out to be HTML pages (or named as such).
HTML_AT_SITEMAP_URL = [
    row for row in ROWS if row.notes.startswith("html") and "sitemap" in row.path.lower()
]
ROBOTS_ROWS = [row for row in ROWS if row.path.endswith("/robots.txt")]
LASTMOD_ROWS = [row for row in SITEMAP_ROWS if "lastmod=" in row.notes]

_COUNT_NOTE = re.compile(
    r"(?:gzip of )?(?:urlset (\d+) urls|sitemapindex (\d+) children|"
    r"RSS feed (\d+) items|text sitemap (\d+) urls)"
)
_ROOT = re.compile(rb"<([A-Za-z][\w:.-]*)")
_LOC = re.compile(rb"<loc>(.*?)</loc>", re.S)
_TAG_TEXT = "<{0}>(.*?)</{0}>"


def _text(raw: bytes) -> str:
    value = raw.decode("utf-8").replace("<![CDATA[", "").replace("]]>", "")
    return html.unescape(value).strip()


def _field(block: bytes, tag: str) -> str | None:
    match = re.search(_TAG_TEXT.format(tag).encode(), block, re.S)
    return None if match is None else _text(match[1])


def _w3c(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    value = datetime.fromisoformat(raw)
    return value.replace(tzinfo=UTC) if len(raw) == 10 else value


def _priority(raw: str | None) -> float | None:
    return None if raw is None else float(raw)


def _body(row: Row) -> bytes:
    data = row.file(_CORPUS).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _root_name(body: bytes) -> str | None:
    """The first element name after the prolog, read with a regex (None for text)."""
    stripped = body.lstrip()
    if not stripped.startswith(b"<"):
        return None
    for match in _ROOT.finditer(stripped):
        return match[1].decode().rpartition(":")[2].lower()
    return None


def _expected_entries(row: Row, body: bytes) -> list[tuple[object, ...]]:
    """(loc, lastmod, changefreq, priority) per entry, or (loc, lastmod) per index child."""
    root = _root_name(body)
    if root is None:  # text: every http(s) URL, even two glued together without a newline
        urls = re.findall(rb"https?://.*?(?=https?://|\s|\Z)", body, re.S)
        return [(url.decode(), None, None, None) for url in urls]
    if root == "rss":
        items = re.findall(rb"<item>(.*?)</item>", body, re.S)
        return [
            (
                urljoin(row.url, _field(item, "link") or ""),
                email.utils.parsedate_to_datetime(_field(item, "pubDate") or ""),
                None,
                None,
            )
            for item in items
        ]
    if root == "sitemapindex":
        blocks = re.findall(rb"<sitemap>(.*?)</sitemap>", body, re.S)
        return [
            (urljoin(row.url, _field(b, "loc") or ""), _w3c(_field(b, "lastmod"))) for b in blocks
        ]
    blocks = re.findall(rb"<url>(.*?)</url>", body, re.S)
    return [
        (
            urljoin(row.url, _field(block, "loc") or ""),
            _w3c(_field(block, "lastmod")),
            (_field(block, "changefreq") or "").lower() or None,
            _priority(_field(block, "priority")),
        )
        for block in blocks
    ]


def _actual(result: SitemapParseResult) -> list[tuple[object, ...]]:
    if result.kind == "index":
        return [(c.loc, c.lastmod) for c in result.children]
    return [(e.loc, e.lastmod, e.changefreq, e.priority) for e in result.entries]


def _manifest_count(row: Row) -> int:
    match = _COUNT_NOTE.match(row.notes)
    assert match is not None, row.notes
    return int(next(group for group in match.groups() if group is not None))


_KINDS = {"urlset": "urlset", "sitemapindex": "index", "rss": "rss", None: "text"}


@pytest.mark.parametrize("row", SITEMAP_ROWS, ids=str)
def test_every_corpus_sitemap_matches_its_file(corpus_dir: Path, row: Row) -> None:
    body = _body(row)
    result = parse_sitemap(row.file(corpus_dir).read_bytes(), row.url)

    root = _root_name(body)
    assert result.kind == _KINDS[root]
    assert result.compressed == row.notes.startswith("gzip of")
    expected = _expected_entries(row, body)
    assert len(expected) == _manifest_count(row)  # the regex reading agrees with MANIFEST
    assert _actual(result) == expected
    assert (result.children if result.kind != "index" else result.entries) == []
    assert result.bytes_read == len(body)
    assert not result.truncated
    assert result.invalid_locs == result.dropped_urls == result.dropped_children == 0
    assert result.lastmod_missing_tz == result.lastmod_invalid == result.invalid_fields == 0
    if "BROKEN" not in row.notes and "NOT namespace-well-formed" not in row.notes:
        assert result.error is None


@pytest.mark.parametrize("row", LASTMOD_ROWS, ids=str)
def test_lastmod_kinds_named_in_the_manifest(corpus_dir: Path, row: Row) -> None:
    """MANIFEST's ``lastmod=`` says which W3C forms a file uses; check their offsets."""
    match = re.search(r"lastmod=(\S+)", row.notes)
    assert match is not None
    result = parse_sitemap(row.file(corpus_dir).read_bytes(), row.url)
    items: list[SitemapEntry | SitemapChild] = [*result.entries, *result.children]
    lastmods = [item.lastmod for item in items if item.lastmod is not None]
    kinds = match[1].split("|")
    if kinds == ["none"]:
        assert lastmods == []
        return
    assert lastmods, "the manifest promises lastmod values"
    allowed: set[timedelta] = set()
    for kind in kinds:
        offset = re.search(r"([+-])(\d\d):(\d\d)$", kind)
        if offset is None:  # date, datetime+Z, datetime.msZ
            allowed.add(timedelta(0))
        else:
            minutes = int(offset[2]) * 60 + int(offset[3])
            allowed.add(timedelta(minutes=-minutes if offset[1] == "-" else minutes))
    assert {value.utcoffset() for value in lastmods} <= allowed
    if kinds == ["date"]:
        assert all(value.hour == value.minute == 0 for value in lastmods)
    if "datetime.msZ" in kinds:
        assert any(value.microsecond for value in lastmods)


@pytest.mark.parametrize("row", HTML_AT_SITEMAP_URL, ids=str)
def test_html_at_a_sitemap_url(corpus_dir: Path, row: Row) -> None:
    data = row.file(corpus_dir).read_bytes()
    result = parse_sitemap(data, row.url)
    if _root_name(data) == "sitemapindex":
        # MANIFEST calls www.xn--saint-gilles-...net/sitemap.html an HTML page, but its bytes
        # are an XML sitemap index: the content decides, never the name.
        assert result.kind == "index"
        assert len(result.children) == len(re.findall(rb"<sitemap>", data))
        return
    assert result.kind is None
    assert result.error == "not a sitemap: got an HTML page"
    assert result.entries == result.children == []


def test_thegentlemenbrunch_serves_html_as_sitemap_xml(corpus_dir: Path) -> None:
    page = corpus_dir / "sites/thegentlemenbrunch.com/sitemap.xml/index.html"
    result = parse_sitemap(page.read_bytes(), "https://thegentlemenbrunch.com/sitemap.xml/")
    assert result.kind is None
    assert result.error is not None
    assert result.error.startswith("not a sitemap")


def test_cdata_and_relative_locs_of_golocalaruba(corpus_dir: Path) -> None:
    base = "https://golocalaruba.github.io/page-sitemap.xml"
    data = (corpus_dir / "sites/golocalaruba.github.io/page-sitemap.xml").read_bytes()
    first = parse_sitemap(data, base).entries[0]
    # <loc><![CDATA[./]]>/index.html</loc>: CDATA and text joined, then resolved by urljoin,
    # which drops the empty path segment of ".//index.html".
    assert (
        first.loc == urljoin(base, ".//index.html") == "https://golocalaruba.github.io/index.html"
    )
    assert first.changefreq == "always"
    assert first.priority == 1.0
    assert first.extras is not None
    image_locs = [
        _text(m) for m in re.findall(rb"<image:loc>(.*?)</image:loc>", data.split(b"</url>")[0])
    ]
    assert [image["loc"] for image in first.extras["images"]] == [
        urljoin(base, loc) for loc in image_locs
    ]


def test_relative_index_children_point_at_corpus_files(corpus_dir: Path) -> None:
    base = "https://360muslimexperts.com/sitemap_index.xml"
    data = (corpus_dir / "sites/360muslimexperts.com/sitemap_index.xml").read_bytes()
    result = parse_sitemap(data, base)
    assert len(result.children) == 10
    for child in result.children:
        assert child.loc.startswith("https://360muslimexperts.com/")
        assert (corpus_dir / "sites/360muslimexperts.com" / child.loc.split("/", 3)[3]).is_file()


def test_broken_namespace_image_sitemap_keeps_its_urls_and_images(corpus_dir: Path) -> None:
    """gd-terrasses.fr: default namespace is the image URI and ``image:`` is never declared."""
    data = (corpus_dir / "sites/gd-terrasses.fr/image-sitemap.xml").read_bytes()
    result = parse_sitemap(data, "https://gd-terrasses.fr/image-sitemap.xml")
    assert result.kind == "urlset"
    assert len(result.entries) == len(re.findall(rb"<url>", data))
    images = [image for entry in result.entries for image in (entry.extras or {}).get("images", [])]
    assert len(images) == len(re.findall(rb"<image:image>", data))
    assert all(image["loc"].startswith("https://") and image.get("title") for image in images)
    assert result.error is not None
    assert "malformed XML at line" in result.error
    assert "Namespace prefix image" in result.error


@pytest.mark.parametrize(
    ("path", "tag"),
    [
        ("flink.apache.org/en/sitemap.xml", rb"<xhtml:link"),
        ("equalsmoney.com/sitemap-international.xml", rb"<xhtml:link"),
        ("www.altcointrading.net/sitemap-pages.xml", rb"<xhtml:link"),
    ],
)
def test_hreflang_alternates_go_to_extras(corpus_dir: Path, path: str, tag: bytes) -> None:
    data = (corpus_dir / "sites" / path).read_bytes()
    result = parse_sitemap(data, f"https://{path}")
    alternates = [a for e in result.entries for a in (e.extras or {}).get("alternates", [])]
    hreflangs = re.findall(rb'hreflang="([^"]+)"', data)
    assert len(alternates) == len(re.findall(tag, data)) == len(hreflangs)
    assert [a["hreflang"] for a in alternates] == [h.decode() for h in hreflangs]
    hrefs = re.findall(rb'<xhtml:link[^>]*?href="([^"]+)"', data, re.S)
    assert [a["href"] for a in alternates] == [
        urljoin(f"https://{path}", h.decode()) for h in hrefs
    ]


@pytest.mark.parametrize(
    "path",
    [
        "equalsmoney.com/sitemap-news.xml",
        "ozarks.cgnnews.net/news-sitemap.xml",
        "theflightline.news/news-sitemap.xml",
        "trackboxoffice.com/news-sitemap.xml",
        "www.energypricestoday.com/news-sitemap.xml",
    ],
)
def test_news_extension_goes_to_extras(corpus_dir: Path, path: str) -> None:
    data = (corpus_dir / "sites" / path).read_bytes()
    result = parse_sitemap(data, f"https://{path}")
    news = [e.extras["news"] for e in result.entries if e.extras and "news" in e.extras]
    titles = [_text(t) for t in re.findall(rb"<news:title>(.*?)</news:title>", data, re.S)]
    assert [item["title"] for item in news] == titles
    names = re.findall(rb"<news:name>(.*?)</news:name>", data, re.S)
    assert [item["publication"]["name"] for item in news] == [_text(n) for n in names]


def test_image_counts_across_the_corpus(corpus_dir: Path) -> None:
    for row in SITEMAP_ROWS:
        if "ext=image" not in row.notes:
            continue
        data = row.file(corpus_dir).read_bytes()
        result = parse_sitemap(data, row.url)
        images = [i for e in result.entries for i in (e.extras or {}).get("images", [])]
        assert len(images) == len(re.findall(rb"<image:image>", data)), row


def test_blosc_index_lists_rss_feeds_that_parse_as_feeds(corpus_dir: Path) -> None:
    index = corpus_dir / "sites/blosc.org/sitemapindex.xml"
    result = parse_sitemap(index.read_bytes(), "https://blosc.org/sitemapindex.xml")
    assert len(result.children) == 48
    rss_children = 0
    for child in result.children:
        path = child.loc.split("/", 3)[3]
        data = (corpus_dir / "sites/blosc.org" / path).read_bytes()
        feed = parse_sitemap(data, child.loc)
        if b"<rss" in data:
            rss_children += 1
            assert feed.kind == "rss"
            assert len(feed.entries) == len(re.findall(rb"<item>", data))
            assert all(e.lastmod is not None and e.lastmod.tzinfo for e in feed.entries)
    assert rss_children == 47


def test_trimmed_indexes_list_children_that_are_absent(corpus_dir: Path) -> None:
    cases = [
        ("search.iisg.amsterdam", "/sitemapIndex.xml", 121, 3),
        ("afiiif.github.io", "/kode-wilayah-dan-pos/sitemap.xml", 19, 2),
    ]
    for host, path, listed, present in cases:
        data = (corpus_dir / "sites" / host / path.lstrip("/")).read_bytes()
        result = parse_sitemap(data, f"https://{host}{path}")
        assert len(result.children) == listed
        found = [
            c
            for c in result.children
            if (corpus_dir / "sites" / host / c.loc.split("/", 3)[3]).is_file()
        ]
        assert len(found) == present


def test_gzip_twins_parse_like_their_plain_files(corpus_dir: Path) -> None:
    for host in ("www.mkdocs.org", "www.python-httpx.org"):
        plain = (corpus_dir / "sites" / host / "sitemap.xml").read_bytes()
        packed = (corpus_dir / "sites" / host / "sitemap.xml.gz").read_bytes()
        base = f"https://{host}/sitemap.xml"
        # named .xml: gzip is found by its magic bytes, not by the name
        from_gzip = parse_sitemap(packed, base)
        assert from_gzip.compressed
        assert not parse_sitemap(plain, base).compressed
        assert from_gzip.entries == parse_sitemap(plain, base).entries
        assert from_gzip.bytes_read == len(plain)


def test_large_corpus_sitemap_streams_in_small_chunks(corpus_dir: Path) -> None:
    data = (corpus_dir / "sites/afiiif.github.io/kode-wilayah-dan-pos/sitemap-0.xml").read_bytes()
    base = "https://afiiif.github.io/kode-wilayah-dan-pos/sitemap-0.xml"
    parser = SitemapStreamParser(base)
    streamed = []
    for start in range(0, len(data), 777):
        streamed.extend(parser.feed(data[start : start + 777]))
    result = parser.close()
    assert len(streamed) == len(re.findall(rb"<url>", data)) == 5000
    assert streamed == result.entries == parse_sitemap(data, base).entries


# --- robots.txt -------------------------------------------------------------------------------

_ROBOTS_LINES = re.compile(r"(?im)^[ \t]*sitemap[ \t]*:[ \t]*(\S+)")


@pytest.mark.parametrize("row", ROBOTS_ROWS, ids=str)
def test_robots_sitemap_lines(corpus_dir: Path, row: Row) -> None:
    text = row.file(corpus_dir).read_text(encoding="utf-8")
    declared = re.search(r"(\d+) Sitemap: line", row.notes)
    raw = _ROBOTS_LINES.findall(text)
    assert len(raw) == (int(declared[1]) if declared else 0)
    expected = list(dict.fromkeys(urljoin(row.url, value.split("#")[0]) for value in raw))
    assert parse_robots_sitemaps(text, row.url) == expected


def test_relative_robots_sitemaps_resolve_against_the_host(corpus_dir: Path) -> None:
    host = "www.xn--saint-gilles-vieux-march-yfc.net"
    text = (corpus_dir / "sites" / host / "robots.txt").read_text(encoding="utf-8")
    assert parse_robots_sitemaps(text, f"https://{host}/robots.txt") == [
        f"https://{host}/sitemap.xml",
        f"https://{host}/sitemap.html",
    ]
