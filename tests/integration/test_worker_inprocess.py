"""run_worker() in-process: several stages at once in one worker, and an error that retrying
cannot fix stops the worker loudly (the other stages drain, every stage is closed)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.engine import Database
from scrapersky.db.schema import contacts, domains
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.stage import BaseStage, ClaimedItem, StageSpec, Success
from scrapersky.pipeline.worker import WorkerFailed, run_worker
from tests.support.database import make_test_settings
from tests.support.stages import ProbeConfig, ProbeStage, SlowServer, read_events, seed_domains

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[SlowServer]:
    with SlowServer() as running:
        yield running


async def test_one_worker_runs_two_stages_at_once(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    ids = await seed_domains(30)
    async with transaction() as session:
        await session.execute(update(domains).values(sitemap_analysis_status="queued"))
    events_dir = tmp_path / "events"
    events_dir.mkdir()
    stages = [
        ProbeStage(ProbeConfig(url=server.url, delay_s=0.2, events_dir=str(events_dir), queue=q))
        for q in ("metadata", "sitemap_discovery")
    ]
    settings = make_test_settings(worker_poll_interval_s=0.05, diagnostic_max_files=0)
    totals = await run_worker(stages, settings=settings, exit_when_idle=True, install_signals=False)
    assert {name: t.succeeded for name, t in totals.items()} == {
        "probe": 30,
        "probe_sitemap_discovery": 30,
    }
    async with transaction() as session:
        statuses = (
            await session.execute(
                select(domains.c.metadata_status, domains.c.sitemap_analysis_status).distinct()
            )
        ).all()
        per_domain = (
            await session.execute(
                select(func.count()).select_from(contacts).group_by(contacts.c.domain_id)
            )
        ).scalars()
        assert sorted(per_domain) == [2] * len(ids)  # one result row per stage per domain
    assert [(str(a), str(b)) for a, b in statuses] == [("completed", "submitted")]
    events = read_events(events_dir)
    spans = {
        name: (
            min(e["t"] for e in events if e["stage"] == name),
            max(e["t"] for e in events if e["stage"] == name),
        )
        for name in totals
    }
    (a_start, a_end), (b_start, b_end) = spans.values()
    assert a_start < b_end  # the two stages ran at the same time
    assert b_start < a_end
    assert all(stage.closed for stage in stages)


class GhostStage(BaseStage[None]):
    """A stage whose table does not exist in the database: every claim is a hard error."""

    def __init__(self) -> None:
        ghost = domains.to_metadata(MetaData(), name="no_such_table")
        self.spec = StageSpec(
            name="ghost",
            table=ghost,
            status_column="metadata_status",
            prefix="metadata",
            queued="pending",
            processing="processing",
            success="completed",
            failure="error",
        )
        self.closed = False

    async def work(self, item: ClaimedItem) -> Success[None]:
        return Success(None)

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, None]]
    ) -> None:
        raise AssertionError("never claimed anything")

    async def aclose(self) -> None:
        self.closed = True


async def test_error_that_retrying_cannot_fix_stops_the_worker(
    db: Database, server: SlowServer
) -> None:
    await seed_domains(10)
    ghost = GhostStage()
    probe = ProbeStage(ProbeConfig(url=server.url, delay_s=0.3))
    settings = make_test_settings(worker_poll_interval_s=0.05, worker_grace_s=5)
    with pytest.raises(WorkerFailed, match="no_such_table"):
        await run_worker([ghost, probe], settings=settings, install_signals=False)
    assert ghost.closed
    assert probe.closed
    async with transaction() as session:
        left = (
            await session.execute(
                select(func.count()).where(domains.c.metadata_status == "processing")
            )
        ).scalar_one()
    assert left == 0  # the healthy stage finished or released what it had claimed
