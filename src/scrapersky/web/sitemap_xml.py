"""The XML reader: urlset, sitemapindex, RSS 2.0 / RDF and Atom, fed chunk by chunk.

    reader = XmlSitemapReader("https://example.com/sitemap.xml", collector, root="urlset")
    reader.feed(chunk); ...; truncated = reader.close()   # items land in the collector

libxml2 builds the tree in C through ``lxml.etree.XMLPullParser``, which reports only the root
and the entry elements (``<url>``, ``<sitemap>``, ``<item>``, ``<entry>``) in any namespace; each
entry is read when it ends. Memory stays flat: after every slice of at most 64 KB, every
finished element is removed from the tree, so only the open path remains; an entry whose
markup runs past ``MAX_ENTRY_BYTES`` has its finished children read early and removed too.
The parser runs with entities unresolved, no DTD loading and no network, and in recover mode
so that a malformed file keeps everything readable; its first error is recorded. Fields are
matched on local names, so a missing or wrong namespace - even an undeclared prefix, as in
``<image:image>`` without ``xmlns:image`` - is tolerated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from lxml import etree

from scrapersky.web.sitemap_entries import EntryReader
from scrapersky.web.sitemap_model import (
    MALFORMED,
    NOT_A_SITEMAP,
    TRUNCATED,
    ResultCollector,
    SitemapKind,
)

SLICE_BYTES = 64 * 1024  # libxml2 gets at most this much before the tree is pruned
MAX_ENTRY_BYTES = 256 * 1024  # an open entry larger than this is read in parts
_LIBXML2_MAX_ERRORS = 100

ROOT_KINDS: dict[str, SitemapKind] = {
    "urlset": "urlset",
    "sitemapindex": "index",
    "rss": "rss",
    "rdf": "rss",
    "feed": "atom",
}
_ENTRY_TAGS: dict[SitemapKind, tuple[str, ...]] = {
    "urlset": ("url",),
    "index": ("sitemap",),
    "rss": ("item",),
    "atom": ("entry",),
}
_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "huge_tree": False,  # libxml2's caps: 10 MB per text node, 256 levels of nesting
    "recover": True,
    "remove_comments": True,
    "remove_pis": True,
    "collect_ids": False,
}


class XmlSitemapReader:
    """Feeds libxml2, reads each entry as it ends, and prunes the tree as it goes."""

    def __init__(self, base_url: str, out: ResultCollector, *, root: str) -> None:
        kind = ROOT_KINDS[root.lower()]
        out.kind = kind
        self._out = out
        self._root_name = root
        self._entries = EntryReader(base_url, out, kind)
        # The filter is case-sensitive: also take <URL> and <Url> (fields are matched in any case).
        names = [
            cased for name in _ENTRY_TAGS[kind] for cased in (name, name.upper(), name.title())
        ]
        tags = [f"{{*}}{name}" for name in [root, *names]]
        self._parser = etree.XMLPullParser(events=("start", "end"), tag=tags, **_PARSER_OPTIONS)
        self._root: etree._Element | None = None
        self._root_closed = False
        self._open_entry: etree._Element | None = None
        self._entry_started_at = 0
        self._fed = 0

    def feed(self, data: bytes) -> None:
        for start in range(0, len(data), SLICE_BYTES):
            piece = data[start : start + SLICE_BYTES]
            self._fed += len(piece)
            self._parser.feed(piece)
            self._read_events(closing=False)
            self._prune()

    def close(self) -> bool:
        """Finish the document; True when it ended before its root element was closed."""
        errors_before_close = len(self._parser.feed_error_log)
        try:
            self._parser.close()
        except etree.XMLSyntaxError:
            pass  # nothing parseable at all: reported below
        self._read_events(closing=True)
        truncated = self._root is not None and not self._root_closed
        if truncated:
            self._out.report(TRUNCATED, f"truncated: the document ends before </{self._root_name}>")
        errors = [e for e in self._parser.feed_error_log if e.level >= etree.ErrorLevels.ERROR]
        if truncated:  # what libxml2 says at close only describes the truncation
            errors = errors[:errors_before_close]
        message = None
        if errors:
            first = errors[0]
            more = ""
            if len(errors) > 1:  # libxml2 stops reporting after 100 errors
                at_least = "+" if len(errors) >= _LIBXML2_MAX_ERRORS else ""
                more = f" ({len(errors) - 1}{at_least} more XML errors)"
            message = f"malformed XML at line {first.line}: {first.message.strip()}{more}"
        if self._root is None:
            self._out.kind = None
            detail = f" ({message})" if message else ""
            self._out.report(NOT_A_SITEMAP, f"not a sitemap: no XML root element{detail}")
        elif message is not None:
            self._out.report(MALFORMED, message)
        return truncated

    def _read_events(self, *, closing: bool) -> None:
        read = self._entries.read
        events = cast("Iterator[tuple[str, etree._Element]]", self._parser.read_events())
        for event, element in events:  # only start/end events were asked for
            if event == "end":
                if element is self._root:
                    self._root_closed = not closing
                    continue
                if element is self._open_entry:
                    self._open_entry = None
                if not closing:  # else the end of a truncated document cut it short: dropped
                    read(element)
            elif self._root is None:
                self._root = element
            else:
                self._open_entry = element
                self._entry_started_at = self._fed
                if self._entries.partial is not None:  # left by an entry that never ended
                    self._entries.partial = None

    def _read_early(self, entry: etree._Element) -> None:
        """Read the finished field children of an open entry (all but its last child)."""
        last = entry[-1]
        finished = []
        for child in entry.iterchildren(*self._entries.field_tags):
            if child is last:
                break
            finished.append(child)
        self._entries.read_early(finished)

    def _prune(self) -> None:
        """Remove every finished element: all but the last child along the open path.

        Only the open path is ever being built by libxml2, so nothing it still writes into is
        touched. The open entry keeps its children until it ends, unless it grew too large:
        then they are read now (and whatever is below its open child is dropped unread).
        """
        node = self._root
        while node is not None:
            count = len(node)
            if not count:
                return
            if node is self._open_entry:
                if self._fed - self._entry_started_at <= MAX_ENTRY_BYTES:
                    return
                if count > 1:
                    self._read_early(node)
            if count > 1:
                del node[: count - 1]
            node = node[-1]
