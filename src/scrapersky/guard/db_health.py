"""Database health: connections, stuck transactions, long statements, lock waits, our pool.

    report = await check_health(database, HealthThresholds(idle_in_transaction_s=120))
    report.healthy, report.problems   # terminate_stuck=True also ends OUR stuck backends

The database is UNHEALTHY when, in the current database and for any application:
- a backend has been idle in a transaction longer than ``idle_in_transaction_s`` - unless
  this very check terminated it (``terminate_stuck``);
- a statement has been running longer than ``long_query_s``;
- a backend has been waiting on a lock longer than ``blocked_s``.
Everything else (connection counts, shorter lock waits, this process's pool) is information.
``terminate_stuck`` only ends backends whose application_name is ours, idle in a
transaction past the threshold, and never the backend running the check.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.pool import QueuePool

from scrapersky.db.engine import Database
from scrapersky.db.queries.health import (
    IDLE_IN_TRANSACTION_STATES,
    ActivityRow,
    TerminatedRow,
    activity,
    terminate_stuck,
)
from scrapersky.db.transaction import transaction
from scrapersky.guard.runtime import STATS
from scrapersky.metrics import (
    DB_BLOCKED_BACKENDS,
    DB_HEALTH_OK,
    DB_IDLE_IN_TRANSACTION_MAX_SECONDS,
    DB_LONGEST_STATEMENT_SECONDS,
    DB_STUCK_TERMINATED,
)

log = logging.getLogger("scrapersky.guard.health")


@dataclass(frozen=True)
class HealthThresholds:
    idle_in_transaction_s: float = 120.0  # seconds idle inside a transaction
    long_query_s: float = 300.0  # seconds one statement has been running
    blocked_s: float = 60.0  # seconds a backend has been waiting on a lock


@dataclass(frozen=True)
class PoolStats:
    """This process's connection pool and hold statistics (guard.runtime.STATS)."""

    size: int
    max_overflow: int
    checked_out: int
    checked_in: int
    overflow: int
    in_use: int
    peak_in_use: int
    hold_p50_s: float
    hold_p99_s: float
    hold_samples: int


@dataclass(frozen=True)
class ConnectionCount:
    application_name: str
    state: str
    count: int


@dataclass(frozen=True)
class LockWait:
    backend: ActivityRow
    waiting_s: float
    blockers: tuple[ActivityRow, ...]  # the blocking backends found in this database


@dataclass
class HealthReport:
    database: str
    application_name: str
    self_pid: int | None
    thresholds: HealthThresholds
    connections: list[ConnectionCount]
    idle_in_transaction: list[ActivityRow]  # past the threshold, any application
    long_running: list[ActivityRow]
    lock_waits: list[LockWait]  # every current lock wait, with its blockers
    terminated: list[TerminatedRow]
    pool: PoolStats
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        ended = {t.pid for t in self.terminated if t.terminated}
        return {
            "healthy": self.healthy,
            "problems": self.problems,
            "database": self.database,
            "application_name": self.application_name,
            "self_pid": self.self_pid,
            "thresholds": asdict(self.thresholds),
            "connections": [asdict(c) for c in self.connections],
            "idle_in_transaction": [
                {
                    **_backend(row),
                    "ours": row.application_name == self.application_name,
                    "terminated": row.pid in ended,
                }
                for row in self.idle_in_transaction
            ],
            "long_running": [_backend(row) for row in self.long_running],
            "lock_waits": [
                {
                    **_backend(wait.backend),
                    "waiting_s": _seconds(wait.waiting_s),
                    "blockers": [_backend(b) for b in wait.blockers],
                }
                for wait in self.lock_waits
            ],
            "terminated": [
                {**asdict(t), "idle_s": _seconds(t.idle_s), "xact_age_s": _seconds(t.xact_age_s)}
                for t in self.terminated
            ],
            "pool": asdict(self.pool),
        }


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _backend(row: ActivityRow) -> dict[str, Any]:
    data = asdict(row)
    for key in ("xact_age_s", "state_age_s", "query_age_s", "lock_wait_s"):
        data[key] = _seconds(data[key])
    data["blocking_pids"] = list(row.blocking_pids)
    return data


def pool_stats(database: Database) -> PoolStats:
    pool = database.engine.pool
    queue = pool if isinstance(pool, QueuePool) else None
    with STATS.lock:
        in_use, peak, samples = STATS.in_use, STATS.peak_in_use, len(STATS.holds)
    return PoolStats(
        size=queue.size() if queue else 0,
        max_overflow=database.settings.pool_max_overflow,
        checked_out=queue.checkedout() if queue else 0,
        checked_in=queue.checkedin() if queue else 0,
        overflow=max(0, queue.overflow()) if queue else 0,
        in_use=in_use,
        peak_in_use=peak,
        hold_p50_s=round(STATS.percentile(50), 6),
        hold_p99_s=round(STATS.percentile(99), 6),
        hold_samples=samples,
    )


def _describe(row: ActivityRow) -> str:
    query = " ".join(row.query.split())
    query = query if len(query) <= 200 else query[:197] + "..."
    return f"pid {row.pid} ({row.application_name or 'no application_name'}): {query or '-'}"


def evaluate(
    rows: list[ActivityRow],
    thresholds: HealthThresholds,
    *,
    application_name: str,
    database: str,
    pool: PoolStats,
    terminated: list[TerminatedRow] | None = None,
) -> HealthReport:
    """Apply the health rules to one pg_stat_activity snapshot (pure)."""
    terminated = terminated or []
    ended = {t.pid for t in terminated if t.terminated}
    others = [row for row in rows if not row.is_self]
    counts = Counter((row.application_name, row.state or "unknown") for row in rows)
    stuck = [
        row
        for row in others
        if row.state in IDLE_IN_TRANSACTION_STATES
        and (row.state_age_s or 0.0) > thresholds.idle_in_transaction_s
    ]
    long_running = [
        row
        for row in others
        if row.state == "active" and (row.query_age_s or 0.0) > thresholds.long_query_s
    ]
    by_pid = {row.pid: row for row in rows}
    lock_waits = [
        LockWait(
            row,
            row.lock_wait_s if row.lock_wait_s is not None else (row.query_age_s or 0.0),
            tuple(by_pid[pid] for pid in row.blocking_pids if pid in by_pid),
        )
        for row in others
        if row.blocking_pids
    ]
    problems = [
        f"idle in transaction for {row.state_age_s or 0.0:.1f}s: {_describe(row)}"
        for row in stuck
        if row.pid not in ended
    ]
    problems += [
        f"statement running for {row.query_age_s or 0.0:.1f}s: {_describe(row)}"
        for row in long_running
    ]
    problems += [
        f"waiting {wait.waiting_s:.1f}s on a lock held by pid(s) "
        f"{', '.join(map(str, wait.backend.blocking_pids))}: {_describe(wait.backend)}"
        for wait in lock_waits
        if wait.waiting_s > thresholds.blocked_s
    ]
    return HealthReport(
        database=database,
        application_name=application_name,
        self_pid=next((row.pid for row in rows if row.is_self), None),
        thresholds=thresholds,
        connections=[ConnectionCount(app, state, n) for (app, state), n in sorted(counts.items())],
        idle_in_transaction=stuck,
        long_running=long_running,
        lock_waits=lock_waits,
        terminated=terminated,
        pool=pool,
        problems=problems,
    )


def _record_metrics(report: HealthReport, rows: list[ActivityRow]) -> None:
    idle = [
        row.state_age_s or 0.0
        for row in rows
        if not row.is_self and row.state in IDLE_IN_TRANSACTION_STATES
    ]
    running = [row.query_age_s or 0.0 for row in rows if not row.is_self and row.state == "active"]
    DB_HEALTH_OK.set(1 if report.healthy else 0)
    DB_IDLE_IN_TRANSACTION_MAX_SECONDS.set(max(idle, default=0.0))
    DB_LONGEST_STATEMENT_SECONDS.set(max(running, default=0.0))
    DB_BLOCKED_BACKENDS.set(len(report.lock_waits))
    DB_STUCK_TERMINATED.inc(sum(t.terminated for t in report.terminated))


async def check_health(
    database: Database,
    thresholds: HealthThresholds | None = None,
    *,
    terminate: bool = False,
) -> HealthReport:
    """One activity snapshot; with ``terminate``, end our own stuck backends first-hand."""
    thresholds = thresholds or HealthThresholds()
    application_name = database.settings.application_name
    async with transaction(database) as session:
        rows = await activity(session)
    ended: list[TerminatedRow] = []
    if terminate:
        async with transaction(database) as session:
            ended = await terminate_stuck(
                session,
                application_name=application_name,
                idle_s=thresholds.idle_in_transaction_s,
            )
        for row in ended:
            log.warning(
                "terminated stuck backend pid %s (idle in transaction %.1fs): %s",
                row.pid,
                row.idle_s,
                row.query,
                extra={"action": "stuck_backend_terminated", "pid": row.pid},
            )
    report = evaluate(
        rows,
        thresholds,
        application_name=application_name,
        database=database.url.database or "",
        pool=pool_stats(database),
        terminated=ended,
    )
    _record_metrics(report, rows)
    return report
