"""Homepage metadata: a pure extractor over one fetched page (no I/O).

    meta = extract_metadata(body, "https://example.com/", headers=response_headers)
    meta.title, meta.tech, meta.emails, meta.to_dict()

Bytes are decoded by ``html_decode.decode_html`` (BOM, Content-Type, ``<meta charset>``,
UTF-8). URLs are resolved against ``<base href>`` (http/https only) or ``base_url``. At most
``MAX_HTML_CHARS`` of HTML are parsed and ``contacts.MAX_TEXT_CHARS`` of visible text are
scanned for contacts. See docs/extraction.md for every field's sources and precedence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scrapersky.web.contacts import contacts_from_tree
from scrapersky.web.html_decode import MAX_HTML_CHARS, decode_html, header_value, parse_html
from scrapersky.web.jsonld import organization_summary, parse_jsonld, resolve_url
from scrapersky.web.phones import phone_region
from scrapersky.web.social import social_profiles
from scrapersky.web.tech import detect_tech

MAX_FIELD_CHARS = 2000
MAX_LINKS = 5000
MAX_ASSETS = 2000
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$", re.I)
_WHITESPACE = re.compile(r"\s+")
_SOCIAL_HINT = re.compile(
    r"facebook|fb\.com|instagram|linkedin|twitter|x\.com|youtube|tiktok|github|pinterest", re.I
)


@dataclass(frozen=True, slots=True)
class HomepageMetadata:
    title: str | None = None
    description: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    favicon_url: str | None = None
    logo_url: str | None = None
    generator: str | None = None
    tech: list[dict[str, str | None]] = field(default_factory=list)
    social: dict[str, str] = field(default_factory=dict)
    jsonld: dict[str, Any] | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_metadata(
    html: bytes | str,
    base_url: str,
    headers: Mapping[str, str] | None = None,
    cookies: Iterable[str] = (),
    *,
    default_region: str = "US",
) -> HomepageMetadata:
    """Everything ScraperSky records about a homepage. Never raises on bad HTML.

    ``cookies`` are cookie names or ``Set-Cookie`` lines. ``default_region`` reads phone
    numbers written without a country code when neither the TLD nor the language tells.
    """
    if isinstance(html, bytes):
        html = decode_html(html, header_value(headers, "content-type"))[0]
    html = html[:MAX_HTML_CHARS]
    tree = parse_html(html)
    base = _effective_base(tree, base_url)
    metas = _meta_values(tree)
    links = _link_rels(tree, base)
    docs = parse_jsonld(tree)
    organization = organization_summary(docs, base)
    language = _language(tree, headers, metas)
    generators = list(dict.fromkeys(metas.get("generator", [])))
    tech = detect_tech(generators, _asset_urls(tree), headers, cookies, html)
    social = _social(tree, organization)
    title = _title(tree, metas)
    region = phone_region(base_url, language, default_region)
    contacts = contacts_from_tree(tree, region, docs)  # strips scripts and svg: keep last
    return HomepageMetadata(
        title=title,
        description=_first(metas, "description", "og:description", "twitter:description"),
        language=language,
        canonical_url=_first_url(links.get("canonical", []), base),
        favicon_url=_first_url(links.get("icon", []) + links.get("apple-touch-icon", []), base),
        logo_url=_logo(organization, links, metas, base),
        generator="; ".join(generators)[:MAX_FIELD_CHARS] or None,
        tech=tech,
        social=social,
        jsonld=organization,
        emails=contacts.emails,
        phones=contacts.phones,
    )


def normalize_language(value: str | None) -> str | None:
    """A BCP 47 tag in canonical case (``en-us`` -> ``en-US``), or None when it is not one."""
    if not value:
        return None
    tag = value.split(",", 1)[0].split(";", 1)[0].strip().replace("_", "-")
    if not _LANGUAGE.match(tag) or len(tag) > 35:
        return None
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = _WHITESPACE.sub(" ", value).strip()
    return text[:MAX_FIELD_CHARS] or None


def _effective_base(tree: LexborHTMLParser, base_url: str) -> str:
    node = tree.css_first("base[href]")
    href = (node.attributes.get("href") or "").strip() if node is not None else ""
    return (resolve_url(base_url, href) if href else None) or base_url


def _meta_values(tree: LexborHTMLParser) -> dict[str, list[str]]:
    """``name``/``property``/``http-equiv`` (lower-cased) -> non-empty contents, in order."""
    values: dict[str, list[str]] = {}
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        content = _clean(attrs.get("content"))
        if content is None:
            continue
        for key in ("name", "property", "http-equiv", "itemprop"):
            name = (attrs.get(key) or "").strip().lower()
            if name:
                values.setdefault(name, []).append(content)
    return values


def _link_rels(tree: LexborHTMLParser, base: str) -> dict[str, list[str]]:
    """rel token -> hrefs. ``shortcut icon`` counts as ``icon``; data: URIs are skipped."""
    rels: dict[str, list[str]] = {}
    icons: list[tuple[int, str]] = []
    for node in tree.css("link[rel][href]"):
        href = (node.attributes.get("href") or "").strip()
        if not href or href.lower().startswith(("data:", "javascript:")):
            continue
        tokens = (node.attributes.get("rel") or "").lower().split()
        for token in tokens:
            if token in ("apple-touch-icon", "apple-touch-icon-precomposed"):
                icons.append((_icon_size(node), href))
            elif token in ("icon", "canonical"):
                rels.setdefault(token, []).append(href)
    rels["apple-touch-icon"] = [href for _, href in sorted(icons, key=lambda pair: -pair[0])]
    return rels


def _icon_size(node: LexborNode) -> int:
    match = re.match(r"\s*(\d{1,4})x\d{1,4}", node.attributes.get("sizes") or "")
    return int(match.group(1)) if match else 0


def _first(metas: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        values = metas.get(key)
        if values:
            return values[0]
    return None


def _first_url(hrefs: list[str], base: str) -> str | None:
    for href in hrefs:
        url = resolve_url(base, href)
        if url is not None:
            return url
    return None


def _title(tree: LexborHTMLParser, metas: dict[str, list[str]]) -> str | None:
    """The head's <title>, else the first non-empty one elsewhere (not an SVG's), else og:title."""
    head_title = tree.css_first("head > title")
    title = _clean(head_title.text()) if head_title is not None else None
    if title:
        return title
    for node in tree.css("title")[:100]:
        if node.parent is not None and node.parent.tag == "svg":
            continue
        title = _clean(node.text())
        if title:
            return title
    return _first(metas, "og:title", "twitter:title")


def _language(
    tree: LexborHTMLParser, headers: Mapping[str, str] | None, metas: dict[str, list[str]]
) -> str | None:
    html_node = tree.css_first("html")
    candidates = [
        html_node.attributes.get("lang") if html_node is not None else None,
        html_node.attributes.get("xml:lang") if html_node is not None else None,
        header_value(headers, "content-language"),
        _first(metas, "content-language", "og:locale"),
    ]
    for candidate in candidates:
        language = normalize_language(candidate)
        if language is not None:
            return language
    return None


def _logo(
    organization: dict[str, Any] | None,
    links: dict[str, list[str]],
    metas: dict[str, list[str]],
    base: str,
) -> str | None:
    if organization and organization.get("logo"):
        return str(organization["logo"])
    images = [
        value
        for key in ("og:image", "og:image:url", "twitter:image")
        for value in metas.get(key, [])
    ]
    return _first_url(links.get("apple-touch-icon", []) + images, base)


def _asset_urls(tree: LexborHTMLParser) -> list[str]:
    urls: list[str] = []
    for selector, attribute in (
        ("script[src]", "src"),
        ("link[href]", "href"),
        ("img[src]", "src"),
    ):
        for node in tree.css(selector):
            value = node.attributes.get(attribute)
            if value:
                urls.append(value)
            if len(urls) >= MAX_ASSETS:
                return urls
    return urls


def _social(tree: LexborHTMLParser, organization: dict[str, Any] | None) -> dict[str, str]:
    same_as = list(organization.get("sameAs") or []) if organization else []
    hrefs = [node.attributes.get("href") or "" for node in tree.css("a[href]")[:MAX_LINKS]]
    return social_profiles(same_as + [href for href in hrefs if _SOCIAL_HINT.search(href)])
