"""The text-sitemap reader: one absolute http(s) URL per line, UTF-8.

    reader = TextSitemapReader(collector, max_line_bytes=64 * 1024)
    reader.feed(b"https://example.com/\\nhttps://example.com/about\\n"); reader.close()

Blank lines and ``#`` comments are skipped; a line without an absolute http(s) URL counts as
one invalid loc, and so does each such URL that fails validation. Two URLs glued together
without their newline (``https://a/errorhttps://a/b``) are split. A line longer than the cap
is skipped without being buffered, so a 10 MB single line costs no more memory than a short
one. A "text" body in which no line is a URL is not a sitemap.
"""

from __future__ import annotations

from scrapersky.web.sitemap_model import (
    NOT_A_SITEMAP,
    NOTE,
    ResultCollector,
    SitemapEntry,
    describe_bytes,
)
from scrapersky.web.sitemap_urls import is_absolute_http, resolve_loc, split_text_line


class TextSitemapReader:
    def __init__(self, out: ResultCollector, *, max_line_bytes: int) -> None:
        self._out = out
        self._max_line_bytes = max_line_bytes
        self._partial = bytearray()
        self._skipping_long_line = False
        self._lines = 0
        self._long_lines = 0
        out.kind = "text"

    def feed(self, data: bytes) -> None:
        pieces = data.replace(b"\r", b"\n").split(b"\n")
        for piece in pieces[:-1]:
            self._end_line(piece)
        self._extend_line(pieces[-1])

    def close(self) -> bool:
        """Read the last line; a text sitemap is never truncated (returns False)."""
        if self._partial and not self._skipping_long_line:
            self._read_line(bytes(self._partial))
        self._partial.clear()
        out = self._out
        if self._long_lines:
            limit = describe_bytes(self._max_line_bytes)
            out.report(NOTE, f"skipped {self._long_lines} line(s) longer than {limit}")
        if not out.entry_count and not out.dropped_urls and self._lines:
            out.kind = None
            out.report(NOT_A_SITEMAP, f"not a sitemap: no URL in {self._lines} line(s) of text")
        return False

    def _end_line(self, piece: bytes) -> None:
        """``piece`` is the rest of the current line, up to its newline."""
        skipped = self._skipping_long_line
        if not skipped and self._partial:
            self._extend_line(piece)
            skipped = self._skipping_long_line
            line = bytes(self._partial)
        elif not skipped and len(piece) > self._max_line_bytes:
            self._skip_long_line()
            skipped = True
        else:
            line = piece
        self._partial.clear()
        self._skipping_long_line = False
        if not skipped:
            self._read_line(line)

    def _extend_line(self, piece: bytes) -> None:
        if self._skipping_long_line or not piece:
            return
        if len(self._partial) + len(piece) > self._max_line_bytes:
            self._partial.clear()
            self._skip_long_line()
        else:
            self._partial += piece

    def _skip_long_line(self) -> None:
        self._skipping_long_line = True
        self._long_lines += 1
        self._lines += 1
        self._out.invalid_locs += 1

    def _read_line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").strip()
        if not text or text.startswith("#"):
            return
        self._lines += 1
        out = self._out
        candidates = [c for c in split_text_line(text) if is_absolute_http(c)]
        if not candidates:
            out.invalid_locs += 1  # one per line that holds no URL at all
        for candidate in candidates:
            url = resolve_loc(candidate, "")
            if url is None:
                out.invalid_locs += 1
            else:
                out.add_entry(SitemapEntry(url, None, None, None, None))
