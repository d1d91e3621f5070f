"""Turn one finished XML entry element into a SitemapEntry or SitemapChild.

    reader = EntryReader("https://example.com/sitemap.xml", collector, kind="urlset")
    reader.read(url_element)   # validated entry (or a counted problem) lands in the collector

A very large entry can be read in parts: ``read_early(children)`` takes its finished children
while it is still open, ``read(element)`` the rest once it ends.

Fields are found by local name. ``loc`` must resolve to an http(s) URL (else the entry counts
as an invalid loc); ``lastmod`` becomes a timezone-aware datetime or None with a counter;
``changefreq`` and ``priority`` outside the protocol become None and count as invalid fields.
Image, video and news extensions and hreflang ``<xhtml:link>`` alternates go to ``extras``.
RSS items take ``<link>`` (else an ``atom:link``, else a permalink ``<guid>``) and ``<pubDate>``;
Atom entries take the alternate ``<link href>`` (else ``<id>``) and ``<updated>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from lxml import etree

from scrapersky.web.lastmod import LastmodStatus, parse_feed_date, parse_lastmod
from scrapersky.web.sitemap_model import ResultCollector, SitemapChild, SitemapEntry, SitemapKind
from scrapersky.web.sitemap_urls import MAX_URL_CHARS, fast_absolute_url, resolve_loc

MAX_EXTRA_CHARS = 2048  # per image caption, news title ...
MAX_EXTRA_KEYS = 16
MAX_IMAGES_PER_URL = 1000  # Google's limit
MAX_VIDEOS_PER_URL = 100
MAX_ALTERNATES_PER_URL = 200
_CACHE_SIZE = 4096  # distinct lastmod / priority strings remembered
_NAME_CACHE_SIZE = 1024  # distinct tags remembered (a hostile file may have millions)

_CHANGEFREQS = {
    name: name for name in ("always", "hourly", "daily", "weekly", "monthly", "yearly", "never")
}
_EXTENSIONS = frozenset({"image", "video", "news", "link"})
_PREFIXED_EXTENSIONS = (("image", "image"), ("video", "video"), ("news", "news"), ("xhtml", "link"))
_FIELDS = {
    "urlset": ("loc", "lastmod", "changefreq", "priority", *sorted(_EXTENSIONS)),
    "index": ("loc", "lastmod"),
    "rss": ("link", "guid", "pubDate", "date", "updated", "modified"),
    "atom": ("link", "id", "updated", "published", "issued"),
}
_VIDEO_URL_KEYS = ("thumbnail_loc", "content_loc", "player_loc")
_UNKNOWN: Any = object()

Element = etree._Element


class EntryReader:
    """Reads the entries of one document of one kind; see the module docstring."""

    def __init__(self, base_url: str, out: ResultCollector, kind: SitemapKind) -> None:
        self.base_url = base_url
        self.out = out
        self.max_urls = out.limits.max_urls
        self.names: dict[object, str] = {}
        self.lastmods: dict[str, tuple[datetime | None, LastmodStatus]] = {}
        self.priorities: dict[str, float | None] = {}
        self._scan: Callable[[Iterable[Element], list[Any] | None], list[Any]]
        self._finish: Callable[[list[Any]], None]
        self._scan, self._finish = {
            "urlset": (self._scan_sitemap_entry, self._finish_url),
            "index": (self._scan_sitemap_entry, self._finish_sitemap_child),
            "rss": (self._scan_feed_item, self._finish_feed_item),
            "atom": (self._scan_atom_entry, self._finish_atom_entry),
        }[kind]
        self.partial: list[Any] | None = None  # fields read early from a very large entry
        # What read_early() looks at, as an lxml tag filter: any namespace, usual spellings,
        # and the extensions' usual prefixes left undeclared (then "image:image" is the name).
        self.field_tags = tuple(
            f"{{*}}{spelling}"
            for name in _FIELDS[kind]
            for spelling in dict.fromkeys((name, name.lower(), name.upper()))
        ) + tuple(f"{{*}}{prefix}:{name}" for prefix, name in _PREFIXED_EXTENSIONS)

    def read(self, element: Element) -> None:
        """Read a finished entry element."""
        if self.partial is None:
            self._finish(self._scan(element, None))
        else:
            fields = self._scan(element, self.partial)
            self.partial = None
            self._finish(fields)

    def read_early(self, children: Iterable[Element]) -> None:
        """Read finished children of an entry that is still open (they are removed next)."""
        self.partial = self._scan(children, self.partial)

    def _local(self, tag: object) -> str:
        """``{namespace}Loc`` -> ``loc``; an undeclared prefix too: ``image:Loc`` -> ``loc``."""
        name = tag.rpartition("}")[2].rpartition(":")[2].lower() if isinstance(tag, str) else ""
        if len(self.names) < _NAME_CACHE_SIZE:
            self.names[tag] = name
        return name

    # --- <url> and <sitemap> ---------------------------------------------------------------------

    def _scan_sitemap_entry(
        self, children: Iterable[Element], state: list[Any] | None
    ) -> list[Any]:
        names = self.names
        if state is None:
            loc = lastmod = changefreq = priority = extras = None
        else:
            loc, lastmod, changefreq, priority, extras = state
        for child in children:
            tag = child.tag
            name = names.get(tag) or self._local(tag)
            if name == "loc":
                loc = child.text
            elif name == "lastmod":
                lastmod = child.text
            elif name == "changefreq":
                changefreq = child.text
            elif name == "priority":
                priority = child.text
            elif name in _EXTENSIONS:
                extras = self._read_extension(child, name, extras)
        return [loc, lastmod, changefreq, priority, extras]

    def _finish_sitemap_child(self, fields: list[Any]) -> None:
        loc = self._resolve(fields[0])
        if loc is None:
            self.out.invalid_locs += 1
        else:
            self.out.add_child(SitemapChild(loc, self._lastmod(fields[1])))

    def _finish_url(self, fields: list[Any]) -> None:
        loc, lastmod, changefreq, priority, extras = fields
        out = self.out
        if loc is not None:
            loc = loc.strip()
            if len(loc) > MAX_URL_CHARS or fast_absolute_url(loc) is None:
                loc = resolve_loc(loc, self.base_url)  # the full rules: relative, ports, IDN...
        if not loc:
            out.invalid_locs += 1
            return
        date = None
        if lastmod is not None:
            parsed = self.lastmods.get(lastmod) or self._parse_lastmod(lastmod)
            date = parsed[0]
            if date is None:
                out.count_lastmod(parsed[1])
        frequency = None
        if changefreq is not None:
            frequency = _CHANGEFREQS.get(changefreq) or _CHANGEFREQS.get(changefreq.strip().lower())
            if frequency is None:
                out.invalid_fields += 1
        rank = None
        if priority is not None:
            rank = self.priorities.get(priority, _UNKNOWN)
            if rank is _UNKNOWN:
                rank = self._parse_priority(priority)
            if rank is None:
                out.invalid_fields += 1
        if out.entry_count < self.max_urls:  # ResultCollector.add_entry, inlined
            out.entry_count += 1
            out.pending.append(SitemapEntry(loc, date, frequency, rank, extras))
        else:
            out.dropped_urls += 1

    def _resolve(self, raw: str | None) -> str | None:
        return None if raw is None else resolve_loc(raw, self.base_url)

    def _lastmod(self, raw: str | None) -> datetime | None:
        if raw is None:
            return None
        parsed = self.lastmods.get(raw) or self._parse_lastmod(raw)
        if parsed[0] is None:
            self.out.count_lastmod(parsed[1])
        return parsed[0]

    def _parse_lastmod(self, raw: str) -> tuple[datetime | None, LastmodStatus]:
        parsed = parse_lastmod(raw)
        if len(self.lastmods) >= _CACHE_SIZE:
            self.lastmods.clear()
        self.lastmods[raw] = parsed
        return parsed

    def _parse_priority(self, raw: str) -> float | None:
        try:
            value: float | None = float(raw.strip())
        except ValueError:
            value = None
        if value is not None and (math.isnan(value) or not 0.0 <= value <= 1.0):
            value = None
        if len(self.priorities) < _CACHE_SIZE:
            self.priorities[raw] = value
        return value

    # --- RSS <item> and Atom <entry> ---------------------------------------------------------

    def _scan_feed_item(self, children: Iterable[Element], state: list[Any] | None) -> list[Any]:
        link, href, guid, date, date_is_rfc822 = state or (None, None, None, None, False)
        for child in children:
            name = self.names.get(child.tag) or self._local(child.tag)
            if name == "link":
                if child.text and child.text.strip():
                    link = child.text
                elif href is None:
                    href = child.get("href")  # an atom:link inside an RSS item
            elif name == "guid":
                if child.get("isPermaLink", "true").strip().lower() != "false":
                    guid = child.text
            elif name == "pubdate":
                date, date_is_rfc822 = child.text, True
            elif name in ("date", "updated", "modified") and date is None:
                date = child.text
        return [link, href, guid, date, date_is_rfc822]

    def _finish_feed_item(self, fields: list[Any]) -> None:
        link, href, guid, date, date_is_rfc822 = fields
        self._add_feed_entry((link, href, guid), date, rfc822=date_is_rfc822)

    def _scan_atom_entry(self, children: Iterable[Element], state: list[Any] | None) -> list[Any]:
        alternate, other, entry_id, updated, published = state or (None,) * 5
        for child in children:
            name = self.names.get(child.tag) or self._local(child.tag)
            if name == "link":
                rel = child.get("rel", "alternate").strip().lower()
                if rel == "alternate" and alternate is None:
                    alternate = child.get("href")
                elif other is None:
                    other = child.get("href")
            elif name == "id":
                entry_id = child.text
            elif name == "updated":
                updated = child.text
            elif name in ("published", "issued"):
                published = child.text
        return [alternate, other, entry_id, updated, published]

    def _finish_atom_entry(self, fields: list[Any]) -> None:
        alternate, other, entry_id, updated, published = fields
        self._add_feed_entry((alternate, other, entry_id), updated or published, rfc822=False)

    def _add_feed_entry(
        self, candidates: tuple[str | None, ...], raw_date: str | None, *, rfc822: bool
    ) -> None:
        loc = None
        for candidate in candidates:
            if candidate is not None:
                loc = resolve_loc(candidate, self.base_url)
                if loc is not None:
                    break
        if loc is None:
            self.out.invalid_locs += 1
            return
        lastmod = None
        if raw_date is not None:
            lastmod, status = parse_feed_date(raw_date) if rfc822 else parse_lastmod(raw_date)
            self.out.count_lastmod(status)
        self.out.add_entry(SitemapEntry(loc, lastmod, None, None, None))

    # --- image / video / news / hreflang extensions --------------------------------------------

    def _read_extension(
        self, element: Element, name: str, extras: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        if extras is None:
            extras = {}
        if name == "link":
            self._add_alternate(element, extras)
        elif name == "news":
            if "news" not in extras:
                extras["news"] = self._read_news(element)
        else:
            self._add_media(element, name, extras)
        return extras or None

    def _add_alternate(self, element: Element, extras: dict[str, Any]) -> None:
        href = element.get("href")
        if not href or element.get("rel", "alternate").strip().lower() != "alternate":
            return
        url = resolve_loc(href, self.base_url)
        if url is None:
            return
        if len(extras.get("alternates", ())) >= MAX_ALTERNATES_PER_URL:
            self.out.dropped_extras += 1
        elif self.out.allow_extra():
            hreflang = element.get("hreflang")
            item = {"hreflang": hreflang.strip()[:64]} if hreflang else {}
            item["href"] = url
            extras.setdefault("alternates", []).append(item)

    def _add_media(self, element: Element, kind: str, extras: dict[str, Any]) -> None:
        item = self._fields(element)
        for key in ("loc",) if kind == "image" else _VIDEO_URL_KEYS:
            raw = item.get(key)
            if isinstance(raw, str):
                url = resolve_loc(raw, self.base_url)
                if url is None:
                    del item[key]
                else:
                    item[key] = url
        if kind == "image" and "loc" not in item:
            return
        cap = MAX_IMAGES_PER_URL if kind == "image" else MAX_VIDEOS_PER_URL
        if len(extras.get(f"{kind}s", ())) >= cap:
            self.out.dropped_extras += 1
        elif self.out.allow_extra():
            extras.setdefault(f"{kind}s", []).append(item)

    def _read_news(self, element: Element) -> dict[str, Any]:
        item = self._fields(element)
        date = item.get("publication_date")
        if isinstance(date, str):
            parsed, _ = parse_lastmod(date)
            if parsed is not None:
                item["publication_date"] = parsed.isoformat()
        return item

    def _fields(self, element: Element) -> dict[str, Any]:
        """Leaf texts by local name; one level of grouping (``<news:publication>``)."""
        item: dict[str, Any] = {}
        for child in element:
            if len(item) >= MAX_EXTRA_KEYS:
                break
            name = self.names.get(child.tag) or self._local(child.tag)
            if name in item or not name:
                continue
            if len(child):
                group: dict[str, str] = {}
                for leaf in child:
                    leaf_name = self.names.get(leaf.tag) or self._local(leaf.tag)
                    text = (leaf.text or "").strip()
                    if text and leaf_name and len(group) < MAX_EXTRA_KEYS:
                        group.setdefault(leaf_name, text[:MAX_EXTRA_CHARS])
                if group:
                    item[name] = group
            else:
                text = (child.text or "").strip()
                if text:
                    item[name] = text[:MAX_EXTRA_CHARS]
        return item
