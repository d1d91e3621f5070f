"""Phase 3: record one batch in one short transaction, fenced by the batch's lease token.

    recorder = BatchRecorder(stage, settings=settings, totals=RunTotals())
    await recorder.record(token, done, released, claim_s=0.004, work_s=0.8)

The fenced status update returns the ids this batch still owns; only those get the stage's
``record_success`` / ``on_terminal_failure`` writes, in the same transaction. A ``Defer`` needs
no stage write: its row goes back to the queue (attempt given back, error columns kept) and is
counted as ``deferred``, not as a failure. Rows whose lease was lost (expired and reclaimed
elsewhere) are logged and dropped. A database outage is retried with backoff for
``worker_record_retry_s`` (the work is done - keep it); a stage write that fails for another
reason is retried row by row so one bad row fails alone.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scrapersky.db.engine import Database
from scrapersky.db.queries.stage import OutcomeRow, record_outcomes
from scrapersky.db.transaction import transaction
from scrapersky.metrics import STAGE_DB_ERRORS, STAGE_DEFERRED, STAGE_ITEMS, STAGE_PHASE_SECONDS
from scrapersky.pipeline.diagnostics import DiagnosticRecord, DiagnosticStore
from scrapersky.pipeline.stage import (
    ClaimedItem,
    Defer,
    Failure,
    Outcome,
    Stage,
    Success,
    backoff_delay,
    decide,
    describe_failure,
)
from scrapersky.pipeline.transient import describe_db_error, is_transient_db_error

log = logging.getLogger("scrapersky.pipeline.runner")

DB_RETRY_BASE_S = 0.2  # seconds: first wait after a failed claim/record; doubles
DB_RETRY_MAX_S = 5.0  # seconds: cap on that wait between claims
RECORD_RETRY_MAX_S = 1.0  # seconds: records retry sooner - finished work, lease ticking
_METRIC_OUTCOME = {
    "success": "succeeded",
    "retry": "requeued",
    "failure": "failed",
    "release": "released",
    "defer": "deferred",
}


@dataclass
class RunTotals:
    batches: int = 0
    claimed: int = 0
    succeeded: int = 0
    requeued: int = 0
    failed: int = 0
    released: int = 0
    deferred: int = 0  # back in the queue without using an attempt (Defer)
    lease_lost: int = 0
    unrecorded: int = 0  # work done but the record gave up (rows return after lease expiry)


@dataclass
class WorkDone:
    item: ClaimedItem
    outcome: Outcome
    work_s: float


class BatchRecorder:
    def __init__(
        self,
        stage: Stage[Any],
        *,
        record_retry_s: float,
        totals: RunTotals,
        synchronous_commit: bool = True,
        database: Database | None = None,
        diagnostics: DiagnosticStore | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.stage = stage
        self.spec = stage.spec
        self.record_retry_s = record_retry_s
        self.synchronous_commit = synchronous_commit
        self.totals = totals
        self.database = database
        self.diagnostics = diagnostics
        self._rand = rand
        self._labels = {"stage": self.spec.name}
        self._record_seconds = STAGE_PHASE_SECONDS.labels(phase="record", **self._labels)

    def plan(self, done: Iterable[WorkDone], released: Iterable[ClaimedItem]) -> list[OutcomeRow]:
        """The status update for every row of the batch, in id order (one lock order)."""
        rows = [OutcomeRow(item.id, "release") for item in released]
        for entry in done:
            kind, delay = decide(self.spec, entry.item, entry.outcome, self._rand)
            if isinstance(entry.outcome, Failure):
                failure = entry.outcome
                message = describe_failure(entry.item, self.spec, failure, kind == "failure")
                rows.append(OutcomeRow(entry.item.id, kind, delay, failure.category, message))
            elif isinstance(entry.outcome, Defer):
                rows.append(OutcomeRow(entry.item.id, kind, delay, entry.outcome.reason))
            else:
                rows.append(OutcomeRow(entry.item.id, "success"))
        return sorted(rows, key=lambda row: row.id)

    async def record(
        self,
        token: uuid.UUID,
        done: list[WorkDone],
        released: list[ClaimedItem],
        *,
        claim_s: float,
        work_s: float,
    ) -> None:
        rows = self.plan(done, released)
        started = time.perf_counter()
        deadline = time.monotonic() + self.record_retry_s
        failures = 0
        while True:
            try:
                owned = await self._record_once(token, rows, done)
                break
            except Exception as exc:
                if not is_transient_db_error(exc):
                    log.error(
                        "recording the batch failed; recording item by item",
                        exc_info=exc,
                        extra={"action": "record_error", "stage": self.spec.name},
                    )
                    owned, rows = await self._record_isolated(token, rows, done)
                    break
                failures += 1
                STAGE_DB_ERRORS.labels(phase="record", **self._labels).inc()
                delay = backoff_delay(
                    failures, base_s=DB_RETRY_BASE_S, max_s=RECORD_RETRY_MAX_S, rand=self._rand
                )
                if time.monotonic() + delay > deadline:
                    self.totals.unrecorded += len(rows)
                    log.error(
                        "giving up on recording a batch; its rows return when the lease expires",
                        extra={
                            "action": "record_abandoned",
                            "stage": self.spec.name,
                            "ids": [row.id for row in rows],
                            "error": describe_db_error(exc),
                        },
                    )
                    return
                log.warning(
                    "record failed; retrying",
                    extra={
                        "action": "record_failed",
                        "stage": self.spec.name,
                        "error": describe_db_error(exc),
                        "retry_in_s": round(delay, 2),
                    },
                )
                await asyncio.sleep(delay)
        self._account(rows, owned, claim_s, work_s, time.perf_counter() - started)
        self._log_deferrals(rows, owned, done)
        await self._write_diagnostics(rows, owned, done)

    async def _record_once(
        self, token: uuid.UUID, rows: Sequence[OutcomeRow], done: Sequence[WorkDone]
    ) -> set[int]:
        started = time.perf_counter()
        async with transaction(self.database) as session:
            owned = await record_outcomes(
                session,
                self.spec.target,
                token,
                rows,
                asynchronous_commit=not self.synchronous_commit,
            )
            kinds = {row.id: row.kind for row in rows}
            successes = []
            terminal = []
            for entry in done:
                if entry.item.id not in owned:
                    continue
                if isinstance(entry.outcome, Success):
                    successes.append((entry.item, entry.outcome.result))
                elif isinstance(entry.outcome, Failure) and kinds[entry.item.id] == "failure":
                    terminal.append((entry.item, entry.outcome))
            if successes:
                await self.stage.record_success(session, successes)
            if terminal:
                await self.stage.on_terminal_failure(session, terminal)
        self._record_seconds.observe(time.perf_counter() - started)
        return owned

    async def _record_isolated(
        self, token: uuid.UUID, rows: Sequence[OutcomeRow], done: list[WorkDone]
    ) -> tuple[set[int], list[OutcomeRow]]:
        """One transaction per row, so a stage write that fails only fails its own row."""
        by_id = {entry.item.id: index for index, entry in enumerate(done)}
        owned: set[int] = set()
        effective: list[OutcomeRow] = []
        for row in rows:
            index = by_id.get(row.id)
            entries = [done[index]] if index is not None else []
            try:
                owned |= await self._record_once(token, [row], entries)
                effective.append(row)
                continue
            except Exception as exc:
                error = f"saving the result failed: {type(exc).__name__}: {exc}"[:1000]
            fallback = row
            if index is not None:
                item = done[index].item
                failure = Failure("record", error)
                kind, delay = decide(self.spec, item, failure, self._rand)
                message = describe_failure(item, self.spec, failure, kind == "failure")
                fallback = OutcomeRow(row.id, kind, delay, "record", message)
                done[index] = WorkDone(item, failure, done[index].work_s)
            effective.append(fallback)
            try:
                owned |= await self._record_once(token, [fallback], [])
            except Exception as exc:
                log.error(
                    "could not record item; it returns when its lease expires",
                    extra={"action": "record_item_failed", "id": row.id, "error": str(exc)},
                )
        return owned, effective

    def _account(
        self,
        rows: Sequence[OutcomeRow],
        owned: set[int],
        claim_s: float,
        work_s: float,
        record_s: float,
    ) -> None:
        counts = dict.fromkeys(_METRIC_OUTCOME, 0)
        for row in rows:
            if row.id in owned:
                counts[row.kind] += 1
        lost = sorted(row.id for row in rows if row.id not in owned)
        for kind, count in counts.items():
            if count:
                STAGE_ITEMS.labels(outcome=_METRIC_OUTCOME[kind], **self._labels).inc(count)
        if lost:
            STAGE_ITEMS.labels(outcome="lease_lost", **self._labels).inc(len(lost))
            log.warning(
                "lease lost; results dropped",
                extra={"action": "lease_lost", "stage": self.spec.name, "ids": lost},
            )
        totals = self.totals
        totals.batches += 1
        totals.succeeded += counts["success"]
        totals.requeued += counts["retry"]
        totals.failed += counts["failure"]
        totals.released += counts["release"]
        totals.deferred += counts["defer"]
        totals.lease_lost += len(lost)
        log.info(
            "batch recorded",
            extra={
                "action": "batch",
                "stage": self.spec.name,
                "claimed": len(rows),
                "succeeded": counts["success"],
                "requeued": counts["retry"],
                "failed": counts["failure"],
                "released": counts["release"],
                "deferred": counts["defer"],
                "lease_lost": len(lost),
                "claim_ms": round(claim_s * 1000, 1),
                "work_ms": round(work_s * 1000, 1),
                "record_ms": round(record_s * 1000, 1),
            },
        )

    def _log_deferrals(
        self, rows: Sequence[OutcomeRow], owned: set[int], done: Sequence[WorkDone]
    ) -> None:
        """``scrapersky_stage_deferred_total{stage,reason}`` and one log line per reason."""
        deferred = {row.id for row in rows if row.kind == "defer" and row.id in owned}
        by_reason: dict[str, list[Defer]] = {}
        for entry in done:
            if entry.item.id in deferred and isinstance(entry.outcome, Defer):
                by_reason.setdefault(entry.outcome.reason, []).append(entry.outcome)
        for reason, defers in by_reason.items():
            STAGE_DEFERRED.labels(stage=self.spec.name, reason=reason).inc(len(defers))
            log.info(
                "%d item(s) deferred (%s): %s",
                len(defers),
                reason,
                defers[0].message or reason,
                extra={
                    "action": "deferred",
                    "stage": self.spec.name,
                    "reason": reason,
                    "count": len(defers),
                    "delay_s": round(max(d.delay_s for d in defers), 1),
                },
            )

    async def _write_diagnostics(
        self, rows: Sequence[OutcomeRow], owned: set[int], done: Sequence[WorkDone]
    ) -> None:
        if self.diagnostics is None or not self.diagnostics.enabled:
            return
        terminal = {row.id: row for row in rows if row.kind == "failure" and row.id in owned}
        for entry in done:
            row = terminal.get(entry.item.id)
            if row is None:
                continue
            failure = entry.outcome if isinstance(entry.outcome, Failure) else None
            record = DiagnosticRecord(
                stage=self.spec.name,
                item_id=entry.item.id,
                attempts=entry.item.attempt,
                category=row.category or "error",
                message=row.message or "",
                work_s=round(entry.work_s, 3),
                response_head=DiagnosticRecord.head_text(failure.diagnostic if failure else None),
                retryable=failure.retryable if failure else True,
                item=dict(entry.item.values),
            )
            await asyncio.to_thread(self.diagnostics.write, record)
