"""Runtime guards: no long connection holds, no network I/O inside a transaction.

``transaction()`` marks the current task as holding a transaction; the web layer calls
:func:`assert_no_transaction` before every request. Pool checkout/checkin events time every
connection hold, feed a Prometheus histogram and warn (with the stack where the connection
was taken) past a threshold. In strict mode (the test suite) violations raise::

    configure_guard(hold_warn_s=5.0, strict=True)
    assert_no_transaction("GET https://example.com/")
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import greenlet
from sqlalchemy import event
from sqlalchemy.engine import Engine

from scrapersky.exceptions import ConnectionHeldTooLong, NetworkInTransaction
from scrapersky.metrics import (
    DB_CONNECTION_HOLD_SECONDS,
    DB_CONNECTIONS_IN_USE,
    DB_HOLD_WARNINGS,
)

log = logging.getLogger("scrapersky.guard")

_transaction_open: ContextVar[bool] = ContextVar("scrapersky_transaction_open", default=False)

# Frames from these packages are noise in a "where was this connection taken" stack.
_NOISE = ("sqlalchemy", "asyncio", "greenlet", "contextlib", "scrapersky/guard/runtime")


@dataclass
class GuardConfig:
    hold_warn_s: float = 5.0
    strict: bool = False


@dataclass
class HoldStats:
    """Per-process connection hold statistics (benchmarks and `db health` read these)."""

    in_use: int = 0
    peak_in_use: int = 0
    holds: list[float] = field(default_factory=list)
    max_samples: int = 200_000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.peak_in_use = self.in_use
            self.holds.clear()

    def percentile(self, q: float) -> float:
        with self.lock:
            data = sorted(self.holds)
        if not data:
            return 0.0
        index = min(len(data) - 1, max(0, round(q / 100 * len(data)) - 1))
        return data[index]


CONFIG = GuardConfig()
STATS = HoldStats()


def configure_guard(*, hold_warn_s: float | None = None, strict: bool | None = None) -> None:
    if hold_warn_s is not None:
        CONFIG.hold_warn_s = hold_warn_s
    if strict is not None:
        CONFIG.strict = strict


def in_transaction() -> bool:
    """True while the current task is inside ``transaction()``."""
    return _transaction_open.get()


@contextlib.contextmanager
def transaction_open_flag() -> Iterator[None]:
    token = _transaction_open.set(True)
    try:
        yield
    finally:
        _transaction_open.reset(token)


@contextlib.contextmanager
def outside_transaction() -> Iterator[None]:
    """For work spawned from a transaction into a task that will not use it (rare)."""
    token = _transaction_open.set(False)
    try:
        yield
    finally:
        _transaction_open.reset(token)


def assert_no_transaction(action: str) -> None:
    """Refuse network I/O while this task holds a transaction (raise in strict mode)."""
    if not _transaction_open.get():
        return
    message = (
        f"{action} attempted while a database transaction is open; "
        "do network work outside transaction() (phase 2 of the stage contract)"
    )
    if CONFIG.strict:
        raise NetworkInTransaction(message)
    log.warning(message, extra={"action": "network_in_transaction"})


def capture_stack(limit: int = 40) -> traceback.StackSummary:
    """The caller's stack, followed across SQLAlchemy's greenlet bridge into the async caller."""
    frames: list[tuple[FrameType, int]] = []
    frame: FrameType | None = sys._getframe(1)
    current = greenlet.getcurrent()
    while len(frames) < limit:
        while frame is not None and len(frames) < limit:
            frames.append((frame, frame.f_lineno))
            frame = frame.f_back
        current = current.parent
        if current is None:
            break
        frame = current.gr_frame
    useful = [(f, n) for f, n in frames if not any(p in f.f_code.co_filename for p in _NOISE)]
    summary = traceback.StackSummary.extract(iter(useful or frames), lookup_lines=False)
    summary.reverse()
    return summary


def report_hold(
    seconds: float, stack: traceback.StackSummary | None, *, raise_strict: bool
) -> None:
    """Warn (or raise in strict mode) about a hold longer than the threshold."""
    if seconds <= CONFIG.hold_warn_s:
        return
    DB_HOLD_WARNINGS.inc()
    where = "".join(stack.format()) if stack else "  (stack not captured)\n"
    message = (
        f"database connection held for {seconds:.3f}s (threshold {CONFIG.hold_warn_s:.3f}s); "
        f"taken at:\n{where}"
    )
    log.warning(message, extra={"action": "connection_held_too_long", "seconds": seconds})
    if raise_strict and CONFIG.strict:
        raise ConnectionHeldTooLong(message)


def _on_checkout(dbapi_conn: Any, record: Any, proxy: Any) -> None:
    record.info["scrapersky_checkout_at"] = time.perf_counter()
    record.info["scrapersky_checkout_stack"] = capture_stack()
    with STATS.lock:
        STATS.in_use += 1
        STATS.peak_in_use = max(STATS.peak_in_use, STATS.in_use)
    DB_CONNECTIONS_IN_USE.inc()


def _on_checkin(dbapi_conn: Any, record: Any) -> None:
    started = record.info.pop("scrapersky_checkout_at", None)
    stack = record.info.pop("scrapersky_checkout_stack", None)
    if started is None:
        return
    held = time.perf_counter() - started
    with STATS.lock:
        STATS.in_use -= 1
        if len(STATS.holds) < STATS.max_samples:
            STATS.holds.append(held)
    DB_CONNECTIONS_IN_USE.dec()
    DB_CONNECTION_HOLD_SECONDS.observe(held)
    # Checkin runs inside the pool: never raise here, transaction() raises in strict mode.
    report_hold(held, stack, raise_strict=False)


def instrument_engine(engine: Engine) -> None:
    """Attach the hold guard to an engine's pool (idempotent)."""
    if getattr(engine.pool, "_scrapersky_guarded", False):
        return
    event.listen(engine.pool, "checkout", _on_checkout)
    event.listen(engine.pool, "checkin", _on_checkin)
    engine.pool._scrapersky_guarded = True  # type: ignore[attr-defined]
