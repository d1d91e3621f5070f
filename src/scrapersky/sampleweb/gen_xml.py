"""Bytes of a generated site's robots.txt and sitemap files (urlset, index, text, RSS, Atom).

body = render_sitemap(file_plan, "https://bluefinch-plumbing-0042.com", ident)
robots = render_robots(layout.robots, "https://bluefinch-plumbing-0042.com")
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape as html_escape
from xml.sax.saxutils import escape

from .gen_files import Entry, FilePlan, RobotsPlan
from .gen_identity import Identity

_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_EXT_NS = {
    "image": 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"',
    "hreflang": 'xmlns:xhtml="http://www.w3.org/1999/xhtml"',
    "news": 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"',
}
_STYLESHEET = {
    "wp": '<?xml-stylesheet type="text/xsl" href="{base}/wp-sitemap-index.xsl" ?>',
    "yoast": '<?xml-stylesheet type="text/xsl" href="//{host}/main-sitemap.xsl"?>',
    "ghost": '<?xml-stylesheet type="text/xsl" href="//{host}/sitemap.xsl"?>',
}
_COMPACT = ("wp", "shopify", "wix")


def render_robots(plan: RobotsPlan, base_url: str) -> bytes:
    sitemap_lines = [
        f"{plan.directive}: {path if plan.relative else base_url + path}"
        for path in plan.sitemap_paths
    ]
    lines: list[str] = []
    if plan.at_start and sitemap_lines:
        lines += [*sitemap_lines, ""]
    lines.append("User-agent: *")
    lines += [f"Disallow: {rule}" for rule in plan.disallow]
    lines += [f"Allow: {rule}" for rule in plan.allow]
    if not plan.disallow and not plan.allow:
        lines.append("Disallow:")
    if plan.extra_group:
        lines += ["", "User-agent: AhrefsBot", "Disallow: /"]
    if not plan.at_start and sitemap_lines:
        lines += ["", *sitemap_lines]
    newline = "\r\n" if plan.crlf else "\n"
    return (newline.join(lines) + newline).encode()


def absolute(base_url: str, path: str) -> str:
    return base_url + path


def file_body(plan: FilePlan, base_url: str, ident: Identity) -> bytes:
    """What the server sends for a sitemap file (gzip-compressed when the plan says so)."""
    body = render_sitemap(plan, base_url, ident)
    return gzip.compress(body, compresslevel=6, mtime=0) if plan.gzip else body


def render_sitemap(plan: FilePlan, base_url: str, ident: Identity) -> bytes:
    if plan.broken == "html":
        return _html_sitemap(plan, base_url, ident)
    if plan.kind == "index":
        text = _index(plan, base_url)
    elif plan.kind == "text":
        text = "".join(absolute(base_url, e.page.path) + "\n" for e in plan.entries)
    elif plan.kind == "rss":
        text = _rss(plan, base_url, ident)
    elif plan.kind == "atom":
        text = _atom(plan, base_url, ident)
    else:
        text = _urlset(plan, base_url, ident)
    data = text.encode()
    return b"\xef\xbb\xbf" + data if "utf8_bom" in plan.quirks else data


def _head(plan: FilePlan, base_url: str) -> str:
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    sheet = _STYLESHEET.get(plan.flavour)
    if sheet:
        host = base_url.split("://", 1)[1]
        head += "\n" + sheet.format(base=base_url, host=host)
    return head


def _loc(plan: FilePlan, base_url: str, path: str) -> str:
    if "relative_locs" in plan.quirks:
        return escape(path)
    url = absolute(base_url, path)
    if "cdata" in plan.quirks:
        return f"<![CDATA[{url}]]>"
    if "whitespace_locs" in plan.quirks:
        return f"\n      {escape(url)}\n    "
    return escape(url)


def _url_element(plan: FilePlan, entry: Entry, base_url: str, ident: Identity) -> str:
    page = entry.page
    parts = [f"<loc>{_loc(plan, base_url, page.path)}</loc>"]
    if entry.lastmod_text:
        parts.append(f"<lastmod>{entry.lastmod_text}</lastmod>")
    if entry.changefreq:
        parts.append(f"<changefreq>{entry.changefreq}</changefreq>")
    if entry.priority:
        parts.append(f"<priority>{entry.priority}</priority>")
    if "hreflang" in plan.ext:
        for lang, path in page.alternates:
            href = escape(absolute(base_url, path))
            parts.append(f'<xhtml:link rel="alternate" hreflang="{lang}" href="{href}"/>')
    if "image" in plan.ext:
        for image in page.images:
            loc = escape(absolute(base_url, image))
            parts.append(f"<image:image><image:loc>{loc}</image:loc></image:image>")
    if "news" in plan.ext and page.news_title:
        published = entry.lastmod_text or "2024-01-15"
        parts.append(
            "<news:news><news:publication>"
            f"<news:name>{escape(ident.name)}</news:name>"
            f"<news:language>{ident.lang.code}</news:language></news:publication>"
            f"<news:publication_date>{published}</news:publication_date>"
            f"<news:title>{escape(page.news_title)}</news:title></news:news>"
        )
    if plan.flavour in _COMPACT:
        return "<url>" + "".join(parts) + "</url>"
    return "  <url>\n" + "".join(f"    {p}\n" for p in parts) + "  </url>\n"


def url_elements(plan: FilePlan, base_url: str, ident: Identity) -> list[str]:
    return [_url_element(plan, entry, base_url, ident) for entry in plan.entries]


def _urlset(plan: FilePlan, base_url: str, ident: Identity) -> str:
    namespaces = " ".join([_NS, *(_EXT_NS[e] for e in sorted(plan.ext))])
    elements = url_elements(plan, base_url, ident)
    sep = "" if plan.flavour in _COMPACT else "\n"
    opening = f"{_head(plan, base_url)}\n<urlset {namespaces}>{sep}"
    if plan.broken == "truncated":
        cut = elements[plan.cut_after]
        return opening + "".join(elements[: plan.cut_after]) + cut[: len(cut) // 2]
    closing = "</urlset>\n"
    if plan.flavour == "yoast":
        closing += "<!-- XML Sitemap generated by Yoast SEO -->"
    return opening + "".join(elements) + closing


def _latest(entries: list[Entry]) -> str | None:
    dated = [e for e in entries if e.lastmod is not None and e.lastmod_text]
    if not dated:
        return None
    return max(dated, key=lambda e: e.lastmod or datetime.min.replace(tzinfo=UTC)).lastmod_text


def _index(plan: FilePlan, base_url: str) -> str:
    compact = plan.flavour in _COMPACT
    items = []
    for child in index_children(plan):
        loc = escape(absolute(base_url, child.path))
        lastmod = None if child is plan else _latest(child.entries)
        inner = f"<loc>{loc}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
        items.append(
            f"<sitemap>{inner}</sitemap>" if compact else f"  <sitemap>{inner}</sitemap>\n"
        )
    sep = "" if compact else "\n"
    return f"{_head(plan, base_url)}\n<sitemapindex {_NS}>{sep}{''.join(items)}</sitemapindex>\n"


def index_children(plan: FilePlan) -> list[FilePlan]:
    """Children in the order the index lists them (itself included when it is a cycle)."""
    children = list(plan.children)
    if plan.lists_itself:
        children.insert(len(children) // 2, plan)
    return children


def _rss(plan: FilePlan, base_url: str, ident: Identity) -> str:
    items = []
    for entry in plan.entries:
        url = escape(absolute(base_url, entry.page.path))
        moment = entry.lastmod or datetime(2024, 1, 1, tzinfo=UTC)
        items.append(
            f"    <item>\n      <title>{escape(entry.page.title)}</title>\n"
            f"      <link>{url}</link>\n"
            f'      <guid isPermaLink="true">{url}</guid>\n'
            f"      <pubDate>{format_datetime(moment.astimezone(UTC), usegmt=True)}</pubDate>\n"
            "    </item>\n"
        )
    feed_url = escape(absolute(base_url, plan.path))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n  <channel>\n'
        f"    <title>{escape(ident.name)}</title>\n    <link>{escape(base_url)}/</link>\n"
        f"    <description>{escape(ident.trade.name)} \u2013 {escape(ident.city)}</description>\n"
        f"    <language>{ident.country.html_lang.lower()}</language>\n"
        f'    <atom:link href="{feed_url}" rel="self" type="application/rss+xml"/>\n'
        + "".join(items)
        + "  </channel>\n</rss>\n"
    )


def _atom(plan: FilePlan, base_url: str, ident: Identity) -> str:
    entries = []
    for entry in plan.entries:
        url = escape(absolute(base_url, entry.page.path))
        entries.append(
            f"  <entry>\n    <title>{escape(entry.page.title)}</title>\n"
            f'    <link href="{url}"/>\n    <id>{url}</id>\n'
            f"    <updated>{entry.lastmod_text}</updated>\n  </entry>\n"
        )
    updated = _latest(plan.entries) or "2024-01-01T00:00:00Z"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <title>{escape(ident.name)}</title>\n  <id>{escape(base_url)}/</id>\n"
        f'  <link href="{escape(base_url)}/"/>\n'
        f'  <link rel="self" href="{escape(absolute(base_url, plan.path))}"/>\n'
        f"  <updated>{updated}</updated>\n" + "".join(entries) + "</feed>\n"
    )


def _html_sitemap(plan: FilePlan, base_url: str, ident: Identity) -> bytes:
    links = "".join(
        f'<li><a href="{html_escape(absolute(base_url, e.page.path))}">'
        f"{html_escape(e.page.title)}</a></li>"
        for e in plan.entries
    )
    title = html_escape(f"{ident.lang.ui['html_sitemap']} \u2013 {ident.name}")
    return (
        f'<!DOCTYPE html>\n<html lang="{ident.country.html_lang}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1><ul>{links}</ul></body></html>\n"
    ).encode()
