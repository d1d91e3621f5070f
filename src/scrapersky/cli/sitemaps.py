"""`scrapersky sitemaps show`: fetch and parse one sitemap, or find a domain's, and print the
tree with counts (or stream every page URL as JSON lines). No database involved.

    scrapersky sitemaps show https://example.com/sitemap_index.xml
    scrapersky sitemaps show example.com --json | jq -r .url
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from scrapersky.cli.common import err_console, exit_with_error, settings_or_exit
from scrapersky.exceptions import ScraperSkyError

sitemaps_app = typer.Typer(help="Sitemaps: look at one sitemap or a domain's tree.")
PARALLEL_FETCHES = 4


@dataclass
class Node:
    url: str
    depth: int
    kind: str | None = None
    url_count: int = 0
    problem: str | None = None  # why the file could not be read
    notes: tuple[str, ...] = ()
    skipped: str | None = None  # why the file was not fetched
    children: list[Node] = field(default_factory=list)

    def label(self) -> str:
        url = escape(self.url)
        if self.skipped:
            return f"[dim]{url} - {escape(self.skipped)}[/dim]"
        if self.problem:
            return f"[red]{url}[/red] - {escape(self.problem)}"
        size = (
            f"{len(self.children):,} children"
            if self.kind == "index"
            else f"{self.url_count:,} URLs"
        )
        notes = f" [yellow]({escape('; '.join(self.notes))})[/yellow]" if self.notes else ""
        return f"[bold]{self.kind}[/bold] {url} - {size}{notes}"


@dataclass
class Walk:
    roots: list[Node]
    fetched: int = 0
    failed: int = 0
    distinct_urls: set[str] = field(default_factory=set)


async def _walk(roots: list[str], *, max_depth: int, max_files: int, stream_json: bool) -> Walk:
    from scrapersky.pipeline.stages.sitemap_discovery import sitemap_limits
    from scrapersky.pipeline.stages.sitemap_import import fetch_sitemap, parse_outcome
    from scrapersky.web.fetch import Fetcher

    settings = settings_or_exit()
    limits = sitemap_limits(settings)
    walk = Walk([Node(url, 0) for url in roots])
    queue = deque(walk.roots)
    seen = set(roots)
    async with Fetcher(settings) as fetcher:
        while queue and walk.fetched < max_files:
            wave = [queue.popleft() for _ in range(min(len(queue), PARALLEL_FETCHES))]
            wave = wave[: max_files - walk.fetched]
            results = await asyncio.gather(*(fetch_sitemap(fetcher, n.url, limits) for n in wave))
            walk.fetched += len(wave)
            for node, fetched in zip(wave, results, strict=True):
                outcome = parse_outcome(fetched, final_attempt=True, limits=limits)
                if not isinstance(outcome, tuple):
                    node.problem = outcome.message
                    walk.failed += 1
                    continue
                parsed, notes = outcome
                node.kind, node.url_count, node.notes = (
                    parsed.kind,
                    len(parsed.entries),
                    tuple(notes),
                )
                for entry in parsed.entries:
                    if entry.loc in walk.distinct_urls:
                        continue
                    walk.distinct_urls.add(entry.loc)
                    if stream_json:
                        record = {
                            "url": entry.loc,
                            "lastmod": entry.lastmod.isoformat() if entry.lastmod else None,
                            "changefreq": entry.changefreq,
                            "priority": entry.priority,
                            "sitemap": node.url,
                        }
                        sys.stdout.write(json.dumps(record) + "\n")
                for child in dict.fromkeys(c.loc for c in parsed.children):
                    kid = Node(child, node.depth + 1)
                    if child in seen:
                        kid.skipped = "listed before (a duplicate, a cycle or the index itself)"
                    elif kid.depth > max_depth:
                        kid.skipped = f"not followed: depth limit {max_depth}"
                    else:
                        seen.add(child)
                        queue.append(kid)
                    node.children.append(kid)
    for node in queue:
        node.skipped = f"not fetched: --max-files {max_files} reached"
    return walk


def _tree(node: Node, parent: Tree) -> None:
    branch = parent.add(node.label())
    for child in node.children:
        _tree(child, branch)


async def _roots_for(target: str, console: Console) -> list[str]:
    """The target itself when it is a URL; else the sitemaps discovery finds for the domain."""
    if "://" in target:
        return [target]
    from scrapersky.pipeline.stage import Failure
    from scrapersky.pipeline.stages.sitemap_discovery import SitemapDiscoverer, sitemap_limits
    from scrapersky.web.domains import normalize_domain
    from scrapersky.web.fetch import Fetcher

    settings = settings_or_exit()
    try:
        domain = normalize_domain(target)
    except ScraperSkyError as exc:
        exit_with_error(exc.message, 2)
    async with Fetcher(settings) as fetcher:
        discoverer = SitemapDiscoverer(
            fetcher, sitemap_limits(settings), respect_robots=settings.respect_robots
        )
        found = await discoverer.discover(domain)
    if isinstance(found, Failure):
        exit_with_error(f"{domain}: {found.message}", 1)
    roots = []
    for sitemap in found.sitemaps:
        if sitemap.off_site:
            console.print(f"[yellow]{escape(sitemap.url)}: {escape(sitemap.note or '')}[/yellow]")
        else:
            console.print(f"found {escape(sitemap.url)} via {sitemap.via}")
            roots.append(sitemap.url)
    return roots


@sitemaps_app.command("show")
def show(
    target: Annotated[str, typer.Argument(help="A sitemap URL, or a domain to discover.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Stream every page URL as one JSON object per line.")
    ] = False,
    depth: Annotated[
        int | None, typer.Option(min=0, help="Index levels to follow (default: the setting).")
    ] = None,
    max_files: Annotated[
        int, typer.Option(min=1, help="Stop after fetching this many files.")
    ] = 200,
) -> None:
    """Fetch and parse a sitemap (or a domain's sitemaps) and print the tree with counts."""
    settings = settings_or_exit()
    console = err_console if as_json else Console()
    max_depth = settings.sitemap_max_depth if depth is None else depth

    async def run() -> Walk:
        roots = await _roots_for(target, console)
        return await _walk(roots, max_depth=max_depth, max_files=max_files, stream_json=as_json)

    walk = asyncio.run(run())
    if not as_json:
        tree = Tree(f"[bold]{escape(target)}[/bold]")
        for root in walk.roots:
            _tree(root, tree)
        console.print(tree)
    console.print(
        f"{walk.fetched:,} file(s) fetched, {walk.failed:,} failed, "
        f"{len(walk.distinct_urls):,} distinct page URLs"
    )
    if walk.roots and walk.failed == walk.fetched:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(sitemaps_app, name="sitemaps")
