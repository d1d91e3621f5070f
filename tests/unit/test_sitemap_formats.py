"""The sitemap parser on small, written-out documents: formats, bytes in, and fields."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone

import pytest

from scrapersky.web.sitemaps import (
    SitemapChild,
    SitemapEntry,
    SitemapParseResult,
    parse_sitemap,
)

BASE = "https://example.com/sitemaps/sitemap.xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(
    *urls: str, attrs: str = NS, decl: str = '<?xml version="1.0" encoding="UTF-8"?>'
) -> bytes:
    return f"{decl}\n<urlset {attrs}>\n{''.join(urls)}\n</urlset>\n".encode()


def url(loc: str, extra: str = "") -> str:
    return f"<url><loc>{loc}</loc>{extra}</url>\n"


def locs(result: SitemapParseResult) -> list[str]:
    return [entry.loc for entry in result.entries]


# --- formats ----------------------------------------------------------------------------------


def test_urlset_with_every_field() -> None:
    data = urlset(
        url(
            "https://example.com/a",
            "<lastmod>2024-05-17T10:20:30+02:00</lastmod>"
            "<changefreq>Weekly</changefreq><priority>0.8</priority>",
        ),
        url("https://example.com/b"),
    )
    result = parse_sitemap(data, BASE)
    assert result.kind == "urlset"
    assert result.entries == [
        SitemapEntry(
            "https://example.com/a",
            datetime(2024, 5, 17, 10, 20, 30, tzinfo=timezone(timedelta(hours=2))),
            "weekly",
            0.8,
            None,
        ),
        SitemapEntry("https://example.com/b", None, None, None, None),
    ]
    assert result.error is None
    assert not result.truncated
    assert not result.compressed
    assert result.bytes_read == len(data)


@pytest.mark.parametrize(
    "attrs",
    [
        NS,
        "",  # no namespace at all
        'xmlns="http://www.google.com/schemas/sitemap/0.84"',  # an old or wrong namespace
        'xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"',  # prefixed elsewhere
    ],
)
def test_namespaces_are_tolerated(attrs: str) -> None:
    result = parse_sitemap(urlset(url("https://example.com/a"), attrs=attrs), BASE)
    assert result.kind == "urlset"
    assert locs(result) == ["https://example.com/a"]


def test_prefixed_elements_and_upper_case_names() -> None:
    data = (
        b'<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sm:url><sm:loc>https://example.com/a</sm:loc><sm:LastMod>2024-01-02</sm:LastMod></sm:url>"
        b"<URL><LOC>https://example.com/b</LOC></URL></sm:urlset>"
    )
    result = parse_sitemap(data, BASE)
    assert locs(result) == ["https://example.com/a", "https://example.com/b"]
    assert result.entries[0].lastmod == datetime(2024, 1, 2, tzinfo=UTC)


def test_sitemap_index_children() -> None:
    data = (
        f"<sitemapindex {NS}>"
        "<sitemap><loc>https://example.com/s1.xml.gz</loc><lastmod>2024-05</lastmod></sitemap>"
        "<sitemap><loc>s2.xml</loc></sitemap>"
        "<sitemap><loc>/root.xml</loc></sitemap>"
        "</sitemapindex>"
    ).encode()
    result = parse_sitemap(data, BASE)
    assert result.kind == "index"
    assert result.entries == []
    assert result.children == [
        SitemapChild("https://example.com/s1.xml.gz", datetime(2024, 5, 1, tzinfo=UTC)),
        SitemapChild("https://example.com/sitemaps/s2.xml", None),
        SitemapChild("https://example.com/root.xml", None),
    ]


def test_rss_feed_items() -> None:
    data = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
  <title>Blog</title><link>https://example.com/</link>
  <atom:link href="https://example.com/rss.xml" rel="self"/>
  <item><title>One</title><link>https://example.com/one</link>
        <pubDate>Wed, 22 May 2025 10:00:00 +0000</pubDate></item>
  <item><title>Two</title><guid>https://example.com/two</guid></item>
  <item><title>Three</title><guid isPermaLink="false">tag:example.com,2024:3</guid></item>
  <item><atom:link href="/four"/><pubDate>22 May 2025 10:00:00 -0000</pubDate></item>
</channel></rss>"""
    result = parse_sitemap(data, "https://example.com/rss.xml")
    assert result.kind == "rss"
    assert locs(result) == [
        "https://example.com/one",
        "https://example.com/two",
        "https://example.com/four",
    ]
    assert result.entries[0].lastmod == datetime(2025, 5, 22, 10, tzinfo=UTC)
    assert result.invalid_locs == 1  # the third item has no link and a non-URL guid
    assert result.lastmod_missing_tz == 1  # "-0000": timezone unknown


def test_rss_1_rdf_feed() -> None:
    data = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://example.com/"><link>https://example.com/</link></channel>
      <item rdf:about="https://example.com/a"><link>https://example.com/a</link>
        <dc:date>2024-05-17T10:00:00Z</dc:date></item>
    </rdf:RDF>"""
    result = parse_sitemap(data, BASE)
    assert result.kind == "rss"
    assert result.entries == [
        SitemapEntry(
            "https://example.com/a", datetime(2024, 5, 17, 10, tzinfo=UTC), None, None, None
        )
    ]


def test_atom_feed_entries() -> None:
    data = b"""<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://example.com/"/>
      <entry><link rel="self" href="https://example.com/a.atom"/>
             <link rel="alternate" href="https://example.com/a"/>
             <updated>2024-05-17T10:00:00+02:00</updated></entry>
      <entry><id>https://example.com/b</id><published>2024-05-18T10:00:00Z</published></entry>
      <entry><link href="c"/></entry>
    </feed>"""
    result = parse_sitemap(data, "https://example.com/feed/atom.xml")
    assert result.kind == "atom"
    assert locs(result) == [
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/feed/c",
    ]
    assert result.entries[0].lastmod == datetime(2024, 5, 17, 8, tzinfo=UTC)
    assert result.entries[1].lastmod == datetime(2024, 5, 18, 10, tzinfo=UTC)


@pytest.mark.parametrize("name", ["sitemap.txt", "sitemap.xml"])
def test_text_sitemap(name: str) -> None:
    data = (
        b"\xef\xbb\xbf# generated\r\nhttps://example.com/a\r\n\r\n  https://example.com/b  \n"
        b"not a url\nftp://example.com/file\nhttps://example.com/errorhttps://example.com/c\n"
        b"https://example.com/?next=https://example.com/d\nhttps://example.com/last"
    )
    result = parse_sitemap(data, f"https://example.com/{name}")
    assert result.kind == "text"
    assert locs(result) == [
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/error",
        "https://example.com/c",
        "https://example.com/?next=https://example.com/d",
        "https://example.com/last",
    ]
    assert result.invalid_locs == 2
    assert result.error is None


def test_prose_is_not_a_text_sitemap() -> None:
    result = parse_sitemap(b"User-agent: *\nDisallow: /\n", BASE)
    assert result.kind is None
    assert result.error == "not a sitemap: no URL in 2 line(s) of text"


# --- bytes in: gzip, BOM, encodings -------------------------------------------------------------


def test_gzip_is_detected_by_magic_bytes_only() -> None:
    plain = urlset(url("https://example.com/a"))
    packed = parse_sitemap(gzip.compress(plain), "https://example.com/sitemap.xml")
    assert packed.compressed
    assert locs(packed) == ["https://example.com/a"]
    assert packed.bytes_read == len(plain)
    named_gz = parse_sitemap(plain, "https://example.com/sitemap.xml.gz")
    assert not named_gz.compressed
    assert locs(named_gz) == ["https://example.com/a"]


def test_multi_member_gzip_is_read_whole() -> None:
    data = b"<urlset><url><loc>https://example.com/a</loc></url>"
    rest = b"<url><loc>https://example.com/b</loc></url></urlset>"
    result = parse_sitemap(gzip.compress(data) + gzip.compress(rest), BASE)
    assert locs(result) == ["https://example.com/a", "https://example.com/b"]
    assert result.error is None


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\n\n   ", b"\xef\xbb\xbf \r\n\t"])
def test_bom_and_whitespace_before_the_xml_declaration(prefix: bytes) -> None:
    result = parse_sitemap(prefix + urlset(url("https://example.com/a")), BASE)
    assert result.kind == "urlset"
    assert locs(result) == ["https://example.com/a"]
    assert result.error is None


def test_a_comment_before_the_xml_declaration_is_read_and_reported() -> None:
    result = parse_sitemap(b"<!-- hi -->\n" + urlset(url("https://example.com/a")), BASE)
    assert locs(result) == ["https://example.com/a"]
    assert result.error == (
        "malformed XML at line 2: XML declaration allowed only at the start of the document"
    )


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "Shift_JIS", "UTF-16"])
def test_declared_encodings(encoding: str) -> None:
    text = f'<?xml version="1.0" encoding="{encoding}"?><urlset><url><loc>https://example.com/café</loc></url></urlset>'
    if encoding == "Shift_JIS":
        text = text.replace("café", "日本")
    result = parse_sitemap(text.encode(encoding.lower().replace("_", "-")), BASE)
    expected = "https://example.com/日本" if encoding == "Shift_JIS" else "https://example.com/café"
    assert locs(result) == [expected]
    assert result.error is None


def test_cdata_values() -> None:
    data = urlset(
        "<url><loc><![CDATA[https://example.com/a?x=1&y=2]]></loc>"
        "<lastmod><![CDATA[2024-05-17]]></lastmod><priority><![CDATA[1]]></priority></url>"
    )
    (entry,) = parse_sitemap(data, BASE).entries
    assert entry.loc == "https://example.com/a?x=1&y=2"
    assert entry.lastmod == datetime(2024, 5, 17, tzinfo=UTC)
    assert entry.priority == 1.0


# --- locs and fields ------------------------------------------------------------------------------


def test_relative_and_invalid_locs() -> None:
    data = urlset(
        url("./a.html"),
        url("/b"),
        url("//cdn.example.net/c"),
        url("  https://example.com/with space  "),
        url("HTTPS://EXAMPLE.COM/UPPER"),
        url("https://example.com:8443/port"),
        url(""),
        url("mailto:someone@example.com"),
        url("javascript:alert(1)"),
        url("file:///etc/passwd"),
        url("ftp://example.com/x"),
        url("https://example.com:99999/bad-port"),
        url("https://" + "a" * 3000),
        "<url><lastmod>2024-01-01</lastmod></url>",
    )
    result = parse_sitemap(data, BASE)
    assert locs(result) == [
        "https://example.com/sitemaps/a.html",
        "https://example.com/b",
        "https://cdn.example.net/c",
        "https://example.com/with%20space",
        "https://EXAMPLE.COM/UPPER",
        "https://example.com:8443/port",
    ]
    assert result.invalid_locs == 8


def test_changefreq_and_priority_are_validated() -> None:
    data = urlset(
        url("https://example.com/a", "<changefreq> DAILY </changefreq><priority>1.0</priority>"),
        url("https://example.com/b", "<changefreq>sometimes</changefreq><priority>1.5</priority>"),
        url(
            "https://example.com/c", "<priority>high</priority><lastmod>2024-05-17T10:00</lastmod>"
        ),
        url("https://example.com/d", "<priority>NaN</priority><lastmod>last week</lastmod>"),
    )
    result = parse_sitemap(data, BASE)
    assert [(e.changefreq, e.priority) for e in result.entries] == [
        ("daily", 1.0),
        (None, None),
        (None, None),
        (None, None),
    ]
    assert result.invalid_fields == 4
    assert [e.lastmod for e in result.entries] == [None] * 4
    assert (result.lastmod_missing_tz, result.lastmod_invalid) == (1, 1)


def test_extensions_go_to_extras() -> None:
    data = urlset(
        url(
            "https://example.com/a",
            '<xhtml:link rel="alternate" hreflang="fr" href="https://example.com/fr/a"/>'
            '<xhtml:link rel="alternate" hreflang="x-default" href="/a"/>'
            "<image:image><image:loc>/img/1.jpg</image:loc><image:title>One</image:title>"
            "</image:image>"
            "<image:image><image:caption>no loc: dropped</image:caption></image:image>"
            "<news:news><news:publication><news:name>Daily</news:name>"
            "<news:language>en</news:language></news:publication>"
            "<news:publication_date>2024-05-17T10:00:00+00:00</news:publication_date>"
            "<news:title>Headline</news:title></news:news>"
            "<video:video><video:thumbnail_loc>https://example.com/t.jpg</video:thumbnail_loc>"
            "<video:title>Clip</video:title><video:content_loc>javascript:x</video:content_loc>"
            "</video:video>",
        ),
        attrs=NS + ' xmlns:xhtml="http://www.w3.org/1999/xhtml"'
        ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
        ' xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"',
    )
    (entry,) = parse_sitemap(data, BASE).entries
    assert entry.extras == {
        "alternates": [
            {"hreflang": "fr", "href": "https://example.com/fr/a"},
            {"hreflang": "x-default", "href": "https://example.com/a"},
        ],
        "images": [{"loc": "https://example.com/img/1.jpg", "title": "One"}],
        "news": {
            "publication": {"name": "Daily", "language": "en"},
            "publication_date": "2024-05-17T10:00:00+00:00",
            "title": "Headline",
        },
        "videos": [{"thumbnail_loc": "https://example.com/t.jpg", "title": "Clip"}],
    }


def test_empty_urlset_is_a_valid_empty_sitemap() -> None:
    result = parse_sitemap(urlset(), BASE)
    assert (result.kind, result.entries, result.error) == ("urlset", [], None)
