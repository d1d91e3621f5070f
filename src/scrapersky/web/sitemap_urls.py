"""URL rules for sitemaps: resolving ``<loc>`` values, text-sitemap lines, robots ``Sitemap:``.

    resolve_loc("./post-sitemap.xml", "https://example.com/sitemap_index.xml")
    # "https://example.com/post-sitemap.xml"; None for "", "mailto:x", "file:///etc/passwd"

Relative values are resolved against the sitemap URL with ``urllib.parse.urljoin`` (RFC 3986
resolution; it also drops the empty segment of ``.//index.html``, the form an exporter makes of
``<![CDATA[./]]>/index.html``). Only http(s) URLs with a host survive; spaces are
percent-encoded, other control characters (and U+FFFD left by undecodable bytes) reject the URL.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

MAX_URL_CHARS = 2048  # the sitemap protocol: "less than 2,048 characters"
MAX_ROBOTS_SITEMAPS = 1000

# The common case, checked without urllib: an absolute http(s) URL, printable ASCII, with a
# plain host name and no port. Anything else goes through urljoin/urlsplit.
fast_absolute_url = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][!-~]*)?", re.ASCII).fullmatch
_UNUSABLE = re.compile(r"[\x00-\x1f\x7f\ufffd]")
# A second URL glued onto the first ("https://a/errorhttps://a/b"), but not one embedded on
# purpose after "=", "/", "?" ... ("https://a/?u=https://b", "https://archive/web/https://b").
_GLUED_URL = re.compile(r"(?<=[^\s=?&/:%(#,;])(?=https?://)", re.IGNORECASE)
_ROBOTS_SITEMAP_LINE = re.compile(r"\s*(?:sitemaps?|site-map)\s*:(.*)", re.IGNORECASE)


def resolve_loc(raw: str, base_url: str) -> str | None:
    """The absolute http(s) URL that ``raw`` names relative to ``base_url``, or None."""
    loc = raw.strip()
    if not loc or len(loc) > MAX_URL_CHARS:
        return None
    if fast_absolute_url(loc) is not None:
        return loc
    return _resolve_slowly(loc, base_url)


def _resolve_slowly(loc: str, base_url: str) -> str | None:
    if _UNUSABLE.search(loc):
        return None
    loc = loc.replace(" ", "%20")
    try:
        absolute = urljoin(base_url, loc) if base_url else loc
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if len(absolute) > MAX_URL_CHARS:
        return None
    return absolute


def is_absolute_http(value: str) -> bool:
    return value[:8].lower().startswith(("http://", "https://"))


def split_text_line(line: str) -> list[str]:
    """The URL candidates on one line of a text sitemap (normally exactly one)."""
    tokens = line.split()
    if len(tokens) == 1 and line.count("://") < 2:
        return tokens
    candidates: list[str] = []
    for token in tokens:
        if token.count("://") > 1:
            candidates.extend(part for part in _GLUED_URL.split(token) if part)
        else:
            candidates.append(token)
    return candidates


def parse_robots_sitemaps(robots_txt: str, robots_url: str) -> list[str]:
    """Every ``Sitemap:`` URL in a robots.txt, in order, without duplicates.

    The directive is matched in any position (before, inside or after user-agent groups) and
    any case; ``#`` comments are removed; relative values are resolved against the robots.txt
    URL, which sits at the host root. Values that are not http(s) URLs are skipped.
    """
    found: dict[str, None] = {}
    for line in robots_txt.lstrip("\ufeff").splitlines():
        match = _ROBOTS_SITEMAP_LINE.match(line)
        if match is None:
            continue
        for token in match[1].split("#", 1)[0].split():
            url = resolve_loc(token, robots_url)
            if url is not None:
                found.setdefault(url)
        if len(found) >= MAX_ROBOTS_SITEMAPS:
            break
    return list(found)
