"""What the sample web serves: sources map (host, path) to a resource.

    source = CompositeSource([GeneratedSites(seed=1, count=50), DirectorySource(corpus)])
    source.get("example-site.com", "/robots.txt")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
