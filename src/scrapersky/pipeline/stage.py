"""What a stage declares (``StageSpec``) and implements (``Stage``); the runner does the rest.

    spec = StageSpec.on(QUEUES["metadata"], name="metadata", batch_size=20, concurrency=50)
    class MetadataStage(BaseStage[Homepage]): spec = spec; async def work(self, item): ...

``work()`` does network and CPU only - no database - and returns ``Success``, ``Failure`` or
``Defer`` (not now, not this row's fault). ``record_success()`` writes the stage's
results inside the runner's phase-3 transaction, for items whose lease the runner verified.
Delivery is at-least-once (a record whose commit was lost in a database restart is retried,
and a crashed worker's rows are claimed again), so those writes must be idempotent:
``INSERT ... ON CONFLICT DO NOTHING`` / ``DO UPDATE``, or plain ``UPDATE ... SET``.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.queries.stage import StageTarget
from scrapersky.exceptions import ConfigurationError

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
DIAGNOSTIC_BYTES = 1024  # what a Failure keeps of a response for the diagnostic record
MAX_ERROR_CHARS = 2000  # of a failure message stored on the row
MAX_DEFER_S = 30 * 86400.0  # seconds: a longer Defer is shortened to this


@dataclass(frozen=True)
class StageSpec:
    """A stage's queue (table, status column, column prefix, status labels) and tunables."""

    name: str
    table: Table
    status_column: str
    prefix: str
    queued: str
    processing: str
    success: str
    failure: str
    columns: tuple[str, ...] = ()  # loaded into ClaimedItem.values for work()
    batch_size: int = 10  # rows per claim and per record transaction
    concurrency: int = 10  # work() calls in flight at once, across batches
    lease_s: float = 120.0  # seconds a claim is exclusive; a crashed worker's rows wait this
    item_timeout_s: float = 90.0  # hard cap on one work() call; must be < lease_s
    max_attempts: int = 3
    backoff_base_s: float = 30.0  # first retry delay; doubles per attempt
    backoff_max_s: float = 3600.0
    backoff_jitter: float = 0.25  # +/- fraction of the delay
    fair_by: str | None = None  # claim round-robin across this column's values
    target: StageTarget = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = []
        if not _NAME.match(self.name):
            problems.append("name must be lower_snake_case")
        if self.batch_size < 1 or self.concurrency < 1 or self.max_attempts < 1:
            problems.append("batch_size, concurrency and max_attempts must be >= 1")
        if not 0 < self.item_timeout_s < self.lease_s:
            problems.append(
                f"item_timeout_s ({self.item_timeout_s}) must be > 0 and shorter than lease_s "
                f"({self.lease_s}), or a slow item would outlive its lease"
            )
        if not 0 <= self.backoff_base_s <= self.backoff_max_s:
            problems.append("need 0 <= backoff_base_s <= backoff_max_s")
        if not 0 <= self.backoff_jitter <= 1:
            problems.append("backoff_jitter is a fraction between 0 and 1")
        try:
            target = StageTarget(
                table=self.table,
                status_column=self.status_column,
                prefix=self.prefix,
                queued=self.queued,
                processing=self.processing,
                success=self.success,
                failure=self.failure,
                load_columns=tuple(self.columns),
                fair_by=self.fair_by,
            )
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            raise ConfigurationError(f"stage {self.name!r}: " + "; ".join(problems))
        object.__setattr__(self, "target", target)

    @classmethod
    def on(cls, target: StageTarget, *, name: str, **tunables: Any) -> StageSpec:
        """A spec for an existing queue declaration (see ``registry.QUEUES``)."""
        return cls(
            name=name,
            table=target.table,
            status_column=target.status_column,
            prefix=target.prefix,
            queued=target.queued,
            processing=target.processing,
            success=target.success,
            failure=target.failure,
            columns=tunables.pop("columns", target.load_columns),
            fair_by=tunables.pop("fair_by", target.fair_by),
            **tunables,
        )

    def replace(self, **changes: Any) -> StageSpec:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ClaimedItem:
    """One claimed row as ``work()`` sees it: id, attempt number (1-based), lease, columns."""

    id: int
    attempt: int
    lease_token: uuid.UUID
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, column: str) -> Any:
        return self.values[column]


@dataclass(frozen=True)
class Success(Generic[R_co]):
    result: R_co


@dataclass(frozen=True)
class Failure:
    """Why an item failed. ``retryable=False`` goes straight to the failure status.

    ``category`` is a short stable code (``timeout``, ``http_503``, ``parse``); ``message`` is
    what a user reads; ``diagnostic`` is the start of the response, for the diagnostic file.
    """

    category: str
    message: str
    retryable: bool = True
    diagnostic: bytes | None = None

    def __post_init__(self) -> None:
        if self.diagnostic is not None and len(self.diagnostic) > DIAGNOSTIC_BYTES:
            object.__setattr__(self, "diagnostic", self.diagnostic[:DIAGNOSTIC_BYTES])


@dataclass(frozen=True)
class Defer:
    """Not now, and not this row's fault: back to the queue after ``delay_s``, attempt kept.

    For a reason outside the row (scraping-API credits gone, a per-domain budget used up). The
    row goes back to its queued status, due in ``delay_s`` seconds, with the attempt its claim
    took given back; its error columns keep the last real failure. ``reason`` is a short stable
    code (``credits``, ``domain_cap``) for logs and the ``scrapersky_stage_deferred_total``
    metric; ``message`` is for the log. No diagnostic file, not counted as a failure.
    """

    delay_s: float
    reason: str
    message: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.delay_s) or self.delay_s < 0:
            raise ValueError(f"Defer delay_s must be a finite number >= 0, not {self.delay_s!r}")
        if not self.reason:
            raise ValueError("Defer needs a reason (a short code such as 'credits')")


Outcome = Success[Any] | Failure | Defer


@runtime_checkable
class Stage(Protocol[R]):
    """The contract between a stage and the runner (see the module docstring)."""

    spec: StageSpec

    async def setup(self) -> None: ...

    async def aclose(self) -> None: ...

    async def work(self, item: ClaimedItem) -> Success[R] | Failure | Defer: ...

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, R]]
    ) -> None: ...

    async def on_terminal_failure(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, Failure]]
    ) -> None: ...


class BaseStage(Generic[R]):
    """Default lifecycle and hooks; a stage overrides ``work`` and usually ``record_success``."""

    spec: StageSpec

    async def setup(self) -> None:
        """Open shared resources (an HTTP client); called once before the first claim."""

    async def aclose(self) -> None:
        """Release what setup() opened; called once after the last record."""

    async def work(self, item: ClaimedItem) -> Success[R] | Failure | Defer:
        raise NotImplementedError

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, R]]
    ) -> None:
        """Write results for items whose lease the runner verified (idempotently)."""

    async def on_terminal_failure(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, Failure]]
    ) -> None:
        """Write anything a terminal failure must leave behind (counters, notes)."""


# --- phase 3 decisions (pure) --------------------------------------------------------------


def backoff_delay(
    attempt: int,
    *,
    base_s: float,
    max_s: float,
    jitter: float = 0.25,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds before retry number ``attempt`` (1 = after the first failure).

    ``base * 2**(attempt-1)``, capped at ``max_s``, then spread by +/- ``jitter`` so rows
    that failed together do not all come back together; never above ``max_s``.
    """
    exponent = min(max(attempt - 1, 0), 62)
    raw = min(max_s, base_s * 2.0**exponent)
    spread = raw * jitter * (2.0 * rand() - 1.0)
    return max(0.0, min(max_s, raw + spread))


Decision = Literal["success", "retry", "failure", "defer"]


def decide(
    spec: StageSpec, item: ClaimedItem, outcome: Outcome, rand: Callable[[], float] = random.random
) -> tuple[Decision, float]:
    """What phase 3 does with an outcome: success, a retry or a deferral after N seconds, or
    terminal."""
    if isinstance(outcome, Success):
        return "success", 0.0
    if isinstance(outcome, Defer):
        return "defer", min(outcome.delay_s, MAX_DEFER_S)
    if outcome.retryable and item.attempt < spec.max_attempts:
        delay = backoff_delay(
            item.attempt,
            base_s=spec.backoff_base_s,
            max_s=spec.backoff_max_s,
            jitter=spec.backoff_jitter,
            rand=rand,
        )
        return "retry", delay
    return "failure", 0.0


def describe_failure(item: ClaimedItem, spec: StageSpec, failure: Failure, final: bool) -> str:
    """The human-readable error stored on the row (the message capped, the outcome kept)."""
    message = failure.message.strip() or failure.category
    if len(message) > MAX_ERROR_CHARS:
        message = message[: MAX_ERROR_CHARS - 1] + "…"
    if not final:
        return f"{message} (attempt {item.attempt} of {spec.max_attempts}; will retry)"
    if not failure.retryable:
        return f"{message} (attempt {item.attempt}; not retryable)"
    return f"{message} (gave up after {item.attempt} attempts)"
