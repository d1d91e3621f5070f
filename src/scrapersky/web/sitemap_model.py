"""What the sitemap parser produces, and the collector its format readers report into.

result = parse_sitemap(body, "https://example.com/sitemap.xml")   # see web.sitemaps
result.kind, len(result.entries), result.error                   # "urlset", 120, None
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SitemapKind = Literal["urlset", "index", "text", "rss", "atom"]

MEBIBYTE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One page URL (``<url>``, a text line, an RSS ``<item>`` or an Atom ``<entry>``)."""

    loc: str
    lastmod: datetime | None  # timezone-aware, or None
    changefreq: str | None  # always|hourly|daily|weekly|monthly|yearly|never
    priority: float | None  # 0.0 .. 1.0
    extras: dict[str, Any] | None  # images, news, videos, alternates -> pages.extras


@dataclass(frozen=True, slots=True)
class SitemapChild:
    """One child sitemap listed by a ``<sitemapindex>``."""

    loc: str
    lastmod: datetime | None


@dataclass(frozen=True)
class SitemapLimits:
    """Caps per file. Exceeding one is recorded in the result, never fatal."""

    max_urls: int = 50_000  # the sitemap protocol's limit
    max_children: int = 50_000
    max_uncompressed_bytes: int = 50 * MEBIBYTE
    max_line_bytes: int = 64 * 1024  # text sitemaps / pathological single lines
    max_extras: int = 250_000  # image/video/alternate items kept per file

    def __post_init__(self) -> None:
        for name in ("max_urls", "max_children", "max_extras"):
            if getattr(self, name) < 0:
                raise ValueError(f"SitemapLimits.{name} must be >= 0")
        if self.max_uncompressed_bytes < 1 or self.max_line_bytes < 1:
            raise ValueError("SitemapLimits byte limits must be >= 1")


@dataclass
class SitemapParseResult:
    kind: SitemapKind | None  # None when not a sitemap
    entries: list[SitemapEntry]
    children: list[SitemapChild]
    bytes_read: int  # uncompressed bytes consumed
    compressed: bool  # gzip detected by magic bytes
    lastmod_missing_tz: int
    lastmod_invalid: int
    invalid_locs: int  # empty / non-http(s) / unparseable locs skipped
    dropped_urls: int  # beyond max_urls
    dropped_children: int  # beyond max_children
    truncated: bool  # input ended mid-document, or a byte cap was hit
    error: str | None  # human-readable; set for non-fatal problems too (entries are kept)
    invalid_fields: int = 0  # changefreq/priority values outside the protocol, stored as None
    dropped_extras: int = 0  # images/videos/alternates beyond the caps


# Error precedence: the most important problem is named first in SitemapParseResult.error.
NOT_A_SITEMAP, CAPPED, BAD_GZIP, TRUNCATED, MALFORMED, NOTE = range(6)
_MAX_MESSAGES = 3


@dataclass(slots=True)
class ResultCollector:
    """Items and counters shared by the format readers of one parse.

    Items beyond the URL/child caps are counted, not kept. With ``keep_items`` false the
    result only holds what ``drain()`` has not handed out yet.
    """

    limits: SitemapLimits
    keep_items: bool = True
    kind: SitemapKind | None = None
    entries: list[SitemapEntry] = field(default_factory=list)
    children: list[SitemapChild] = field(default_factory=list)
    pending: list[SitemapEntry | SitemapChild] = field(default_factory=list)
    entry_count: int = 0
    child_count: int = 0
    extras_count: int = 0
    lastmod_missing_tz: int = 0
    lastmod_invalid: int = 0
    invalid_locs: int = 0
    invalid_fields: int = 0
    dropped_urls: int = 0
    dropped_children: int = 0
    dropped_extras: int = 0
    messages: list[tuple[int, str]] = field(default_factory=list)

    def add_entry(self, entry: SitemapEntry) -> None:
        if self.entry_count >= self.limits.max_urls:
            self.dropped_urls += 1
            return
        self.entry_count += 1
        self.pending.append(entry)

    def add_child(self, child: SitemapChild) -> None:
        if self.child_count >= self.limits.max_children:
            self.dropped_children += 1
            return
        self.child_count += 1
        self.pending.append(child)

    def allow_extra(self) -> bool:
        """Whether one more image/video/alternate may be kept (counts the drop if not)."""
        if self.extras_count >= self.limits.max_extras:
            self.dropped_extras += 1
            return False
        self.extras_count += 1
        return True

    def count_lastmod(self, status: str) -> None:
        if status == "missing_tz":
            self.lastmod_missing_tz += 1
        elif status == "invalid":
            self.lastmod_invalid += 1

    def report(self, precedence: int, message: str) -> None:
        if all(text != message for _, text in self.messages):
            self.messages.append((precedence, message))

    def drain(self) -> list[SitemapEntry | SitemapChild]:
        """The items completed since the last call."""
        items = self.pending
        if not items:
            return []
        self.pending = []
        if self.keep_items:
            for item in items:
                if isinstance(item, SitemapEntry):
                    self.entries.append(item)
                else:
                    self.children.append(item)
        return items

    def build(self, *, bytes_read: int, compressed: bool, truncated: bool) -> SitemapParseResult:
        keep, self.keep_items = self.keep_items, True
        self.drain()  # whatever feed() has not returned lands in the result
        self.keep_items = keep
        ordered = sorted(self.messages, key=lambda item: item[0])
        texts = [text for _, text in ordered[:_MAX_MESSAGES]]
        if len(ordered) > _MAX_MESSAGES:
            texts.append(f"{len(ordered) - _MAX_MESSAGES} more problem(s)")
        return SitemapParseResult(
            kind=self.kind,
            entries=self.entries,
            children=self.children,
            bytes_read=bytes_read,
            compressed=compressed,
            lastmod_missing_tz=self.lastmod_missing_tz,
            lastmod_invalid=self.lastmod_invalid,
            invalid_locs=self.invalid_locs,
            dropped_urls=self.dropped_urls,
            dropped_children=self.dropped_children,
            truncated=truncated,
            error="; ".join(texts) if texts else None,
            invalid_fields=self.invalid_fields,
            dropped_extras=self.dropped_extras,
        )


def describe_bytes(count: int) -> str:
    """``52428800`` -> ``"50 MB"``; ``65536`` -> ``"64 KB"``."""
    if count >= MEBIBYTE and count % MEBIBYTE == 0:
        return f"{count // MEBIBYTE} MB"
    if count >= MEBIBYTE:
        return f"{count / MEBIBYTE:.1f} MB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KB"
    return f"{count} bytes"
