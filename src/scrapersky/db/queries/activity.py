"""What the stages are doing, read from the tables: counts by status, throughput, failures.

    stages = await stage_activity(session, QUEUES)   # pipeline.registry.QUEUES
    stages[0].by_status["error"], stages[0].failures_by_category[0].count

Each stage is described by its :class:`StageTarget` (table, status column, column prefix and
labels), the same declaration the stage runner claims with. Counts come straight from the
stage tables, so the view works whether or not a worker is running.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.queries.stage import StageTarget

RECENT_FAILURES = 10
CATEGORIES_SHOWN = 20
THROUGHPUT_WINDOWS_MIN = (1, 5, 60)  # minutes


@dataclass(frozen=True)
class FailureGroup:
    category: str
    count: int
    last_at: datetime | None
    example: str | None


@dataclass(frozen=True)
class RecentFailure:
    id: int
    item: str
    category: str | None
    error: str | None
    finished_at: datetime | None


@dataclass
class StageActivity:
    name: str
    label: str
    by_status: dict[str, int] = field(default_factory=dict)
    retrying: int = 0
    done_per_window: dict[int, int] = field(default_factory=dict)  # minutes -> completed
    failed_per_window: dict[int, int] = field(default_factory=dict)
    failures_by_category: list[FailureGroup] = field(default_factory=list)
    recent_failures: list[RecentFailure] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def stage_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


async def _one_stage(session: AsyncSession, name: str, spec: StageTarget) -> StageActivity:
    c = spec.table.c
    status = c[spec.status_column]
    error = c[f"{spec.prefix}_error"]
    category = c[f"{spec.prefix}_error_category"]
    finished = c[f"{spec.prefix}_finished_at"]
    item = c["url"] if "url" in c else c["domain"]  # what identifies an item to a person
    activity = StageActivity(name, stage_label(name))
    for value, n in await session.execute(select(status, func.count()).group_by(status)):
        activity.by_status[str(value)] = int(n)
    windows: list[Any] = []
    for minutes in THROUGHPUT_WINDOWS_MIN:
        since = func.now() - text(f"interval '{int(minutes)} minutes'")
        windows.append(func.count().filter(finished > since, status == spec.success))
        windows.append(func.count().filter(finished > since, status == spec.failure))
    retrying = func.count().filter(status == spec.queued, error.is_not(None))
    row = (await session.execute(select(retrying, *windows))).one()
    activity.retrying = int(row[0])
    for index, minutes in enumerate(THROUGHPUT_WINDOWS_MIN):
        activity.done_per_window[minutes] = int(row[1 + 2 * index])
        activity.failed_per_window[minutes] = int(row[2 + 2 * index])
    label = func.coalesce(category, "uncategorised")
    groups = (
        select(
            label.label("category"),
            func.count().label("n"),
            func.max(finished).label("last_at"),
            func.max(error).label("example"),
        )
        .where(status == spec.failure)
        .group_by(label)
        .order_by(func.count().desc(), label)
        .limit(CATEGORIES_SHOWN)
    )
    activity.failures_by_category = [
        FailureGroup(str(r.category), int(r.n), r.last_at, r.example)
        for r in await session.execute(groups)
    ]
    recent = (
        select(c.id, item.label("item"), category, error, finished)
        .where(status == spec.failure)
        .order_by(finished.desc().nulls_last(), c.id.desc())
        .limit(RECENT_FAILURES)
    )
    activity.recent_failures = [
        RecentFailure(int(r[0]), str(r[1]), r[2], r[3], r[4]) for r in await session.execute(recent)
    ]
    return activity


async def stage_activity(
    session: AsyncSession, targets: Mapping[str, StageTarget]
) -> list[StageActivity]:
    """Counts, throughput and failures of every stage (a handful of grouped statements)."""
    return [await _one_stage(session, name, spec) for name, spec in targets.items()]
