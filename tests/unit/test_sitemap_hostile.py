"""Hostile input: each case yields a recorded error or a capped result, never a crash, and
memory stays bounded while parsing: the Python heap (tracemalloc) and, on Linux, the peak
resident size of the process, which also covers libxml2's tree. Inputs are generated here, or
streamed in chunks."""

from __future__ import annotations

import gzip
import re
import sys
import threading
import tracemalloc
import zlib
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scrapersky.web.sitemaps import (
    SitemapLimits,
    SitemapParseResult,
    SitemapStreamParser,
    parse_sitemap,
)

BASE = "https://example.com/sitemap.xml"
MIB = 1024 * 1024
MEMORY_BOUND = 64 * MIB  # traced Python memory
RESIDENT_BOUND = 96 * MIB  # growth of the process's peak resident size (libxml2 included)
CAP = SitemapLimits().max_uncompressed_bytes
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
TAIL = b"</urlset>\n"


def _url(index: int) -> bytes:
    return (
        f"<url><loc>https://example.com/section/page-{index}.html</loc>"
        f"<lastmod>2024-05-17T10:20:30+00:00</lastmod><priority>0.5</priority></url>\n"
    ).encode()


def _status_kib(field: str) -> int:
    status = open("/proc/self/status", encoding="ascii").read()  # noqa: SIM115
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
    assert match is not None
    return int(match[1])


def _parse_traced(
    chunks: Iterable[bytes], limits: SitemapLimits = SitemapLimits()
) -> tuple[SitemapParseResult, int]:
    """Parse streamed chunks; return the result and the peak traced memory while parsing.

    On Linux the peak resident size is reset first and its growth checked as well.
    """
    linux = sys.platform == "linux"
    if linux:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # resets VmHWM, the peak resident size, to the current size
        resident_before = _status_kib("VmRSS")
    tracemalloc.start()
    try:
        parser = SitemapStreamParser(BASE, limits)
        for chunk in chunks:
            parser.feed(chunk)
            if parser.done:
                break
        result = parser.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if linux:
        assert (_status_kib("VmHWM") - resident_before) * 1024 < RESIDENT_BOUND
    return result, peak


def _slices(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _locs(result: SitemapParseResult) -> list[str]:
    return [entry.loc for entry in result.entries]


# --- entities and DTDs ----------------------------------------------------------------------


def test_billion_laughs_is_never_expanded() -> None:
    entities = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        refs = f"&lol{level - 1};" if level > 1 else "&lol;"
        entities.append(f'<!ENTITY lol{level} "{refs * 10}">')
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE urlset [\n{chr(10).join(entities)}\n]>\n'
        "<urlset><url><loc>https://example.com/&lol9;</loc></url>"
        "<url><loc>https://example.com/after</loc></url></urlset>"
    ).encode()
    result, peak = _parse_traced(_slices(data))
    assert peak < 1 * MIB
    assert all("lollol" not in loc for loc in _locs(result))
    assert _locs(result)[-1] == "https://example.com/after"
    assert result.error is not None
    assert "XML entities are never expanded" in result.error


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE urlset [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        '<!DOCTYPE urlset SYSTEM "file:///etc/passwd">',
    ],
)
def test_xxe_never_reads_local_files(doctype: str) -> None:
    data = (
        f'<?xml version="1.0"?>{doctype}<urlset>'
        "<url><loc>&xxe;</loc></url><url><loc>https://example.com/&xxe;x</loc></url>"
        "<url><loc>https://example.com/ok</loc></url></urlset>"
    ).encode()
    result = parse_sitemap(data, BASE)
    seen = " ".join(_locs(result)) + (result.error or "")
    assert "root:" not in seen
    assert "/bin/" not in seen
    assert _locs(result)[-1] == "https://example.com/ok"


class _CountingHandler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = b'<!ENTITY ext "https://evil.example/">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


def test_no_network_for_dtds_entities_or_stylesheets() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        data = (
            f'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="{origin}/s.xsl"?>'
            f'<!DOCTYPE urlset SYSTEM "{origin}/sitemap.dtd" ['
            f'<!ENTITY ext SYSTEM "{origin}/entity"><!ENTITY % dtd SYSTEM "{origin}/p.dtd"> %dtd;'
            "]><urlset xmlns:xi='http://www.w3.org/2001/XInclude'>"
            f"<xi:include href='{origin}/include.xml'/>"
            "<url><loc>&ext;</loc></url><url><loc>https://example.com/ok</loc></url></urlset>"
        ).encode()
        result = parse_sitemap(data, BASE)
    finally:
        server.shutdown()
        server.server_close()
    assert _CountingHandler.requests == []
    assert _locs(result) == ["https://example.com/ok"]


# --- size: bombs, big files, long lines ------------------------------------------------------


def test_gzip_bomb_stops_at_the_cap() -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    padding = b" " * MIB
    parts = [compressor.compress(HEAD + _url(1) + _url(2))]
    parts += [compressor.compress(padding) for _ in range(CAP // MIB + 14)]  # 64 MB of spaces
    parts.append(compressor.compress(_url(3) + TAIL) + compressor.flush())
    bomb = b"".join(parts)
    assert len(bomb) < MIB

    result, peak = _parse_traced(_slices(bomb))
    assert result.compressed
    assert result.truncated
    assert result.error is not None
    assert result.error.startswith("gzip bomb: more than 50 MB uncompressed")
    assert result.bytes_read == CAP
    assert _locs(result) == [
        "https://example.com/section/page-1.html",
        "https://example.com/section/page-2.html",
    ]
    assert peak < MEMORY_BOUND


def test_multi_member_gzip_bomb_of_a_few_megabytes() -> None:
    member = gzip.compress(b" " * (8 * MIB), compresslevel=9)
    bomb = gzip.compress(HEAD + _url(1)) + member * 300  # ~2.4 GB once inflated
    assert 2 * MIB < len(bomb) < 8 * MIB

    result, peak = _parse_traced(_slices(bomb))
    assert result.truncated
    assert result.bytes_read == CAP
    assert result.error is not None
    assert result.error.startswith("gzip bomb")
    assert _locs(result) == ["https://example.com/section/page-1.html"]
    assert peak < MEMORY_BOUND


def test_sixty_megabyte_file_is_cut_at_the_cap_with_its_entries() -> None:
    # Each <url> carries a Google PageMap (ignored by the parser), ~600 bytes per URL.
    pagemap = (
        b'<PageMap><DataObject type="document"><Attribute name="summary">'
        + b"lorem ipsum dolor sit amet " * 16
        + b"</Attribute></DataObject></PageMap>"
    )
    block = b"".join(_url(index).replace(b"</url>", pagemap + b"</url>") for index in range(2000))

    def sixty_megabytes() -> Iterator[bytes]:
        yield HEAD
        sent = len(HEAD)
        while sent < 60 * MIB:
            yield from _slices(block)
            sent += len(block)
        yield TAIL

    result, peak = _parse_traced(sixty_megabytes())
    assert result.truncated
    assert result.bytes_read == CAP
    assert result.error is not None
    assert result.error.startswith("file too large: more than 50 MB")
    assert len(result.entries) == 50_000
    assert result.dropped_urls > 20_000  # counted while reading, not kept
    assert result.entries[-1].loc.startswith("https://example.com/section/page-")
    assert peak < MEMORY_BOUND


def test_ten_megabyte_single_line_in_a_text_sitemap() -> None:
    data = (
        b"https://example.com/a\n"
        + b"https://example.com/"
        + b"x" * (10 * MIB)
        + b"\nhttps://example.com/b\n"
    )
    result, peak = _parse_traced(_slices(data))
    assert _locs(result) == ["https://example.com/a", "https://example.com/b"]
    assert result.invalid_locs == 1
    assert result.error == "skipped 1 line(s) longer than 64 KB"
    assert peak < 4 * MIB  # the long line is skipped, never buffered


def test_ten_megabyte_single_line_of_xml() -> None:
    one_line = HEAD.replace(b"\n", b"") + b"".join(_url(i).rstrip() for i in range(20_000))
    one_line += b"<url><loc>https://example.com/" + b"x" * (8 * MIB) + b"</loc></url>"
    one_line += _url(20_001).rstrip() + TAIL
    assert b"\n" not in one_line[:-1]
    assert len(one_line) > 10 * MIB
    result, peak = _parse_traced(_slices(one_line))
    assert len(result.entries) == 20_001
    assert result.invalid_locs == 1  # the 8 MB loc
    assert result.error is None
    assert peak < MEMORY_BOUND


def test_one_entry_with_many_images_is_capped() -> None:
    image = b"<image:image><image:loc>https://example.com/i.png</image:loc></image:image>"
    data = HEAD + b"<url><loc>https://example.com/a</loc>" + image * 20_000 + b"</url>" + TAIL
    result, peak = _parse_traced(_slices(data))
    (entry,) = result.entries
    assert entry.extras is not None
    assert len(entry.extras["images"]) == 1000
    assert result.dropped_extras == 19_000
    assert peak < 8 * MIB


# --- broken bytes ----------------------------------------------------------------------------


def test_invalid_utf8_in_xml() -> None:
    data = HEAD + b"<url><loc>https://example.com/caf\xe9\xff</loc></url>" + _url(2) + TAIL
    result = parse_sitemap(data, BASE)
    assert _locs(result) == ["https://example.com/section/page-2.html"]
    assert result.invalid_locs == 1
    assert result.error is not None
    assert "malformed XML at line 3" in result.error


def test_invalid_utf8_in_text() -> None:
    result = parse_sitemap(
        b"https://example.com/a\nhttps://example.com/\xff\xfe\nhttps://example.com/b", BASE
    )
    assert _locs(result) == ["https://example.com/a", "https://example.com/b"]
    assert result.invalid_locs == 1


def test_nul_bytes() -> None:
    xml = HEAD + b"<url><loc>https://example.com/a\x00b</loc></url>\x00\x00" + _url(2) + TAIL
    result = parse_sitemap(xml, BASE)
    assert all("\x00" not in loc for loc in _locs(result))
    assert "https://example.com/section/page-2.html" in _locs(result)
    assert result.error is not None
    assert "malformed XML" in result.error

    text = parse_sitemap(b"https://example.com/a\nhttps://example.com/\x00\n", BASE)
    assert _locs(text) == ["https://example.com/a"]
    assert text.invalid_locs == 1

    zeros = parse_sitemap(b"\x00" * MIB, BASE)
    assert zeros.kind is None
    assert zeros.error is not None
    assert zeros.error.startswith("not a sitemap")


def test_corrupt_and_truncated_gzip() -> None:
    packed = gzip.compress(HEAD + b"".join(_url(i) for i in range(2000)) + TAIL)
    cut = parse_sitemap(packed[: len(packed) // 2], BASE)
    assert cut.truncated
    assert cut.compressed
    assert cut.entries
    assert cut.error is not None
    assert "truncated gzip stream" in cut.error
    broken = packed[:200] + bytes(255 - b for b in packed[200:400]) + packed[400:]
    corrupt = parse_sitemap(broken, BASE)
    assert corrupt.truncated
    assert corrupt.error is not None
    assert "corrupt gzip stream" in corrupt.error


# --- structure -------------------------------------------------------------------------------


def test_deep_nesting_is_refused_by_libxml2() -> None:
    data = HEAD + _url(1) + b"<a>" * 100_000 + _url(9) + b"</a>" * 100_000 + _url(2) + TAIL
    result, peak = _parse_traced(_slices(data))
    assert _locs(result) == ["https://example.com/section/page-1.html"]
    assert result.truncated  # libxml2 stops reading there
    assert result.error is not None
    assert "Excessive depth in document: 256" in result.error
    assert peak < 8 * MIB


def test_index_with_a_hundred_thousand_children() -> None:
    children = b"".join(
        b"<sitemap><loc>https://example.com/s-%d.xml</loc></sitemap>" % i for i in range(100_000)
    )
    data = b"<sitemapindex>" + children + b"</sitemapindex>"
    result, peak = _parse_traced(_slices(data))
    assert len(result.children) == 50_000
    assert result.dropped_children == 50_000
    assert result.error is None
    assert peak < MEMORY_BOUND


def test_many_distinct_tag_names() -> None:
    junk = b"".join(b"<t%d/>" % i for i in range(40_000))
    data = HEAD + b"<url><loc>https://example.com/a</loc>" + junk + b"</url>" + junk + TAIL
    result, peak = _parse_traced(_slices(data))
    assert _locs(result) == ["https://example.com/a"]
    assert peak < MEMORY_BOUND


@pytest.mark.parametrize(
    ("before", "junk", "after"),
    [
        (b"", b"<a/>", b""),  # between entries
        (b"<url><loc>https://example.com/big</loc>", b"<a/>", b"</url>"),  # inside one
        (b"<url><loc>https://example.com/big</loc><a>", b"<b/>", b"</a></url>"),  # below one
    ],
)
def test_ten_megabytes_of_small_elements_never_pile_up(
    before: bytes, junk: bytes, after: bytes
) -> None:
    def stream() -> Iterator[bytes]:
        yield HEAD + _url(1) + before
        block = junk * 16_384
        for _ in range(10 * MIB // len(block)):
            yield block
        yield after + _url(2) + TAIL

    result, _ = _parse_traced(stream())
    locs = _locs(result)
    assert locs[0] == "https://example.com/section/page-1.html"
    assert locs[-1] == "https://example.com/section/page-2.html"
    assert len(locs) == (3 if before else 2)


def test_a_huge_prolog_is_not_buffered() -> None:
    data = (
        b'<?xml version="1.0"?><!--' + b"-" * MIB + b"-->" + HEAD[HEAD.index(b"<urlset") :] + TAIL
    )
    result = parse_sitemap(data, BASE)
    assert result.kind is None
    assert result.error == "not a sitemap: no root element in the first 64 KB"
