"""The sitemap parser on small, written-out documents: bad input, limits and streaming."""

from __future__ import annotations

import gzip

import pytest

from scrapersky.web.sitemaps import (
    SitemapChild,
    SitemapEntry,
    SitemapLimits,
    SitemapParseResult,
    SitemapStreamParser,
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


# --- not a sitemap, truncated, malformed ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><html><head><title>x</title></head><body><p>hi</body></html>",
        b"<!DOCTYPE html>\n<html lang=en><body><br></body></html>",
        b"  <html><body>no doctype</body></html>",
        b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html/>',
        b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
    ],
)
def test_html_instead_of_xml(body: bytes) -> None:
    result = parse_sitemap(body, BASE)
    assert result.kind is None
    assert result.error == "not a sitemap: got an HTML page"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty document"),
        (b" \n\t ", "empty document"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "not a sitemap: unexpected root element <svg>",
        ),
        (b"<<<<", "not a sitemap: no XML root element"),
        (b"<!-- only a comment -->", "not a sitemap: no XML root element"),
    ],
)
def test_other_non_sitemaps(body: bytes, error: str) -> None:
    result = parse_sitemap(body, BASE)
    assert result.kind is None
    assert result.error is not None
    assert result.error.startswith(error)


def test_utf16_with_a_doctype_is_refused() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE urlset [<!ENTITY a "b">]><urlset/>'
    result = parse_sitemap(text.encode("utf-16"), BASE)
    assert result.kind is None
    assert result.error == "not a sitemap: a UTF-16 document with a DOCTYPE"


def test_truncated_document_keeps_complete_entries() -> None:
    whole = urlset(*(url(f"https://example.com/{i}") for i in range(5)))
    cut = whole[: whole.index(b"https://example.com/3") + 15]  # inside the fourth <loc>
    result = parse_sitemap(cut, BASE)
    assert locs(result) == [f"https://example.com/{i}" for i in range(3)]
    assert result.truncated
    assert result.error == "truncated: the document ends before </urlset>"


def test_an_entry_cut_short_is_dropped_and_a_missing_root_end_loses_nothing() -> None:
    whole = urlset(url("https://example.com/a"), url("https://example.com/b"))
    cut = parse_sitemap(whole[: -len(b"</url>\n\n</urlset>\n")], BASE)
    assert locs(cut) == ["https://example.com/a"]  # <url>b has no </url>: it may miss fields
    assert cut.truncated
    unclosed = parse_sitemap(whole[: -len(b"</urlset>\n")], BASE)
    assert locs(unclosed) == ["https://example.com/a", "https://example.com/b"]
    assert unclosed.truncated


def test_malformed_xml_keeps_what_it_can() -> None:
    data = (
        b"<urlset>\n<url><loc>https://example.com/a</loc></url>\n"
        b"<url><loc>https://example.com/b</lo></url>\n"
        b"<url><loc>https://example.com/c</loc></url>\n</urlset>"
    )
    result = parse_sitemap(data, BASE)
    assert "https://example.com/a" in locs(result)
    assert "https://example.com/c" in locs(result)
    assert result.error is not None
    assert result.error.startswith("malformed XML at line 3:")


def test_undefined_entities_are_reported_not_fatal() -> None:
    data = urlset(url("https://example.com/a&nbsp;b"), url("https://example.com/c"))
    result = parse_sitemap(data, BASE)
    assert locs(result)[-1] == "https://example.com/c"
    assert result.error is not None
    assert "nbsp" in result.error


# --- limits -------------------------------------------------------------------------------------


def test_url_and_child_caps_are_recorded() -> None:
    limits = SitemapLimits(max_urls=3, max_children=2)
    result = parse_sitemap(
        urlset(*(url(f"https://example.com/{i}") for i in range(10))), BASE, limits
    )
    assert len(result.entries) == 3
    assert result.dropped_urls == 7
    index = "".join(f"<sitemap><loc>https://example.com/{i}.xml</loc></sitemap>" for i in range(5))
    result = parse_sitemap(f"<sitemapindex>{index}</sitemapindex>".encode(), BASE, limits)
    assert len(result.children) == 2
    assert result.dropped_children == 3
    assert result.error is None  # a cap is recorded in its counter, not an error


def test_byte_cap_stops_reading() -> None:
    data = urlset(*(url(f"https://example.com/{i}") for i in range(1000)))
    limits = SitemapLimits(max_uncompressed_bytes=4096)
    parser = SitemapStreamParser(BASE, limits)
    parser.feed(data[:3000])
    assert not parser.done
    parser.feed(data[3000:])
    assert parser.done
    result = parser.close()
    assert result.bytes_read == 4096
    assert result.truncated
    assert result.error is not None
    assert result.error.startswith("file too large: more than 4 KB")
    assert 0 < len(result.entries) < 1000


@pytest.mark.parametrize(
    "kwargs", [{"max_urls": -1}, {"max_uncompressed_bytes": 0}, {"max_line_bytes": 0}]
)
def test_limits_are_checked(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="SitemapLimits"):
        SitemapLimits(**kwargs)


# --- the push interface ---------------------------------------------------------------------------


def test_feed_returns_items_as_they_complete() -> None:
    data = urlset(*(url(f"https://example.com/{i}") for i in range(3)))
    parser = SitemapStreamParser(BASE)
    first_url_end = data.index(b"</url>") + len(b"</url>")
    assert parser.feed(data[:first_url_end]) == [
        SitemapEntry("https://example.com/0", None, None, None, None)
    ]
    assert [item.loc for item in parser.feed(data[first_url_end:])] == [
        "https://example.com/1",
        "https://example.com/2",
    ]
    result = parser.close()
    assert locs(result) == [f"https://example.com/{i}" for i in range(3)]
    assert parser.close() is result
    with pytest.raises(RuntimeError):
        parser.feed(b"more")


@pytest.mark.parametrize("packed", [False, True])
def test_byte_by_byte_feeding_gives_the_same_result(packed: bool) -> None:
    data = b"\xef\xbb\xbf  " + urlset(
        url("https://example.com/a", "<lastmod>2024-05-17T10:00:00Z</lastmod>"),
        url("./b", "<image:image><image:loc>i.png</image:loc></image:image>"),
    )
    data = gzip.compress(data) if packed else data
    parser = SitemapStreamParser(BASE)
    items: list[SitemapEntry | SitemapChild] = []
    for index in range(len(data)):
        items.extend(parser.feed(data[index : index + 1]))
    result = parser.close()
    assert result == parse_sitemap(data, BASE)
    assert items == result.entries
    assert len(items) == 2


def test_every_split_point_gives_the_same_result() -> None:
    data = (
        b'\xef\xbb\xbf\n<?xml version="1.0"?><!-- x --><!DOCTYPE urlset [<!ENTITY a "b">]>'
        + urlset(url("https://example.com/a", "<priority>0.5</priority>"), decl="")
    )
    whole = parse_sitemap(data, BASE)
    assert locs(whole) == ["https://example.com/a"]
    for split in range(1, len(data)):
        parser = SitemapStreamParser(BASE)
        parser.feed(data[:split])
        parser.feed(data[split:])
        assert parser.close() == whole, split


def test_keep_items_false_leaves_the_items_to_the_caller() -> None:
    data = urlset(*(url(f"https://example.com/{i}") for i in range(4)))
    parser = SitemapStreamParser(BASE, keep_items=False)
    streamed = parser.feed(data[: data.index(b"</urlset>")])
    result = parser.close()
    assert len(streamed) == 4
    assert result.entries == []
    text_parser = SitemapStreamParser(BASE, keep_items=False)
    assert text_parser.feed(b"https://example.com/a\nhttps://example.com/b") == [
        SitemapEntry("https://example.com/a", None, None, None, None)
    ]
    assert locs(text_parser.close()) == ["https://example.com/b"]  # not yet handed out
