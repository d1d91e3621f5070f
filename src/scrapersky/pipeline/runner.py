"""The three-phase stage runner: claim (short txn), work (no connection), record (short txn).

    runner = StageRunner(stage, settings=settings)
    totals = await runner.run(stop_event)          # until stop_event is set

A claim loop keeps ``spec.concurrency`` work() calls in flight: whenever a batch worth of
slots is free it claims another batch, so concurrency 100 with batch 10 runs ten batches at
once. Each batch is recorded in one transaction when its last item is done, fenced by the
batch's lease token (see ``recorder.py``): a success, a retry or terminal failure, or a
deferral (``Defer``: back to the queue later, attempt given back). On stop: no more claims,
in-flight work gets ``worker_grace_s``, the rest is cancelled and released (back to queued,
attempt not counted) in its batch's record. Database errors while claiming are logged and
retried with backoff, so a worker rides out a database restart.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from scrapersky.db.engine import Database
from scrapersky.db.queries.stage import FairRotation, anything_due, claim_batch
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import GuardViolation
from scrapersky.guard.runtime import assert_no_transaction
from scrapersky.metrics import STAGE_DB_ERRORS, STAGE_IN_FLIGHT, STAGE_PHASE_SECONDS
from scrapersky.pipeline.diagnostics import DiagnosticStore
from scrapersky.pipeline.recorder import (
    DB_RETRY_BASE_S,
    DB_RETRY_MAX_S,
    BatchRecorder,
    RunTotals,
    WorkDone,
)
from scrapersky.pipeline.stage import (
    ClaimedItem,
    Defer,
    Failure,
    Outcome,
    Stage,
    Success,
    backoff_delay,
)
from scrapersky.pipeline.transient import describe_db_error, is_transient_db_error
from scrapersky.settings import Settings

log = logging.getLogger("scrapersky.pipeline.runner")

SHUTDOWN_RECORD_S = 10.0  # seconds batches get to record/release after the grace period

__all__ = ["RunTotals", "StageRunner"]


class StageRunner:
    """Runs one stage: the claim loop, its batches' work, and their records."""

    def __init__(
        self,
        stage: Stage[Any],
        *,
        settings: Settings,
        database: Database | None = None,
        diagnostics: DiagnosticStore | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.stage = stage
        self.spec = stage.spec
        self.database = database
        self.poll_interval_s = settings.worker_poll_interval_s
        self.grace_s = settings.worker_grace_s
        self.synchronous_commit = settings.worker_synchronous_commit
        self.totals = RunTotals()
        self.recorder = BatchRecorder(
            stage,
            record_retry_s=settings.worker_record_retry_s,
            synchronous_commit=settings.worker_synchronous_commit,
            totals=self.totals,
            database=database,
            diagnostics=diagnostics,
            rand=rand,
        )
        self._rand = rand
        # fair_by stages: this runner's round-robin over the column's values, across claims
        self._rotation = FairRotation() if self.spec.fair_by else None
        self._free = self.spec.concurrency
        # Batches claimed but not yet recorded. Slots free when work() ends, so fast work
        # must not let claims run ahead of records (rows would wait in processing).
        self._max_batches = 2 * -(-self.spec.concurrency // self.spec.batch_size)
        self._capacity = asyncio.Event()  # a slot freed or a batch was recorded
        self._idle = asyncio.Event()
        self._idle.set()
        self._items: set[asyncio.Task[WorkDone]] = set()
        self._batches: set[asyncio.Task[None]] = set()
        self._labels = {"stage": self.spec.name}
        self._claim_seconds = STAGE_PHASE_SECONDS.labels(phase="claim", **self._labels)
        self._work_seconds = STAGE_PHASE_SECONDS.labels(phase="work", **self._labels)
        self._in_flight_gauge = STAGE_IN_FLIGHT.labels(**self._labels)

    @property
    def in_flight(self) -> int:
        """work() calls running right now."""
        return self.spec.concurrency - self._free

    # --- phase 1: the claim loop ------------------------------------------------------------

    async def run(
        self,
        stop: asyncio.Event | None = None,
        *,
        once: bool = False,
        exit_when_idle: bool = False,
        force: asyncio.Event | None = None,
    ) -> RunTotals:
        """Claim and process until ``stop`` is set (or after one batch, or when idle)."""
        stop = stop or asyncio.Event()
        force = force or asyncio.Event()
        try:
            await self._claim_loop(stop, once=once, exit_when_idle=exit_when_idle)
        except asyncio.CancelledError:
            stop.set()
            force.set()  # cancelled from outside: release what is in flight right away
            raise
        finally:
            await self._drain(graceful=stop.is_set(), force=force)
        return self.totals

    async def _claim_loop(self, stop: asyncio.Event, *, once: bool, exit_when_idle: bool) -> None:
        want = min(self.spec.batch_size, self.spec.concurrency)
        failures = 0
        while not stop.is_set():
            if self._free < want or len(self._batches) >= self._max_batches:
                self._capacity.clear()
                await _wait_any([stop, self._capacity], None)
                continue
            try:
                claimed, claim_s = await self._claim(want)
            except Exception as exc:
                if not is_transient_db_error(exc):
                    raise
                failures += 1
                delay = backoff_delay(
                    failures, base_s=DB_RETRY_BASE_S, max_s=DB_RETRY_MAX_S, rand=self._rand
                )
                STAGE_DB_ERRORS.labels(phase="claim", **self._labels).inc()
                log.warning(
                    "claim failed; retrying",
                    extra={
                        "action": "claim_failed",
                        "stage": self.spec.name,
                        "error": describe_db_error(exc),
                        "retry_in_s": round(delay, 2),
                    },
                )
                await _wait_any([stop], delay)
                continue
            if failures:
                log.info(
                    "database reachable again",
                    extra={"action": "claim_recovered", "stage": self.spec.name},
                )
                failures = 0
            if claimed:
                self._start_batch(claimed, claim_s)
            if once:
                return
            if len(claimed) < want:
                if exit_when_idle and not self._batches and not await self._anything_due():
                    return
                # idle: poll again later - or as soon as in-flight batches are recorded,
                # when exiting on idle (their rows may be due again right away)
                waits = [stop, self._idle] if exit_when_idle else [stop]
                await _wait_any(waits, self.poll_interval_s)

    async def _anything_due(self) -> bool:
        """A short claim can also mean rows locked by another transaction (another stage
        on the same table, another worker's claim): only an unlocked look says idle."""
        try:
            async with transaction(self.database) as session:
                return await anything_due(session, self.spec.target)
        except Exception as exc:
            if is_transient_db_error(exc):
                return True  # cannot tell: not idle
            raise

    async def _claim(self, want: int) -> tuple[list[ClaimedItem], float]:
        token = uuid.uuid4()
        started = time.perf_counter()
        async with transaction(self.database) as session:
            rows = await claim_batch(
                session,
                self.spec.target,
                limit=want,
                token=token,
                lease_s=self.spec.lease_s,
                asynchronous_commit=not self.synchronous_commit,
                rotation=self._rotation,
            )
        elapsed = time.perf_counter() - started
        self._claim_seconds.observe(elapsed)
        return [ClaimedItem(r.id, r.attempts, token, r.values) for r in rows], elapsed

    def _start_batch(self, items: list[ClaimedItem], claim_s: float) -> None:
        # Synchronous on purpose: the slots are taken before anything else can run.
        self._free -= len(items)
        self._idle.clear()
        self.totals.claimed += len(items)
        tasks = []
        for item in items:
            task = asyncio.create_task(self._work_one(item), name=f"{self.spec.name}:{item.id}")
            self._items.add(task)
            task.add_done_callback(self._items.discard)
            tasks.append(task)
        batch = asyncio.create_task(self._finish_batch(items, tasks, claim_s))
        self._batches.add(batch)
        batch.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._batches.discard(task)
        self._capacity.set()
        if not self._batches:
            self._idle.set()
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "batch task failed",
                exc_info=task.exception(),
                extra={"action": "batch_crashed", "stage": self.spec.name},
            )

    # --- phase 2: work, with no connection --------------------------------------------------

    async def _work_one(self, item: ClaimedItem) -> WorkDone:
        self._in_flight_gauge.inc()
        started = time.perf_counter()
        try:
            outcome = await self._call_work(item)
            return WorkDone(item, outcome, time.perf_counter() - started)
        finally:
            self._work_seconds.observe(time.perf_counter() - started)
            self._in_flight_gauge.dec()
            self._free += 1
            self._capacity.set()

    async def _call_work(self, item: ClaimedItem) -> Outcome:
        deadline = asyncio.timeout(self.spec.item_timeout_s)
        try:
            # The runner never holds a transaction here; strict mode proves it.
            assert_no_transaction(f"{self.spec.name} work()")
            async with deadline:
                outcome: object = await self.stage.work(item)
        except TimeoutError as exc:
            if deadline.expired():
                return Failure("timeout", f"no result within {self.spec.item_timeout_s:g}s")
            return Failure("crash", f"TimeoutError: {exc}")
        except GuardViolation as exc:
            return Failure("guard", f"{type(exc).__name__}: {exc}", retryable=False)
        except Exception as exc:
            return Failure("crash", f"{type(exc).__name__}: {exc}")
        if isinstance(outcome, Success | Failure | Defer):
            return outcome
        message = f"work() returned {type(outcome).__name__}, not Success, Failure or Defer"
        return Failure("crash", message, retryable=False)

    async def _finish_batch(
        self, items: list[ClaimedItem], tasks: list[asyncio.Task[WorkDone]], claim_s: float
    ) -> None:
        started = time.perf_counter()
        try:
            await asyncio.wait(tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            raise
        done: list[WorkDone] = []
        released: list[ClaimedItem] = []
        for item, task in zip(items, tasks, strict=True):
            if task.cancelled():
                released.append(item)
            elif (error := task.exception()) is not None:
                failure = Failure("crash", f"{type(error).__name__}: {error}")
                done.append(WorkDone(item, failure, 0.0))
            else:
                done.append(task.result())
        await self.recorder.record(
            items[0].lease_token,
            done,
            released,
            claim_s=claim_s,
            work_s=time.perf_counter() - started,
        )

    # --- shutdown ---------------------------------------------------------------------------

    async def _drain(self, *, graceful: bool, force: asyncio.Event) -> None:
        """Let batches finish: all of them (natural end) or within the grace period (stop)."""
        if not self._batches:
            return
        if not graceful:
            await asyncio.wait(list(self._batches))
            return
        if self._items and not force.is_set():
            log.info(
                "stopping: waiting for in-flight work",
                extra={
                    "action": "drain",
                    "stage": self.spec.name,
                    "in_flight": len(self._items),
                    "grace_s": self.grace_s,
                },
            )
            items_done = asyncio.ensure_future(asyncio.wait(list(self._items)))
            try:
                await _wait_any([force], self.grace_s, also=[items_done])
            finally:
                items_done.cancel()
        for item_task in list(self._items):
            item_task.cancel()  # their batches release them
        _, pending = await asyncio.wait(list(self._batches), timeout=SHUTDOWN_RECORD_S)
        if pending:
            log.error(
                "batches could not record in time; their rows return when leases expire",
                extra={"action": "drain_abandoned", "stage": self.spec.name},
            )
            for task in pending:
                task.cancel()
            await asyncio.wait(pending)


async def _wait_any(
    events: Sequence[asyncio.Event],
    seconds: float | None,
    *,
    also: Sequence[asyncio.Future[Any]] = (),
) -> None:
    """Return when any event is set, any future in ``also`` is done, or after ``seconds``."""
    if any(event.is_set() for event in events):
        return
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait([*waiters, *also], timeout=seconds, return_when="FIRST_COMPLETED")
    finally:
        for waiter in waiters:
            waiter.cancel()
