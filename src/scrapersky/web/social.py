"""Social profile links: which network a URL belongs to, and whether it is a profile at all.

    social_profile("https://twitter.com/TrackBO_?ref_src=twsrc")  # ("x", "https://twitter.com/TrackBO_")
    social_profile("https://www.facebook.com/sharer/sharer.php?u=...")  # None

Networks: facebook, instagram, linkedin, x (twitter.com and x.com), youtube, tiktok, github,
pinterest. Only profile URLs count: share, intent, post, video, pixel and search URLs are
refused. The profile URL keeps scheme, host and path as written (a trailing slash too); query
and fragment are dropped except ``facebook.com/profile.php?id=``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_HOSTS = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "linkedin.com": "linkedin",
    "twitter.com": "x",
    "x.com": "x",
    "youtube.com": "youtube",
    "tiktok.com": "tiktok",
    "github.com": "github",
    "pinterest.com": "pinterest",
}
_HANDLE = r"[A-Za-z0-9_.\-]{1,100}"
# Accepted paths per network (after stripping a trailing slash); anything else is not a profile.
_PROFILE_PATHS = {
    "facebook": re.compile(rf"^/(?:pages/[^/]+/\d+|people/[^/]+/\d+|groups/{_HANDLE}|{_HANDLE})$"),
    "instagram": re.compile(rf"^/{_HANDLE}$"),
    "linkedin": re.compile(r"^/(?:company|in|school|showcase)/[^/]{1,100}$"),
    "x": re.compile(r"^/[A-Za-z0-9_]{1,50}$"),
    "youtube": re.compile(rf"^/(?:@[^/]{{1,100}}|(?:c|channel|user)/{_HANDLE}|{_HANDLE})$"),
    "tiktok": re.compile(rf"^/@{_HANDLE}$"),
    "github": re.compile(r"^/(?:orgs/)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$"),
    "pinterest": re.compile(rf"^/{_HANDLE}$"),
}
_RESERVED = {
    "facebook": {"sharer", "sharer.php", "share", "share.php", "dialog", "tr", "plugins", "login",
                 "login.php", "home.php", "photo.php", "permalink.php", "story.php", "watch",
                 "hashtag", "events", "privacy", "policies", "help", "profile.php"},
    "instagram": {"p", "reel", "reels", "explore", "accounts", "stories", "direct", "about"},
    "linkedin": set(),
    "x": {"intent", "share", "home", "search", "hashtag", "i", "login", "signup", "settings",
          "explore", "messages", "notifications", "tos", "privacy"},
    "youtube": {"watch", "embed", "results", "playlist", "shorts", "feed", "redirect",
                "iframe_api", "t", "premium", "about", "account", "live"},
    "tiktok": set(),
    "github": {"features", "about", "pricing", "login", "join", "sponsors", "marketplace",
               "explore", "topics", "collections", "trending", "security", "settings", "site",
               "contact", "enterprise", "team", "customer-stories", "readme", "apps"},
    "pinterest": {"pin", "search", "source", "ideas", "today", "business", "login"},
}  # fmt: skip


def social_profile(url: str) -> tuple[str, str] | None:
    """``(network, profile URL)`` when ``url`` is a social profile link, else None."""
    if len(url) > 2048:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile.", "web.", "business."):
        host = host.removeprefix(prefix)
    network = _HOSTS.get(host)
    if network is None:
        return None
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    if network == "facebook" and path == "/profile.php":
        ids = parse_qs(parts.query).get("id", [])
        if ids and ids[0].isdigit():
            return network, f"https://{parts.netloc.lower()}/profile.php?id={ids[0]}"
        return None
    segments = [segment for segment in path.split("/") if segment]
    if not segments or segments[0].lower() in _RESERVED[network]:
        return None
    if not _PROFILE_PATHS[network].match(path):
        return None
    return network, f"{parts.scheme}://{parts.netloc.lower()}{parts.path}"


def social_profiles(urls: list[str]) -> dict[str, str]:
    """The first profile per network, in the order given."""
    found: dict[str, str] = {}
    for url in urls:
        profile = social_profile(url)
        if profile is not None and profile[0] not in found:
            found[profile[0]] = profile[1]
    return found
