"""What the sample web serves: sources map (host, path) to a resource.

source = CompositeSource([GeneratedSites(seed=1, count=50), DirectorySource(corpus)])
source.get("example-site.com", "/robots.txt")
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import quote, unquote


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


class SiteSource(Protocol):
    def hosts(self) -> list[str]: ...

    def get(self, host: str, path: str) -> Resource | None:
        """``path`` has a leading "/" and no query string; None means 404."""
        ...


CONTENT_TYPES = {
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".gz": "application/gzip",
    ".rss": "application/rss+xml",
    ".html": "text/html",
    ".htm": "text/html",
    "": "text/html",
    ".json": "application/json",
    ".css": "text/css",
    ".js": "text/javascript",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
}
_HOST_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$")


def content_type_for(name: str) -> str:
    """The corpus README's content types: .xml application/xml, no extension text/html, ..."""
    suffix = PurePosixPath(name).suffix.lower()
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


class DirectorySource:
    """Serves ``<root>/sites/<host>/<path>`` the way GitHub Pages does.

    ``/`` and ``.../`` serve ``index.html``; a directory asked for without its trailing
    slash answers 301 to the slash form (``/sitemap.xml`` -> ``/sitemap.xml/``); anything
    that would leave the host's folder (``..``, NUL, symlinks out) is not found.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.sites = (self.root / "sites").resolve()
        if not self.sites.is_dir():
            raise FileNotFoundError(f"{self.root} has no sites/ folder (sites/<host>/<path>)")

    def hosts(self) -> list[str]:
        return sorted(p.name for p in self.sites.iterdir() if p.is_dir())

    def get(self, host: str, path: str) -> Resource | None:
        host = host.lower()
        if not _HOST_NAME.match(host) or ".." in host:
            return None
        site = self.sites / host
        relative = unquote(path).lstrip("/")
        parts = relative.split("/")
        if "\x00" in relative or "\\" in relative or any(p in (".", "..") for p in parts):
            return None
        candidate = site.joinpath(*[p for p in parts if p])
        try:
            resolved = candidate.resolve()
            if not resolved.is_relative_to(site.resolve()):
                return None
            if resolved.is_dir():
                if not path.endswith("/"):
                    location = quote(path + "/", safe="/%:@!$&'()*+,;=-._~")
                    return Resource(b"", "text/html", 301, (("Location", location),))
                resolved = resolved / "index.html"
            if not resolved.is_file():
                return None
            return Resource(resolved.read_bytes(), content_type_for(resolved.name))
        except (OSError, ValueError):
            return None


class CompositeSource:
    """Several sources; for each request the first one that has the path wins."""

    def __init__(self, sources: Iterable[SiteSource]) -> None:
        self.sources = list(sources)

    def hosts(self) -> list[str]:
        return list(dict.fromkeys(host for source in self.sources for host in source.hosts()))

    def get(self, host: str, path: str) -> Resource | None:
        for source in self.sources:
            resource = source.get(host, path)
            if resource is not None:
                return resource
        return None


class MemorySource:
    """Sites held in a dict, for tests: ``MemorySource({"a.test": {"/": Resource(...)}})``."""

    def __init__(self, sites: Mapping[str, Mapping[str, Resource]]) -> None:
        self.sites = {host.lower(): dict(pages) for host, pages in sites.items()}

    def hosts(self) -> list[str]:
        return list(self.sites)

    def get(self, host: str, path: str) -> Resource | None:
        return self.sites.get(host.lower(), {}).get(path)
