"""The old design, for the end-to-end benchmark: each stage's work() inside an open session.

    scrapersky worker --stage-factory bench._held_session:held_metadata ...   # PYTHONPATH=<root>
    stage = held_contacts_scan(settings)   # the real contacts stage, its work() wrapped

This is the incident behind ScraperSky, rebuilt on purpose: the row is selected FOR UPDATE in
``transaction()`` and the real stage's ``work()`` - every scraping-API call of it - runs
before that transaction commits, so a pooled connection sits "idle in transaction" across
each 2.5 s call. Claim and record stay the runner's, so the only difference from the real
pipeline is where the connection is held. The guard must be non-strict in these workers (it
warns, ``action=network_in_transaction``); in strict mode every item would fail ``guard``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.transaction import transaction
from scrapersky.pipeline.registry import build_stage
from scrapersky.pipeline.stage import ClaimedItem, Defer, Failure, Stage, Success
from scrapersky.settings import Settings


class HeldSessionStage:
    """A registered stage with the session held across its ``work()``; the rest delegated."""

    def __init__(self, inner: Stage[Any]) -> None:
        self.inner = inner
        self.spec = inner.spec  # same name, queue and tunables: same metrics labels

    async def setup(self) -> None:
        await self.inner.setup()

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def work(self, item: ClaimedItem) -> Success[Any] | Failure | Defer:
        table = self.spec.table
        async with transaction() as session:
            # Checks a connection out and locks the row, as the old per-item code did.
            await session.execute(select(table.c.id).where(table.c.id == item.id).with_for_update())
            return await self.inner.work(item)  # every fetch happens with the session open

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, Any]]
    ) -> None:
        await self.inner.record_success(session, items)

    async def on_terminal_failure(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, Failure]]
    ) -> None:
        await self.inner.on_terminal_failure(session, items)


def held_metadata(settings: Settings) -> HeldSessionStage:
    return HeldSessionStage(build_stage("metadata", settings))


def held_sitemap_discovery(settings: Settings) -> HeldSessionStage:
    return HeldSessionStage(build_stage("sitemap_discovery", settings))


def held_sitemap_import(settings: Settings) -> HeldSessionStage:
    return HeldSessionStage(build_stage("sitemap_import", settings))


def held_contacts_scan(settings: Settings) -> HeldSessionStage:
    return HeldSessionStage(build_stage("contacts_scan", settings))


FACTORIES = {
    "metadata": "bench._held_session:held_metadata",
    "sitemap_discovery": "bench._held_session:held_sitemap_discovery",
    "sitemap_import": "bench._held_session:held_sitemap_import",
    "contacts_scan": "bench._held_session:held_contacts_scan",
}
