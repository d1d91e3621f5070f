"""Queue health for `scrapersky status`: rows by status, oldest due row, expired leases,
rows that failed at their attempt limit.

    report = await collect_status(status_specs(settings))
    report[0].by_status  # {"pending": 12, "processing": 3, "completed": 80, "error": 1}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import ENUM

from scrapersky.db.engine import Database
from scrapersky.db.queries.stage import queue_counts
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.stage import StageSpec


@dataclass
class StageStatus:
    stage: str
    table: str
    status_column: str
    by_status: dict[str, int]
    oldest_due_age_s: float | None  # how long the oldest due row has waited to be claimed
    expired_leases: int  # rows in processing whose worker is gone (reclaimed on next claim)
    at_max_attempts: int  # rows in the failure status that used every attempt
    max_attempts: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def collect_status(
    specs: Sequence[StageSpec], database: Database | None = None
) -> list[StageStatus]:
    """One short transaction: counts for every stage's queue."""
    report = []
    async with transaction(database) as session:
        for spec in specs:
            counts = await queue_counts(session, spec.target, max_attempts=spec.max_attempts)
            column_type = spec.table.c[spec.status_column].type
            labels = list(column_type.enums) if isinstance(column_type, ENUM) else []
            by_status = {label: counts.by_status.get(label, 0) for label in labels}
            report.append(
                StageStatus(
                    stage=spec.name,
                    table=spec.table.name,
                    status_column=spec.status_column,
                    by_status=by_status,
                    oldest_due_age_s=counts.oldest_due_age_s,
                    expired_leases=counts.expired_leases,
                    at_max_attempts=counts.at_max_attempts,
                    max_attempts=spec.max_attempts,
                )
            )
    return report


def format_age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"
