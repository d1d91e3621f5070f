"""The pure streaming sitemap parser: bytes in, page URLs and child sitemaps out. No I/O.

    result = parse_sitemap(body, "https://example.com/sitemap.xml")
    result.kind, result.entries[0].loc, result.entries[0].lastmod, result.error

Or push chunks as they arrive from the network, and stop downloading once ``done``::

    parser = SitemapStreamParser("https://example.com/sitemap.xml.gz")
    for chunk in chunks:
        items = parser.feed(chunk)          # SitemapEntry / SitemapChild completed so far
        if parser.done:
            break
    result = parser.close()                 # counters, error, truncation (+ all items)

Formats: XML ``<urlset>`` and ``<sitemapindex>``, RSS 2.0 and Atom feeds, and text sitemaps,
gzip-compressed or not (detected by the magic bytes, never by name or content type). Caps from
``SitemapLimits`` are applied while streaming: past ``max_uncompressed_bytes`` the input is no
longer read (a gzip bomb stops there), and URLs/children past their caps are only counted.
Every problem is recorded in ``SitemapParseResult.error``; the parser never raises on bad input.
See docs/sitemaps.md for the rules in full.
"""

from __future__ import annotations

import zlib

from scrapersky.web.lastmod import LastmodStatus, parse_lastmod
from scrapersky.web.sitemap_model import (
    BAD_GZIP,
    CAPPED,
    NOT_A_SITEMAP,
    NOTE,
    ResultCollector,
    SitemapChild,
    SitemapEntry,
    SitemapKind,
    SitemapLimits,
    SitemapParseResult,
    describe_bytes,
)
from scrapersky.web.sitemap_sniff import GZIP_MAGIC, Sniffed, Sniffer
from scrapersky.web.sitemap_text import TextSitemapReader
from scrapersky.web.sitemap_urls import parse_robots_sitemaps
from scrapersky.web.sitemap_xml import ROOT_KINDS, XmlSitemapReader

__all__ = [
    "LastmodStatus",
    "SitemapChild",
    "SitemapEntry",
    "SitemapKind",
    "SitemapLimits",
    "SitemapParseResult",
    "SitemapStreamParser",
    "parse_lastmod",
    "parse_robots_sitemaps",
    "parse_sitemap",
]

FEED_CHUNK_BYTES = 64 * 1024  # parse_sitemap() hands the parser slices of this size
INFLATE_PIECE_BYTES = 256 * 1024  # most decompressed output produced in one step


class SitemapStreamParser:
    """Push parser for one sitemap file; see the module docstring.

    ``feed()`` returns the items completed by that chunk. The result of ``close()`` holds every
    item kept (up to the caps) unless ``keep_items=False``: then it holds only those that
    ``feed()`` had not returned yet, and memory stays flat however many URLs stream through.
    """

    def __init__(
        self, base_url: str, limits: SitemapLimits = SitemapLimits(), *, keep_items: bool = True
    ) -> None:
        self._base_url = base_url
        self._limits = limits
        self._out = ResultCollector(limits, keep_items)
        self._raw_head = b""  # the first byte, while waiting for a second to check gzip magic
        self._gzip_checked = False
        self._inflater: zlib._Decompress | None = None
        self._compressed = False
        self._gzip_finished = False
        self._sniffer: Sniffer | None = Sniffer()
        self._reader: XmlSitemapReader | TextSitemapReader | None = None
        self._bytes_read = 0
        self._capped = False
        self._stopped = False
        self._truncated = False
        self._result: SitemapParseResult | None = None

    @property
    def done(self) -> bool:
        """True once more input would be ignored (a cap was hit or it is not a sitemap)."""
        return self._stopped

    @property
    def bytes_read(self) -> int:
        return self._bytes_read

    def feed(self, chunk: bytes) -> list[SitemapEntry | SitemapChild]:
        if self._result is not None:
            raise RuntimeError("SitemapStreamParser.feed() called after close()")
        if chunk and not self._stopped:
            self._feed_raw(bytes(chunk))
        return self._out.drain()

    def close(self) -> SitemapParseResult:
        if self._result is not None:
            return self._result
        if not self._gzip_checked and self._raw_head:
            self._gzip_checked = True
            self._feed_plain(self._raw_head)
        if self._inflater is not None and not self._gzip_finished and not self._stopped:
            self._out.report(BAD_GZIP, "truncated gzip stream: it ends before its end marker")
            self._truncated = True
        if self._sniffer is not None and not self._stopped:
            self._start_reader(self._sniffer.finish())
        if self._reader is not None:
            reader_truncated = self._reader.close()
            self._truncated = self._truncated or reader_truncated
        self._result = self._out.build(
            bytes_read=self._bytes_read,
            compressed=self._compressed,
            truncated=self._truncated or self._capped,
        )
        return self._result

    # --- gzip --------------------------------------------------------------------------------

    def _feed_raw(self, chunk: bytes) -> None:
        if not self._gzip_checked:
            chunk = self._raw_head + chunk
            if len(chunk) < len(GZIP_MAGIC):
                self._raw_head = chunk
                return
            self._raw_head = b""
            self._gzip_checked = True
            if chunk.startswith(GZIP_MAGIC):
                self._compressed = True
                self._inflater = zlib.decompressobj(wbits=31)
        if self._inflater is None:
            self._feed_plain(chunk)
        else:
            self._inflate(chunk)

    def _inflate(self, data: bytes) -> None:
        """Decompress step by step, never producing more than the byte cap allows."""
        while data and not self._stopped:
            inflater = self._inflater
            assert inflater is not None
            if self._gzip_finished:
                if not data.startswith(GZIP_MAGIC):
                    return  # padding or junk after the last member: ignored
                inflater = self._inflater = zlib.decompressobj(wbits=31)  # next member
                self._gzip_finished = False
            room = self._limits.max_uncompressed_bytes - self._bytes_read + 1
            try:
                output = inflater.decompress(data, min(INFLATE_PIECE_BYTES, room))
            except zlib.error as exc:
                self._stop(BAD_GZIP, f"corrupt gzip stream: {exc}")
                self._truncated = True
                return
            if output:
                self._feed_plain(output)
            if inflater.eof:
                self._gzip_finished = True
                data = inflater.unused_data
            else:
                data = inflater.unconsumed_tail

    # --- plain bytes -------------------------------------------------------------------------

    def _feed_plain(self, data: bytes) -> None:
        room = self._limits.max_uncompressed_bytes - self._bytes_read
        over_cap = len(data) > room
        if over_cap:
            data = data[:room]
        self._bytes_read += len(data)
        if self._reader is None:
            assert self._sniffer is not None
            decision = self._sniffer.feed(data)
            if decision is not None:
                self._start_reader(decision)
        elif data:
            self._reader.feed(data)
        if over_cap and not self._stopped:
            self._capped = True
            limit = describe_bytes(self._limits.max_uncompressed_bytes)
            if self._compressed:
                self._stop(CAPPED, f"gzip bomb: more than {limit} uncompressed; stopped there")
            else:
                self._stop(CAPPED, f"file too large: more than {limit}; stopped there")

    def _start_reader(self, decision: Sniffed) -> None:
        self._sniffer = None
        if decision.format == "xml" and decision.root.lower() not in ROOT_KINDS:
            root = decision.root[:60]
            decision = Sniffed("none", b"", f"not a sitemap: unexpected root element <{root}>")
        if decision.format == "none":
            self._out.kind = None
            self._out.report(NOT_A_SITEMAP, decision.message or "not a sitemap")
            self._stopped = True
            return
        if decision.message:
            self._out.report(NOTE, decision.message)
        if decision.format == "text":
            self._reader = TextSitemapReader(self._out, max_line_bytes=self._limits.max_line_bytes)
        else:
            self._reader = XmlSitemapReader(self._base_url, self._out, root=decision.root)
        if decision.data:
            self._reader.feed(decision.data)

    def _stop(self, precedence: int, message: str) -> None:
        self._out.report(precedence, message)
        self._stopped = True


def parse_sitemap(
    data: bytes, base_url: str, limits: SitemapLimits = SitemapLimits()
) -> SitemapParseResult:
    """Parse a whole sitemap body held in memory (fed to the stream parser in slices)."""
    parser = SitemapStreamParser(base_url, limits)
    for start in range(0, len(data), FEED_CHUNK_BYTES):
        parser.feed(data[start : start + FEED_CHUNK_BYTES])
        if parser.done:
            break
    return parser.close()
