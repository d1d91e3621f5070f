"""The runner's Defer outcome on real Postgres with the probe stage: the row goes back to the
queue due after the delay, the attempt is given back, the last error stays, it is counted as
"deferred" (totals, metrics, log) and not as a failure, no diagnostic is written, and the
lease token still fences it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from scrapersky.db.engine import Database
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.metrics import STAGE_DEFERRED, STAGE_ITEMS
from scrapersky.pipeline.diagnostics import DiagnosticStore
from scrapersky.pipeline.stage import ClaimedItem, Defer, Failure, Success
from tests.integration.test_runner_phases import run_probe, settings_for
from tests.support.stages import ProbeConfig, ProbeStage, probe_rows, seed_domains

pytestmark = pytest.mark.integration

DELAY_S = 90.0


class DeferringProbe(ProbeStage):
    """The probe stage whose work() defers the rows in ``defer_ids`` (every other row runs as
    the probe does); ``fail_ids`` fail for good, so one batch can hold all three outcomes."""

    defer_ids: frozenset[int] = frozenset()
    fail_ids: frozenset[int] = frozenset()
    hold_s: float = 0.0

    async def work(  # type: ignore[override]  # the probe never defers; this one does
        self, item: ClaimedItem
    ) -> Success[str] | Failure | Defer:
        if item.id in self.defer_ids:
            self.calls += 1
            self._called.set()
            await asyncio.sleep(self.hold_s)
            return Defer(DELAY_S, "probe_budget", f"budget for {item['domain']} used up")
        if item.id in self.fail_ids:
            return Failure("probe_broken", f"item {item.id} is broken", retryable=False)
        return await super().work(item)


def deferring(
    defer_ids: list[int], fail_ids: list[int] | None = None, **config: object
) -> DeferringProbe:
    stage = DeferringProbe(ProbeConfig(**config))  # type: ignore[arg-type]
    stage.defer_ids = frozenset(defer_ids)
    stage.fail_ids = frozenset(fail_ids or [])
    return stage


def counter(outcome: str) -> float:
    return float(STAGE_ITEMS.labels(stage="probe", outcome=outcome)._value.get())


def deferred_counter() -> float:
    return float(STAGE_DEFERRED.labels(stage="probe", reason="probe_budget")._value.get())


async def db_now() -> object:
    async with transaction() as session:
        return (await session.execute(select(func.now()))).scalar_one()


async def test_deferred_rows_wait_without_using_an_attempt(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await seed_domains(6)
    later, done, broken = ids[:3], ids[3:5], ids[5]
    async with transaction() as session:  # an earlier real failure stays visible
        await session.execute(
            update(domains)
            .where(domains.c.id.in_(later))
            .values(
                metadata_error="HTTP 503 (attempt 1 of 3; will retry)",
                metadata_error_category="http_503",
            )
        )
    settings = settings_for(tmp_path)
    before = {name: counter(name) for name in ("deferred", "failed", "requeued", "succeeded")}
    before_reason = deferred_counter()

    with caplog.at_level(logging.INFO, logger="scrapersky.pipeline"):
        runner, _ = await run_probe(
            deferring(later, [broken], batch_size=6), settings, exit_when_idle=True
        )
    now = await db_now()
    rows = await probe_rows()

    totals = runner.totals
    assert (totals.claimed, totals.succeeded, totals.failed) == (6, 2, 1)
    assert (totals.deferred, totals.requeued, totals.released) == (3, 0, 0)
    for row_id in later:
        row = rows[row_id]
        assert row["status"] == "pending"
        assert row["metadata_attempts"] == 0  # the claim's attempt was given back
        assert row["metadata_lease_token"] is None
        assert row["metadata_finished_at"] is None
        assert row["metadata_error"] == "HTTP 503 (attempt 1 of 3; will retry)"  # untouched
        assert row["metadata_error_category"] == "http_503"
        wait = row["metadata_next_attempt_at"] - now
        assert timedelta(seconds=DELAY_S - 10) < wait <= timedelta(seconds=DELAY_S)
        assert row["contacts"] == 0  # record_success did not run for it
    assert {rows[i]["status"] for i in done} == {"completed"}
    assert rows[broken]["status"] == "error"

    # metrics: deferred (by reason), and not failed/requeued
    after = {name: counter(name) for name in before}
    assert {name: after[name] - before[name] for name in before} == {
        "deferred": 3,
        "failed": 1,
        "requeued": 0,
        "succeeded": 2,
    }
    assert deferred_counter() - before_reason == 3
    # logs: the batch line counts them, one line says why
    batch = [r for r in caplog.records if getattr(r, "action", None) == "batch"]
    assert [r.__dict__["deferred"] for r in batch] == [3]
    why = [r for r in caplog.records if getattr(r, "action", None) == "deferred"]
    assert len(why) == 1
    assert (why[0].__dict__["reason"], why[0].__dict__["count"]) == ("probe_budget", 3)
    assert "budget for probe-" in why[0].getMessage()
    # a diagnostic for the real failure only
    records = DiagnosticStore.from_settings(settings).recent()
    assert [r.item_id for r in records] == [broken]


async def test_a_deferred_row_comes_back_when_due(db: Database, tmp_path: Path) -> None:
    ids = await seed_domains(2)
    settings = settings_for(tmp_path)
    await run_probe(deferring(ids), settings, exit_when_idle=True)

    # not due yet: an idle run claims nothing
    runner, _ = await run_probe(deferring([]), settings, exit_when_idle=True)
    assert runner.totals.claimed == 0
    async with transaction() as session:  # the delay has passed
        await session.execute(
            update(domains).values(metadata_next_attempt_at=func.now() - timedelta(seconds=1))
        )
    runner, _ = await run_probe(deferring([]), settings, exit_when_idle=True)
    assert runner.totals.succeeded == 2
    for row in (await probe_rows()).values():
        assert (row["status"], row["metadata_attempts"]) == ("completed", 1)


async def test_deferring_many_times_never_uses_up_the_attempts(
    db: Database, tmp_path: Path
) -> None:
    (row_id,) = await seed_domains(1)
    settings = settings_for(tmp_path)
    for _ in range(4):  # more rounds than max_attempts (3)
        await run_probe(deferring([row_id]), settings, exit_when_idle=True)
        async with transaction() as session:
            await session.execute(update(domains).values(metadata_next_attempt_at=func.now()))
    row = (await probe_rows())[row_id]
    assert (row["status"], row["metadata_attempts"]) == ("pending", 0)


async def test_a_defer_is_fenced_by_the_lease_token(db: Database, tmp_path: Path) -> None:
    ids = await seed_domains(3)
    stage = deferring(ids)
    stage.hold_s = 0.5
    other_worker = uuid.uuid4()

    async def steal_leases() -> None:
        await stage.wait_for_calls(3)
        async with transaction() as session:  # as if the lease expired and was reclaimed
            await session.execute(
                update(domains).values(metadata_lease_token=other_worker, metadata_attempts=2)
            )

    before = counter("deferred")
    _, (runner, _) = await asyncio.gather(
        steal_leases(), run_probe(stage, settings_for(tmp_path), once=True)
    )
    assert (runner.totals.lease_lost, runner.totals.deferred) == (3, 0)
    assert counter("deferred") == before
    for row in (await probe_rows()).values():
        assert row["status"] == "processing"  # the other worker's claim is untouched
        assert row["metadata_lease_token"] == other_worker
        assert row["metadata_attempts"] == 2  # no attempt given back on its behalf
